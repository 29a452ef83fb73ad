from django import template

from core.money import format_cny

register = template.Library()


@register.filter
def cny(fen):
    """128000 → ¥1,280.00"""
    return format_cny(fen)
