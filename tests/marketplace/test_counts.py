"""Counts as our users' platforms show them (issue 21): 310万 / 3.1M, never overstated, and
"No ratings yet" instead of ★ 0.00."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from core.counts import format_count


@pytest.mark.parametrize(
    ("number", "chinese", "english"),
    [
        (0, "0", "0"),
        (9_999, "9,999", "9,999"),
        (10_000, "1万", "10K"),
        (31_000, "3.1万", "31K"),
        (31_999, "3.1万", "31.9K"),
        (3_100_000, "310万", "3.1M"),
        (3_199_999, "319.9万", "3.1M"),
        (123_456_789, "1.2亿", "123.4M"),
        (2_500_000_000, "25亿", "2.5B"),
        (-31_000, "-3.1万", "-31K"),
    ],
)
def test_a_count_is_shown_in_wan_and_yi_in_chinese_and_k_m_b_in_english(number, chinese, english):
    """A follower count reads 310万 in Chinese and 3.1M in English; the decimal is cut, not
    rounded up, so a count is never shown larger than it is."""
    assert format_count(number, "zh-hans") == chinese
    assert format_count(number, "en") == english


def test_what_is_not_a_whole_count_is_left_alone():
    assert format_count("3100000") == "3100000"
    assert format_count(None) is None
    assert format_count(True) is True


def _render(source: str, **context) -> str:
    return Template("{% load money %}" + source).render(Context(context))


def test_the_count_filter_follows_the_language_of_the_page():
    with translation.override("zh-hans"):
        assert _render("{{ n|count }}", n=3_100_000) == "310万"
    with translation.override("en"):
        assert _render("{{ n|count }}", n=3_100_000) == "3.1M"


def test_a_creator_without_ratings_shows_no_rating_instead_of_zero_stars():
    unrated = SimpleNamespace(rating=Decimal("0"), rating_count=0)
    rated = SimpleNamespace(rating=Decimal("4.50"), rating_count=2)
    with translation.override("zh-hans"):
        assert _render("{{ c|stars }}", c=unrated) == "暂无评分"
        assert _render("{{ c|stars }}", c=rated) == "★ 4.50"
    with translation.override("en"):
        assert _render("{{ c|stars }}", c=unrated) == "No ratings yet"
