"""Browser pages of the parties. Thin: a form, one service call, a template."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from agencies.forms import (
    AppealForm,
    EndContractForm,
    FocusAssignForm,
    InviteForm,
    ThemeProposalForm,
    ThemeSlotForm,
)
from agencies.models import ContractStatus, FocusHourStatus, ThemeProposalStatus
from agencies.policy import (
    DEDUCTION_POINTS,
    EXPULSION_POINTS,
    MIN_ACTIVITY_PERCENT,
    MIN_SIGNED_CREATORS,
)
from agencies.services.assessment import agency_points_now
from agencies.services.focus import (
    MIN_FOCUS_CREATORS,
    THEME_WINDOW_DAYS,
    basis_month_for,
    slots_per_hour,
    theme_window,
)
from core.exceptions import DomainError
from core.forms import show_domain_error
from core.months import month_first_day, next_month, previous_month
from parties.selectors import creator_for_user, creator_get

from . import selectors, services


@login_required
def creator_agency(request):
    profile = creator_for_user(user=request.user)
    if profile is None:
        raise Http404("Only creator accounts have agency contracts.")
    return render(
        request,
        "creator/agency.html",
        {
            "profile": profile,
            "contracts": selectors.creator_contracts(creator=profile),
            "end_form": EndContractForm(),
        },
    )


AGENCY_TABS = [
    ("creators", gettext_lazy("Creators"), "agency_detail"),
    ("assessment", gettext_lazy("Assessment"), "agency_assessment"),
    ("focus", gettext_lazy("Focus slots"), "agency_focus"),
    ("themes", gettext_lazy("Theme proposals"), "agency_themes"),
]


FOCUS_LOOKBACK = timedelta(days=14)


def _agency_page(request, agency, *, tab: str, template: str, can_manage: bool, **context):
    tabs = [
        (name, label, reverse(url_name, args=[agency.pk])) for name, label, url_name in AGENCY_TABS
    ]
    return render(
        request,
        template,
        {"agency": agency, "tab": tab, "tabs": tabs, "can_manage": can_manage, **context},
    )


def _beijing(moment) -> str:
    """A time in messages as the tables show it: Beijing time, 2026-12-01 10:00."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _form_errors_as_messages(request, form) -> None:
    """For a refusal whose form is no longer on the page (the hour went to another agency)."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@login_required
def agency_detail(request, agency_id: int):
    """The creators tab: this month's figures of each signed creator (G1, G2), invitations
    and the contract history (C3)."""
    agency = selectors.agency_get(user=request.user, agency_id=agency_id)
    form = InviteForm(request.POST or None)
    can_manage = selectors.agency_can_manage(user=request.user, agency=agency)
    if request.method == "POST" and form.is_valid():
        try:
            creator = creator_get(creator_id=form.cleaned_data["creator"])
        except Http404:
            form.add_error("creator", _("No creator has this ID."))
        else:
            try:
                services.agency_invite(
                    agency=agency,
                    actor=request.user,
                    creator=creator,
                    message=form.cleaned_data["message"],
                )
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                messages.success(
                    request, _("%(name)s is invited.") % {"name": creator.display_name}
                )
                return redirect("agency_detail", agency_id=agency.pk)
    month = month_first_day(timezone.now())
    contracts = list(selectors.agency_contracts(agency=agency))
    return _agency_page(
        request,
        agency,
        tab="creators",
        template="agency/detail.html",
        can_manage=can_manage,
        month=month,
        creators=list(selectors.agency_creator_activity(agency=agency, month=month)),
        activity=selectors.agency_activity(agency=agency, month=month),
        open_invitations=[c for c in contracts if c.status == ContractStatus.INVITED],
        history=[c for c in contracts if c.status != ContractStatus.INVITED],
        form=form,
        end_form=EndContractForm(),
    )


@login_required
def agency_assessment(request, agency_id: int):
    """The assessment tab: monthly scores (G2), this year's points (G3, G4), the expulsion
    and its one appeal (G3)."""
    agency = selectors.agency_get(user=request.user, agency_id=agency_id)
    can_manage = selectors.agency_can_manage(user=request.user, agency=agency)
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.agency_appeal_submit(
                agency=agency, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("Your appeal is submitted; ops will decide it."))
            return redirect("agency_assessment", agency_id=agency.pk)
    expulsions = list(selectors.agency_expulsions(agency=agency))
    expulsion = next((e for e in expulsions if e.lifted_at is None), None)
    appeal = getattr(expulsion, "appeal", None)
    points = agency_points_now(agency)
    return _agency_page(
        request,
        agency,
        tab="assessment",
        template="agency/assessment.html",
        can_manage=can_manage,
        assessments=selectors.agency_assessments(agency=agency),
        expulsion=expulsion,
        past_expulsions=[e for e in expulsions if e.lifted_at is not None],
        appeal=appeal,
        # A refusal (a second appeal) keeps the form on the page to show why.
        show_appeal_form=bool(form.errors)
        or (can_manage and expulsion is not None and appeal is None),
        form=form,
        points=points,
        points_limit=EXPULSION_POINTS,
        points_percent=min(100, points * 100 // EXPULSION_POINTS),
        points_deduction=DEDUCTION_POINTS,
        year=timezone.localdate().year,
        min_signed=MIN_SIGNED_CREATORS,
        min_percent=MIN_ACTIVITY_PERCENT,
    )


def _focus_basis_month(hour) -> date:
    """The month whose creators of the vertical may take the hour: the one its line was
    ranked on (the service checks against the same month)."""
    return hour.basis_month or previous_month(month_first_day(hour.day))


def _focus_page(request, agency, *, bound_hour_id: int | None = None, bound_form=None):
    can_manage = selectors.agency_can_manage(user=request.user, agency=agency)
    now = timezone.now()
    today = timezone.localdate(now)
    hours = list(selectors.agency_focus_hours(agency=agency, since=today - FOCUS_LOOKBACK))
    eligible_by_line: dict = {}
    for hour in hours:
        hour.is_answerable = (
            hour.status == FocusHourStatus.OFFERED
            and hour.respond_by is not None
            and now < hour.respond_by
        )
        hour.ends_at = hour.starts_at + timedelta(hours=1)
        hour.basis = _focus_basis_month(hour)
        hour.assign_form = None
        if hour.pk == bound_hour_id:
            hour.assign_form, bound_form = bound_form, None
        elif can_manage and hour.is_answerable:
            line = (hour.category_id, hour.basis)
            if line not in eligible_by_line:
                eligible_by_line[line] = selectors.agency_vertical_creators(
                    agency=agency, category_id=line[0], month=line[1]
                )
            hour.assign_form = FocusAssignForm(
                creators=eligible_by_line[line], prefix=f"hour-{hour.pk}"
            )
    if bound_form is not None:
        _form_errors_as_messages(request, bound_form)
    # The month today's lines rank: the previous one, or the one before it on the 1st and
    # 2nd until the month just ended is scored.
    last_month = basis_month_for(today) or previous_month(month_first_day(today))
    return _agency_page(
        request,
        agency,
        tab="focus",
        template="agency/focus.html",
        can_manage=can_manage,
        hours=hours,
        verticals=selectors.agency_verticals(agency=agency, month=last_month),
        last_month=last_month,
        offers=selectors.agency_focus_offers(agency=agency, since=today - FOCUS_LOOKBACK),
        min_creators=MIN_FOCUS_CREATORS,
        slots_per_hour=slots_per_hour(),
    )


@login_required
def agency_focus(request, agency_id: int):
    """The focus slots tab: last month's vertical eligibility (G5), the hours offered to the
    agency and the creators on the hours it took (G6)."""
    agency = selectors.agency_get(user=request.user, agency_id=agency_id)
    return _focus_page(request, agency)


@login_required
@require_POST
def agency_focus_assign(request, agency_id: int, hour_id: int):
    agency = selectors.agency_get(user=request.user, agency_id=agency_id)
    hour = selectors.agency_focus_hour_get(agency=agency, hour_id=hour_id)
    creators = selectors.agency_vertical_creators(
        agency=agency,
        category_id=hour.category_id,
        month=_focus_basis_month(hour),
    )
    form = FocusAssignForm(request.POST, creators=creators, prefix=f"hour-{hour.pk}")
    if form.is_valid():
        try:
            services.focus_hour_assign(
                hour=hour, actor=request.user, creators=form.chosen_creators()
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Your creators are on the %(category)s banner at %(starts_at)s.")
                % {
                    "category": hour.category.name,
                    "starts_at": _beijing(hour.starts_at),
                },
            )
            return redirect("agency_focus", agency_id=agency.pk)
    return _focus_page(request, agency, bound_hour_id=hour.pk, bound_form=form)


@login_required
@require_POST
def agency_focus_decline(request, agency_id: int, hour_id: int):
    agency = selectors.agency_get(user=request.user, agency_id=agency_id)
    hour = selectors.agency_focus_hour_get(agency=agency, hour_id=hour_id)
    try:
        services.focus_hour_decline(hour=hour, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You declined the hour; it goes to the next agency in line."))
    return redirect("agency_focus", agency_id=agency.pk)


def _themes_page(
    request, agency, *, form=None, bound_proposal_id: int | None = None, bound_form=None
):
    can_manage = selectors.agency_can_manage(user=request.user, agency=agency)
    now = timezone.now()
    is_open, month = theme_window(now)
    # Closed after the 18th: the next window opens on the 10th of next month, for the month
    # after it.
    today = timezone.localdate(now)
    opens_on = today.replace(day=THEME_WINDOW_DAYS[0])
    if today.day > THEME_WINDOW_DAYS[1]:
        opens_on = next_month(today.replace(day=1)).replace(day=THEME_WINDOW_DAYS[0])
    proposals = list(selectors.agency_theme_proposals(agency=agency))
    creators = None
    for proposal in proposals:
        proposal.placed_slot = getattr(proposal, "slot", None)
        proposal.slot_form = None
        if proposal.pk == bound_proposal_id:
            proposal.slot_form, bound_form = bound_form, None
        elif (
            can_manage
            and proposal.status == ThemeProposalStatus.SELECTED
            and proposal.placed_slot is None
        ):
            if creators is None:
                creators = list(selectors.agency_signed_creators(agency=agency))
            proposal.slot_form = ThemeSlotForm(
                creators=creators, month=proposal.month, prefix=f"slot-{proposal.pk}"
            )
    if bound_form is not None:
        _form_errors_as_messages(request, bound_form)
    if form is None:
        form = ThemeProposalForm()
    return _agency_page(
        request,
        agency,
        tab="themes",
        template="agency/themes.html",
        can_manage=can_manage,
        is_open=is_open,
        month=month,
        opens_on=opens_on,
        opens_for=next_month(opens_on.replace(day=1)),
        proposals=proposals,
        form=form,
        # Outside the window the form is hidden, unless it carries the refusal to show.
        show_form=bool(form.errors) or (can_manage and is_open),
    )


@login_required
def agency_themes(request, agency_id: int):
    """The theme proposals tab (G7): the window, the agency's proposals and their slots."""
    agency = selectors.agency_get(user=request.user, agency_id=agency_id)
    form = ThemeProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.theme_proposal_submit(
                agency=agency, actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Your proposal for %(month)s is submitted.")
                % {"month": proposal.month.strftime("%Y-%m")},
            )
            return redirect("agency_themes", agency_id=agency.pk)
    return _themes_page(request, agency, form=form)


