"""Celery jobs of the incentives. Thin: each calls a service, and each is idempotent."""

from celery import shared_task

from .services.coupons import coupons_expire
from .services.growth import growth_evaluate
from .services.heating import heating_orders_finish
from .services.lives import cold_starts_evaluate


@shared_task(name="incentives.evaluate_accounts", acks_late=True, ignore_result=True)
def evaluate_accounts(*, live_account_ids: list[int]) -> int:
    """I5: after a feed batch committed, the stages its lives may have earned or missed."""
    return cold_starts_evaluate(live_account_ids=live_account_ids)


@shared_task(name="incentives.sweep_stages", acks_late=True, ignore_result=True)
def sweep_stages() -> int:
    """I5: beat, every 10 minutes: stages whose deadline passed lapse (their reservation
    returns), stages whose 7 days of refunds are over are granted."""
    return cold_starts_evaluate()


@shared_task(name="incentives.expire_coupons", acks_late=True, ignore_result=True)
def expire_coupons() -> int:
    """I8: beat, 00:00 Beijing: unused coupons past their 30 days expire, oldest first."""
    return coupons_expire()


@shared_task(name="incentives.finish_heating_orders", acks_late=True, ignore_result=True)
def finish_heating_orders() -> int:
    """I8: beat, every 5 minutes: heating orders that ran their hours out spend their coupons."""
    return heating_orders_finish()


@shared_task(name="incentives.evaluate_growth", acks_late=True, ignore_result=True)
def evaluate_growth() -> int:
    """I6: beat, the 8th at 02:00 Beijing: the previous month's growth awards."""
    return growth_evaluate().granted
