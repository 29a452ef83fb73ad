"""Builders for the MCN agency suites (G1–G7): signed rosters and live sessions in bulk."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from agencies.models import AgencyContract, ContractStatus, LiveSession
from parties.models import Category, CreatorProfile, User
from tests import factories

_session_ids = itertools.count(1)
_user_ids = itertools.count(1)


def bj(*args) -> datetime:
    """An aware Beijing time: bj(2026, 10, 1, 20, 0)."""
    return timezone.make_aware(datetime(*args))


def category(code: str = "beauty") -> Category:
    return Category.objects.get(code=code)


def sign_creators(agency, n: int, *, signed_at: datetime | None = None) -> list[CreatorProfile]:
    """`n` new creators signed to `agency` since `signed_at` (bulk, for large rosters)."""
    signed_at = signed_at or bj(2026, 1, 1)
    users = User.objects.bulk_create(
        User(username=f"g-creator-{next(_user_ids)}-{i}", side="creator", password="!")
        for i in range(n)
    )
    creators = CreatorProfile.objects.bulk_create(
        CreatorProfile(user=user, display_name=f"主播{user.pk}", agency=agency) for user in users
    )
    AgencyContract.objects.bulk_create(
        AgencyContract(
            agency=agency,
            creator=creator,
            status=ContractStatus.ACTIVE,
            invited_by=agency.owner,
            signed_at=signed_at,
        )
        for creator in creators
    )
    return creators


def add_sessions(
    creator,
    *,
    start: datetime,
    count: int = 1,
    minutes: int = 60,
    gmv_fen: int = 100_000,
    code: str = "beauty",
) -> list[LiveSession]:
    """`count` sessions of `creator`, one a day from `start` (bulk; G1's 30-minute rule
    applied as the service does)."""
    cat = category(code)
    rows = []
    for day in range(count):
        began = start + timedelta(days=day)
        rows.append(
            LiveSession(
                platform_session_id=f"t-{next(_session_ids)}",
                creator=creator,
                category=cat,
                started_at=began,
                ended_at=began + timedelta(minutes=minutes),
                duration_seconds=minutes * 60,
                is_counted=minutes >= 30,
                gmv_fen=gmv_fen,
                source="api",
            )
        )
    return LiveSession.objects.bulk_create(rows)


@pytest.fixture
def mcn(db):
    """An agency admitted long ago (so every month is assessed), with its owner."""
    agency = factories.AgencyFactory()
    type(agency).objects.filter(pk=agency.pk).update(created_at=bj(2025, 1, 1))
    agency.refresh_from_db()
    agency.owner = agency.organization.memberships.get().user
    return agency
