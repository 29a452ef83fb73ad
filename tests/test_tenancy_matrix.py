"""A3 (tenancy): the tenancy matrix. Every route with an object id in its path (and the routes
that take a shop or order id in the query or the body), for every role of the marketplace,
against an object of its own tenant and one of another tenant.

Two tenants, A and B, are built once for the module, each with its merchant shop (owner and a
staff member), its creator, its MCN agency (owner and staff, the creator signed to it), its
admitted service provider (delegated by the shop, P6) and the objects they share: tasks,
applications, proposals, orders in every state, a delivered file, contracts and an invitation,
a focus hour, a selected theme proposal, provider documents; and links that ended (A's provider
once managed B's shop, A's agency once had B's creator signed). Each test acts as one role of A:

- on B's object, every method the route accepts answers 404 in the standard error shape
  (A3: "another tenant's object answers 404, never 403 and never its data") — never naming the
  object — and no row of the database changes;
- on A's object, a party of the object gets an answer that is not a 404 (2xx, or a documented
  4xx: 400 bad input, 403 wrong side of its own tenant, 409 wrong state); a role of A that is
  no party to it (a creator on a shop, a merchant on an agency) gets the same 404 as a stranger.

The route list is read from the URL resolver: a route with a path parameter that is neither in
ROUTES nor in EXCLUDED fails `test_every_route_with_an_id_is_in_the_matrix`. Ids carried in the
query or the body (QUERY_ROUTES) and another tenant's public tasks (PUBLIC_TASKS) complete the
matrix. docs/security.md ("Tenancy") has its figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from agencies import services as party_services
from agencies.models import (
    ContractStatus,
    FocusHour,
    FocusHourStatus,
    FocusOffer,
    FocusOfferStatus,
    ThemeProposal,
    ThemeProposalStatus,
)
from parties.models import Category, Membership, Role, User
from providers import services as provider_services
from tasks import services as task_services
from tasks.models import DeliveryFile
from tests import factories
from tests.builders import order_in
from tests.conftest import client_for, fund_wallet
from tests.providers.conftest import complete_application, pdf

PRICE = 100_000
CHANGED_PRICE = 110_000  # T41: within ±20% of PRICE

ROLES = ["merchant", "shop_staff", "creator", "agency", "agency_staff", "provider", "stranger"]

SHOP = {"merchant", "shop_staff"}
AGENCY = {"agency", "agency_staff"}
# Who reads a shop's order: its members, its creator, (A4) the agency the creator is signed
# to, (P6) the provider the shop delegated its tasks to.
ORDER_READERS = SHOP | {"creator"} | AGENCY | {"provider"}
# Who reaches a shop's task that is not on any plaza: the shop, its delegated provider (P6)
# and the creator who applied to it.
TASK_READERS = SHOP | {"provider", "creator"}
# Who acts as the task's owner (close enrollment, cancel, close, pay): the shop and (P6) its
# provider; anyone else is not of the task's tenant, applicant or not.
TASK_OWNERS = SHOP | {"provider"}


# --- the two tenants ------------------------------------------------------------------------


def in_days(days: float):
    return timezone.now() + timedelta(days=days)


def _plaza_task(t, *, title: str):
    return task_services.task_create(
        actor=t.merchant,
        mode="plaza",
        title=title,
        brief="到店拍摄 30 秒探店视频",
        content_type="video",
        channel="toutiao",
        price_fen=PRICE,
        slots=5,
        enrollment_deadline=in_days(2),
        delivery_deadline=in_days(20),
        shop=t.shop,
    )


def build_tenant(label: str, *, ops: User, hour_at: int, beauty: Category):
    """One tenant of the matrix (see the module docstring). `secret` is in every title, so a
    404 can be checked for not naming the object."""
    t = SimpleNamespace(label=label, secret=f"机密{label}")
    t.shop = factories.ShopFactory(is_brand=True)  # M4: a brand, so it may post brand tasks
    factories.PaymentAccountFactory(shop=t.shop, bound_by=t.shop.owner)
    fund_wallet(t.shop, 10_000_000)
    t.merchant = t.shop.owner
    t.shop_staff = factories.MerchantUserFactory()
    Membership.objects.create(user=t.shop_staff, organization=t.shop.organization, role=Role.STAFF)

    t.creator_profile = factories.CreatorFactory()
    t.creator = t.creator_profile.user

    t.agency_obj = factories.AgencyFactory()
    t.agency = t.agency_obj.owner
    t.agency_staff = factories.UserFactory()
    Membership.objects.create(
        user=t.agency_staff, organization=t.agency_obj.organization, role=Role.STAFF
    )
    t.contract = party_services.agency_invite(
        agency=t.agency_obj, actor=t.agency, creator=t.creator_profile, message=t.secret
    )
    party_services.contract_accept(contract=t.contract, actor=t.creator)
    # C3: an open invitation of the same creator (made directly: the service refuses to invite
    # a creator already signed, which is what accepting it answers, 409).
    t.invitation = factories.ContractFactory(
        agency=t.agency_obj, creator=t.creator_profile, message=t.secret
    )

    t.provider_user = factories.UserFactory()
    t.provider_application = complete_application(t.provider_user)
    provider_services.provider_application_submit(
        application=t.provider_application, actor=t.provider_user
    )
    provider_services.provider_application_approve(application=t.provider_application, actor=ops)
    t.provider_obj = t.provider_application.provider
    t.provider_obj.refresh_from_db()
    t.document = t.provider_application.documents.order_by("pk").first()
    t.delegation = provider_services.delegation_grant(
        shop=t.shop, actor=t.merchant, provider=t.provider_obj
    )
    t.provider = t.provider_user
    t.stranger = factories.UserFactory()

    # Orders in every state an action needs (§4), with a message and a delivered file.
    t.orders = {
        state: order_in(
            state,
            t.shop,
            t.merchant,
            t.creator,
            title=f"{t.secret}私密任务{state}",
            links=["https://v.example.com/1"],
            note="交付",
            accept_price_fen=CHANGED_PRICE if state == "awaiting_balance" else None,
        )
        for state in (
            "pending_payment",
            "awaiting_acceptance",
            "awaiting_balance",
            "in_production",
            "delivered",
        )
    }
    t.order = t.orders["in_production"]
    task_services.order_message_post(order=t.order, actor=t.merchant, body=t.secret + "留言")
    delivery = t.orders["delivered"].deliveries.get()
    t.delivery_file = DeliveryFile.objects.create(
        delivery=delivery,
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="work.pdf"),
        name="work.pdf",
        size=15,
    )

    # T10: a plaza task whose enrollment stopped with the creator approved (no plaza shows it).
    t.task = _plaza_task(t, title=f"{t.secret}已截止广场任务")
    approved = task_services.application_create(task=t.task, actor=t.creator)
    task_services.application_approve(application=approved, actor=t.merchant)
    t.task = task_services.task_close_enrollment(task=t.task, actor=t.merchant)
    # T10: a pending application on an open plaza task (the task is public, the application
    # is its parties').
    open_task = _plaza_task(t, title=f"{t.secret}开放广场任务")
    t.application = task_services.application_create(
        task=open_task, actor=t.creator, note=t.secret + "报名"
    )
    # T30: a proposal of the creator on the shop's brand task.
    brand = task_services.task_create(
        actor=t.merchant,
        mode="brand",
        title=f"{t.secret}品牌任务",
        brief="品牌新品种草",
        content_type="video",
        channel="toutiao",
        budget_fen=100 * PRICE,
        delivery_deadline=in_days(20),
        shop=t.shop,
    )
    t.proposal = task_services.proposal_submit(
        task=brand, actor=t.creator, quote_fen=PRICE, plan=t.secret + "方案"
    )

    # T20: the creator's open recruitment task (on every merchant's recruitment plaza).
    t.recruitment = task_services.task_create(
        actor=t.creator,
        mode="recruitment",
        title=f"{t.secret}招商任务",
        brief="直播间带货一场",
        content_type="live",
        channel="taobao_live",
        price_fen=PRICE,
        enrollment_deadline=in_days(2),
        delivery_deadline=in_days(20),
    )

    # G6: an hour offered to the agency and not answered yet; G7: a selected proposal.
    now = timezone.now()
    day = timezone.localdate(now) + timedelta(days=1)
    starts = timezone.make_aware(datetime(day.year, day.month, day.day, hour_at, 0))
    t.hour = FocusHour.objects.create(
        day=day,
        category=beauty,
        starts_at=starts,
        agency=t.agency_obj,
        status=FocusHourStatus.OFFERED,
        respond_by=now + timedelta(hours=12),
    )
    FocusOffer.objects.create(
        day=day,
        category=beauty,
        agency=t.agency_obj,
        rank=hour_at,
        vertical_gmv_fen=1_000_000,
        status=FocusOfferStatus.OFFERED,
        hour=t.hour,
    )
    month = (timezone.localdate(now).replace(day=1) + timedelta(days=32)).replace(day=1)
    t.theme = ThemeProposal.objects.create(
        agency=t.agency_obj,
        month=month,
        category=beauty,
        title=t.secret + "主题",
        plan="十二月美妆专场,六位主播轮番带货,主推护肤套装与彩妆新品。",
        submitted_by=t.agency,
        submitted_at=now,
        status=ThemeProposalStatus.SELECTED,
    )
    return t


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Tenants A and B, built once in a transaction rolled back after the module; each test
    runs in a savepoint inside it (pytest-django's `db`), so what a test changes is undone."""
    media = tmp_path_factory.mktemp("tenancy")
    overrides = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        PRIVATE_MEDIA_ROOT=media / "private",
        MEDIA_ROOT=media / "media",
        API_THROTTLE=False,
    )
    with django_db_blocker.unblock(), overrides:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            ops = factories.UserFactory(is_staff=True, is_superuser=True)
            beauty = Category.objects.get(code="beauty")
            a = build_tenant("甲", ops=ops, hour_at=10, beauty=beauty)
            b = build_tenant("乙", ops=ops, hour_at=11, beauty=beauty)
            # Links that ended give nothing of B now: A's provider once managed B's shop (P6:
            # "lose access at once"), A's agency once had B's creator signed (C3, A4).
            former = provider_services.delegation_grant(
                shop=b.shop, actor=b.merchant, provider=a.provider_obj
            )
            provider_services.delegation_revoke(delegation=former, actor=b.merchant)
            factories.ContractFactory(
                agency=a.agency_obj,
                creator=b.creator_profile,
                status=ContractStatus.ENDED,
                signed_at=timezone.now() - timedelta(days=90),
                closed_at=timezone.now() - timedelta(days=30),
            )
            # One signed-in caller per role of A, its session made here so it outlives the
            # savepoint of each test.
            callers = {role: Caller(getattr(a, role)) for role in ROLES}
            yield SimpleNamespace(a=a, b=b, ops=ops, callers=callers)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def tenants(world, db):
    """The module's tenants, in this test's savepoint; no page message left from the last."""
    for caller in world.callers.values():
        caller.page.cookies.pop("messages", None)
    return world


