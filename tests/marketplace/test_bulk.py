"""The one-statement writes of core.bulk, used by the sweeper's batches (D1)."""

from __future__ import annotations

import pytest

from core.bulk import update_by_pk, update_uniform
from parties.models import Organization
from tests import factories

pytestmark = pytest.mark.django_db


def test_update_by_pk_sets_each_row_to_its_own_value(django_assert_num_queries):
    """D1: one UPDATE sets each named row's column to its value and leaves the others."""
    first, second, third = (factories.OrganizationFactory(name=f"原名{i}") for i in range(3))

    with django_assert_num_queries(1):
        updated = update_by_pk(Organization, "name", {first.pk: "甲", second.pk: '乙\'s "shop"'})

    assert updated == 2
    names = dict(Organization.objects.values_list("pk", "name"))
    assert names[first.pk] == "甲" and names[second.pk] == '乙\'s "shop"'
    assert names[third.pk] == "原名2"
    assert update_by_pk(Organization, "name", {}) == 0


def test_update_uniform_writes_a_shared_value_and_refuses_differing_ones():
    """D1: the fields a transition set alike on a whole batch are saved by one UPDATE; a field
    that differs across the batch is refused rather than saved wrong."""
    orgs = [factories.OrganizationFactory() for _ in range(3)]
    for org in orgs:
        org.is_active = False
    assert update_uniform(Organization, orgs, ["is_active"]) == 3
    assert not Organization.objects.filter(pk__in=[o.pk for o in orgs], is_active=True).exists()

    orgs[0].name, orgs[1].name = "一", "二"
    with pytest.raises(ValueError, match="name differs"):
        update_uniform(Organization, orgs, ["name"])
    assert Organization.objects.get(pk=orgs[0].pk).name != "一"
