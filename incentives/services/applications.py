"""Cold-start applications (I2, I3, I5): submitted by the account's owner, reviewed by ops
within 2–5 mainland business days, approved with an agreed start and the package reserved."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.business_days import add_business_days
from core.exceptions import InvalidInput, NotAllowed, WrongSide
from core.money import format_cny
from parties.models import User
from parties.notifications import notify

from ..models import (
    ApplicationStatus,
    ChannelsSession,
    IncentiveApplication,
    LiveAccount,
    Program,
    ProgramCode,
    Stage,
    StageStatus,
)
from ..policy import benchmark_policy, benchmark_pool, cold_start_stages, tranche_coupons
from ..selectors import account_owners as owners
from .coupons import coupons_grant, month_open, reservation_take
from .restrictions import is_restricted

NEW_ACCOUNT_WINDOW = timedelta(days=30)  # I2: the first live within the last 30 days …
DORMANT_WINDOW = timedelta(days=60)  # … or no live in the last 60 days
REAPPLY_AFTER = timedelta(days=30)  # I3: a rejected account may apply again after 30 days
DUE_BUSINESS_DAYS, OVERDUE_BUSINESS_DAYS = 2, 5  # I3
AGREED_START_MIN, AGREED_START_MAX = timedelta(days=1), timedelta(days=14)  # I3
MAX_PLAN = 2000
MAX_REASON = 500


class NotEligible(NotAllowed):
    """I2/I3: the account may not apply now; `code` names the condition that failed."""


def _clean_plan(plan) -> dict:
    if isinstance(plan, str):
        plan = {"long_term_plan": plan}
    if not isinstance(plan, dict):
        raise InvalidInput(_("Describe the plan."), fields={"plan": [_("Describe the plan.")]})
    long_term = str(plan.get("long_term_plan") or "").strip()
    investment = str(plan.get("investment") or "").strip()
    if not long_term:
        message = _("Describe the account's long-term plan.")
        raise InvalidInput(message, fields={"plan": [message]})
    if len(long_term) > MAX_PLAN or len(investment) > MAX_PLAN:
        message = _("At most %(max)s characters.") % {"max": MAX_PLAN}
        raise InvalidInput(message, fields={"plan": [message]})
    return {"long_term_plan": long_term, "investment": investment}


def _day(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def _barred(live_account: LiveAccount) -> NotEligible | None:
    """I10: barred for good from every program."""
    if live_account.barred_at is None:
        return None
    return NotEligible(_("This account is barred from the programs."), code="barred")


def _restricted(live_account: LiveAccount, at: datetime) -> NotEligible | None:
    """I9: no new application or grant while restricted."""
    if not is_restricted(live_account, at):
        return None
    return NotEligible(
        _("The account is restricted until %(until)s.")
        % {"until": _day(live_account.restricted_until)},
        code="restricted",
    )


def _open_application(applications) -> NotEligible | None:
    """I3/I7: one application of a program waits for review at a time."""
    if not applications.filter(status=ApplicationStatus.SUBMITTED).exists():
        return None
    return NotEligible(
        _("An application of this account waits for review."), code="already_applied"
    )


def cold_start_refusal(live_account: LiveAccount, at: datetime) -> NotEligible | None:
    """I2 (and I3's 30 days after a rejection), checked at the moment `at` of submitting:
    the first condition that fails, or None."""
    barred = _barred(live_account)
    if barred is not None:
        return barred
    if live_account.has_brand_mark:
        return NotEligible(
            _("Accounts with a brand mark (品牌标) do not take part in cold start."),
            code="brand_mark",
        )
    lives = ChannelsSession.objects.filter(live_account=live_account, started_at__lte=at)
    first = lives.order_by("started_at").values_list("started_at", flat=True).first()
    recent = lives.filter(started_at__gte=at - DORMANT_WINDOW).exists()
    if first is not None and first < at - NEW_ACCOUNT_WINDOW and recent:
        return NotEligible(
            _(
                "Cold start is for new accounts: the first live within the last 30 days, or no "
                "live in the last 60 days."
            ),
            code="not_a_new_account",
        )
    applications = IncentiveApplication.objects.filter(
        live_account=live_account, program__code=ProgramCode.COLD_START
    )
    if applications.filter(status=ApplicationStatus.APPROVED).exists():
        return NotEligible(
            _("This account already had its cold-start package (once per account)."),
            code="cold_start_used",
        )
    refusal = _restricted(live_account, at) or _open_application(applications)
    if refusal is not None:
        return refusal
    rejected = (
        applications.filter(status=ApplicationStatus.REJECTED)
        .order_by("-decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )
    if rejected is not None and at < rejected + REAPPLY_AFTER:
        return NotEligible(
            _("A rejected account may apply again 30 days after the decision (from %(day)s).")
            % {"day": _day(rejected + REAPPLY_AFTER)},
            code="rejected_recently",
        )
    return None


@transaction.atomic
def cold_start_apply(
    *, actor: User, live_account: LiveAccount, proposed_start: datetime, plan
) -> IncentiveApplication:
    """I2/I3: the owner applies for cold start with the proposed live start and its plan."""
    at = timezone.now()
    live_account = LiveAccount.objects.select_for_update().get(pk=live_account.pk)
    plan = _clean_plan(plan)
    if proposed_start is None or proposed_start <= at:
        message = _("Propose a live start in the future.")
        raise InvalidInput(message, fields={"proposed_start": [message]})
    refusal = cold_start_refusal(live_account, at)
    if refusal is not None:
        raise refusal
    return IncentiveApplication.objects.create(
        program=Program.objects.get(code=ProgramCode.COLD_START),
        live_account=live_account,
        submitted_by=actor,
        submitted_at=at,
        review_due_at=add_business_days(at, DUE_BUSINESS_DAYS),
        review_overdue_at=add_business_days(at, OVERDUE_BUSINESS_DAYS),
        proposed_start=proposed_start,
        plan=plan,
    )


def _require_reviewer(actor: User) -> None:
    if not actor.has_perm("incentives.decide_incentiveapplication"):
        raise WrongSide(_("Deciding incentive applications needs the review permission."))


def _lock_submitted(application: IncentiveApplication) -> IncentiveApplication:
    application = IncentiveApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.SUBMITTED:
        raise NotAllowed(_("This application is already decided."), code="already_decided")
    return application


@transaction.atomic
def application_approve(
    *,
    actor: User,
    application: IncentiveApplication,
    agreed_start: datetime | None = None,
    pool: int | None = None,
) -> IncentiveApplication:
    """I3/I5: ops approve a cold start: the agreed start (1 to 14 days from now; the proposed
    one by default) is fixed, the whole package is reserved from this month's budget (refused
    with quota_exhausted when it cannot be), and stage 1 is granted at once."""
    _require_reviewer(actor)
    at = timezone.now()
    application = _lock_submitted(application)
    barred = _barred(application.live_account)
    if barred is not None:
        raise barred  # I10: barred for good, also while its application waited
    if application.program.code == ProgramCode.BENCHMARK:
        return _benchmark_approve(actor=actor, application=application, pool=pool, at=at)
    agreed_start = agreed_start or application.proposed_start
    if not at + AGREED_START_MIN <= agreed_start <= at + AGREED_START_MAX:
        message = _("The agreed live start is 1 to 14 days after the approval.")
        raise InvalidInput(message, fields={"agreed_start": [message]})
    program = application.program
    program_month = month_open(program, at)
    stages = cold_start_stages(program)
    reservation_take(
        program_month=program_month,
        amount=sum(stages),
        cause=f"cold_start:{application.pk}:reserve",
        actor=actor,
    )
    application.status = ApplicationStatus.APPROVED
    application.decided_by, application.decided_at = actor, at
    application.agreed_start, application.program_month = agreed_start, program_month
    application.save(
        update_fields=["status", "decided_by", "decided_at", "agreed_start", "program_month"]
    )
    due = [None, agreed_start + timedelta(hours=2), agreed_start + timedelta(days=14)]
    created = Stage.objects.bulk_create(
        Stage(application=application, number=n, coupons=c, due_by=due[n - 1])
        for n, c in enumerate(stages, start=1)
    )
    account = application.live_account
    notify(
        owners(account),
        "incentive_approved",
        program=str(program.get_code_display()),
        account=account.nickname,
        start_at=agreed_start,
        coupons=sum(stages),
    )
    stage_grant(stage=created[0], actor=actor)
    return application


def stage_grant(
    *, stage: Stage, actor: User | None = None, live: ChannelsSession | None = None
) -> Stage:
    """I5/I7: grant a reserved stage from its reservation, once (idempotent on the stage). A
    stage earned by a live names it: the account's message carries that live's data (I8), and
    a benchmark tranche's coupons pay only for heating that live (I7)."""
    stage = (
        Stage.objects.select_for_update()
        .select_related("application__live_account", "application__program")
        .get(pk=stage.pk)
    )
    if stage.status != StageStatus.RESERVED:
        return stage
    application = stage.application
    if application.live_account.barred_at is not None or is_restricted(application.live_account):
        return stage  # I9/I10: no new grant while restricted or barred
    code = application.program.code
    params = {"stage": stage.number}
    if live is not None:
        params["session"] = live.session_id
    grant = coupons_grant(
        program_month=application.program_month,
        live_account=application.live_account,
        amount=stage.coupons,
        cause=f"{code}:{application.pk}:stage:{stage.number}",
        reason=f"{code}_stage",
        params=params,
        from_reservation=True,
        for_session=live.session_id if live is not None and code == ProgramCode.BENCHMARK else "",
        actor=actor,
    )
    stage.status, stage.grant, stage.settled_at = StageStatus.GRANTED, grant, timezone.now()
    stage.save(update_fields=["status", "grant", "settled_at"])
    account = application.live_account
    program = str(application.program.get_code_display())
    notify(
        owners(account),
        "coupons_granted" if live is None else "coupons_granted_for_live",
        coupons=stage.coupons,
        account=account.nickname,
        program=program,
        expires_at=grant.lot.expires_at,
        **(live_data(live) if live is not None else {}),
    )
    return stage


