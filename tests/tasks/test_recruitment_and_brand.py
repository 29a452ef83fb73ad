"""Recruitment and brand tasks through the REST API (T20, T21, T30, M4): what is posted, who
sees it, who applies or proposes, announcements, and that brand tasks are for Tmall brand shops
only; every refused action leaves nothing behind.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from agencies.models import AgencyStatus, ContractStatus
from escrow.models import JournalTransaction
from tasks.models import (
    Announcement,
    Application,
    ApplicationStatus,
    Order,
    OrderStatus,
    Proposal,
    ProposalStatus,
)
from tests import factories
from tests.conftest import client_for, row_counts
from tests.tasks.conftest import escrow_fen, in_days, iso, post_task, wallet_fen
from tests.tasks.task_api import (
    API,
    PRICE,
    PRICE_FEN,
    STORED,
    _act,
    _applied,
    _apply,
    _brand,
    _error,
    _kinds,
    _new_creator,
    _ok,
    _paying_shop,
    _recruitment,
    _status,
)

pytestmark = pytest.mark.django_db


# --- T20: recruitment tasks -----------------------------------------------------------------


def test_merchants_see_recruitment_tasks_on_the_recruitment_plaza(creator, merchant):
    """T20: a creator's recruitment task is listed to merchants on the recruitment plaza, not to
    other creators."""
    task = _recruitment(creator)

    merchant_view = client_for(merchant).get(f"{API}/tasks/?mode=recruitment").json()
    creator_view = client_for(_new_creator()).get(f"{API}/tasks/?mode=recruitment").json()

    assert [row["id"] for row in merchant_view["results"]] == [task["id"]]
    assert creator_view["results"] == []


def test_merchant_applies_to_a_recruitment_task_by_paying(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T20: a merchant's application is its payment: wallet −price, the answer is the order
    awaiting the creator, with its application."""
    task = _recruitment(creator)
    wallet_before = wallet_fen(funded_shop)
    journal_before = JournalTransaction.objects.count()

    response = _apply(merchant, task["id"], note="想合作一期")

    assert response.status_code == 201, response.json()
    order = response.json()
    assert order["status"] == "awaiting_acceptance"
    assert order["kind"] == "recruitment"
    assert order["price"] == PRICE
    assert order["creator"]["id"] == creator.creator_profile.pk
    application = Application.objects.get(pk=order["application"])
    assert application.order_id == order["id"]
    assert application.shop_id == funded_shop.pk
    assert application.status == ApplicationStatus.PENDING
    assert wallet_fen(funded_shop) == wallet_before - PRICE_FEN
    assert escrow_fen(order["id"]) == PRICE_FEN
    assert JournalTransaction.objects.count() == journal_before + 1
    assert "order_paid" in _kinds(creator, order_id=order["id"])


