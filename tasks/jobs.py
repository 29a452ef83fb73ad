"""Celery jobs of tasks and orders. Thin: they call the sweeper (D1)."""

from celery import shared_task

from .deadlines import run_sweep


@shared_task(name="tasks.sweep_deadlines", acks_late=True, ignore_result=True)
def sweep_deadlines() -> dict:
    """D1: run by beat every minute. Safe to run on several workers at once, and to rerun
    after a crash (D2): each item is claimed with SKIP LOCKED and moved in its own transaction."""
    run = run_sweep(trigger="beat")
    return run.counts
