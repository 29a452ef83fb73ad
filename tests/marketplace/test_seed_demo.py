"""`make run`'s demo data: loads on an empty database, a second run changes nothing, and it
shows each feature: an assessed agency with a focus offer (G2, G6), an admitted provider
managing a shop's tasks and an application waiting for review (P4, P6)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from agencies.models import AgencyAssessment, LiveSession
from incentives.models import IncentiveApplication
from incentives.selectors import program_meters
from parties.models import ServiceProvider
from providers.models import Delegation, ProviderApplication
from tasks.models import ContentMetric, Order, Task

# The sandbox gateway credits the demo top-up on commit: real transactions.
pytestmark = pytest.mark.django_db(transaction=True)


def counts():
    return [
        m.objects.count()
        for m in (
            Task,
            Order,
            LiveSession,
            AgencyAssessment,
            ProviderApplication,
            Delegation,
            ContentMetric,
        )
    ]


def test_seed_demo_twice(settings, tmp_path, capsys):
    """G2, G6, P4, P6, F1, I4: the demo data, idempotent."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo")
    first = counts()
    assert all(first[:4]) and first[4:6] == [2, 1] and first[6] > 0
    assert AgencyAssessment.objects.get().passed
    statuses = sorted(ServiceProvider.objects.values_list("status", flat=True))
    assert statuses == ["admitted", "applying"]
    assert ProviderApplication.objects.filter(status="submitted").count() == 1
    # I1–I7: each program's meter shows the demo: a cold start waiting for review, one
    # approved (stage 1 granted, the rest reserved), a benchmark case with its pool reserved.
    meters = {m.code: (m.reserved, m.granted) for m in program_meters()}
    assert meters == {"cold_start": (1500, 500), "growth": (0, 0), "benchmark": (4000, 0)}
    assert sorted(IncentiveApplication.objects.values_list("program__code", "status")) == [
        ("benchmark", "approved"),
        ("cold_start", "approved"),
        ("cold_start", "submitted"),
    ]
    call_command("seed_demo")
    assert counts() == first
    assert IncentiveApplication.objects.count() == 3
    assert "provider_owner" in capsys.readouterr().out