def live_data(live: ChannelsSession) -> dict:
    """I8: a live's data as a message shows it: start, duration, viewers, GMV and the coupons
    its heating orders used so far."""
    end = live.ended_at or timezone.now()
    minutes = max(0, int((end - live.started_at).total_seconds()) // 60)
    used = sum(
        order.used if order.used is not None else order.coupons
        for order in live.heating_orders.all()
    )
    return {
        "live_at": live.started_at,
        "minutes": minutes,
        "viewers": live.viewers,
        "gmv_fen": live.gmv_fen,
        "used": used,
    }


@transaction.atomic
def application_reject(
    *, actor: User, application: IncentiveApplication, reason: str
) -> IncentiveApplication:
    """I3: ops reject with a reason the account reads; it may apply again after 30 days."""
    _require_reviewer(actor)
    reason = (reason or "").strip()
    if not reason:
        message = _("Give the reason the applicant will read.")
        raise InvalidInput(message, fields={"reason": [message]})
    if len(reason) > MAX_REASON:
        message = _("At most %(max)s characters.") % {"max": MAX_REASON}
        raise InvalidInput(message, fields={"reason": [message]})
    application = _lock_submitted(application)
    application.status = ApplicationStatus.REJECTED
    application.decided_by, application.decided_at = actor, timezone.now()
    application.reason = reason
    application.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    account = application.live_account
    notify(
        owners(account),
        "incentive_rejected",
        program=str(application.program.get_code_display()),
        account=account.nickname,
        reason=reason,
    )
    return application


# --- benchmark cases (I7) ------------------------------------------------------------------

BENCHMARK_LEAD = timedelta(days=14)  # I7: submitted at least 14 days before the planned start
BENCHMARK_MIN_HOURS = Decimal("5")  # I7: a planned duration of at least 5 hours
MAX_GOODS = 50


def _clean_goods(goods) -> list[dict]:
    if not isinstance(goods, list) or not goods:
        message = _("List the goods of the live.")
        raise InvalidInput(message, fields={"goods": [message]})
    cleaned = []
    for item in goods[:MAX_GOODS]:
        name = str(item.get("name") if isinstance(item, dict) else "").strip()[:80]
        if name:
            cleaned.append({"name": name, "is_exclusive": bool(item.get("is_exclusive"))})
    if not cleaned or not any(g["is_exclusive"] for g in cleaned):
        message = _("Mark at least one of the goods as exclusive or advantaged.")
        raise InvalidInput(message, fields={"goods": [message]})
    return cleaned


@transaction.atomic
def benchmark_apply(
    *,
    actor: User,
    live_account: LiveAccount,
    planned_start: datetime,
    planned_hours: Decimal,
    gmv_target_fen: int,
    goods,
) -> IncentiveApplication:
    """I7: a benchmark case on the single-event template, at least 14 days ahead."""
    at = timezone.now()
    live_account = LiveAccount.objects.select_for_update().get(pk=live_account.pk)
    program = Program.objects.get(code=ProgramCode.BENCHMARK)
    refusal = _barred(live_account) or _restricted(live_account, at)
    if refusal is not None:
        raise refusal
    errors: dict[str, list[str]] = {}
    if planned_start is None or planned_start < at + BENCHMARK_LEAD:
        errors["planned_start"] = [_("Apply at least 14 days before the planned start.")]
    if planned_hours is None or planned_hours < BENCHMARK_MIN_HOURS or planned_hours > 24:
        errors["planned_hours"] = [_("A benchmark live is planned for 5 to 24 hours.")]
    minimum = benchmark_policy(program)["min_target_fen"]
    if not isinstance(gmv_target_fen, int) or gmv_target_fen < minimum:
        errors["gmv_target"] = [
            _("The GMV target is at least %(min)s.") % {"min": format_cny(minimum)}
        ]
    if errors:
        raise InvalidInput(_("Please correct the highlighted fields."), fields=errors)
    goods = _clean_goods(goods)
    refusal = _open_application(
        IncentiveApplication.objects.filter(live_account=live_account, program=program)
    )
    if refusal is not None:
        raise refusal
    return IncentiveApplication.objects.create(
        program=program,
        live_account=live_account,
        submitted_by=actor,
        submitted_at=at,
        review_due_at=add_business_days(at, DUE_BUSINESS_DAYS),
        review_overdue_at=add_business_days(at, OVERDUE_BUSINESS_DAYS),
        proposed_start=planned_start,
        planned_hours=planned_hours,
        gmv_target_fen=gmv_target_fen,
        goods=goods,
    )


def _benchmark_approve(*, actor: User, application: IncentiveApplication, pool, at):
    """I7: ops approve with a pool R (the policy's 2% of the target by default), reserved from
    this month's budget; the three tranches wait for the live's GMV."""
    program = application.program
    pool = pool or benchmark_pool(program, application.gmv_target_fen)
    policy = benchmark_policy(program)
    if not policy["pool_min"] <= pool <= policy["pool_max"]:
        message = _("The pool is %(min)s to %(max)s coupons.") % {
            "min": policy["pool_min"],
            "max": policy["pool_max"],
        }
        raise InvalidInput(message, fields={"pool": [message]})
    program_month = month_open(program, at)
    reservation_take(
        program_month=program_month,
        amount=pool,
        cause=f"benchmark:{application.pk}:reserve",
        actor=actor,
    )
    application.status = ApplicationStatus.APPROVED
    application.decided_by, application.decided_at = actor, at
    application.agreed_start, application.pool = application.proposed_start, pool
    application.program_month = program_month
    application.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "agreed_start",
            "pool",
            "program_month",
        ]
    )
    Stage.objects.bulk_create(
        Stage(application=application, number=n, coupons=c)
        for n, c in enumerate(tranche_coupons(pool), start=1)
    )
    account = application.live_account
    notify(
        owners(account),
        "incentive_approved",
        program=str(program.get_code_display()),
        account=account.nickname,
        start_at=application.agreed_start,
        coupons=pool,
    )
    return application
