"""The ops admin: every model is registered, searchable, and renders its list and its rows."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from agencies.models import AgencyContract, ContractStatus
from tests import factories

pytestmark = pytest.mark.django_db


def test_every_model_of_the_project_is_in_the_admin():
    """A3: ops see everything in the admin — every model of our apps is registered."""
    from django.apps import apps

    ours = [
        model
        for app in ("marketplace", "agencies", "tasks", "escrow", "providers", "incentives")
        for model in apps.get_app_config(app).get_models()
    ]
    missing = [model.__name__ for model in ours if model not in admin.site._registry]
    assert missing == []


def test_ops_find_a_shop_a_creator_and_an_agency_by_name(ops_client):
    """A3: an ops user finds any shop, creator or agency by name: the admin index, then a search."""
    shop = factories.ShopFactory(organization__name="山茶花旗舰店")
    creator = factories.CreatorFactory(display_name="小鹿美妆")
    agency = factories.AgencyFactory(organization__name="星河机构")
    index = ops_client.get(reverse("admin:index")).content.decode()
    for model, name in [
        ("marketplace_merchantshop", "山茶花"),
        ("marketplace_creatorprofile", "小鹿"),
        ("agencies_agency", "星河"),
    ]:
        url = reverse(f"admin:{model}_changelist")
        assert url in index  # click one: the index links the list
        page = ops_client.get(url, {"q": name})  # click two: search by name
        assert page.status_code == 200
        assert page.context["cl"].result_count == 1
    assert (
        shop.organization.name
        in ops_client.get(
            reverse("admin:marketplace_merchantshop_changelist"), {"q": "山茶花"}
        ).content.decode()
    )
    assert (
        creator.display_name
        in ops_client.get(
            reverse("admin:marketplace_creatorprofile_changelist"), {"q": "小鹿"}
        ).content.decode()
    )
    assert (
        agency.organization.name
        in ops_client.get(
            reverse("admin:agencies_agency_changelist"), {"q": "星河"}
        ).content.decode()
    )


def test_every_changelist_and_change_page_renders(ops_client, shop, agency):
    """A2: every admin list and a row of each render for ops (filters and search included)."""
    factories.ContractFactory(agency=agency)
    factories.ProviderFactory()
    for model in admin.site._registry:
        if model._meta.app_label not in {"marketplace", "tasks", "escrow", "providers"}:
            continue
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert ops_client.get(url, {"q": "x"}).status_code == 200, url
        row = model.objects.first()
        if row is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
            assert ops_client.get(change).status_code == 200, change


def test_ops_end_a_contract_through_the_service(ops_client, agency):
    """C3: ops end a signed contract from the admin; the history row stays."""
    creator = factories.CreatorFactory(agency=agency)
    contract = factories.ContractFactory(
        agency=agency, creator=creator, status=ContractStatus.ACTIVE
    )
    ops_client.post(
        reverse("admin:agencies_agencycontract_changelist"),
        {"action": "end_contracts", "_selected_action": [contract.pk]},
    )
    contract.refresh_from_db()
    creator.refresh_from_db()
    assert contract.status == ContractStatus.ENDED
    assert creator.agency_id is None
    assert AgencyContract.objects.count() == 1


def test_api_docs_and_schema_are_served_without_a_cdn(client):
    """The OpenAPI schema and the interactive docs answer 200 with locally served assets."""
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/shops/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn." not in html and "unpkg" not in html
