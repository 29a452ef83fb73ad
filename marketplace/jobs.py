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