@login_required
@require_POST
def agency_theme_slot(request, agency_id: int, proposal_id: int):
    agency = selectors.agency_get(user=request.user, agency_id=agency_id)
    proposal = selectors.agency_theme_proposal_get(agency=agency, proposal_id=proposal_id)
    creators = list(selectors.agency_signed_creators(agency=agency))
    form = ThemeSlotForm(
        request.POST, creators=creators, month=proposal.month, prefix=f"slot-{proposal.pk}"
    )
    if form.is_valid():
        try:
            slot = services.theme_slot_assign(
                proposal=proposal,
                actor=request.user,
                day=form.cleaned_data["day"],
                creator=form.chosen_creator(),
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is on the %(category)s banner at %(starts_at)s.")
                % {
                    "name": slot.creator.display_name,
                    "category": proposal.category.name,
                    "starts_at": _beijing(slot.hour.starts_at),
                },
            )
            return redirect("agency_themes", agency_id=agency.pk)
    return _themes_page(request, agency, bound_proposal_id=proposal.pk, bound_form=form)


CONTRACT_ACTIONS = {
    "accept": (services.contract_accept, gettext_lazy("You are signed to the agency.")),
    "decline": (services.contract_decline, gettext_lazy("The invitation is declined.")),
    "withdraw": (services.invitation_withdraw, gettext_lazy("The invitation is withdrawn.")),
    "end": (services.contract_end, gettext_lazy("The contract is ended.")),
}


@login_required
@require_POST
def contract_action(request, contract_id: int, action: str):
    contract = selectors.contract_get(user=request.user, contract_id=contract_id)
    service, done = CONTRACT_ACTIONS[action]
    kwargs = {"contract": contract, "actor": request.user}
    if action == "end":
        form = EndContractForm(request.POST)
        kwargs["reason"] = form.data.get("reason", "")[:200]
    try:
        service(**kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(done))
    if contract.creator.user_id == request.user.pk:
        return redirect("creator_agency")
    return redirect("agency_detail", agency_id=contract.agency_id)
