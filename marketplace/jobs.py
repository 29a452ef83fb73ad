"""Celery jobs of the parties. Jobs are thin: they call a service or send a message."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail


@shared_task(
    name="marketplace.send_email",
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def send_email(*, to: str, subject: str, body: str) -> None:
    """Send one e-mail. Enqueued after commit, so the event it reports really happened."""
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


@shared_task(
    name="marketplace.send_notification_emails",
    acks_late=True,
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def send_notification_emails(*, notification_ids: list[int]) -> int:
    """D5: e-mail copies of inbox lines. Each line is claimed before sending, so a rerun of
    the job (a retry, a second worker) never e-mails it twice."""
    from django.utils import timezone, translation

    from .models import Notification

    sent = 0
    for notification in Notification.objects.filter(
        pk__in=notification_ids, emailed_at__isnull=True
    ).select_related("user"):
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed or not notification.user.email:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            body = notification.message
        send_mail(body[:60], body, settings.DEFAULT_FROM_EMAIL, [notification.user.email])
        sent += 1
    return sent


# --- MCN agencies (G2–G7) -------------------------------------------------------------------


@shared_task(name="marketplace.score_agencies", acks_late=True, ignore_result=True)
def score_agencies() -> dict:
    """G2: beat runs it on the 1st of each month at 01:00 Beijing time for the previous month.
    Rerunning it (a retry, a second worker) rewrites the month's rows and deducts nothing twice."""
    from django.utils import timezone

    from .services import agencies_score
    from .services.assessment import month_first_day, previous_month

    summary = agencies_score(month=previous_month(month_first_day(timezone.now())))
    return {"assessed": summary.assessed, "failed": summary.failed, "expelled": summary.expelled}


@shared_task(name="marketplace.reset_agency_points", acks_late=True, ignore_result=True)
def reset_agency_points() -> int:
    """G4: 00:00 on 1 January (Beijing): deducted points start again from zero."""
    from .services import agency_points_reset

    return agency_points_reset()


@shared_task(name="marketplace.build_focus_lines", acks_late=True, ignore_result=True)
def build_focus_lines() -> int:
    """G6: every day at 00:10, the lines and offers for tomorrow's focus hours."""
    from datetime import timedelta

    from django.utils import timezone

    from .services import focus_lines_build

    return focus_lines_build(day=timezone.localdate() + timedelta(days=1))


@shared_task(name="marketplace.expire_focus_offers", acks_late=True, ignore_result=True)
def expire_focus_offers() -> int:
    """G6: offers not answered in time pass down the line (every 5 minutes)."""
    from .services import focus_offers_expire

    return focus_offers_expire()
