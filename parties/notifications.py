"""D5: the notifications, in one module every app uses — create, render, read, e-mail.

- create: services call `notify()` / `notify_many()` inside their transaction; the inbox rows
  commit with the event, and only committed rows are e-mailed (by the beat job below), so
  nobody is told about something that rolled back.
- render: a row stores a message code (`kind`) and its parameters, never text; `render()` turns
  it into a sentence when it is read, in the reader's language.
- read: `inbox()`, `unread_count()`, `mark_read()`; opening a notice (`notice_open()`) marks it
  read and says where it leads.
- e-mail: the Celery job `send_email`, and `send_pending_emails`, which beat runs every minute
  to e-mail the inbox lines not e-mailed yet (registered through `parties.jobs`, the module the
  workers discover).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import format_cny

from .models import Notification, User
from .navigation import navigation_changed

MESSAGES = {
    # orders (§4)
    "order_paid": _("New order “%(title)s” (%(price)s): accept or decline by %(deadline_at)s."),
    "order_started": _("Order “%(title)s” is paid and in production: deliver by %(deadline_at)s."),
    "order_accepted": _("%(creator)s accepted order “%(title)s” at %(price)s."),
    "order_accepted_deposit": _(
        "%(creator)s accepted order “%(title)s” at %(price)s: pay the balance of %(balance)s "
        "by %(deadline_at)s."
    ),
    "order_declined": _("%(creator)s declined order “%(title)s”; %(amount)s was refunded."),
    "order_declined_with_reason": _(
        "%(creator)s declined order “%(title)s” (%(reason)s%(note)s); %(amount)s was refunded "
        "to your wallet."
    ),
    "order_expired": _(
        "Order “%(title)s” expired without an answer; %(amount)s was refunded to the merchant."
    ),
    "order_cancelled": _("Order “%(title)s” was cancelled by the merchant."),
    "order_cancelled_refunded": _("Order “%(title)s” was cancelled; %(amount)s was refunded."),
    "order_price_restored": _(
        "The merchant restored the original price of “%(title)s”: %(price)s."
    ),
    "order_balance_paid": _("The balance of “%(title)s” is paid: deliver by %(deadline_at)s."),
    "order_forfeited": _(
        "The balance of “%(title)s” was not paid in time; the deposit of %(amount)s is forfeited."
    ),
    "order_delivered": _(
        "“%(title)s” was delivered: confirm, ask for a revision or open a dispute by "
        "%(deadline_at)s, or it is confirmed automatically."
    ),
    "order_revision_requested": _(
        "The merchant asked for a revision of “%(title)s” (%(used)s of 2): deliver again by "
        "%(deadline_at)s."
    ),
    "order_confirmed": _("“%(title)s” was confirmed; %(amount)s was added to your earnings."),
    "order_auto_confirmed": _(
        "“%(title)s” was confirmed automatically after 7 days; %(amount)s was paid to the creator."
    ),
    "order_overdue": _(
        "“%(title)s” was not delivered by its deadline; %(amount)s was refunded to the merchant."
    ),
    "order_disputed": _(
        "A dispute was opened on “%(title)s”: the escrow is frozen until the platform decides."
    ),
    "dispute_resolved": _("The platform decided the dispute on “%(title)s”: %(outcome)s."),
    "order_message": _("New message on “%(title)s” from %(author)s."),
    # tasks, applications, proposals (T10–T30)
    "application_received": _("%(applicant)s applied to “%(title)s”."),
    "application_approved": _("Your application to “%(title)s” was approved."),
    "application_rejected": _("Your application to “%(title)s” was not accepted."),
    "application_withdrawn": _("%(applicant)s withdrew from “%(title)s”."),
    "task_closed": _("“%(title)s” was closed: %(reason)s"),
    "task_cancelled": _("“%(title)s” was cancelled by its owner."),
    "proposal_received": _("%(proposer)s proposed %(quote)s for “%(title)s”."),
    "proposal_accepted": _("Your proposal for “%(title)s” was accepted: an order at %(quote)s."),
    "proposal_rejected": _("Your proposal for “%(title)s” was not accepted."),
    # MCN agencies (G3, G6, G7)
    "agency_expelled": _(
        "%(agency)s reached %(points)s deducted points this year and is expelled; it cannot "
        "operate and can be re-admitted from %(until_at)s. You may appeal once."
    ),
    "agency_appeal_granted": _("The appeal of %(agency)s is granted: %(note)s"),
    "agency_appeal_rejected": _("The appeal of %(agency)s is rejected: %(note)s"),
    "focus_hour_offered": _(
        "Your agency is offered the %(category)s focus hour at %(starts_at)s: assign 5 creators "
        "or decline by %(deadline_at)s."
    ),
    "theme_selected": _(
        "Your theme proposal “%(title)s” for %(month)s is selected: place its focus slot."
    ),
    "theme_not_selected": _("Your theme proposal “%(title)s” for %(month)s was not selected."),
    # 视频号 incentives (I3, I5, I8)
    "incentive_approved": _(
        "Your %(program)s application for %(account)s is approved: agreed live start "
        "%(start_at)s; %(coupons)s coupons are reserved for you."
    ),
    "incentive_rejected": _(
        "Your %(program)s application for %(account)s was rejected: %(reason)s."
    ),
    "incentive_restricted": _(
        "%(account)s is restricted from new coupon grants until %(until_at)s: a live's refund "
        "rate was above 40%%. %(coupons)s unused coupons of the last 30 days were voided."
    ),
    "incentive_restricted_month": _(
        "%(account)s is restricted from new coupon grants until %(until_at)s: its refund rate "
        "over last month was above 40%%. %(coupons)s unused coupons of the last 30 days were "
        "voided."
    ),
    "incentive_restricted_complaints": _(
        "%(account)s is restricted from new coupon grants until %(until_at)s: 3 complaints "
        "were confirmed within 30 days. %(coupons)s unused coupons of the last 30 days were "
        "voided."
    ),
    "coupons_granted_for_live": _(
        "%(coupons)s traffic coupons for %(account)s (%(program)s), valid until %(expires_at)s, "
        "for the live of %(live_at)s: %(minutes)s minutes, %(viewers)s viewers, GMV %(gmv)s, "
        "%(used)s coupons used for heating."
    ),
    "live_report": _(
        "Your live of %(live_at)s on %(account)s: %(minutes)s minutes, %(viewers)s viewers, GMV "
        "%(gmv)s (refunds %(refund)s), %(used)s coupons used for heating; it earned %(earned)s "
        "coupons."
    ),
    "incentive_complaint": _(
        "A complaint about %(account)s was confirmed by the platform: %(note)s. %(count)s "
        "confirmed within 30 days; the third restricts new coupon grants for 30 days."
    ),
    "incentive_clawback_counterfeit": _(
        "Counterfeit goods sold on %(account)s were confirmed by the platform: %(note)s. "
        "%(voided)s unused coupons were voided and %(debt)s coupons used in the last 90 days "
        "became a coupon debt, set off against later grants."
    ),
    "incentive_clawback_closed_shop": _(
        "The platform confirmed that the shop of %(account)s is closed: %(note)s. %(voided)s "
        "unused coupons were voided and %(debt)s coupons used in the last 90 days became a "
        "coupon debt, set off against later grants."
    ),
    "incentive_barred_cheating": _(
        "The platform confirmed cheating on %(account)s: %(note)s. The account is barred from "
        "every incentive program for good; %(voided)s unused coupons were voided and "
        "%(debt)s coupons ever used became a coupon debt."
    ),
    "benchmark_tranche_reversed": _(
        "Tranche %(stage)s (%(coupons)s coupons) of the benchmark case of %(account)s is "
        "reversed: 7 days after the live its GMV net of refunds was %(net)s, below the "
        "tranche's threshold. %(voided)s unused coupons were voided and %(debt)s used coupons "
        "became a coupon debt."
    ),
    "coupons_granted_by_ops": _(
        "The platform granted %(coupons)s traffic coupons to %(account)s: %(note)s. Valid until "
        "%(expires_at)s."
    ),
    "growth_awarded": _(
        "%(coupons)s traffic coupons for %(account)s: a growth award for %(month)s, valid "
        "until %(expires_at)s."
    ),
    "coupons_granted": _(
        "%(coupons)s traffic coupons for %(account)s (%(program)s), valid until %(expires_at)s."
    ),
    # sanctions (S1–S2)
    "sanction_recorded": _(
        "Sanction: %(sanction)s %(permanent)s — %(reason)s. Until %(until_at)s; see your "
        "sanctions page."
    ),
    # service providers (P4–P6)
    "provider_admitted": _("%(provider)s is admitted as a service provider."),
    "provider_rejected": _(
        "The admission application of %(provider)s was rejected: %(reason)s. Fix it and submit "
        "it again."
    ),
    "provider_suspended": _("%(provider)s is suspended: %(reason)s. Its delegations have ended."),
    "provider_terminated": _(
        "%(provider)s is terminated as a service provider: %(reason)s. Its delegations have ended."
    ),
    "delegation_granted": _("%(shop)s delegated the management of its tasks to you."),
    "delegation_revoked": _("%(shop)s revoked the delegation of its tasks."),
    "delegation_ended_by_ops": _(
        "The delegation of %(shop)s to %(provider)s ended: the provider was suspended or "
        "terminated by the platform."
    ),
}


def _format_param(key: str, value):
    if key.endswith("_fen") and isinstance(value, int):
        return format_cny(value)
    if key.endswith("_msgid") and isinstance(value, str):
        # a fixed label (a reason, a kind) stored as its English text: read in the reader's
        # language, never the writer's (issue 21)
        return gettext(value)
    if key.endswith("_at") and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            return date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    return value


def render(notification) -> str:
    template = MESSAGES.get(notification.kind)
    params = {}
    for key, value in (notification.params or {}).items():
        name = key
        for suffix in ("_fen", "_msgid"):
            if key.endswith(suffix):
                name = key[: -len(suffix)]
        params[name] = _format_param(key, value)
    if template is None:
        return notification.kind
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


@dataclass
class Notice:
    """One event to tell `users` about (see notify)."""

    users: Iterable
    kind: str
    order: object = None
    task: object = None
    params: dict = field(default_factory=dict)


def notify(
    users: Iterable,
    kind: str,
    *,
    order=None,
    task=None,
    **params,
) -> list:
    """Write one inbox line per distinct user (e-mailed by the beat job once committed).

    Money parameters end in `_fen` (integers), times in `_at` (aware datetimes); both are
    formatted when read. Call it inside the service's transaction.
    """
    return notify_many([Notice(users, kind, order=order, task=task, params=params)])


def stored_params(params: dict) -> dict:
    """Notice parameters as the inbox stores them: times as ISO text, anything else not an
    int, str or None as its text."""
    stored = {}
    for key, value in params.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif not isinstance(value, int | str | type(None)):
            value = str(value)
        stored[key] = value
    return stored


def notify_many(notices: Iterable[Notice]) -> list:
    """notify() for several events at once: one insert for all their inbox lines (the
    sweeper's batches, D1)."""
    rows = []
    for notice in notices:
        if notice.kind not in MESSAGES:
            raise ValueError(f"unknown notification kind {notice.kind!r}")
        stored = stored_params(notice.params)
        seen = set()
        for user in notice.users:
            if user is None or user.pk in seen:
                continue
            seen.add(user.pk)
            rows.append(
                Notification(
                    user=user,
                    kind=notice.kind,
                    params=stored,
                    order=notice.order,
                    task=notice.task,
                )
            )
    # The e-mail copies are sent by the beat job reading the inbox (send_pending_emails), not
    # by a job per event: nothing is enqueued inside the service's transaction (issue 20).
    created = Notification.objects.bulk_create(rows)
    navigation_changed((row.user_id for row in rows), after_commit=False)
    return created


# --- reading (the inbox) ------------------------------------------------------------------


# The inbox's filter by type (issue 21): each kind of MESSAGES belongs to one category, by the
# first matching prefix; what matches none is about the account (agency, provider, sanctions).
CATEGORY_PREFIXES = {
    "orders": ("order_", "dispute_"),
    "tasks": ("application_", "task_", "proposal_"),
    "incentives": ("incentive_", "coupons_", "live_", "benchmark_", "growth_"),
}
CATEGORIES = ("orders", "tasks", "incentives", "account")


def category_of(kind: str) -> str:
    for category, prefixes in CATEGORY_PREFIXES.items():
        if kind.startswith(prefixes):
            return category
    return "account"


def inbox(
    *, user: User, unread: bool = False, category: str | None = None
) -> QuerySet[Notification]:
    """The user's notices, newest first (only the unread ones with `unread`, only one
    category's with `category`; an unknown category is ignored)."""
    notices = Notification.objects.filter(user=user)
    if unread:
        notices = notices.filter(read_at__isnull=True)
    if category in CATEGORIES:
        notices = notices.filter(
            kind__in=[kind for kind in MESSAGES if category_of(kind) == category]
        )
    return notices.order_by("-created_at", "-id")


def unread_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notices read: those of `ids`, or all. Another user's ids are
    ignored. Returns how many were marked."""
    notices = inbox(user=user, unread=True)
    if ids is not None:
        notices = notices.filter(pk__in=list(ids))
    navigation_changed([user.pk])
    return notices.update(read_at=timezone.now())


def notice_open(*, user: User, notification_id: int) -> Notification:
    """Open one of the user's notices: reading it marks it read. Another user's is a 404."""
    notice = Notification.objects.filter(user=user, pk=notification_id).first()
    if notice is None:
        raise Http404("No such notification.")
    if notice.read_at is None:
        notice.read_at = timezone.now()
        Notification.objects.filter(pk=notice.pk, read_at__isnull=True).update(
            read_at=notice.read_at
        )
        navigation_changed([user.pk])
    return notice


# --- e-mail -----------------------------------------------------------------------------------


@shared_task(
    name="marketplace.send_email",
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def send_email(*, to: str, subject: str, body: str) -> None:
    """Send one e-mail. Enqueued after commit, so the event it reports really happened."""
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def email_on_commit(*, to: str, subject: str, body: str) -> None:
    """Enqueue one e-mail once the current transaction commits (nothing when `to` is empty)."""
    if not to:
        return
    transaction.on_commit(lambda: send_email.delay(to=to, subject=subject, body=body))


EMAIL_BATCH = 200


def pending_emails_send(*, batch: int = EMAIL_BATCH) -> int:
    """D5: the e-mail copies of the inbox lines not e-mailed yet, oldest first. Each batch is
    claimed (its `emailed_at` set) and committed before it is sent, with SKIP LOCKED, so two
    workers or a rerun never e-mail a line twice; a line committed later is sent by the next
    run. Lines of users without an e-mail address are claimed and skipped. Returns how many
    e-mails were sent."""
    sent = 0
    while True:
        with transaction.atomic():
            claimed = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(emailed_at__isnull=True)
                .select_related("user")
                .order_by("id")[:batch]
            )
            Notification.objects.filter(pk__in=[n.pk for n in claimed]).update(
                emailed_at=timezone.now()
            )
        for notification in claimed:
            if not notification.user.email:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                body = render(notification)
            send_mail(body[:60], body, settings.DEFAULT_FROM_EMAIL, [notification.user.email])
            sent += 1
        if len(claimed) < batch:
            return sent


@shared_task(
    name="marketplace.send_pending_emails",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def send_pending_emails() -> int:
    """D5, beat every minute: the e-mail copies of the inbox (pending_emails_send)."""
    return pending_emails_send()
