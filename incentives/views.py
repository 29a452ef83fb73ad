"""The 激励中心 (incentive centre) pages of the 视频号 programs (I1–I8): an account's programs and
why it can or cannot join them, the cold-start and benchmark applications, the applications'
stages, and the coupon wallet with its heating orders.

Thin, as the other apps' pages: reads through the selectors, each form through the one service
its API row calls with the same arguments (api.py), a refusal shown beside its field or at the
top of the form (core.forms.show_domain_error). Ids travel in the query or the form — never in
the path — and name the user's own objects only (the selectors answer 404 for anyone else's).
Paying and stopping a heating order take a confirmation step on the server: the page repeats
what will move, and only the confirmed form reaches the service.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.exceptions import DomainError
from core.forms import show_domain_error
from core.money import format_cny
from core.months import previous_month
from core.parsing import id_or_404
from parties.selectors import shop_get, shop_list

from . import selectors, services
from .forms import (
    BenchmarkForm,
    ColdStartForm,
    HeatingPayForm,
    HeatingStopForm,
    LiveAccountBindForm,
    hours_label,
)
from .models import (
    ApplicationStatus,
    GrowthTierKind,
    HeatingStatus,
    Program,
    ProgramCode,
    StageStatus,
)
from .policy import benchmark_policy
from .services.applications import cold_start_refusal
from .services.restrictions import is_restricted

# --- what the wallet's movements mean, in the reader's language (I8, I10) --------------------

# The reason codes the services write on a coupon transaction; a code not listed here yet is
# read by its kind (KIND_TEXT), never shown raw.
REASON_TEXT = {
    "cold_start_stage": gettext_lazy("Cold-start package: a stage was reached"),
    "benchmark_stage": gettext_lazy(
        "Benchmark case: the live reached a GMV tranche (usable for that live only)"
    ),
    "growth_award": gettext_lazy("Growth award for last month's lives"),
    "heating_paid": gettext_lazy("Paid for a heating order"),
    "heating_stopped": gettext_lazy(
        "A heating order stopped early: the unused coupons came back with their expiry"
    ),
    "coupons_expired": gettext_lazy("Expired before they were used"),
    "refund_rate_above_40": gettext_lazy(
        "Voided: a live's refunds were above 40 percent of its GMV, so grants stop for 30 days"
    ),
    "month_refund_rate_above_40": gettext_lazy(
        "Voided: the month's refunds were above 40 percent of its GMV, so grants stop for 30 days"
    ),
    "complaints_confirmed": gettext_lazy(
        "Voided: three complaints confirmed by the platform within 30 days"
    ),
    "counterfeit_confirmed": gettext_lazy("Counterfeit goods confirmed by the platform"),
    "closed_shop_confirmed": gettext_lazy("The shop was closed"),
    "cheating_confirmed": gettext_lazy("Cheating confirmed by the platform"),
    "account_barred": gettext_lazy("The account is barred from the programs"),
    "debt_set_off": gettext_lazy("Set off against the coupon debt"),
    "granted_by_ops": gettext_lazy("Granted by the platform"),
    "benchmark_live_short": gettext_lazy("Voided: the benchmark live was shorter than 5 hours"),
    "benchmark_tranche_reversed": gettext_lazy(
        "Reversed: seven days after the live, its GMV net of refunds no longer reached the tranche"
    ),
}
KIND_TEXT = {
    "grant": gettext_lazy("Coupons granted"),
    "use": gettext_lazy("Used for heating"),
    "return": gettext_lazy("Returned from heating"),
    "expiry": gettext_lazy("Expired"),
    "void": pgettext_lazy("coupons", "Voided"),
    "clawback": gettext_lazy("Clawed back"),
}
PROGRAM_NAMES = dict(ProgramCode.choices)

STAGE_CONDITIONS = {
    ProgramCode.COLD_START: {
        1: gettext_lazy("Granted at approval"),
        2: gettext_lazy(
            "The agreed live starts within 2 hours of the agreed time and lasts 2 hours or more"
        ),
        3: gettext_lazy(
            "A further live of 3 hours or more ends within 14 days of the agreed live, with "
            "¥1,000.00 or more GMV net of refunds seven days after it ended"
        ),
    },
    ProgramCode.BENCHMARK: {
        1: gettext_lazy("The live's paid GMV reaches 30 percent of the target"),
        2: gettext_lazy("The live's paid GMV reaches 60 percent of the target"),
        3: gettext_lazy("The live's paid GMV reaches 100 percent of the target"),
    },
}


# Reasons whose sentence names the stage, tranche, month or note of the movement (its params).
REASON_WITH_PARAMS = {
    ("cold_start_stage", "stage"): gettext_lazy("Cold-start package: stage %(stage)s reached"),
    ("benchmark_stage", "stage"): gettext_lazy(
        "Benchmark case: tranche %(stage)s reached by the live (usable for that live only)"
    ),
    ("growth_award", "month"): gettext_lazy("Growth award for %(month)s"),
    ("granted_by_ops", "note"): gettext_lazy("Granted by the platform: %(note)s"),
}
NAMES_ITS_PROGRAM = {"cold_start_stage", "benchmark_stage", "growth_award"}


def reason_text(entry) -> str:
    """A wallet movement as a sentence: its reason's text (with its stage, month or note when
    the movement carries them), or its kind's, with the program of a grant."""
    params = getattr(entry, "params", None) or {}
    text = next(
        (
            template % {key: params[key]}
            for (reason, key), template in REASON_WITH_PARAMS.items()
            if reason == entry.reason and params.get(key) not in (None, "")
        ),
        None,
    )
    text = text or REASON_TEXT.get(entry.reason) or KIND_TEXT.get(entry.kind)
    text = str(text or _("Coupon movement"))
    program = PROGRAM_NAMES.get(entry.program)
    if program and entry.kind == "grant" and entry.reason not in NAMES_ITS_PROGRAM:
        return f"{text} · {program}"
    return text


