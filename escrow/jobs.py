"""Celery jobs of the ledger."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .models import IdempotencyKey


@shared_task(name="escrow.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """E6: keys are kept IDEMPOTENCY_KEY_TTL_HOURS (at least 72 h); older ones are removed."""
    hours = max(settings.IDEMPOTENCY_KEY_TTL_HOURS, 72)
    cutoff = timezone.now() - timedelta(hours=hours)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
