from django import template

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
