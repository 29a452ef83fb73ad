"""Pages of service providers (P1–P7): the admission form in steps, the provider's workspace,
the documents' downloads, merchants' delegations and closing reports.

Thin: read through selectors, act through one service per form, show a service's refusal next
to its field (core.forms.show_domain_error)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.exceptions import DomainError
from core.forms import show_domain_error
from core.money import format_cny
from parties.models import ProviderStatus
from parties.selectors import delegated_shops, manages_organization, shop_list

from . import reports, selectors, services
from .files import document_response
from .forms import (
    CompanyForm,
    DelegationForm,
    DocumentForm,
    OwnPlatformForm,
    PerformanceForm,
    ReportFilterForm,
)
from .models import ApplicationStatus, CertificationPlatform, DocumentKind

# The steps of the admission form: (name, title, url name, the problem keys it fixes).
STEPS = [
    (
        "company",
        gettext_lazy("Type and company"),
        "provider_apply_company",
        {
            "types",
            "company_name",
            "registered_on",
            "registered_capital_fen",
            "employee_count",
            "business_scope",
        },
    ),
    (
        "documents",
        gettext_lazy("Documents"),
        "provider_apply_documents",
        {"intro", "license", "office_video", "certification", "own_platform_name"},
    ),
    (
        "performance",
        gettext_lazy("Taobao Union"),
        "provider_apply_performance",
        {
            "union_account_id",
            "union_avg_monthly_gmv_fen",
            "union_violation_points",
            "has_associated_cheating",
        },
    ),
    ("review", gettext_lazy("Review and submit"), "provider_apply_review", set()),
]
STEP_OF_PROBLEM = {key: name for name, _title, _url, keys in STEPS for key in keys}


# --- who may apply ---------------------------------------------------------------------------


def _creator_refusal(request):
    """P1/A1: a merchant or creator account cannot be a provider's staff; say so, and what to
    do instead."""
    return render(request, "providers/refused.html", status=403)


def _editable_application(request):
    """(application, None) for the user's provider's open application, or (None, a response):
    the start of the form, the creator's refusal, or the workspace when it is under review."""
    provider = selectors.provider_for_user(user=request.user)
    if provider is None:
        if request.user.side:
            return None, _creator_refusal(request)
        return None, redirect("provider_apply_company")
    application = selectors.application_current(provider=provider)
    if application is None:
        raise Http404("This provider has no application.")
    if application.status not in services.EDITABLE:
        messages.info(
            request,
            _("The application is %(status)s; it cannot be changed now.")
            % {"status": application.get_status_display()},
        )
        return None, redirect("provider_home")
    return application, None


def _show_refusal(form, exc: DomainError) -> None:
    exc.fields = form.service_errors(exc.fields)
    show_domain_error(form, exc)


# --- the checklist (P4) ----------------------------------------------------------------------


def _requirements(application) -> list[tuple[str, str]]:
    """The admission rules that apply to this application, as (problem key, requirement)."""
    seeding, performance = application.is_seeding, application.is_performance
    rows = [
        ("types", _("Provider type: seeding, performance or both")),
        ("company_name", _("Company name as on the business license")),
        ("registered_on", _("Company registered for one year or more")),
        (
            "registered_capital_fen",
            _("Registered capital of at least %(amount)s")
            % {"amount": format_cny(services.MIN_CAPITAL_FEN)},
        ),
        (
            "employee_count",
            _("%(count)d or more employees") % {"count": services.MIN_EMPLOYEES},
        ),
    ]
    scope = []
    if seeding:
        scope.append(_("“%(word)s” (advertising)") % {"word": services.SEEDING_SCOPE})
    if performance:
        scope.append(_("“%(word)s” (content seeding)") % {"word": services.PERFORMANCE_SCOPE})
    if scope:
        rows.append(
            ("business_scope", _("Business scope includes %(words)s") % {"words": ", ".join(scope)})
        )
    rows += [
        ("intro", _("Company introduction (PDF, PPT or PPTX)")),
        ("license", _("Business license scan (JPG, PNG or PDF)")),
        ("office_video", _("Office video of the fixed office (MP4)")),
    ]
    if seeding:
        rows.append(
            (
                "certification",
                _("Proof of certified service provider status on a content platform"),
            )
        )
        has_own_platform = any(
            d.kind == DocumentKind.CERTIFICATION and d.platform == CertificationPlatform.OWN_KOC
            for d in application.documents.all()
        )
        if has_own_platform:
            rows.append(("own_platform_name", _("Name of your own KOC task platform")))
    if performance:
        rows += [
            ("union_account_id", _("Taobao Union enterprise account")),
            (
                "union_avg_monthly_gmv_fen",
                _("Average monthly GMV of at least %(amount)s")
                % {"amount": format_cny(services.MIN_UNION_GMV_FEN)},
            ),
            ("union_violation_points", _("No active violation points on the Union account")),
            ("has_associated_cheating", _("No cheating history of associated accounts")),
        ]
    return rows


