"""G6–G7: the daily focus slots (焦点图, 10:00–12:00 Beijing) of each vertical, and the theme
activity proposals.

Every day the job writes, for each vertical, the line of eligible agencies (G5 rows of the
previous month, ranked by vertical GMV) and offers the 10:00 and 11:00 hours to the first two
that can take them. An agency takes its hour by assigning creators of the vertical to its
slots, or declines; a declined or unanswered hour passes down the line. Every step is
idempotent: the line is written once per day and vertical, and an hour changes hands only
from the `offered` state, under its row lock.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import (
    Agency,
    AgencyComplaint,
    AgencyStatus,
    FocusHour,
    FocusHourStatus,
    FocusOffer,
    FocusOfferStatus,
    FocusSkipReason,
    FocusSlot,
    ThemeProposal,
    ThemeProposalStatus,
    VerticalEligibility,
)
from agencies.selectors import agency_managers, agency_vertical_creators
from core.exceptions import InvalidInput, NotAllowed, WrongSide
from core.months import month_first_day, next_month
from parties.models import Category, CreatorProfile, User
from parties.notifications import notify
from parties.selectors import manages_organization
from parties.services.sanctions import require_not_banned
from tasks.models import Dispute

FOCUS_HOURS = (10, 11)  # G6: 10:00–12:00, one hour per winner.
MIN_FOCUS_CREATORS = 5  # G6
THEME_WINDOW_DAYS = (10, 18)  # G7: proposals for next month from the 10th to the 18th.
MAX_THEME_PROPOSALS = 3  # per agency and month


def slots_per_hour() -> int:
    return int(getattr(settings, "FOCUS_SLOTS_PER_HOUR", 5))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _answer_deadline(day: date, now: datetime) -> datetime:
    """An offer is answered within FOCUS_ANSWER_HOURS, and by 09:30 of the day at the latest,
    so the banner is set half an hour before it goes up."""
    hours = int(getattr(settings, "FOCUS_ANSWER_HOURS", 4))
    return min(now + timedelta(hours=hours), _at(day, 9, 30))


def _blocked(agency_ref: str):
    """True where the agency (OuterRef `agency_ref`) has an open dispute on an order of one of
    its creators, or an open complaint: G6 skips it."""
    open_dispute = Dispute.objects.filter(
        resolved_at__isnull=True, order__creator__agency=OuterRef(agency_ref)
    )
    open_complaint = AgencyComplaint.objects.filter(
        agency=OuterRef(agency_ref), resolved_at__isnull=True
    )
    return Exists(open_dispute) | Exists(open_complaint)


def _line_skip_reason(agency: Agency, *, is_blocked: bool, category_id: int, month: date) -> str:
    if agency.status != AgencyStatus.ACTIVE:
        return FocusSkipReason.EXPELLED
    if is_blocked:
        return FocusSkipReason.DISPUTE_OR_COMPLAINT
    if (
        len(agency_vertical_creators(agency=agency, category_id=category_id, month=month))
        < MIN_FOCUS_CREATORS
    ):
        return FocusSkipReason.TOO_FEW_CREATORS
    return ""


def basis_month_for(day: date) -> date | None:
    """G5→G6: the line of a day ranks the latest computed month before the day's month.
    Usually the previous month; on the 1st and 2nd, before the assessment of the month
    just ended has run (01:00 on the 1st), the month before it."""
    return (
        VerticalEligibility.objects.filter(month__lt=month_first_day(day))
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )


@transaction.atomic
def focus_lines_build(*, day: date, now: datetime | None = None) -> int:
    """G6: write the day's line of each vertical and offer its hours. Returns the number of
    hours offered. A second run for the same day writes nothing."""
    now = now or timezone.now()
    month = basis_month_for(day)
    if month is None:
        return 0
    rows = (
        VerticalEligibility.objects.filter(month=month, is_eligible=True)
        .exclude(category_id__in=FocusOffer.objects.filter(day=day).values("category_id"))
        .select_related("agency")
        .annotate(is_blocked=_blocked("agency_id"))
        .order_by("category_id", "-vertical_gmv_fen", "agency_id")
    )
    lines: dict[int, list[FocusOffer]] = {}
    for row in rows:
        line = lines.setdefault(row.category_id, [])
        note = _line_skip_reason(
            row.agency, is_blocked=row.is_blocked, category_id=row.category_id, month=month
        )
        line.append(
            FocusOffer(
                day=day,
                category_id=row.category_id,
                agency=row.agency,
                rank=len(line) + 1,
                vertical_gmv_fen=row.vertical_gmv_fen,
                status=FocusOfferStatus.SKIPPED if note else FocusOfferStatus.WAITING,
                note=note,
                decided_at=now if note else None,
            )
        )
    offered = 0
    for category_id, line in lines.items():
        FocusOffer.objects.bulk_create(line)
        for hour in FOCUS_HOURS:
            # A theme slot (G7) may have created the hour already, holder-less.
            focus_hour, _created = FocusHour.objects.get_or_create(
                category_id=category_id, starts_at=_at(day, hour), defaults={"day": day}
            )
            focus_hour.basis_month = month
            focus_hour.save(update_fields=["basis_month"])
            if focus_hour.agency_id is None:
                offered += _offer_to_next(_lock_hour(focus_hour), now=now)
    return offered


def _offer_to_next(hour: FocusHour, *, now: datetime) -> int:
    """Caller holds the lock on `hour` (or just created it). Offer it to the first agency
    still waiting in the line; none left: the hour stays unfilled. Returns 1 if offered."""
    month = hour.basis_month
    if now >= _at(hour.day, 9, 30) or month is None:
        waiting = FocusOffer.objects.none()
    else:
        waiting = (
            FocusOffer.objects.select_for_update()
            .filter(day=hour.day, category_id=hour.category_id, status=FocusOfferStatus.WAITING)
            .select_related("agency__organization")
            .order_by("rank")
        )
    for offer in waiting:
        # Checked again now, not only when the line was written: a dispute may have opened.
        agency = offer.agency
        is_blocked = Agency.objects.filter(pk=agency.pk).filter(_blocked("pk")).exists()
        note = _line_skip_reason(
            agency, is_blocked=is_blocked, category_id=hour.category_id, month=month
        )
        if note:
            offer.status, offer.note, offer.decided_at = FocusOfferStatus.SKIPPED, note, now
            offer.save(update_fields=["status", "note", "decided_at"])
            continue
        offer.status, offer.hour = FocusOfferStatus.OFFERED, hour
        offer.save(update_fields=["status", "hour"])
        hour.agency, hour.status = agency, FocusHourStatus.OFFERED
        hour.respond_by = _answer_deadline(hour.day, now)
        hour.save(update_fields=["agency", "status", "respond_by"])
        notify(
            agency_managers(agency),
            "focus_hour_offered",
            category=hour.category.name,
            starts_at=hour.starts_at,
            deadline_at=hour.respond_by,
        )
        return 1
    hour.agency, hour.status, hour.respond_by = None, FocusHourStatus.UNFILLED, None
    hour.save(update_fields=["agency", "status", "respond_by"])
    return 0


def _lock_hour(hour: FocusHour) -> FocusHour:
    return FocusHour.objects.select_for_update().select_related("category").get(pk=hour.pk)


def _current_offer(hour: FocusHour) -> FocusOffer:
    return FocusOffer.objects.select_for_update().get(
        hour=hour, agency_id=hour.agency_id, status=FocusOfferStatus.OFFERED
    )


def _require_holder(hour: FocusHour, actor: User, now: datetime) -> None:
    if hour.agency_id is None or not manages_organization(
        user=actor, organization_id=hour.agency.organization_id
    ):
        raise WrongSide(_("Only the owner or an admin of the agency offered this hour can answer."))
    if hour.status != FocusHourStatus.OFFERED:
        raise NotAllowed(_("This hour is no longer open for an answer."), code="focus_hour_closed")
    if now >= hour.respond_by:
        raise NotAllowed(
            _("The time to answer this offer has passed; it goes to the next agency in line."),
            code="focus_offer_expired",
        )


@transaction.atomic
def focus_hour_assign(
    *, hour: FocusHour, actor: User, creators: list[CreatorProfile], now: datetime | None = None
) -> FocusHour:
    """G6: the agency takes its hour by putting at least 5 creators of the vertical, one per
    slot, on it."""
    now = now or timezone.now()
    hour = _lock_hour(hour)
    _require_holder(hour, actor, now)
    # S1/S2: a banned agency takes no slot (it may still decline, passing the hour on).
    require_not_banned(user=actor, organizations=[hour.agency.organization_id], now=now)
    chosen = list(dict.fromkeys(c.pk for c in creators))
    limit = slots_per_hour()
    if len(chosen) < MIN_FOCUS_CREATORS or len(chosen) > limit:
        message = _("Choose between %(min)d and %(max)d different creators of this vertical.") % {
            "min": MIN_FOCUS_CREATORS,
            "max": limit,
        }
        raise InvalidInput(message, fields={"creators": [message]})
    month = hour.basis_month
    allowed = {
        c.pk
        for c in agency_vertical_creators(
            agency=hour.agency, category_id=hour.category_id, month=month
        )
    }
    strangers = [pk for pk in chosen if pk not in allowed]
    if strangers:
        message = _(
            "Only creators signed to your agency whose main category is %(category)s can be "
            "chosen (not: %(ids)s)."
        ) % {"category": hour.category.name, "ids": ", ".join(map(str, strangers))}
        raise InvalidInput(message, fields={"creators": [message]})
    offer = _current_offer(hour)
    try:
        with transaction.atomic():
            FocusSlot.objects.bulk_create(
                FocusSlot(
                    hour=hour,
                    position=position,
                    agency=hour.agency,
                    creator_id=pk,
                    assigned_by=actor,
                )
                for position, pk in enumerate(chosen, start=1)
            )
    except IntegrityError:
        message = _("One of these creators already has a theme slot in this hour; choose another.")
        raise InvalidInput(message, fields={"creators": [message]}) from None
    offer.status, offer.decided_at = FocusOfferStatus.ACCEPTED, now
    offer.save(update_fields=["status", "decided_at"])
    hour.status = FocusHourStatus.ASSIGNED
    hour.save(update_fields=["status"])
    return hour


@transaction.atomic
def focus_hour_decline(*, hour: FocusHour, actor: User, now: datetime | None = None) -> FocusHour:
    """G6: the agency declines; the hour goes to the next in line."""
    now = now or timezone.now()
    hour = _lock_hour(hour)
    _require_holder(hour, actor, now)
    offer = _current_offer(hour)
    offer.status, offer.decided_at = FocusOfferStatus.DECLINED, now
    offer.save(update_fields=["status", "decided_at"])
    _offer_to_next(hour, now=now)
    return hour


def focus_offers_expire(*, now: datetime | None = None, limit: int = 200) -> int:
    """G6: hours offered and not answered in time pass down the line. Each hour in its own
    transaction, claimed with SKIP LOCKED, so two workers never pass one hour twice."""
    now = now or timezone.now()
    passed = 0
    for _i in range(limit):
        with transaction.atomic():
            hour = (
                FocusHour.objects.select_for_update(skip_locked=True)
                .select_related("category")
                .filter(status=FocusHourStatus.OFFERED, respond_by__lte=now)
                .order_by("respond_by", "pk")
                .first()
            )
            if hour is None:
                break
            offer = (
                FocusOffer.objects.select_for_update()
                .filter(hour=hour, agency_id=hour.agency_id, status=FocusOfferStatus.OFFERED)
                .first()
            )
            if offer is not None:
                offer.status, offer.decided_at = FocusOfferStatus.EXPIRED, now
                offer.save(update_fields=["status", "decided_at"])
            _offer_to_next(hour, now=now)
            passed += 1
    return passed


# --- theme activity proposals (G7) ----------------------------------------------------------


def theme_window(now: datetime) -> tuple[bool, date]:
    """G7: whether proposals are open now, and the month they are for (the next one)."""
    today = timezone.localdate(now)
    first, last = THEME_WINDOW_DAYS
    return first <= today.day <= last, next_month(today.replace(day=1))


@transaction.atomic
def theme_proposal_submit(
    *,
    agency: Agency,
    actor: User,
    category: Category,
    title: str,
    plan: str,
    now: datetime | None = None,
) -> ThemeProposal:
    """G7: an agency proposes a theme activity for next month, from the 10th to the 18th."""
    now = now or timezone.now()
    agency = Agency.objects.select_for_update().select_related("organization").get(pk=agency.pk)
    if not manages_organization(user=actor, organization_id=agency.organization_id):
        raise WrongSide(_("Only the agency's owner or an admin can submit proposals."))
    if agency.status != AgencyStatus.ACTIVE:
        raise NotAllowed(_("An expelled agency cannot submit proposals."), code="agency_inactive")
    require_not_banned(user=actor, organizations=[agency.organization_id], now=now)  # S1/S2
    is_open, month = theme_window(now)
    if not is_open:
        raise NotAllowed(
            _(
                "Theme proposals for next month are accepted from the 10th to the 18th of "
                "each month (Beijing time)."
            ),
            code="theme_window_closed",
        )
    errors = {}
    title, plan = (title or "").strip(), (plan or "").strip()
    if not title:
        errors["title"] = [_("Give the theme a title.")]
    elif len(title) > 100:
        errors["title"] = [_("The title has at most 100 characters.")]
    if len(plan) < 20:
        errors["plan"] = [_("Describe the plan in at least 20 characters.")]
    elif len(plan) > 4000:
        errors["plan"] = [_("The plan has at most 4,000 characters.")]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], fields=errors)
    if ThemeProposal.objects.filter(agency=agency, month=month).count() >= MAX_THEME_PROPOSALS:
        raise NotAllowed(
            _("An agency submits at most %(n)d proposals a month.") % {"n": MAX_THEME_PROPOSALS},
            code="too_many_proposals",
        )
    return ThemeProposal.objects.create(
        agency=agency,
        month=month,
        category=category,
        title=title,
        plan=plan,
        submitted_by=actor,
        submitted_at=now,
    )


@transaction.atomic
def theme_proposal_decide(
    *, proposal: ThemeProposal, actor: User, select: bool, now: datetime | None = None
) -> ThemeProposal:
    """G7: ops select (or pass over) a proposal once the window has closed."""
    if not actor.is_staff:
        raise WrongSide(_("Only ops staff select theme proposals."))
    now = now or timezone.now()
    proposal = (
        ThemeProposal.objects.select_for_update()
        .select_related("agency__organization")
        .get(pk=proposal.pk)
    )
    if proposal.status != ThemeProposalStatus.SUBMITTED:
        raise NotAllowed(_("This proposal has already been decided."), code="proposal_decided")
    proposal.status = ThemeProposalStatus.SELECTED if select else ThemeProposalStatus.NOT_SELECTED
    proposal.decided_by, proposal.decided_at = actor, now
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    notify(
        agency_managers(proposal.agency),
        "theme_selected" if select else "theme_not_selected",
        title=proposal.title,
        month=proposal.month.strftime("%Y-%m"),
    )
    return proposal


@transaction.atomic
def theme_slot_assign(
    *,
    proposal: ThemeProposal,
    actor: User,
    day: date,
    creator: CreatorProfile,
    now: datetime | None = None,
) -> FocusSlot:
    """G7: a selected proposal earns one focus slot: the agency picks a day of the activity
    month and one of its creators; the slot is added to that day's 10:00 hour."""
    now = now or timezone.now()
    proposal = (
        ThemeProposal.objects.select_for_update()
        .select_related("agency__organization")
        .get(pk=proposal.pk)
    )
    agency = proposal.agency
    if not manages_organization(user=actor, organization_id=agency.organization_id):
        raise WrongSide(_("Only the agency's owner or an admin can place its slot."))
    if proposal.status != ThemeProposalStatus.SELECTED:
        raise NotAllowed(
            _("Only a selected proposal earns a focus slot."), code="proposal_not_selected"
        )
    if FocusSlot.objects.filter(theme_proposal=proposal).exists():
        raise NotAllowed(_("This proposal's slot is already placed."), code="theme_slot_used")
    if agency.status != AgencyStatus.ACTIVE:
        raise NotAllowed(_("An expelled agency cannot use focus slots."), code="agency_inactive")
    errors = {}
    if not (proposal.month <= day < next_month(proposal.month)):
        errors["day"] = [
            _("Pick a day of %(month)s.") % {"month": proposal.month.strftime("%Y-%m")}
        ]
    elif _at(day, FOCUS_HOURS[0]) <= now:
        errors["day"] = [_("Pick a day whose banner has not gone up yet.")]
    if creator.agency_id != agency.pk:
        errors["creator"] = [_("Choose a creator signed to your agency.")]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], fields=errors)
    hour, _created = FocusHour.objects.get_or_create(
        category_id=proposal.category_id,
        starts_at=_at(day, FOCUS_HOURS[0]),
        defaults={"day": day, "status": FocusHourStatus.UNFILLED},
    )
    hour = _lock_hour(hour)
    taken = hour.slots.order_by("-position").values_list("position", flat=True).first() or 0
    try:
        with transaction.atomic():
            return FocusSlot.objects.create(
                hour=hour,
                # Theme slots come after the hour's own slots, so they never take one.
                position=max(taken, slots_per_hour()) + 1,
                agency=agency,
                creator=creator,
                theme_proposal=proposal,
                assigned_by=actor,
            )
    except IntegrityError:
        raise NotAllowed(
            _("This creator already has a slot in that hour; pick another day or creator."),
            code="creator_already_on_hour",
        ) from None


__all__ = [
    "FOCUS_HOURS",
    "focus_hour_assign",
    "focus_hour_decline",
    "focus_lines_build",
    "focus_offers_expire",
    "slots_per_hour",
    "theme_proposal_decide",
    "theme_proposal_submit",
    "theme_slot_assign",
    "theme_window",
]


@transaction.atomic
def complaints_resolve(*, complaints, actor: User) -> int:
    """G6: ops close complaints; the agency can hold focus hours again. Idempotent."""
    if not actor.is_staff:
        raise WrongSide(_("Only ops staff resolve complaints."))
    return complaints.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
