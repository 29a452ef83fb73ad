from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.counts import format_count
from core.money import format_cny

register = template.Library()


@register.filter
def cny(fen):
    """128000 → ¥1,280.00"""
    return format_cny(fen)


@register.filter
def grouped(number):
    """1500 → 1,500 (coupons and other whole counts; Chinese and English alike)."""
    if isinstance(number, bool) or not isinstance(number, int):
        return number
    return f"{number:,}"


@register.filter
def count(number):
    """3100000 → 310万 in Chinese, 3.1M in English (followers, viewers and other big counts)."""
    return format_count(number, get_language() or "zh-hans")


@register.filter
def stars(creator):
    """A creator's rating as ★ 4.50, or "No ratings yet" (暂无评分) before its first one."""
    if not getattr(creator, "rating_count", 0):
        return _("No ratings yet")
    return f"★ {creator.rating}"
