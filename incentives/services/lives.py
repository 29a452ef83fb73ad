"""I1: 视频号 lives from the platform feed (rows with `platform: shipinhao` and a `finder_id`),
and (I5) what they earn: the stages of a cold-start package are evaluated after the ingest has
committed — by the worker, never inside the ingest.

The feed sends a session again while it goes on (no `ended_at` yet) and when it ends, and sends
corrected refunds later: a row is created, updated or unchanged, keyed by its session id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.feeds import IngestReport, RowResult, check_batch, count, money, parse_time, store_rows
from parties.notifications import Notice, notify, notify_many

from ..models import (
    ApplicationStatus,
    ChannelsSession,
    CouponLot,
    CouponTransactionKind,
    IncentiveApplication,
    LiveAccount,
    ProgramCode,
    Stage,
    StageStatus,
)
from ..policy import TRANCHES
from ..selectors import account_owners, owners_by_account
from .applications import live_data, stage_grant
from .coupons import Kind, account, lot_void, post, reservation_release
from .restrictions import restrictions_from_lives

UPDATABLE = ("started_at", "ended_at", "viewers", "gmv_fen", "refund_fen")
AGREED_WINDOW = timedelta(hours=2)  # I5 stage 2: started within 2 hours of the agreed time …
AGREED_MIN_LENGTH = timedelta(hours=2)  # … and lasted at least 2 hours
FURTHER_MIN_LENGTH = timedelta(hours=3)  # I5 stage 3: a further live of at least 3 hours …
FURTHER_WITHIN = timedelta(days=14)  # … that ended within 14 days of the agreed live …
FURTHER_MIN_NET_FEN = 100_000  # … with GMV net of refunds of at least ¥1,000 …
FURTHER_SETTLES_AFTER = timedelta(days=7)  # … seven days after it ended


def _clean(raw: Mapping, *, accounts: dict[str, LiveAccount], now: datetime) -> tuple[dict, dict]:
    errors: dict[str, list[str]] = {}
    session_id = str(raw.get("session_id") or "").strip()
    if not session_id or len(session_id) > 64:
        errors["session_id"] = [_("Give the platform's session id (at most 64 characters).")]
    account = accounts.get(str(raw.get("finder_id") or "").strip())
    if account is None:
        errors["finder_id"] = [_("No bound 视频号 account has this finder id.")]
    started = parse_time(raw.get("started_at"))
    if started is None:
        errors["started_at"] = [_("Give the start as an ISO time, e.g. 2026-11-01T20:00:00+08:00.")]
    ended = None
    if raw.get("ended_at") not in (None, ""):
        ended = parse_time(raw.get("ended_at"))
        if ended is None or (started is not None and ended <= started):
            errors["ended_at"] = [_("The end is an ISO time after the start.")]
    if started is not None and started > now + timedelta(minutes=5):
        errors["started_at"] = [_("A live cannot start in the future.")]
    gmv = money(raw.get("gmv"), errors, "gmv", required=True)
    refund = money(raw.get("refund"), errors, "refund", required=False)
    if refund > gmv:
        errors["refund"] = [_("Refunds cannot exceed the GMV.")]
    viewers = count(raw.get("viewers"), errors, "viewers")
    values = {
        "session_id": session_id,
        "live_account_id": account.pk if account is not None else None,
        "started_at": started,
        "ended_at": ended,
        "viewers": viewers,
        "gmv_fen": gmv,
        "refund_fen": refund,
    }
    return values, errors


def channels_sessions_ingest(
    *, rows: Iterable[Mapping], first_row: int = 1
) -> tuple[IngestReport, list[int]]:
    """I1: check and store a batch of 视频号 sessions; each row is created, updated, unchanged
    or refused with its errors (refused rows write nothing). Returns the report and the live
    accounts whose lives changed: the caller has the worker evaluate their stages once this
    has committed (jobs.evaluate_accounts), never inside it."""
    rows = check_batch(rows)
    now = timezone.now()
    finder_ids = {str(r.get("finder_id") or "").strip() for r in rows}
    accounts = {a.finder_id: a for a in LiveAccount.objects.filter(finder_id__in=finder_ids)}
    results: list[RowResult] = []
    cleaned: dict[str, tuple[RowResult, dict]] = {}
    for number, raw in enumerate(rows, start=first_row):
        values, errors = _clean(raw, accounts=accounts, now=now)
        if not errors and values["session_id"] in cleaned:
            errors = {"session_id": [_("This session id appears twice in the batch.")]}
        result = RowResult(row=number, key=values["session_id"], status="refused", errors=errors)
        results.append(result)
        if not errors:
            cleaned[values["session_id"]] = (result, values)
    changed = store_rows(
        ChannelsSession,
        key="session_id",
        cleaned=cleaned,
        updatable=UPDATABLE,
        owner="live_account_id",
        owner_error=("finder_id", _("This session id belongs to another account.")),
        now=now,
    )
    touched = {values["live_account_id"] for values in changed}
    return IngestReport(rows=results, key_name="session_id"), sorted(touched)


# --- I5: the stages a live earns, and the stages that lapse ---------------------------------


def _lapse(stage: Stage, *, reason: str, at: datetime) -> None:
    """I5: a missed stage lapses with the later ones; their reservation returns to the month."""
    later = list(
        Stage.objects.select_for_update()
        .filter(
            application=stage.application, number__gte=stage.number, status=StageStatus.RESERVED
        )
        .order_by("number")
    )
    code = stage.application.program.code
    for row in later:
        reservation_release(
            program_month=stage.application.program_month,
            amount=row.coupons,
            cause=f"{code}:{stage.application_id}:stage:{row.number}:lapse",
            reason=reason,
        )
        row.status, row.settled_at = StageStatus.LAPSED, at
        row.save(update_fields=["status", "settled_at"])


def _length(session: ChannelsSession) -> timedelta:
    return session.ended_at - session.started_at


@transaction.atomic
def cold_start_evaluate(*, application: IncentiveApplication, at: datetime | None = None) -> None:
    """I5: grant or lapse the reserved stages of one approved cold start, as of `at`. Safe to
    run any number of times (each grant and each release names its cause once)."""
    at = at or timezone.now()
    application = IncentiveApplication.objects.select_for_update().get(pk=application.pk)
    stages = {
        s.number: s
        for s in Stage.objects.select_for_update().filter(
            application=application, status=StageStatus.RESERVED
        )
    }
    if application.status != ApplicationStatus.APPROVED or not stages:
        return
    agreed = application.agreed_start
    lives = ChannelsSession.objects.filter(live_account=application.live_account)
    agreed_live = (
        lives.filter(started_at__gte=agreed - AGREED_WINDOW, started_at__lte=agreed + AGREED_WINDOW)
        .order_by("started_at")
        .first()
    )
    two = stages.get(2)
    if two is not None:
        if agreed_live is None:
            if at > agreed + AGREED_WINDOW:
                _lapse(two, reason="cold_start_agreed_live_missed", at=at)
                return
        elif agreed_live.ended_at is not None:
            if _length(agreed_live) >= AGREED_MIN_LENGTH:
                stage_grant(stage=two, live=agreed_live)
            else:
                _lapse(two, reason="cold_start_agreed_live_short", at=at)
                return
        else:
            return  # the agreed live is still on: decided when it ends
    three = stages.get(3)
    if three is None or agreed_live is None or agreed_live.ended_at is None:
        return
    deadline = agreed_live.ended_at + FURTHER_WITHIN
    further = [
        live
        for live in lives.filter(
            started_at__gte=agreed_live.ended_at, ended_at__isnull=False, ended_at__lte=deadline
        )
        .exclude(pk=agreed_live.pk)
        .annotate(net=F("gmv_fen") - F("refund_fen"))
        .order_by("ended_at")
        if _length(live) >= FURTHER_MIN_LENGTH
    ]
    for live in further:
        if at < live.ended_at + FURTHER_SETTLES_AFTER:
            return  # refunds may still come: decided seven days after it ended
        if live.net >= FURTHER_MIN_NET_FEN:
            stage_grant(stage=three, live=live)
            return
    if at > deadline + FURTHER_SETTLES_AFTER:
        _lapse(three, reason="cold_start_further_live_missed", at=at)


BENCHMARK_WINDOW = timedelta(hours=2)  # the event's live starts within 2 h of the planned start
BENCHMARK_MIN_LENGTH = timedelta(hours=5)  # I7: a live shorter than 5 hours voids its tranches
BENCHMARK_SETTLES_AFTER = timedelta(days=7)  # I7: 7 days after the live, the net GMV decides
BENCHMARK_SWEPT_FOR = timedelta(days=10)  # planned start + 2 h + a day-long live + 7 days


@transaction.atomic
def benchmark_evaluate(*, application: IncentiveApplication, at: datetime | None = None) -> None:
    """I7, as of `at`, safe to run any number of times (every movement names its cause once):

    - no live within 2 hours of the planned start: every tranche lapses (the reservation
      returns to the month's budget);
    - during the live, as the paid GMV reaches 30%, 60% and 100% of the target, the tranches
      of 20%, 30% and 50% of the pool are granted, usable only for heating that live;
    - a live shorter than 5 hours: its unused tranche coupons are voided, the tranches not
      reached lapse;
    - at the end, the tranches not reached lapse; 7 days after it, a tranche whose threshold
      the GMV net of refunds no longer meets is reversed: its unused coupons are voided and the
      used ones become a coupon debt (I10)."""
    at = at or timezone.now()
    application = (
        IncentiveApplication.objects.select_for_update(of=("self",))
        .select_related("program", "live_account")
        .get(pk=application.pk)
    )
    if application.status != ApplicationStatus.APPROVED:
        return
    stages = list(
        Stage.objects.select_for_update(of=("self",))
        .filter(application=application)
        .select_related("grant__lot", "application__program")
        .order_by("number")
    )
    reserved = [s for s in stages if s.status == StageStatus.RESERVED]
    planned = application.agreed_start
    live = (
        ChannelsSession.objects.filter(
            live_account=application.live_account,
            started_at__gte=planned - BENCHMARK_WINDOW,
            started_at__lte=planned + BENCHMARK_WINDOW,
        )
        .order_by("started_at")
        .first()
    )
    if live is None:
        if reserved and at > planned + BENCHMARK_WINDOW:
            _lapse(reserved[0], reason="benchmark_live_missed", at=at)
        return
    thresholds = {n: percent for n, (percent, _share) in enumerate(TRANCHES, start=1)}
    target = application.gmv_target_fen

    def reached(stage: Stage, gmv_fen: int) -> bool:
        return gmv_fen * 100 >= target * thresholds[stage.number]

    if live.ended_at is not None and _length(live) < BENCHMARK_MIN_LENGTH:
        for stage in stages:
            if stage.status == StageStatus.GRANTED:
                _tranche_void(stage, live=live, reason="benchmark_live_short")
        if reserved:
            _lapse(reserved[0], reason="benchmark_live_short", at=at)
        return
    for stage in reserved:
        if reached(stage, live.gmv_fen):
            stage_grant(stage=stage, live=live)
    if live.ended_at is None:
        return  # decided at the end
    left = list(
        Stage.objects.filter(application=application, status=StageStatus.RESERVED).select_related(
            "application__program"
        )
    )
    if left:
        _lapse(left[0], reason="benchmark_target_missed", at=at)
    if at < live.ended_at + BENCHMARK_SETTLES_AFTER:
        return
    net = live.gmv_fen - live.refund_fen
    for stage in (
        Stage.objects.select_for_update(of=("self",))
        .filter(application=application, status=StageStatus.GRANTED)
        .select_related("grant__lot", "application__program")
        .order_by("number")
    ):
        if not reached(stage, net):
            _tranche_reverse(stage, live=live, at=at)


def _tranche_void(stage: Stage, *, live: ChannelsSession, reason: str) -> int:
    """I7: the unused coupons of a granted tranche are voided (once)."""
    account_id = stage.application.live_account_id
    LiveAccount.objects.select_for_update().get(pk=account_id)
    lot = (
        CouponLot.objects.select_for_update(of=("self",))
        .select_related("program_month")
        .get(pk=stage.grant.lot.pk)
    )
    code = stage.application.program.code
    return lot_void(
        lot,
        cause=f"{code}:{stage.application_id}:stage:{stage.number}:void",
        reason=reason,
        params={"session": live.session_id, "stage": stage.number},
    )


def _tranche_reverse(stage: Stage, *, live: ChannelsSession, at: datetime) -> None:
    """I7/I10: a tranche whose threshold the net GMV no longer meets 7 days after the live is
    reversed: its unused coupons are voided, the used ones become a coupon debt."""
    voided = _tranche_void(stage, live=live, reason="benchmark_tranche_reversed")
    lot = stage.grant.lot
    used = lot.amount - CouponLot.objects.get(pk=lot.pk).remaining - voided
    account_id = stage.application.live_account_id
    if used > 0:
        post(
            kind=CouponTransactionKind.CLAWBACK,
            lines=[
                (account(Kind.DEBT, live_account_id=account_id), -used),
                (account(Kind.VOID), used),
            ],
            cause=f"{stage.application.program.code}:{stage.application_id}:stage:"
            f"{stage.number}:reverse",
            live_account_id=account_id,
            program_month=lot.program_month,
            reason="benchmark_tranche_reversed",
            params={"session": live.session_id, "coupons": used, "stage": stage.number},
        )
    stage.status, stage.settled_at = StageStatus.REVERSED, at
    stage.save(update_fields=["status", "settled_at"])
    live_account = stage.application.live_account
    notify(
        account_owners(live_account),
        "benchmark_tranche_reversed",
        account=live_account.nickname,
        stage=stage.number,
        coupons=stage.coupons,
        net_fen=live.gmv_fen - live.refund_fen,
        voided=voided,
        debt=max(used, 0),
    )


REPORT_WITHIN = timedelta(days=2)  # a live reported (or backfilled) later than this gets none


def live_reports_send(*, live_account_ids: list[int] | None = None, at=None, batch=200) -> int:
    """I8: once per ended live, a private message with the live's data and the coupons it
    earned (after its stages were evaluated). Marked on the live, so a rerun or a second worker
    sends nothing twice. Returns how many were sent."""
    at = at or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            lives = ChannelsSession.objects.select_for_update(skip_locked=True).filter(
                reported_at__isnull=True, ended_at__isnull=False, ended_at__gte=at - REPORT_WITHIN
            )
            if live_account_ids is not None:
                lives = lives.filter(live_account_id__in=live_account_ids)
            lives = list(
                lives.select_related("live_account").prefetch_related("heating_orders")[:batch]
            )
            if not lives:
                return sent
            earned: dict[str, int] = {}
            for lot in CouponLot.objects.filter(
                grant__params__session__in=[live.session_id for live in lives]
            ).select_related("grant"):
                session = lot.grant.params.get("session")
                earned[session] = earned.get(session, 0) + lot.amount
            owners = owners_by_account([live.live_account_id for live in lives])
            notify_many(
                Notice(
                    owners[live.live_account_id].users,
                    "live_report",
                    params={
                        **live_data(live),
                        "account": live.live_account.nickname,
                        "refund_fen": live.refund_fen,
                        "earned": earned.get(live.session_id, 0),
                    },
                )
                for live in lives
            )
            ChannelsSession.objects.filter(pk__in=[live.pk for live in lives]).update(
                reported_at=at
            )
            sent += len(lives)
        if len(lives) < batch:
            return sent


def cold_starts_evaluate(*, live_account_ids: list[int] | None = None, at=None) -> int:
    """The sweep (and the ingest's after-commit job): evaluate the approved cold starts and
    benchmark cases with a reserved stage, of the given accounts or of all. Returns how many
    were evaluated."""
    at_or_now = at or timezone.now()
    applications = IncentiveApplication.objects.filter(
        Q(stages__status=StageStatus.RESERVED)
        | Q(  # I7: the 7-day check after the live, with every tranche settled
            program__code=ProgramCode.BENCHMARK,
            stages__status=StageStatus.GRANTED,
            agreed_start__gte=at_or_now - BENCHMARK_SWEPT_FOR,
        ),
        status=ApplicationStatus.APPROVED,
    ).distinct()
    if live_account_ids is not None:
        applications = applications.filter(live_account_id__in=live_account_ids)
    done = 0
    restrictions_from_lives(live_account_ids=live_account_ids)  # I9 first: it stops grants
    for application in applications.select_related("program").order_by("pk"):
        if application.program.code == ProgramCode.BENCHMARK:
            benchmark_evaluate(application=application, at=at)
        else:
            cold_start_evaluate(application=application, at=at)
        done += 1
    live_reports_send(live_account_ids=live_account_ids, at=at)
    return done
