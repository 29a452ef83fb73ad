from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    """视频号 live-commerce incentives (I1–I10): live accounts, programs, budgets, coupons."""

    name = "incentives"
    verbose_name = _("视频号 incentives")