# --- who may use the pages, and which account --------------------------------------------


def _require_side(request) -> None:
    """I1: the programs are for creators and merchants (their shops); anyone else, not found."""
    if not (request.user.is_creator or request.user.is_merchant):
        raise Http404("The incentive centre is for creators and merchants.")


def _account(request):
    """The user's live account named by `account` in the query or the form (404 when it is not
    theirs), else their first; None when they have none yet."""
    account_id = id_or_404(request.POST.get("account") or request.GET.get("account"))
    if account_id is not None:
        return selectors.live_account_get(user=request.user, live_account_id=account_id)
    return selectors.live_accounts_of(user=request.user).first()


def _no_account(request):
    messages.info(request, _("Bind your 视频号 account first."))
    return redirect("incentive_home")


def _with_account(name: str, account) -> str:
    return f"{reverse(name)}?account={account.pk}"


def _local(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _refusal_fields(exc: DomainError, renamed: dict) -> DomainError:
    """A service's field names as the form calls them (`plan` is two inputs on the page)."""
    exc.fields = {renamed.get(key, key): value for key, value in (exc.fields or {}).items()}
    return exc


# --- 激励中心 home (I1, I2, I4, I6, I7) -------------------------------------------------------


def _percent(part: int, whole: int) -> int:
    return 0 if whole <= 0 else min(100, round(part * 100 / whole))


def _meters() -> list[dict]:
    """I4: each program's month as a bar: granted, then reserved, of the budget."""
    return [
        {
            "meter": meter,
            "name": PROGRAM_NAMES.get(meter.code, meter.name),
            "figures": {
                key: f"{getattr(meter, key):,}"
                for key in ("budget", "reserved", "granted", "remaining")
            },
            "granted_percent": _percent(meter.granted, meter.budget),
            "reserved_percent": _percent(meter.reserved, meter.budget),
        }
        for meter in selectors.program_meters()
    ]


def _growth(account) -> dict:
    """I6: the month so far against each task; the highest GMV tier is the one that pays."""
    progress = selectors.growth_progress(live_account=account)
    tiers = []
    for tier in progress.tiers:
        reached_value = (
            progress.lives_2h if tier.kind == GrowthTierKind.ACTIVITY else max(progress.net_fen, 0)
        )
        tiers.append({"tier": tier, "percent": _percent(reached_value, tier.threshold)})
    gmv_reached = [
        t.threshold for t in progress.tiers if t.kind == GrowthTierKind.GMV and t.reached
    ]
    last_month = previous_month(progress.month)
    return {
        "progress": progress,
        "last_month": last_month,
        "last_awards": selectors.growth_awards_of(live_account=account, month=last_month),
        "activity": [t for t in tiers if t["tier"].kind == GrowthTierKind.ACTIVITY],
        "gmv": [t for t in tiers if t["tier"].kind == GrowthTierKind.GMV],
        "gmv_paying": max(gmv_reached, default=None),
    }


def _account_card(account, applications, at) -> dict:
    """What one account can join today, and why not (I2, I6, I7, I9, I10)."""
    own = [a for a in applications if a.live_account_id == account.pk]
    waiting = {a.program.code for a in own if a.status == ApplicationStatus.SUBMITTED}
    barred = account.barred_at is not None
    restricted = not barred and is_restricted(account, at)
    return {
        "account": account,
        "window": selectors.cold_start_window(live_account=account, at=at),
        "cold_start_refusal": cold_start_refusal(account, at),
        "benchmark_waiting": ProgramCode.BENCHMARK in waiting,
        "barred": barred,
        "restricted": restricted,
        "growth": _growth(account),
        "applications": own[:3],
    }


def _bind_form(request, accounts):
    """The bind form when the user may still bind one: a creator without an account, or a
    merchant with a shop that has none (the shops to pick from). None otherwise."""
    user = request.user
    if user.is_merchant:
        bound = {a.shop_id for a in accounts if a.shop_id}
        shops = [s for s in shop_list(user=user) if s.pk not in bound]
        if not shops:
            return None
        return LiveAccountBindForm(
            request.POST if "bind" in request.POST else None, shops=shops, prefix="bind"
        )
    if any(a.creator_id for a in accounts):
        return None
    return LiveAccountBindForm(request.POST if "bind" in request.POST else None, prefix="bind")


@login_required
def home(request):
    _require_side(request)
    accounts = list(selectors.live_accounts_of(user=request.user))
    form = _bind_form(request, accounts)
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            shop = shop_get(user=request.user, shop_id=data["shop"]) if "shop" in data else None
            bound = services.live_account_bind(
                actor=request.user,
                finder_id=data["finder_id"],
                nickname=data["nickname"],
                has_brand_mark=data["has_brand_mark"],
                shop=shop,
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Your 视频号 account %(nickname)s is bound.") % {"nickname": bound.nickname},
            )
            return redirect("incentive_home")
    at = timezone.now()
    applications = list(selectors.applications_of(user=request.user))
    return render(
        request,
        "incentives/home.html",
        {
            "tab": "home",
            "bind_form": form,
            "has_shops": not request.user.is_merchant or bool(shop_list(user=request.user)),
            "cards": [_account_card(account, applications, at) for account in accounts],
            "meters": _meters(),
        },
    )


# --- applications (I2, I3, I7) ------------------------------------------------------------


@login_required
def cold_start(request):
    _require_side(request)
    account = _account(request)
    if account is None:
        return _no_account(request)
    form = ColdStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.cold_start_apply(
                actor=request.user,
                live_account=account,
                proposed_start=form.cleaned_data["proposed_start"],
                plan=form.plan(),
            )
        except DomainError as exc:
            show_domain_error(form, _refusal_fields(exc, {"plan": "long_term_plan"}))
        else:
            messages.success(
                request,
                _(
                    "Your cold-start application is submitted. The platform reviews it within "
                    "2 to 5 business days, by %(due)s at the latest."
                )
                % {"due": _local(application.review_overdue_at)},
            )
            return redirect("incentive_applications")
    at = timezone.now()
    return render(
        request,
        "incentives/cold_start.html",
        {
            "tab": "home",
            "account": account,
            "form": form,
            "refusal": cold_start_refusal(account, at),
            "window": selectors.cold_start_window(live_account=account, at=at),
        },
    )


@login_required
def benchmark(request):
    _require_side(request)
    account = _account(request)
    if account is None:
        return _no_account(request)
    form = BenchmarkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.benchmark_apply(
                actor=request.user,
                live_account=account,
                planned_start=form.cleaned_data["planned_start"],
                planned_hours=form.cleaned_data["planned_hours"],
                gmv_target_fen=form.cleaned_data["gmv_target"],
                goods=form.goods(),
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Your benchmark case is submitted. The platform reviews it and sets its pool."),
            )
            return redirect("incentive_applications")
    policy = benchmark_policy(Program.objects.get(code=ProgramCode.BENCHMARK))
    return render(
        request,
        "incentives/benchmark.html",
        {
            "tab": "home",
            "account": account,
            "form": form,
            "min_target": format_cny(policy["min_target_fen"]),
        },
    )


@login_required
def applications(request):
    _require_side(request)
    names = {a.pk: a.nickname for a in selectors.live_accounts_of(user=request.user)}
    rows = []
    for application in selectors.applications_of(user=request.user):
        conditions = STAGE_CONDITIONS.get(application.program.code, {})
        stages = [
            {"stage": stage, "condition": conditions.get(stage.number, "")}
            for stage in application.stages.all()
        ]
        rows.append(
            {
                "application": application,
                "account": names.get(application.live_account_id, ""),
                "program": PROGRAM_NAMES.get(application.program.code, ""),
                "is_benchmark": application.program.code == ProgramCode.BENCHMARK,
                "stages": stages,
                "granted": sum(
                    s.coupons for s in application.stages.all() if s.status == StageStatus.GRANTED
                ),
            }
        )
    return render(
        request,
        "incentives/applications.html",
        {"tab": "applications", "rows": rows, "now": timezone.now()},
    )


# --- the coupon wallet and heating orders (I8) -------------------------------------------


def _pay(request, account, form):
    """I8: pay a heating order, once the user confirmed the coupons and hours on the page."""
    hours, coupons = form.cleaned_data["hours"], form.cleaned_data["coupons"]
    if "confirm" not in request.POST:
        return {"kind": "pay", "hours": hours_label(hours), "coupons": coupons}
    try:
        services.heating_order_pay(
            actor=request.user, live_account=account, hours=hours, coupons=coupons
        )
    except DomainError as exc:
        show_domain_error(form, exc)
        return None
    messages.success(
        request,
        _("Heating is on for %(hours)s hours, paid with %(coupons)s coupons.")
        % {"hours": hours_label(hours), "coupons": coupons},
    )
    return redirect(_with_account("incentive_wallet", account))


def _stop(request, account, form):
    """I8: stop a running order early, once confirmed: the unused coupons return."""
    order = selectors.heating_order_get(user=request.user, order_id=form.cleaned_data["order"])
    used = form.cleaned_data["used"]
    if "confirm" not in request.POST:
        return {
            "kind": "stop",
            "order": order,
            "used": used,
            "returned": max(order.coupons - used, 0),
        }
    try:
        order = services.heating_order_stop(actor=request.user, order=order, used=used)
    except DomainError as exc:
        show_domain_error(form, exc)
        return None
    messages.success(
        request,
        _("The heating order is stopped: %(returned)s coupons are back in the wallet.")
        % {"returned": order.coupons - order.used},
    )
    return redirect(_with_account("incentive_wallet", order.live_account))


@login_required
def wallet(request):
    _require_side(request)
    account = _account(request)
    if account is None and request.method == "POST":
        raise Http404("No live account to pay or stop heating for.")  # nor any order of one
    if account is None:
        return _no_account(request)
    action = request.POST.get("action") if request.method == "POST" else None
    pay_form = HeatingPayForm(request.POST if action == "pay" else None, prefix="pay")
    stop_form = HeatingStopForm(request.POST if action == "stop" else None, prefix="stop")
    pending = None  # what waits for the user's confirmation
    if action == "pay" and pay_form.is_valid():
        pending = _pay(request, account, pay_form)
    elif action == "stop" and stop_form.is_valid():
        pending = _stop(request, account, stop_form)
    if pending is not None and not isinstance(pending, dict):
        return pending  # done: back to the wallet
    # The running order whose stop form is shown bound (its errors, or its confirmation).
    stop_order = id_or_404(request.POST.get("stop-order")) if action == "stop" else None
    wallet_read = selectors.coupon_wallet(live_account=account)
    orders = list(selectors.heating_orders_of(user=request.user).filter(live_account=account)[:50])
    for order in orders:
        order.returned_coupons = None if order.used is None else order.coupons - order.used
    return render(
        request,
        "incentives/wallet.html",
        {
            "tab": "wallet",
            "account": account,
            "accounts": list(selectors.live_accounts_of(user=request.user)),
            "wallet": wallet_read,
            "entries": [(entry, reason_text(entry)) for entry in wallet_read.entries],
            "orders": orders,
            "running": HeatingStatus.RUNNING,
            "pay_form": pay_form,
            "stop_form": stop_form,
            "stop_order": stop_order,
            "pending": pending if isinstance(pending, dict) else None,
        },
    )
