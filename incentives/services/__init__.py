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
from .heating import heating_order_pay, heating_order_stop, heating_orders_finish
from .ops_grants import coupons_grant_by_ops
from .violations import violation_confirm

__all__ = [
    "application_approve",
    "application_reject",
    "benchmark_apply",
    "cold_start_apply",
    "coupons_expire",
    "coupons_grant",
    "coupons_grant_by_ops",
    "heating_order_pay",
    "heating_order_stop",
    "heating_orders_finish",
    "live_account_bind",
    "month_open",
    "reservation_release",
    "reservation_take",
    "stage_grant",
    "violation_confirm",
]
