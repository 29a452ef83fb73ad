"""The money API of DESIGN §5: wallet, top-ups, entries, withdrawals, payout account, callback."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escrow import services
from escrow.gateway import SIGNATURE_HEADER, callback_body, sign
from escrow.models import Account, AccountKind, IdempotencyKey, PaymentIntent, Withdrawal
from tests import factories
from tests.conftest import client_for, fund_wallet

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledger_is_clean")]


@pytest.fixture
def merchant_api(merchant):
    return client_for(merchant)


def top_up(client, amount, key=None, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        "/api/v1/wallet/top-ups/", {"amount": amount, **extra}, format="json", **headers
    )


def test_wallet_shows_available_and_held_as_yuan_strings(merchant_api, shop):
    """E1/E4: the wallet answers {available, held} as strings of yuan with two decimals."""
    fund_wallet(shop, 200_000)
    order = factories.OrderFactory(shop=shop, price_fen=128_050)
    services.escrow_hold(order=order, amount_fen=128_050)
    body = merchant_api.get("/api/v1/wallet/").json()
    assert body == {"available": "719.50", "held": "1280.50", "shop": shop.pk}


@pytest.mark.django_db(transaction=True)
def test_top_up_through_the_api_settles_at_once_in_the_sandbox(merchant_api, shop):
    """E7: POST /wallet/top-ups/ commits the intent, then calls the gateway after commit; the
    sandbox's signed callback settles it before the answer, which is 201 `succeeded`."""
    response = top_up(merchant_api, "1280.00")
    assert response.status_code == 201
    assert response.json()["status"] == "succeeded"
    assert response.json()["amount"] == "1280.00"
    assert merchant_api.get("/api/v1/wallet/").json()["available"] == "1280.00"


@pytest.mark.parametrize("amount", ["12.345", "-1.00", "abc", 12.5, "", None, "0.00"])
def test_bad_amounts_are_400_and_move_nothing(merchant_api, amount):
    """E1: more than two decimals, negative, zero, non-numeric or float amounts are 400."""
    response = top_up(merchant_api, amount)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert not PaymentIntent.objects.exists()


def test_same_key_and_body_replays_the_first_response_byte_for_byte(
    merchant_api, shop, django_capture_on_commit_callbacks
):
    """E6: a retry with the same Idempotency-Key and body returns the first result and moves
    nothing."""
    with django_capture_on_commit_callbacks(execute=True):
        first = top_up(merchant_api, "100.00", key="topup-1")
        second = top_up(merchant_api, "100.00", key="topup-1")
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert second["Idempotent-Replayed"] == "true"
    assert PaymentIntent.objects.count() == 1
    assert merchant_api.get("/api/v1/wallet/").json()["available"] == "100.00"


def test_same_key_with_another_body_is_409(merchant_api, django_capture_on_commit_callbacks):
    """E6: reusing a key for a different request is refused with 409 and moves nothing."""
    with django_capture_on_commit_callbacks(execute=True):
        top_up(merchant_api, "100.00", key="k")
        response = top_up(merchant_api, "200.00", key="k")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"
    assert PaymentIntent.objects.count() == 1


def test_a_refused_request_is_replayed_too(merchant_api, shop):
    """E6: the first answer is kept even when it was a refusal (here M2: no payment account),
    so a retry cannot sneak through a different outcome."""
    shop.payment_accounts.update(unbound_at="2026-01-01T00:00:00+08:00")
    first = top_up(merchant_api, "100.00", key="k2")
    assert first.status_code == 409
    factories.PaymentAccountFactory(shop=shop)
    second = top_up(merchant_api, "100.00", key="k2")
    assert second.content == first.content and second.status_code == 409
    assert not PaymentIntent.objects.exists()


def test_keys_are_per_user(merchant_api, outsider, django_capture_on_commit_callbacks):
    """E6: two users may use the same key string independently."""
    factories.PaymentAccountFactory(shop=outsider.memberships.get().organization.shop)
    with django_capture_on_commit_callbacks(execute=True):
        assert top_up(merchant_api, "1.00", key="same").status_code == 201
        assert top_up(client_for(outsider), "1.00", key="same").status_code == 201
    assert IdempotencyKey.objects.filter(key="same").count() == 2


def test_a_too_long_key_is_400(merchant_api):
    """E6: keys are 1 to 255 characters."""
    assert top_up(merchant_api, "1.00", key="x" * 256).status_code == 400


def test_keys_are_purged_only_after_their_time(merchant_api, django_capture_on_commit_callbacks):
    """E6: keys are kept at least 72 hours; the purge job removes older ones only."""
    import time_machine
    from django.utils import timezone

    from escrow.jobs import purge_idempotency_keys

    with django_capture_on_commit_callbacks(execute=True):
        top_up(merchant_api, "1.00", key="old")
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=72), tick=False):
        assert purge_idempotency_keys() == 0
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=169), tick=False):
        assert purge_idempotency_keys() == 1


