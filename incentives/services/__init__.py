"""Use cases of the incentive programs, by subject: the coupon book (coupons), live accounts
(accounts). Everything is importable from here."""

from .accounts import live_account_bind
from .applications import (
    application_approve,
    application_reject,
    benchmark_apply,
    cold_start_apply,
    stage_grant,
)
from .coupons import (
    coupons_expire,
    coupons_grant,
    month_open,
    reservation_release,
    reservation_take,
)

__all__ = [
    "application_approve",
    "application_reject",
    "benchmark_apply",
    "cold_start_apply",
    "coupons_expire",
    "coupons_grant",
    "live_account_bind",
    "month_open",
    "reservation_release",
    "reservation_take",
    "stage_grant",
]
