"""The two tenants of the tenancy matrix (A3, §4): every kind of object a tenant owns, built
through the services once per module (`world`) and handed to each test as `tenants`."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

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
from incentives import services as incentive_services
from incentives.models import Program, ProgramCode
from parties.models import Category, Membership, Role, User
from providers import services as provider_services
from tasks import services as task_services
from tasks.models import DeliveryFile
from tests import factories
from tests.builders import order_in
from tests.conftest import fund_wallet
from tests.providers.conftest import complete_application

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
    # I1/I8: the creator's 视频号 account with coupons and a running heating order, and the
    # shop's account.
    t.live_account = incentive_services.live_account_bind(
        actor=t.creator, finder_id=f"wx_creator_{label}", nickname=f"{t.secret}直播间"
    )
    growth = incentive_services.month_open(Program.objects.get(code=ProgramCode.GROWTH))
    incentive_services.coupons_grant(
        program_month=growth,
        live_account=t.live_account,
        amount=1000,
        cause=f"tenancy:{label}",
        reason="growth_award",
    )
    t.heating_order = incentive_services.heating_order_pay(
        actor=t.creator, live_account=t.live_account, hours=Decimal("6"), coupons=100
    )
    t.shop_live_account = incentive_services.live_account_bind(
        actor=t.merchant, finder_id=f"wx_shop_{label}", nickname="店铺直播间", shop=t.shop
    )

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
            from tests.tenancy.routes import Caller  # the routes module reads this one

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