def _checklist(application, problems: dict) -> list[dict]:
    """P4: each requirement met or failing with the service's message and where to fix it."""
    step_urls = {name: reverse(url) for name, _title, url, _keys in STEPS}
    rows = []
    seen = set()
    for key, requirement in _requirements(application):
        seen.add(key)
        rows.append(
            {
                "key": key,
                "requirement": requirement,
                "messages": problems.get(key, []),
                "url": step_urls[STEP_OF_PROBLEM.get(key, "company")],
            }
        )
    for key, failing in problems.items():  # a rule the list above does not name yet
        if key not in seen:
            rows.append(
                {
                    "key": key,
                    "requirement": key,
                    "messages": failing,
                    "url": step_urls[STEP_OF_PROBLEM.get(key, "company")],
                }
            )
    return rows


def _steps(application, current: str, problems: dict) -> list[dict]:
    steps = []
    for number, (name, title, url, keys) in enumerate(STEPS, start=1):
        skipped = (
            name == "performance" and application is not None and not application.is_performance
        )
        steps.append(
            {
                "number": number,
                "name": name,
                "title": title,
                "url": reverse(url),
                "is_current": name == current,
                "is_done": application is not None
                and bool(keys)
                and not skipped
                and not (keys & problems.keys()),
                "is_skipped": skipped,
                "is_reachable": application is not None or name == "company",
            }
        )
    return steps


def _next_step_after_documents(application) -> str:
    return "provider_apply_performance" if application.is_performance else "provider_apply_review"


def _apply_context(request, application, current: str, problems: dict, **extra) -> dict:
    provider = application.provider if application else None
    return {
        "application": application,
        "provider": provider,
        "steps": _steps(application, current, problems),
        "can_manage": provider is None
        or selectors.is_provider_manager(user=request.user, provider=provider),
        **extra,
    }


# --- the admission form (P1–P4) --------------------------------------------------------------


@login_required
def apply_start(request):
    """/providers/apply/: the first step that still needs work."""
    application, response = _editable_application(request)
    if response is not None:
        return response
    problems = services.application_problems(application)
    for name, _title, url, keys in STEPS:
        if name == "performance" and not application.is_performance:
            continue
        if keys & problems.keys():
            return redirect(url)
    return redirect("provider_apply_review")


@login_required
def apply_company(request):
    """Step 1 (P1–P3): the provider's type and company facts. A user without a provider starts
    its application here (provider_application_start)."""
    provider = selectors.provider_for_user(user=request.user)
    application = None
    if provider is None:
        if request.user.side:
            return _creator_refusal(request)
    else:
        application, response = _editable_application(request)
        if response is not None:
            return response
    problems = services.application_problems(application) if application else {}
    form = CompanyForm(
        request.POST or None, initial=CompanyForm.initial_from(application), hints=problems
    )
    if request.method == "POST" and form.is_valid():
        try:
            if application is None:
                # Starting and saving the first step are one change: a refused step leaves no
                # provider behind.
                with transaction.atomic():
                    started = services.provider_application_start(
                        actor=request.user, company_name=form.cleaned_data["company_name"]
                    )
                    services.provider_application_update(
                        application=started, actor=request.user, **form.facts()
                    )
            else:
                services.provider_application_update(
                    application=application, actor=request.user, **form.facts()
                )
        except DomainError as exc:
            _show_refusal(form, exc)
        else:
            messages.success(request, _("Saved. Next: upload the documents."))
            return redirect("provider_apply_documents")
    return render(
        request,
        "providers/apply_company.html",
        _apply_context(request, application, "company", problems, form=form),
    )


def _document_sections(application, problems: dict, bound_form=None) -> list[dict]:
    documents = list(application.documents.all())
    sections = []
    for kind, label in DocumentKind.choices:
        # Certification proofs are the seeding providers' (P2); shown to others only to remove.
        is_unneeded = kind == DocumentKind.CERTIFICATION and not application.is_seeding
        if is_unneeded and not any(d.kind == kind for d in documents):
            continue
        form = bound_form if bound_form is not None and bound_form.kind == kind else None
        sections.append(
            {
                "kind": kind,
                "label": label,
                "form": form or DocumentForm(kind=kind),
                "documents": [d for d in documents if d.kind == kind],
                "hints": problems.get(kind, []),
                "many": kind == DocumentKind.CERTIFICATION,
            }
        )
    return sections


