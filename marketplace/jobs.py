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
