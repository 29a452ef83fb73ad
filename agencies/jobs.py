"""Celery jobs of the parties. Jobs are thin: they call a service or send a message."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from agencies.services.assessment import agencies_score, agency_points_reset
from agencies.services.focus import focus_lines_build, focus_offers_expire
from core.months import month_first_day, previous_month


@shared_task(name="marketplace.score_agencies", acks_late=True, ignore_result=True)
def score_agencies() -> dict:
    """G2: beat runs it on the 1st of each month at 01:00 Beijing time for the previous month.
    Rerunning it (a retry, a second worker) rewrites the month's rows and deducts nothing twice."""

    summary = agencies_score(month=previous_month(month_first_day(timezone.now())))
    return {"assessed": summary.assessed, "failed": summary.failed, "expelled": summary.expelled}


@shared_task(name="marketplace.reset_agency_points", acks_late=True, ignore_result=True)
def reset_agency_points() -> int:
    """G4: 00:00 on 1 January (Beijing): deducted points start again from zero."""

    return agency_points_reset()


@shared_task(name="marketplace.build_focus_lines", acks_late=True, ignore_result=True)
def build_focus_lines() -> int:
    """G6: every day at 00:10, the lines and offers for tomorrow's focus hours."""

    return focus_lines_build(day=timezone.localdate() + timedelta(days=1))


@shared_task(name="marketplace.expire_focus_offers", acks_late=True, ignore_result=True)
def expire_focus_offers() -> int:
    """G6: offers not answered in time pass down the line (every 5 minutes)."""

    return focus_offers_expire()
