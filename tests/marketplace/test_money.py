"""E1: money is integer fen inside, a string of yuan with two decimals at the edge."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.money import format_cny, format_yuan, parse_yuan
from parties.models import CreatorRate
from tests.conftest import client_for


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1280.00", 128000),
        ("1280", 128000),
        ("1280.5", 128050),
        ("0.01", 1),
        ("0", 0),
        (" 99.90 ", 9990),
        ("9999999999999.99", 999999999999999),
    ],
)
def test_parse_yuan_accepts_yuan_strings(text, fen):
    """E1: "1280.00", "1280" and "1280.5" are exact amounts of yuan, parsed to integer fen."""
    result = parse_yuan(text)
    assert result == fen
    assert type(result) is int


def test_parse_yuan_accepts_whole_yuan_integers():
    """E1: a JSON integer is a whole number of yuan; the result is integer fen."""
    assert parse_yuan(1280) == 128000
    assert parse_yuan(0) == 0
    assert parse_yuan(9_999_999_999_999) == 999_999_999_999_900


def test_parse_yuan_bounds_integers_like_text():
    """E1: an integer has the same 13-digit bound as a string, so no amount overflows the
    64-bit fen columns (a JSON number used to slip past the bound)."""
    with pytest.raises(ValueError):
        parse_yuan(10**13)
    with pytest.raises(ValueError):
        parse_yuan(10**20)


@pytest.mark.parametrize(
    "value",
    [
        "12.345",  # more than two decimals
        "0.001",
        "-1",  # negative
        "-0.01",
        "abc",  # non-numeric
        "",
        "12.",
        ".5",
        "1e3",
        "1,280.00",
        "¥12.00",
        "NaN",
        "Infinity",
        "12.00.00",
        "10000000000000",  # more than 13 digits of yuan: a typo, not a price
        None,
        [],
        {},
    ],
)
def test_parse_yuan_refuses_bad_text(value):
    """E1: more than two decimals, negative or non-numeric amounts are refused."""
    with pytest.raises(ValueError):
        parse_yuan(value)


@pytest.mark.parametrize("value", [12.5, 0.1, 1280.0, float("nan"), True, False, -5])
def test_parse_yuan_refuses_floats_booleans_and_negative_integers(value):
    """E1: no floats anywhere: a float (even a whole one) cannot carry money; nor a boolean."""
    with pytest.raises(ValueError):
        parse_yuan(value)


def test_parse_yuan_refuses_decimals_with_more_than_two_places():
    """E1: a Decimal is parsed by its text, so three decimals are refused like a string."""
    assert parse_yuan(Decimal("12.30")) == 1230
    with pytest.raises(ValueError):
        parse_yuan(Decimal("12.345"))


@pytest.mark.parametrize(
    ("fen", "text"),
    [(128000, "1280.00"), (0, "0.00"), (1, "0.01"), (9990, "99.90"), (-5, "-0.05")],
)
def test_format_yuan_has_two_decimals(fen, text):
    """E1: the API shows yuan with exactly two decimals."""
    assert format_yuan(fen) == text


def test_format_and_parse_round_trip():
    """E1: formatting then parsing gives back the same fen, for every cent of a range."""
    for fen in [*range(0, 1001), 123456789, 10**15 - 1]:
        assert parse_yuan(format_yuan(fen)) == fen


def test_format_cny_for_pages():
    """E1: pages show ¥ with thousands separators and two decimals; a missing amount is a dash."""
    assert format_cny(128000) == "¥1,280.00"
    assert format_cny(-5) == "-¥0.05"
    assert format_cny(None) == "—"


# --- the API edge: 400 for bad money, nothing written ------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "price",
    ["12.345", "-1.00", "abc", 12.5, 1280.0, True, [], {"yuan": 1}],
    ids=[
        "three-decimals",
        "negative",
        "non-numeric",
        "float",
        "whole-float",
        "bool",
        "list",
        "dict",
    ],
)
def test_api_refuses_bad_money_in_rates(creator, price):
    """E1: a rate that is not yuan with at most two decimals is 400; the rate card is unchanged."""
    profile = creator.creator_profile
    CreatorRate.objects.create(creator=profile, content_type="video", price_fen=100000)

    response = client_for(creator).put(
        "/api/v1/creators/me/",
        {"display_name": "新名字", "rates": {"video": price}},
        format="json",
    )

    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid"
    assert "rates" in body["fields"]
    profile.refresh_from_db()
    assert profile.display_name != "新名字"
    assert list(profile.rates.values_list("content_type", "price_fen")) == [("video", 100000)]


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["12.345", "-1", "abc", "1e3"])
def test_api_refuses_bad_money_in_search(creator, value):
    """E1: a price filter that is not yuan with at most two decimals is 400 with the field named."""
    response = client_for(creator).get("/api/v1/creators/", {"min_price": value})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"min_price"}


@pytest.mark.django_db
def test_api_shows_money_as_yuan_strings(creator):
    """E1: "1280.00" goes in, 128000 fen is stored, "1280.00" comes out."""
    response = client_for(creator).put(
        "/api/v1/creators/me/",
        {"display_name": "小美", "rates": {"video": "1280.00", "image_text": "99.9"}},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["rates"] == {"image_text": "99.90", "video": "1280.00"}
    stored = dict(creator.creator_profile.rates.values_list("content_type", "price_fen"))
    assert stored == {"video": 128000, "image_text": 9990}