# --- the matrix -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One request of a route: the method, its body (a dict, or a function of the tenant), and
    the roles of the object's tenant that reach the object with it (None: the route's)."""

    method: str
    body: object = None
    parties: frozenset | None = None
    multipart: bool = False


@dataclass(frozen=True)
class Route:
    """A route of the matrix: how to name a tenant's object in its path (URL keyword
    arguments), the calls to make, and the roles of the tenant that are its parties."""

    ids: object  # tenant -> {url kwarg: id}
    calls: tuple[Call, ...]
    parties: frozenset = field(default_factory=frozenset)
    page: bool = False


def route(ids, *calls, parties=(), page=False) -> Route:
    return Route(
        ids=ids,
        calls=tuple(Call(c) if isinstance(c, str) else c for c in calls),
        parties=frozenset(parties),
        page=page,
    )


def shop_ids(t):
    return {"shop_id": t.shop.pk}


def agency_ids(t):
    return {"agency_id": t.agency_obj.pk}


def task_ids(t):
    return {"task_id": t.task.pk}


def order_ids_in(state: str):
    return lambda t: {"order_id": t.orders[state].pk}


def order_ids(t):
    return {"order_id": t.order.pk}


def application_ids(t):
    return {"application_id": t.provider_application.pk}


def document_ids(t):
    return {"document_id": t.document.pk}


def contract_ids(t):
    return {"contract_id": t.contract.pk}


def invitation_ids(t):
    return {"contract_id": t.invitation.pk}


BIND = {"account_id": "thief@company.example", "holder_name": "某某公司"}

# Each order action on an order in the state where its rightful party could do it, with a
# valid body: the only thing that stops another tenant is the tenancy check.
ORDER_ACTIONS = {
    "pay": ("pending_payment", {}),
    "accept": ("awaiting_acceptance", {}),
    "decline": ("awaiting_acceptance", {}),
    "cancel": ("awaiting_acceptance", {}),
    "restore-price": ("awaiting_balance", {}),
    "pay-balance": ("awaiting_balance", {}),
    "deliver": ("in_production", {"links": ["https://v.example.com/2"], "note": "好了"}),
    "request-revision": ("delivered", {"note": "请把产品露出加长"}),
    "confirm": ("delivered", {"rating": 5, "comment": "很好"}),
    "dispute": ("delivered", {"reason": "与要求不符", "ground": "not_as_briefed"}),
}

CONTRACT_PARTIES = {"creator"} | AGENCY


def _contract_route(action: str, *, page: bool) -> Route:
    ids = contract_ids if action == "end" else invitation_ids
    return route(ids, Call("post", {"reason": "合作结束"}), parties=CONTRACT_PARTIES, page=page)


ROUTES: dict[str, Route] = {
    # --- merchants (M2, P6, P7) ---
    "api_shop": route(shop_ids, "get", parties=SHOP),
    "api_shop_payment_account": route(shop_ids, Call("post", BIND), "delete", parties=SHOP),
    "api_shop_delegations": route(
        shop_ids, Call("post", lambda t: {"provider": t.provider_obj.pk}), parties=SHOP
    ),
    "api_delegation_revoke": route(
        lambda t: {"delegation_id": t.delegation.pk}, "post", parties=SHOP | {"provider"}
    ),
    "api_closing_report": route(shop_ids, "get", parties=SHOP | {"provider"}),
    "shop_detail": route(shop_ids, "get", Call("post", BIND), parties=SHOP, page=True),
    "shop_unbind": route(shop_ids, "post", parties=SHOP, page=True),
    "provider_delegation_revoke": route(
        lambda t: {"delegation_id": t.delegation.pk},
        "post",
        parties=SHOP | {"provider"},
        page=True,
    ),
    "provider_report": route(shop_ids, "get", parties=SHOP | {"provider"}, page=True),
    # --- agencies (C3, G3, G6, G7) ---
    "api_agency": route(agency_ids, "get", parties=AGENCY),
    "api_agency_invitations": route(
        agency_ids, Call("post", lambda t: {"creator": t.creator_profile.pk}), parties=AGENCY
    ),
    **{
        f"api_contract_action:{action}": _contract_route(action, page=False)
        for action in ("accept", "decline", "withdraw", "end")
    },
    **{
        f"contract_action:{action}": _contract_route(action, page=True)
        for action in ("accept", "decline", "withdraw", "end")
    },
    "agency_detail": route(
        agency_ids,
        "get",
        Call("post", lambda t: {"creator": t.creator_profile.pk}),
        parties=AGENCY,
        page=True,
    ),
    "agency_assessment": route(
        agency_ids,
        "get",
        Call("post", {"reason": "请重新考虑我们的情况,谢谢。"}),
        parties=AGENCY,
        page=True,
    ),
    "agency_focus": route(agency_ids, "get", parties=AGENCY, page=True),
    "agency_focus_assign": route(
        lambda t: {"agency_id": t.agency_obj.pk, "hour_id": t.hour.pk},
        Call("post", lambda t: {f"hour-{t.hour.pk}-creators": [t.creator_profile.pk]}),
        parties=AGENCY,
        page=True,
    ),
    "agency_focus_decline": route(
        lambda t: {"agency_id": t.agency_obj.pk, "hour_id": t.hour.pk},
        "post",
        parties=AGENCY,
        page=True,
    ),
    "agency_themes": route(
        agency_ids,
        "get",
        Call("post", {"category": 1, "title": "主题", "plan": "p" * 30}),
        parties=AGENCY,
        page=True,
    ),
    "agency_theme_slot": route(
        lambda t: {"agency_id": t.agency_obj.pk, "proposal_id": t.theme.pk},
        Call(
            "post",
            lambda t: {
                f"slot-{t.theme.pk}-day": t.theme.month.isoformat(),
                f"slot-{t.theme.pk}-creator": t.creator_profile.pk,
            },
        ),
        parties=AGENCY,
        page=True,
    ),
    # --- tasks, applications, proposals (T10–T30, P6) ---
    "api_task": route(task_ids, "get", parties=TASK_READERS),
    "api_task_pay": route(task_ids, "post", parties=TASK_OWNERS),
    **{
        f"api_task_action:{action}": route(task_ids, "post", parties=TASK_OWNERS)
        for action in ("close-enrollment", "cancel", "close")
    },
    "api_task_applications": route(
        task_ids, "get", Call("post", {"note": "我也想接"}), parties=TASK_READERS
    ),
    "api_task_proposals": route(
        task_ids,
        "get",
        Call("post", {"quote": "1000.00", "plan": "我的方案"}),
        parties=TASK_READERS,
    ),
    **{
        f"api_application_action:{action}": route(
            lambda t: {"application_id": t.application.pk},
            "post",
            parties=SHOP | {"provider", "creator"},
        )
        for action in ("approve", "reject", "withdraw")
    },
    **{
        f"api_proposal_action:{action}": route(
            lambda t: {"proposal_id": t.proposal.pk},
            "post",
            parties=SHOP | {"provider", "creator"},
        )
        for action in ("accept", "reject", "withdraw")
    },
    "task_detail": route(
        task_ids,
        "get",
        Call("post", {"action": "pay"}, parties=TASK_OWNERS),
        parties=TASK_READERS,
        page=True,
    ),
    # D5: a notice is its addressee's alone; opening another user's (which marks it read) is a
    # 404, even to the addressee's own shop staff.
    "notice_open": route(
        lambda t: {"notification_id": t.merchant.notifications.order_by("pk").first().pk},
        "get",
        parties={"merchant"},
        page=True,
    ),
    # --- orders (T4–T62) ---
    "api_order": route(order_ids, "get", parties=ORDER_READERS),
    "api_order_messages": route(
        order_ids, "get", Call("post", {"body": "私下联系我"}), parties=ORDER_READERS
    ),
    **{
        f"api_order_action:{action}": route(
            order_ids_in(state), Call("post", body), parties=ORDER_READERS
        )
        for action, (state, body) in ORDER_ACTIONS.items()
    },
    "order_detail": route(
        order_ids,
        "get",
        # A4/P6: an agency or a provider reads the order page but a posted action is a 404.
        Call("post", {"action": "dispute", "reason": "与要求不符"}, parties=SHOP | {"creator"}),
        parties=ORDER_READERS,
        page=True,
    ),
    "order_file": route(
        lambda t: {"order_id": t.orders["delivered"].pk, "file_id": t.delivery_file.pk},
        "get",
        parties=ORDER_READERS,
        page=True,
    ),
    # --- service providers (P1–P4) ---
    "api_provider_application": route(
        application_ids, "get", Call("patch", {"employee_count": 30}), parties={"provider"}
    ),
    "api_provider_application_submit": route(application_ids, "post", parties={"provider"}),
    "api_provider_documents": route(
        application_ids,
        Call("post", lambda t: {"kind": "intro", "file": pdf()}, multipart=True),
        parties={"provider"},
    ),
    "api_provider_document": route(document_ids, "delete", parties={"provider"}),
    "api_provider_document_download": route(document_ids, "get", parties={"provider"}),
    "provider_document_download": route(document_ids, "get", parties={"provider"}, page=True),
    "provider_document_remove": route(document_ids, "post", parties={"provider"}, page=True),
}

# Routes whose id names no tenant's object, so there is nothing to hide (A3 does not apply).
EXCLUDED = {
    "api_creator": "C2: creator profiles are the marketplace's public listing (any user reads one)",
    "creator_detail": "C2: the page of a public creator profile",
    "sponsor_logo": "T2: a sponsor's logo is public (shown on the stream), named by a random uuid",
}

# Namespaces left out whole: A3 says "ops staff see everything in the admin"; who may do what
# there is Z3's (each power its own permission, proved by the ops-permission walks).
EXCLUDED_NAMESPACES = {"admin": "A3/Z3: the Django admin is ops' and sees every tenant"}

# Ids passed in the query or the body rather than the path: the same rule (A3), the same
# matrix.


@dataclass(frozen=True)
class QueryRoute:
    """A route that names a tenant's object in its query or its body: `id_of(tenant)` is the
    id, `request(id)` the query string (a str) or the body (a dict) carrying it; `parties`
    are the roles that act on such an id. For anyone else the id means nothing: its answer
    must not depend on whose id it is (another tenant's and a missing one answer alike)."""

    name: str
    method: str
    id_of: object
    request: object
    parties: frozenset
    page: bool = False
    path: object = None  # tenant -> URL kwargs: the caller's own object in the path


def by_query(name, id_of, parameter, parties, *, page=False, path=None) -> QueryRoute:
    return QueryRoute(
        name, "get", id_of, lambda pk: f"{parameter}={pk}", frozenset(parties), page, path
    )


def by_body(name, id_of, body, parties, *, page=False, path=None) -> QueryRoute:
    return QueryRoute(name, "post", id_of, body, frozenset(parties), page, path)


def shop_of(t):
    return t.shop.pk


def balance_order_of(t):
    return t.orders["awaiting_balance"].pk


def task_body(shop_id) -> dict:
    return {
        "mode": "plaza",
        "title": "代发任务",
        "brief": "到店拍摄 30 秒探店视频",
        "content_type": "video",
        "channel": "toutiao",
        "price": "1000.00",
        "slots": 2,
        "enrollment_deadline": in_days(2).isoformat(),
        "delivery_deadline": in_days(20).isoformat(),
        "shop": shop_id,
    }


QUERY_ROUTES: dict[str, QueryRoute] = {
    "api_wallet?shop": by_query("api_wallet", shop_of, "shop", SHOP),
    "api_entries?shop": by_query("api_entries", shop_of, "shop", SHOP),
    "api_income?shop": by_query("api_income", shop_of, "shop", SHOP),
    "api_top_ups{shop}": by_body(
        "api_top_ups", shop_of, lambda pk: {"amount": "1.00", "shop": pk}, SHOP
    ),
    "api_balances{orders}": by_body(
        "api_balances", balance_order_of, lambda pk: {"orders": [pk]}, SHOP
    ),
    # P6: a provider's staff post for a shop that delegated to it.
    "api_tasks{shop}": by_body("api_tasks", shop_of, task_body, SHOP | {"provider"}),
    "wallet?shop": by_query("wallet", shop_of, "shop", SHOP, page=True),
    "income?shop": by_query("income", shop_of, "shop", SHOP, page=True),
    "task_new?shop": by_query("task_new", shop_of, "shop", {"provider"}, page=True),
    "balances_pay{orders}": by_body(
        "balances_pay", balance_order_of, lambda pk: {"orders": [pk]}, SHOP, page=True
    ),
    # P7: another shop's task id selects nothing of the shop's own report.
    "provider_report?tasks": by_query(
        "provider_report",
        lambda t: t.task.pk,
        "tasks",
        SHOP | {"provider"},
        page=True,
        path=shop_ids,
    ),
    # T10/T30 on the task page: the application or proposal named in the form is the task's.
    "task_detail{application}": by_body(
        "task_detail",
        lambda t: t.application.pk,
        lambda pk: {"action": "approve", "application": pk},
        TASK_READERS,
        page=True,
        path=lambda t: {"task_id": t.application.task_id},
    ),
    "task_detail{proposal}": by_body(
        "task_detail",
        lambda t: t.proposal.pk,
        lambda pk: {"action": "accept_proposal", "proposal": pk},
        TASK_READERS,
        page=True,
        path=lambda t: {"task_id": t.proposal.task_id},
    ),
    # T30: agency staff quote for their agency only; T20: a merchant pays from its own shop.
    "api_task_proposals{agency}": by_body(
        "api_task_proposals",
        lambda t: t.agency_obj.pk,
        lambda pk: {"quote": "1000.00", "plan": "机构方案", "agency": pk},
        AGENCY,
        path=lambda t: {"task_id": t.proposal.task_id},
    ),
    "api_task_applications{shop}": by_body(
        "api_task_applications",
        shop_of,
        lambda pk: {"note": "我们想合作", "shop": pk},
        SHOP,
        path=lambda t: {"task_id": t.recruitment.pk},
    ),
}

MISSING_ID = 2_000_000_000  # within bigint, names nothing


# --- reading the resolver -------------------------------------------------------------------

_PATH_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_PARAM = re.compile(r"\(\?P<(\w+)>([^)]*)\)")


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(
                pattern.url_patterns,
                prefix + str(pattern.pattern),
                pattern.namespace or namespace,
            )
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern, prefix + str(pattern.pattern)


def routes_with_parameters() -> dict[str, set[str]]:
    """{matrix key: its path parameters} of every named route outside the admin with a path
    parameter. An action route counts once per action, whether the action is a regex group
    (`(?P<action>a|b)`) or an extra keyword argument of one route per action (Z6)."""
    found: dict[str, set[str]] = {}
    for namespace, pattern, text in _walk(get_resolver().url_patterns):
        if namespace in EXCLUDED_NAMESPACES or not pattern.name:
            continue
        params = set(_PATH_PARAM.findall(text)) | {n for n, _ in _REGEX_PARAM.findall(text)}
        if not params:
            continue
        actions = [pattern.default_args["action"]] if "action" in pattern.default_args else []
        for name, alternatives in _REGEX_PARAM.findall(text):
            if name == "action":
                actions = alternatives.split("|")
        for action in actions or [None]:
            key = pattern.name if action is None else f"{pattern.name}:{action}"
            found[key] = params - {"action"}
    return found


def test_every_route_with_an_id_is_in_the_matrix():
    """A3/tenancy: every named route with a path parameter (admin aside) is in the matrix or in
    the justified exclusions: a new route with an id fails here until its tenancy is tested."""
    found = routes_with_parameters()
    missing = sorted(set(found) - set(ROUTES) - set(EXCLUDED))
    stale = sorted((set(ROUTES) | set(EXCLUDED)) - set(found))
    assert missing == [], f"routes with an id not in the tenancy matrix: {missing}"
    assert stale == [], f"matrix rows naming no route: {stale}"


def api_methods() -> dict[str, set[str]]:
    """{matrix key: the HTTP methods its API view answers} for the API routes of the matrix."""
    methods: dict[str, set[str]] = {}
    for _namespace, pattern, _text in _walk(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is None or not pattern.name or not pattern.name.startswith("api_"):
            continue
        answered = {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)}
        action = pattern.default_args.get("action")
        keys = [f"{pattern.name}:{action}"] if action else [pattern.name]
        if not action:
            keys += [key for key in ROUTES if key.startswith(f"{pattern.name}:")]
        for key in keys:
            if key in ROUTES:
                methods.setdefault(key, set()).update(answered)
    return methods


def test_every_method_of_an_api_route_is_in_the_matrix():
    """A3/tenancy: the matrix calls every method an API route answers (GET and each mutating
    one): a PUT or DELETE added to a view fails here until its tenancy is tested."""
    uncovered = {
        key: sorted(answered - {call.method for call in ROUTES[key].calls})
        for key, answered in api_methods().items()
    }
    assert {key: m for key, m in uncovered.items() if m} == {}


def url_of(key: str, t, ids: dict | None = None) -> str:
    name, _, action = key.partition(":")
    kwargs = dict(ROUTES[key].ids(t) if ids is None else ids)
    if action:
        kwargs["action"] = action
    url = reverse(name, kwargs=kwargs)
    assert resolve(url).url_name == name
    return url


# --- making the requests --------------------------------------------------------------------


def _tables() -> list[str]:
    tables = [
        model._meta.db_table
        for label in ("marketplace", "agencies", "tasks", "escrow", "providers", "incentives")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model is not User
    ]
    return [*tables, StateLog._meta.db_table]


def snapshot() -> dict:
    """Every row a request could change: every table of the four apps (users aside: a login
    stamps last_login) and the transition log, read raw (this runs twice a test)."""
    with connection.cursor() as cursor:
        rows = {}
        for table in _tables():
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')
            rows[table] = cursor.fetchall()
    return rows


class Caller:
    """One role's clients: DRF's for the API, a logged-in browser for pages. Counts requests."""

    made = 0

    def __init__(self, user: User):
        self.api = client_for(user)
        self.page = Client()
        self.page.force_login(user)

    def __call__(self, spec: Route, call: Call, url: str, t):
        Caller.made += 1
        body = call.body(t) if callable(call.body) else call.body
        client = self.page if spec.page else self.api
        method = getattr(client, call.method)
        if spec.page:
            return method(url, body or {}) if call.method == "post" else method(url)
        if call.multipart:
            return method(url, body, format="multipart")
        if call.method in ("get", "delete") and not body:
            return method(url)
        return method(url, body or {}, format="json")


def assert_hidden(response, spec: Route, t, what: str) -> None:
    """A3: a 404 that names nothing of the object; on the API in the standard error shape."""
    assert response.status_code == 404, (what, response.status_code, response.content[:300])
    if not spec.page:
        body = response.json()
        assert body["error"]["code"] == "not_found", what
        assert body["error"]["fields"] == {}, what
    content = response.content.decode(errors="replace")
    assert t.secret not in content, what


def assert_reached(response, call: Call, what: str) -> None:
    """The object's own party is not told it does not exist: 2xx/3xx, or a documented 4xx."""
    assert response.status_code != 404, (what, response.content[:300])
    assert response.status_code < 500, (what, response.content[:300])
    if call.method == "get":
        assert response.status_code in (200, 302), (what, response.status_code)


def other_variants(spec: Route, mine: dict, theirs: dict) -> list[dict]:
    """The other tenant's object: all ids theirs, and (routes with two ids) each id theirs in
    turn with the other one ours — another agency's hour under the agency's own address."""
    variants = [theirs]
    if len(mine) > 1:
        for name in mine:
            variants.append({**mine, name: theirs[name]})
    return variants


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", list(ROUTES))
def test_another_tenants_object_is_404_and_ones_own_is_reached(key, role, tenants):
    """A3/tenancy: for this route and role, every method on the other tenant's object is a 404
    that names nothing of it, and no row changes; on the own tenant's object a party of it is
    answered (not 404, not 5xx) and a non-party gets the same 404."""
    spec = ROUTES[key]
    mine, theirs = tenants.a, tenants.b
    caller = tenants.callers[role]

    before = snapshot()
    answers = []
    for ids in other_variants(spec, spec.ids(mine), spec.ids(theirs)):
        url = url_of(key, theirs, ids)
        for call in spec.calls:
            answers.append(response := caller(spec, call, url, theirs))
            assert_hidden(response, spec, theirs, f"{role} {call.method} {url}")
    assert snapshot() == before, f"{role} changed another tenant's data through {key}"
    if not spec.page:
        # Another tenant's object and an id that names nothing answer the same bytes.
        missing = {name: MISSING_ID for name in spec.ids(theirs)}
        answer = caller(spec, spec.calls[0], url_of(key, theirs, missing), theirs)
        assert answers[0].content == answer.content, (role, key)

    url = url_of(key, mine)
    for call in spec.calls:
        parties = spec.parties if call.parties is None else call.parties
        response = caller(spec, call, url, mine)
        what = f"{role} {call.method} {url} (own tenant)"
        if role in parties:
            assert_reached(response, call, what)
        else:
            assert_hidden(response, spec, mine, what)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", list(QUERY_ROUTES))
def test_another_tenants_id_in_the_query_or_body_is_404(key, role, tenants):
    """A3/Z4/tenancy: a shop, order or task id of another tenant in the query (`?shop=`) or
    the body is a 404 to those who act on such ids — never a fallback to their own first shop,
    never the other's data — and changes nothing; their own id is answered. To any other role
    the id means nothing: another tenant's id answers exactly like a missing one."""
    spec = QUERY_ROUTES[key]
    mine, theirs = tenants.a, tenants.b
    caller = tenants.callers[role]

    def ask(t, pk):
        Caller.made += 1
        client = caller.page if spec.page else caller.api
        url = reverse(spec.name, kwargs=spec.path(mine) if spec.path else None)
        if spec.method == "get":
            return client.get(f"{url}?{spec.request(pk)}")
        if spec.page:
            return client.post(url, spec.request(pk))
        return client.post(url, spec.request(pk), format="json")

    before = snapshot()
    theirs_answer = ask(theirs, spec.id_of(theirs))
    assert snapshot() == before, f"{role} changed another tenant's data through {key}"
    assert theirs.secret not in theirs_answer.content.decode(errors="replace")
    if role in spec.parties:
        if spec.name == "provider_report":
            # P7: another shop's task id selects nothing of this shop's report (no 404:
            # the shop is the caller's), and names nothing of the other's task.
            assert theirs_answer.status_code in (200, 400), theirs_answer.status_code
        else:
            assert_hidden(theirs_answer, spec, theirs, f"{role} {key}")
        own = ask(mine, spec.id_of(mine))
        assert_reached(own, Call(spec.method), f"{role} {key} (own tenant)")
    else:
        missing = ask(theirs, MISSING_ID)
        assert theirs_answer.status_code == missing.status_code, (role, key)
        if not spec.page:
            assert theirs_answer.content == missing.content, (role, key)


# --- another tenant's public tasks ----------------------------------------------------------

# Tasks another tenant shows on a plaza (T10, T20, T30), and the roles of A that see them.
PUBLIC_TASKS = {
    "plaza": (lambda t: t.application.task, {"creator"}),
    "brand": (lambda t: t.proposal.task, {"creator"} | AGENCY),
    "recruitment": (lambda t: t.recruitment, SHOP),
}
OWNER_ACTIONS = [
    ("api_task_pay", {}),
    *[("api_task_action", {"action": a}) for a in ("close-enrollment", "cancel", "close")],
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", list(PUBLIC_TASKS))
def test_another_tenants_public_task_is_read_but_its_owners_actions_are_404(kind, role, tenants):
    """A3/T10/T20/T30/tenancy: a task another tenant shows on a plaza is read by those the
    plaza is for (and is a 404 to anyone else), but its owner's actions — pay, close
    enrollment, cancel, close, on the API and on the task page — are a 404 to every role of A,
    never 403 `wrong_side` nor a refusal on the page, and change nothing."""
    task_of, viewers = PUBLIC_TASKS[kind]
    task = task_of(tenants.b)
    caller = tenants.callers[role]

    read = caller.api.get(reverse("api_task", kwargs={"task_id": task.pk}))
    assert read.status_code == (200 if role in viewers else 404), read.content[:200]
    before = snapshot()
    for name, extra in OWNER_ACTIONS:
        Caller.made += 1
        url = reverse(name, kwargs={"task_id": task.pk, **extra})
        response = caller.api.post(url, {}, format="json")
        assert_hidden(response, Route(ids=None, calls=()), tenants.b, f"{role} {url}")
    page = reverse("task_detail", kwargs={"task_id": task.pk})
    for action in ("close_enrollment", "cancel", "close", "pay"):
        Caller.made += 1
        response = caller.page.post(page, {"action": action})
        assert_hidden(response, Route(ids=None, calls=(), page=True), tenants.b, f"{role} {action}")
    assert snapshot() == before


# --- lists: nothing private of another tenant ------------------------------------------------

# What of B no role of A may ever read: its private and closed tasks, its order thread, its
# application note, its proposal plan, its theme proposal. (B's open plaza, brand and
# recruitment tasks are public, T10/T20/T30.)
PRIVATE_OF = ("私密任务", "已截止广场任务", "留言", "报名", "方案", "主题")
NO_DATA = {"schema", "api_docs"}  # the OpenAPI document and its viewer hold no tenant's data


def routes_without_parameters() -> list[str]:
    return sorted(
        {
            pattern.name
            for namespace, pattern, text in _walk(get_resolver().url_patterns)
            if namespace not in EXCLUDED_NAMESPACES
            and pattern.name
            and pattern.name not in NO_DATA
            and not _PATH_PARAM.findall(text)
            and not _REGEX_PARAM.findall(text)
        }
    )


@pytest.mark.parametrize("role", ROLES)
def test_no_list_or_page_shows_another_tenants_private_objects(role, tenants):
    """A3/A4/T62/tenancy: every route without an id in its path (the lists, the plazas, the
    inbox, the wallet, the dashboards, API and pages), read by each role of A, answers without
    a 5xx and names nothing private of tenant B."""
    caller = tenants.callers[role]
    secrets = [tenants.b.secret + private for private in PRIVATE_OF]
    for name in routes_without_parameters():
        Caller.made += 1
        client = caller.api if name.startswith("api_") else caller.page
        response = client.get(reverse(name))
        assert response.status_code < 500, (name, response.status_code)
        content = b"".join(response) if response.streaming else response.content
        text = content.decode(errors="replace")
        assert not [s for s in secrets if s in text], (role, name)
