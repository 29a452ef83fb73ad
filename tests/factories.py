from __future__ import annotations

import factory
from django.utils import timezone

from agencies.models import Agency, AgencyContract, ContractStatus
from parties.models import (
    ContentType,
    CreatorProfile,
    CreatorRate,
    Membership,
    MerchantShop,
    Organization,
    OrganizationKind,
    PaymentAccount,
    Platform,
    Role,
    ServiceProvider,
    Side,
    User,
)
from tasks.models import Order, OrderKind

PASSWORD = "Secret-pass-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    side = ""
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MerchantUserFactory(UserFactory):
    side = Side.MERCHANT
    side_chosen_at = factory.LazyFunction(timezone.now)


class CreatorUserFactory(UserFactory):
    side = Side.CREATOR
    side_chosen_at = factory.LazyFunction(timezone.now)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = OrganizationKind.SHOP
    name = factory.Sequence(lambda n: f"Organization {n}")


class ShopFactory(factory.django.DjangoModelFactory):
    """An admitted Tmall shop owned by a new merchant user (reachable as `shop.owner`)."""

    class Meta:
        model = MerchantShop
        skip_postgeneration_save = True

    organization = factory.SubFactory(
        OrganizationFactory, kind=OrganizationKind.SHOP, name=factory.Sequence(lambda n: f"店铺{n}")
    )
    platform = Platform.TMALL
    seller_credit_level = 12
    meets_marketing_rules = True
    is_brand = False
    industry = "美妆"

    @factory.post_generation
    def owner(shop, create, extracted, **kwargs):
        user = extracted or MerchantUserFactory()
        Membership.objects.create(user=user, organization=shop.organization, role=Role.OWNER)
        shop.owner = user


class PaymentAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentAccount

    shop = factory.SubFactory(ShopFactory)
    account_id = factory.Sequence(lambda n: f"pay{n}@company.example")
    holder_name = "杭州某某科技有限公司"


class CreatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreatorProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(CreatorUserFactory)
    display_name = factory.Sequence(lambda n: f"达人{n}")
    followers = factory.Sequence(lambda n: 1000 * (n + 1))

    @factory.post_generation
    def rates(profile, create, extracted, **kwargs):
        for content_type, price_fen in (extracted or {}).items():
            CreatorRate.objects.create(
                creator=profile, content_type=ContentType(content_type), price_fen=price_fen
            )


class AgencyFactory(factory.django.DjangoModelFactory):
    """An MCN agency with an owner user (reachable as `agency.owner`)."""

    class Meta:
        model = Agency
        skip_postgeneration_save = True

    organization = factory.SubFactory(
        OrganizationFactory,
        kind=OrganizationKind.AGENCY,
        name=factory.Sequence(lambda n: f"机构{n}"),
    )

    @factory.post_generation
    def owner(agency, create, extracted, **kwargs):
        user = extracted or UserFactory()
        Membership.objects.create(user=user, organization=agency.organization, role=Role.OWNER)
        agency.owner = user


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyContract

    agency = factory.SubFactory(AgencyFactory)
    creator = factory.SubFactory(CreatorFactory)
    invited_by = factory.LazyAttribute(lambda c: c.agency.owner)
    status = ContractStatus.INVITED


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceProvider

    organization = factory.SubFactory(
        OrganizationFactory,
        kind=OrganizationKind.PROVIDER,
        name=factory.Sequence(lambda n: f"服务商{n}"),
    )


class TaobaoShopFactory(ShopFactory):
    """An admitted Taobao (集市) shop at three diamonds (level 8), the M1 minimum."""

    platform = Platform.TAOBAO
    seller_credit_level = 8


class OrderFactory(factory.django.DjangoModelFactory):
    """An order between a shop (with a bound payment account) and a creator, fee at 0%."""

    class Meta:
        model = Order

    kind = OrderKind.PRIVATE
    shop = factory.SubFactory(ShopFactory)
    creator = factory.SubFactory(CreatorFactory)
    title = factory.Sequence(lambda n: f"任务{n}")
    price_fen = 100_000
    fee_rate_bp = 0
    fee_fen = factory.LazyAttribute(lambda o: (o.price_fen * o.fee_rate_bp + 5_000) // 10_000)