def test_creator_approves_a_merchant_application_into_production(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T20: the creator approves the merchant's application: its order goes into production,
    the escrow still holds the price."""
    task = _recruitment(creator)
    order = _applied(merchant, task["id"])

    approved = _ok(creator, f"applications/{order['application']}/approve/")

    assert approved["status"] == "approved"
    assert _status(Order, order["id"]) == OrderStatus.IN_PRODUCTION
    assert escrow_fen(order["id"]) == PRICE_FEN
    assert "order_accepted" in _kinds(merchant, order_id=order["id"])


def test_creator_rejects_a_merchant_application_and_the_merchant_is_refunded(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T20: the creator rejects: the order is declined and the merchant refunded in full at
    once; the escrow is empty."""
    task = _recruitment(creator)
    wallet_before = wallet_fen(funded_shop)
    order = _applied(merchant, task["id"])
    assert wallet_fen(funded_shop) == wallet_before - PRICE_FEN

    rejected = _ok(creator, f"applications/{order['application']}/reject/")

    assert rejected["status"] == "rejected"
    assert _status(Order, order["id"]) == OrderStatus.DECLINED
    assert wallet_fen(funded_shop) == wallet_before
    assert escrow_fen(order["id"]) == 0
    assert "order_declined" in _kinds(merchant, order_id=order["id"])


def test_a_merchant_cannot_post_a_recruitment_task(merchant):
    """T20: only creators post recruitment tasks: 403, nothing stored."""
    before = row_counts(*STORED)

    response = post_task(
        merchant,
        mode="recruitment",
        channel="toutiao",
        enrollment_deadline=iso(in_days(3)),
        delivery_deadline=iso(in_days(10)),
    )

    assert response.status_code == 403
    assert row_counts(*STORED) == before


def test_recruitment_slots_are_respected(funded_shop, merchant, creator, ledger_is_clean):
    """T20: when every place is taken, another merchant's application is 409 slots_full and
    nothing is paid."""
    task = _recruitment(creator, slots=1)
    _applied(merchant, task["id"])
    second_shop = _paying_shop()
    wallet_before = wallet_fen(second_shop)
    before = row_counts(*STORED)

    response = _apply(second_shop.owner, task["id"])

    assert response.status_code == 409
    assert _error(response)["code"] == "slots_full"
    assert wallet_fen(second_shop) == wallet_before
    assert row_counts(*STORED) == before


def test_a_shop_applying_twice_to_a_recruitment_task_is_409(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T20: one shop holds at most one live application to a recruitment task; a second one is
    409 already_applied and pays nothing."""
    task = _recruitment(creator, slots=5)
    _applied(merchant, task["id"])
    wallet_before = wallet_fen(funded_shop)
    before = row_counts(*STORED)

    response = _apply(merchant, task["id"])

    assert response.status_code == 409, response.json()
    assert _error(response)["code"] == "already_applied"
    assert wallet_fen(funded_shop) == wallet_before
    assert row_counts(*STORED) == before


def test_recruitment_application_with_an_idempotency_key_pays_once(
    funded_shop, merchant, creator, ledger_is_clean
):
    """T20/E6: a retried application with the same Idempotency-Key replays the first answer
    and pays once; the same key with another body is 409."""
    task = _recruitment(creator)
    wallet_before = wallet_fen(funded_shop)

    first = _apply(merchant, task["id"], note="合作", HTTP_IDEMPOTENCY_KEY="apply-1")
    journal_after_first = JournalTransaction.objects.count()
    retry = _apply(merchant, task["id"], note="合作", HTTP_IDEMPOTENCY_KEY="apply-1")
    other_body = _apply(merchant, task["id"], note="另一个", HTTP_IDEMPOTENCY_KEY="apply-1")

    assert first.status_code == 201, first.json()
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert other_body.status_code == 409
    assert _error(other_body)["code"] == "idempotency_conflict"
    assert wallet_fen(funded_shop) == wallet_before - PRICE_FEN
    assert JournalTransaction.objects.count() == journal_after_first
    assert Order.objects.filter(task_id=task["id"]).count() == 1
    assert Application.objects.filter(task_id=task["id"]).count() == 1


# --- T21: announcements ---------------------------------------------------------------------


def test_published_announcements_are_listed(merchant):
    """T21: the platform's published announcements are listed, newest first; unpublished ones
    are not."""
    older = Announcement.objects.create(title="招商规则更新", body="自 3 月起……")
    newer = Announcement.objects.create(title="618 招商开启", body="报名入口……")
    Announcement.objects.create(title="草稿", body="未发布", is_published=False)

    response = client_for(merchant).get(f"{API}/announcements/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["title"] for row in rows] == [newer.title, older.title]
    assert set(rows[0]) >= {"id", "title", "body", "published_at"}


# --- T30: brand tasks and proposals ---------------------------------------------------------


def _propose(user, task_id, quote="3000.00", **extra):
    return client_for(user).post(
        f"{API}/tasks/{task_id}/proposals/",
        {"quote": quote, "plan": "两场直播，口播 + 试色", **extra},
        format="json",
    )


def _signed(agency, creator_user):
    profile = creator_user.creator_profile
    profile.agency = agency
    profile.save(update_fields=["agency"])
    factories.ContractFactory(
        agency=agency, creator=profile, status=ContractStatus.ACTIVE, signed_at=timezone.now()
    )
    return profile


def test_brand_accepts_a_creator_proposal_and_pays_it_into_production(
    brand_shop, creator, ledger_is_clean
):
    """T30: a creator proposes a quote and plan; the brand accepts: an order at the quote,
    pending payment; paying it puts it straight into production."""
    brand = brand_shop.owner
    task = _brand(brand)
    response = _propose(creator, task["id"])
    assert response.status_code == 201, response.json()
    proposal = response.json()
    assert proposal["status"] == "submitted"
    assert proposal["quote"] == "3000.00"
    wallet_before = wallet_fen(brand_shop)

    order = _ok(brand, f"proposals/{proposal['id']}/accept/")

    assert order["status"] == "pending_payment"
    assert order["kind"] == "brand"
    assert order["price"] == "3000.00"
    assert Proposal.objects.get(pk=proposal["id"]).order_id == order["id"]
    assert _status(Proposal, proposal["id"]) == ProposalStatus.ACCEPTED
    assert wallet_fen(brand_shop) == wallet_before

    paid = _ok(brand, f"orders/{order['id']}/pay/")

    assert paid["status"] == "in_production"
    assert paid["acceptance_deadline"] is None
    assert wallet_fen(brand_shop) == wallet_before - 300_000
    assert escrow_fen(order["id"]) == 300_000


def test_agency_staff_propose_for_a_signed_creator(brand_shop, agency, agency_staff, creator):
    """T30: an agency's staff propose one of the agency's signed creators."""
    task = _brand(brand_shop.owner)
    profile = _signed(agency, creator)

    response = _propose(agency_staff, task["id"], agency=agency.pk, creator=profile.pk)

    assert response.status_code == 201, response.json()
    proposal = response.json()
    assert proposal["agency"]["id"] == agency.pk
    assert proposal["creator"]["id"] == profile.pk
    assert "proposal_received" in _kinds(brand_shop.owner, task_id=task["id"])


def test_an_expelled_agency_cannot_propose(brand_shop, agency, agency_staff, creator):
    """T30/G3: an expelled agency's proposal is refused; nothing is stored."""
    task = _brand(brand_shop.owner)
    profile = _signed(agency, creator)
    agency.status = AgencyStatus.EXPELLED
    agency.save(update_fields=["status"])
    before = row_counts(*STORED)

    response = _propose(agency_staff, task["id"], agency=agency.pk, creator=profile.pk)

    assert response.status_code == 403
    assert row_counts(*STORED) == before


def test_a_creator_signed_to_an_expelled_agency_cannot_propose(brand_shop, agency, creator):
    """T30: a creator signed to an expelled agency is not qualified; nothing is stored."""
    task = _brand(brand_shop.owner)
    _signed(agency, creator)
    agency.status = AgencyStatus.EXPELLED
    agency.save(update_fields=["status"])
    before = row_counts(*STORED)

    response = _propose(creator, task["id"])

    assert response.status_code == 403
    assert row_counts(*STORED) == before


def test_accepting_proposals_beyond_the_budget_is_409(brand_shop, creator, ledger_is_clean):
    """T30: accepted quotes may not exceed the budget: the proposal that would is 409 and stays
    submitted, with no order."""
    brand = brand_shop.owner
    task = _brand(brand, budget="5000.00")
    first = _propose(creator, task["id"], quote="3000.00").json()
    second = _propose(_new_creator(), task["id"], quote="2000.01").json()
    _ok(brand, f"proposals/{first['id']}/accept/")
    before = row_counts(*STORED)

    response = _act(brand, f"proposals/{second['id']}/accept/")

    assert response.status_code == 409
    assert _error(response)["code"] == "over_budget"
    assert _status(Proposal, second["id"]) == ProposalStatus.SUBMITTED
    assert row_counts(*STORED) == before


def test_proposing_twice_for_the_same_creator_is_409(brand_shop, agency, agency_staff, creator):
    """T30: one live proposal per creator and brand task, whoever submits it."""
    task = _brand(brand_shop.owner)
    profile = _signed(agency, creator)
    assert _propose(creator, task["id"]).status_code == 201
    before = row_counts(*STORED)

    again = _propose(creator, task["id"], quote="2500.00")
    by_agency = _propose(agency_staff, task["id"], agency=agency.pk, creator=profile.pk)

    assert again.status_code == 409
    assert _error(again)["code"] == "already_proposed"
    assert by_agency.status_code == 409
    assert _error(by_agency)["code"] == "already_proposed"
    assert row_counts(*STORED) == before


# --- M4: brand tasks only for Tmall brand shops ---------------------------------------------


@pytest.mark.parametrize(
    "shop_factory",
    [
        lambda: factories.ShopFactory(is_brand=False),
        lambda: factories.TaobaoShopFactory(is_brand=True),
    ],
    ids=["tmall-not-brand", "taobao-flagged-brand"],
)
def test_brand_task_from_a_shop_that_is_not_a_tmall_brand_is_403(shop_factory):
    """M4: only Tmall stores flagged as brands post brand tasks; nothing is stored."""
    shop = shop_factory()
    factories.PaymentAccountFactory(shop=shop, bound_by=shop.owner)
    before = row_counts(*STORED)

    response = post_task(
        shop.owner, mode="brand", channel="taobao_live", budget="5000.00", price=None
    )

    assert response.status_code == 403
    assert _error(response)["code"] == "not_a_brand"
    assert row_counts(*STORED) == before


def test_a_creator_withdraws_its_proposal_on_the_task_page(brand_shop, creator, outsider_creator):
    """T30 (drift found in issue 18: the page had no proposal withdraw): the proposer takes back
    a proposal the brand has not answered, from the task page as through the API; another
    creator posting the same is a 404 and changes nothing."""
    from django.test import Client

    task = _brand(brand_shop.owner)
    proposal = _propose(creator, task["id"]).json()
    stranger = Client()
    stranger.force_login(outsider_creator)
    body = {"action": "withdraw_proposal", "proposal": proposal["id"]}
    assert stranger.post(f"/tasks/{task['id']}/", body).status_code == 404
    assert Proposal.objects.get(pk=proposal["id"]).status == "submitted"

    page = Client()
    page.force_login(creator)
    shown = page.get(f"/tasks/{task['id']}/").content.decode()
    assert 'value="withdraw_proposal"' in shown
    response = page.post(f"/tasks/{task['id']}/", body)

    assert response.status_code == 302
    assert Proposal.objects.get(pk=proposal["id"]).status == "withdrawn"