def test_entries_list_the_wallets_lines_with_their_order(merchant_api, shop):
    """E2/E4: own ledger lines, newest first, with what order they belong to; a constant number
    of queries whatever the page size."""
    fund_wallet(shop, 1_000_000)
    order = factories.OrderFactory(shop=shop, price_fen=1_000)
    services.escrow_hold(order=order, amount_fen=1_000)
    with CaptureQueriesContext(connection) as few:
        body = merchant_api.get("/api/v1/wallet/entries/").json()
    assert [e["kind"] for e in body["results"]] == ["hold", "top_up"]
    assert body["results"][0]["order"] == order.pk
    assert body["results"][0]["amount"] == "-10.00"
    assert body["results"][0]["balance_after"] == "9990.00"
    for _ in range(30):
        services.escrow_hold(order=order, amount_fen=1)
    with CaptureQueriesContext(connection) as many:
        body = merchant_api.get("/api/v1/wallet/entries/?page_size=50").json()
    assert len(body["results"]) == 32
    assert len(many) == len(few)


def test_another_tenants_wallet_is_404(merchant_api, outsider):
    """A3: asking for another tenant's shop wallet or entries answers 404 and shows nothing."""
    other_shop = outsider.memberships.get().organization.shop
    factories.PaymentAccountFactory(shop=other_shop)
    fund_wallet(other_shop, 5_000)
    for url in [
        f"/api/v1/wallet/?shop={other_shop.pk}",
        f"/api/v1/wallet/entries/?shop={other_shop.pk}",
    ]:
        response = merchant_api.get(url)
        assert response.status_code == 404
        assert "50.00" not in response.content.decode()
    response = top_up(merchant_api, "1.00", shop=other_shop.pk)
    assert response.status_code == 404
    assert PaymentIntent.objects.filter(shop=other_shop).count() == 1


def test_money_endpoints_check_side_and_authentication(api_client, creator):
    """§5: unauthenticated is 401; a creator cannot top up (403); a merchant has no earnings."""
    assert api_client.get("/api/v1/wallet/").status_code == 401
    assert top_up(api_client, "1.00").status_code == 401
    assert top_up(client_for(creator), "1.00").status_code == 403


def test_creator_binds_account_withdraws_and_lists(creator, shop):
    """E8: a creator binds a payout account, withdraws available earnings, lists withdrawals."""
    profile = creator.creator_profile
    order = factories.OrderFactory(shop=shop, creator=profile, price_fen=50_000)
    fund_wallet(shop, 50_000)
    services.escrow_hold(order=order, amount_fen=50_000)
    services.escrow_release(order=order)
    api = client_for(creator)
    assert api.get("/api/v1/wallet/").json() == {
        "available": "500.00",
        "held": "0.00",
        "shop": None,
    }
    refused = api.post("/api/v1/withdrawals/", {"amount": "100.00"}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "no_payout_account"
    bound = api.put(
        "/api/v1/payout-account/",
        {"account_id": "me@alipay.example", "holder_name": "李四"},
        format="json",
    )
    assert bound.status_code == 200
    response = api.post(
        "/api/v1/withdrawals/", {"amount": "100.00"}, format="json", HTTP_IDEMPOTENCY_KEY="w1"
    )
    again = api.post(
        "/api/v1/withdrawals/", {"amount": "100.00"}, format="json", HTTP_IDEMPOTENCY_KEY="w1"
    )
    assert response.status_code == 201 and again.content == response.content
    assert Withdrawal.objects.count() == 1
    assert api.get("/api/v1/wallet/").json() == {
        "available": "400.00",
        "held": "100.00",
        "shop": None,
    }
    listed = api.get("/api/v1/withdrawals/").json()["results"]
    assert [(w["amount"], w["status"]) for w in listed] == [("100.00", "requested")]
    too_much = api.post("/api/v1/withdrawals/", {"amount": "400.01"}, format="json")
    assert too_much.status_code == 409 and too_much.json()["error"]["code"] == "insufficient_funds"


def test_the_callback_endpoint_verifies_the_signature(api_client, shop):
    """E7: the HTTP callback refuses a bad signature (400), settles a good one, ignores a repeat."""
    intent = PaymentIntent.objects.create(kind="top_up", amount_fen=10_000, shop=shop)
    body = callback_body(intent_id=intent.pk, status="succeeded", amount_fen=10_000, reference="g1")
    url = "/api/v1/gateway/callback/"
    bad = api_client.generic(
        "POST",
        url,
        body,
        content_type="application/json",
        **{f"HTTP_{SIGNATURE_HEADER.upper().replace('-', '_')}": "00"},
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_signature"
    header = {f"HTTP_{SIGNATURE_HEADER.upper().replace('-', '_')}": sign(body)}
    good = api_client.generic("POST", url, body, content_type="application/json", **header)
    assert good.status_code == 200 and good.json() == {"result": "settled"}
    repeat = api_client.generic("POST", url, body, content_type="application/json", **header)
    assert repeat.json() == {"result": "ignored"}
    assert Account.objects.get(kind=AccountKind.MERCHANT_WALLET, shop=shop).balance_fen == 10_000