@login_required
def apply_documents(request):
    """Step 2 (P2–P4): upload each document; the service judges the bytes, and a refusal shows
    under the file field with nothing stored."""
    application, response = _editable_application(request)
    if response is not None:
        return response
    problems = services.application_problems(application)
    bound_form = None
    own_form = OwnPlatformForm(
        initial={"own_platform_name": application.own_platform_name}, hints=problems
    )
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "upload" and request.POST.get("kind") in DocumentKind.values:
            kind = request.POST["kind"]
            bound_form = DocumentForm(request.POST, request.FILES, kind=kind)
            if bound_form.is_valid():
                try:
                    document = services.provider_document_add(
                        application=application,
                        actor=request.user,
                        kind=kind,
                        file=bound_form.cleaned_data["file"],
                        platform=bound_form.cleaned_data.get("platform") or "",
                    )
                except DomainError as exc:
                    show_domain_error(bound_form, exc)
                else:
                    messages.success(
                        request,
                        _("“%(name)s” is uploaded.") % {"name": document.original_name},
                    )
                    return redirect("provider_apply_documents")
        elif action == "own_platform":
            own_form = OwnPlatformForm(request.POST, hints=problems)
            if own_form.is_valid():
                try:
                    services.provider_application_update(
                        application=application,
                        actor=request.user,
                        own_platform_name=own_form.cleaned_data["own_platform_name"],
                    )
                except DomainError as exc:
                    _show_refusal(own_form, exc)
                else:
                    messages.success(request, _("Saved."))
                    return redirect("provider_apply_documents")
        else:
            return HttpResponseNotAllowed(["GET"])
    has_own_platform = any(
        d.kind == DocumentKind.CERTIFICATION and d.platform == CertificationPlatform.OWN_KOC
        for d in application.documents.all()
    )
    return render(
        request,
        "providers/apply_documents.html",
        _apply_context(
            request,
            application,
            "documents",
            problems,
            sections=_document_sections(application, problems, bound_form),
            own_form=own_form,
            show_own_form=application.is_seeding
            and (has_own_platform or application.own_platform_name or own_form.is_bound),
            next_url=reverse(_next_step_after_documents(application)),
        ),
    )


@login_required
@require_POST
def document_remove(request, document_id: int):
    document = selectors.document_get(user=request.user, document_id=document_id)
    name = document.original_name
    try:
        services.provider_document_remove(document=document, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("“%(name)s” is removed.") % {"name": name})
    return redirect("provider_apply_documents")


@login_required
def document_download(request, document_id: int):
    """P3: a document, as a download, to its applicant's members and to ops (404 otherwise).
    The content type is the one detected from its bytes, never the browser's or the name's."""
    document = selectors.document_get(user=request.user, document_id=document_id)
    return document_response(document)


