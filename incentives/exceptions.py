"""The refusals of the incentive programs (I1–I10), each with its stable code."""

from core.exceptions import NotAllowed


class QuotaExhausted(NotAllowed):
    """I4: the month's budget of the program cannot cover the grant or the reservation."""

    code = "quota_exhausted"


class NotEnoughCoupons(NotAllowed):
    """I8: the wallet holds fewer usable coupons than asked for."""

    code = "not_enough_coupons"


class AlreadyBound(NotAllowed):
    """I1: the creator or the shop already has a 视频号 account, or the account is bound."""

    code = "live_account_bound"