@login_required
def apply_performance(request):
    """Step 3 (P3): the Taobao Union facts, for performance providers only."""
    application, response = _editable_application(request)
    if response is not None:
        return response
    problems = services.application_problems(application)
    form = None
    if application.is_performance:
        form = PerformanceForm(
            request.POST or None,
            initial=PerformanceForm.initial_from(application),
            hints=problems,
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.provider_application_update(
                    application=application, actor=request.user, **form.facts()
                )
            except DomainError as exc:
                _show_refusal(form, exc)
            else:
                messages.success(request, _("Saved. Next: review and submit."))
                return redirect("provider_apply_review")
    elif request.method == "POST":
        return redirect("provider_apply_review")
    return render(
        request,
        "providers/apply_performance.html",
        _apply_context(request, application, "performance", problems, form=form),
    )


@login_required
def apply_review(request):
    """Step 4 (P4): every rule met (✓) or failing with how to fix it; submit for review."""
    application, response = _editable_application(request)
    if response is not None:
        return response
    problems = services.application_problems(application)
    refusal = None
    if request.method == "POST":
        try:
            services.provider_application_submit(application=application, actor=request.user)
        except DomainError as exc:
            refusal = exc.message
            if exc.fields:
                problems = exc.fields
        else:
            messages.success(
                request, _("Your application is submitted. Ops review it and answer here.")
            )
            return redirect("provider_home")
    checklist = _checklist(application, problems)
    return render(
        request,
        "providers/apply_review.html",
        _apply_context(
            request,
            application,
            "review",
            problems,
            checklist=checklist,
            failing=sum(1 for row in checklist if row["messages"]),
            refusal=refusal,
            documents=list(application.documents.all()),
        ),
        status=400 if refusal else 200,
    )


# --- the provider's workspace ----------------------------------------------------------------


@login_required
def home(request):
    """The provider's workspace: the application's status, ops' decisions and, once admitted,
    the merchants that delegated their tasks to it (P6) with their tasks, orders and reports."""
    provider = selectors.provider_for_user(user=request.user)
    if provider is None:
        if request.user.side:
            return _creator_refusal(request)
        return redirect("provider_apply_company")
    application = selectors.application_current(provider=provider)
    problems = {}
    if application is not None and application.status in services.EDITABLE:
        problems = services.application_problems(application)
    shops = list(delegated_shops(user=request.user))
    delegated_ids = {shop.pk for shop in shops}
    delegations = [
        d for d in selectors.delegation_list(user=request.user) if d.provider_id == provider.pk
    ]
    for delegation in delegations:
        delegation.is_usable = delegation.is_active and delegation.shop_id in delegated_ids
    return render(
        request,
        "providers/home.html",
        {
            "provider": provider,
            "application": application,
            "problem_count": sum(len(m) for m in problems.values()),
            "decisions": list(selectors.provider_decisions(provider=provider)[:50]),
            "can_manage": selectors.is_provider_manager(user=request.user, provider=provider),
            "is_admitted": provider.status == ProviderStatus.ADMITTED,
            "delegations": delegations,
            "shops": shops,
            "S": ApplicationStatus,
        },
    )


# --- merchants' delegations (P6) -------------------------------------------------------------


@login_required
def delegations(request):
    """P6: a shop's owner or admin lets an admitted provider manage its tasks, and revokes it;
    the shop's staff read the list."""
    shops = list(shop_list(user=request.user))
    if not shops:
        if request.user.is_merchant:
            messages.info(request, _("Register a shop first: providers work for a shop."))
            return redirect("shop_new")
        raise Http404("Delegations are made by merchants' shops.")
    managed = [
        shop
        for shop in shops
        if manages_organization(user=request.user, organization_id=shop.organization_id)
    ]
    form = DelegationForm(
        request.POST or None, shops=managed, providers=list(selectors.admitted_providers())
    )
    if request.method == "POST" and form.is_valid():
        shop, provider = form.chosen()
        try:
            services.delegation_grant(shop=shop, actor=request.user, provider=provider)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("%(provider)s now manages the tasks of %(shop)s.")
                % {"provider": provider.organization.name, "shop": shop.organization.name},
            )
            return redirect("provider_delegations")
    managed_ids = {shop.pk for shop in managed}
    rows = [
        {
            "shop": shop,
            "can_manage": shop.pk in managed_ids,
            "delegations": list(selectors.shop_delegations(shop=shop)),
        }
        for shop in shops
    ]
    return render(
        request,
        "providers/delegations.html",
        {"form": form, "rows": rows, "can_grant": bool(managed)},
    )


@login_required
@require_POST
def delegation_revoke(request, delegation_id: int):
    delegation = selectors.delegation_get(user=request.user, delegation_id=delegation_id)
    try:
        services.delegation_revoke(delegation=delegation, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(provider)s no longer manages the tasks of %(shop)s.")
            % {
                "provider": delegation.provider.organization.name,
                "shop": delegation.shop.organization.name,
            },
        )
    return redirect("provider_delegations")


# --- closing reports (P7) --------------------------------------------------------------------


REPORT_FIELDS = {"task_ids": "tasks"}  # the service's field names → the filter form's


def _report_shop(user, shop_id: int):
    """The shop's members and the staff of the provider it delegated to read its reports;
    anyone else gets 404 (A3, P6)."""
    shop = shop_list(user=user).filter(pk=shop_id).first()
    if shop is None:
        shop = delegated_shops(user=user).filter(pk=shop_id).first()
    if shop is None:
        raise Http404("No such shop.")
    return shop


@login_required
def report(request, shop_id: int):
    """P7: the closing report of a shop's campaign (a period or some tasks), on the page and as
    PDF or Excel downloads."""
    shop = _report_shop(request.user, shop_id)
    form = ReportFilterForm(request.GET or None)
    closing = None
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        try:
            closing = reports.closing_report(
                shop=shop,
                start=data.get("start"),
                end=data.get("end"),
                task_ids=data.get("tasks"),
            )
        except DomainError as exc:
            exc.fields = {
                REPORT_FIELDS.get(name, name): errors for name, errors in exc.fields.items()
            }
            show_domain_error(form, exc)
    extension = request.GET.get("format")
    if closing is not None and extension in ("pdf", "xlsx"):
        return reports.report_download(closing, extension)
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "providers/report.html",
        {
            "shop": shop,
            "form": form,
            "report": closing,
            "query": query.urlencode(),
        },
        status=200 if closing is not None else 400,
    )
