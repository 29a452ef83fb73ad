"""Demo data for `make run`: two merchants, 20 creators, an agency with 6 signed creators,
a service provider and an ops superuser. Idempotent: a second run changes nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from marketplace import services
from marketplace.models import (
    Agency,
    Category,
    ContractStatus,
    CreatorProfile,
    MerchantShop,
    Organization,
    OrganizationKind,
    Platform,
    Role,
    ServiceProvider,
    Side,
    User,
)
from marketplace.selectors import shop_bound_account
from tasks.models import Channel

DEMO_PASSWORD = "demo-pass-2026"

CREATORS = [
    # username, display name, channels, categories, followers, rates in yuan
    (
        "creator01",
        "小鹿美妆日记",
        ["haohuo", "taobao_live"],
        ["美妆"],
        1_280_000,
        {"video": 8800, "live": 20000},
    ),
    (
        "creator02",
        "穿搭研究所阿May",
        ["toutiao", "shop_video"],
        ["服饰"],
        560_000,
        {"image_text": 1500, "video": 4800},
    ),
    (
        "creator03",
        "吃货老王",
        ["taobao_live", "bimai"],
        ["食品"],
        2_300_000,
        {"live": 36000, "live_sponsorship": 50000},
    ),
    (
        "creator04",
        "数码控Leo",
        ["toutiao", "shop_video"],
        ["数码"],
        890_000,
        {"video": 6600, "image_text": 2000},
    ),
    (
        "creator05",
        "宝妈小雨",
        ["haohuo", "jiyoujia"],
        ["母婴"],
        320_000,
        {"image_text": 900, "video": 3200},
    ),
    ("creator06", "极简家居控", ["jiyoujia", "shop_video"], ["家居"], 150_000, {"video": 2800}),
    (
        "creator07",
        "健身教练Kevin",
        ["taobao_live", "shop_video"],
        ["运动"],
        740_000,
        {"live": 12000, "video": 5200},
    ),
    (
        "creator08",
        "环球旅行家",
        ["tmall_global", "toutiao"],
        ["旅行"],
        410_000,
        {"image_text": 2600, "video": 7800},
    ),
    ("creator09", "猫咪星球", ["haohuo", "shop_video"], ["宠物"], 980_000, {"video": 5600}),
    ("creator10", "珠光宝气", ["tmall_global", "taobao_live"], ["珠宝"], 260_000, {"live": 15000}),
    (
        "creator11",
        "口红一哥的徒弟",
        ["taobao_live"],
        ["美妆"],
        3_100_000,
        {"live": 88000, "live_sponsorship": 120000},
    ),
    ("creator12", "复古穿搭Lily", ["toutiao", "haohuo"], ["服饰"], 95_000, {"image_text": 600}),
    ("creator13", "零食测评君", ["bimai", "shop_video"], ["食品"], 680_000, {"video": 4200}),
    ("creator14", "装机大神", ["toutiao"], ["数码"], 210_000, {"image_text": 1800, "video": 3900}),
    ("creator15", "育儿经", ["jiyoujia", "toutiao"], ["母婴"], 130_000, {"image_text": 800}),
    ("creator16", "收纳达人", ["jiyoujia"], ["家居"], 72_000, {"image_text": 500, "video": 1600}),
    (
        "creator17",
        "户外老炮",
        ["taobao_live", "toutiao"],
        ["运动", "旅行"],
        450_000,
        {"live": 9000},
    ),
    (
        "creator18",
        "海淘小能手",
        ["tmall_global"],
        ["美妆", "母婴"],
        1_050_000,
        {"video": 7200, "image_text": 2400},
    ),
    ("creator19", "汪星人日常", ["shop_video"], ["宠物"], 38_000, {"video": 1200}),
    (
        "creator20",
        "翡翠小姐姐",
        ["taobao_live", "tmall_global"],
        ["珠宝"],
        560_000,
        {"live": 18000, "live_sponsorship": 30000},
    ),
]
SIGNED_TO_AGENCY = ["creator01", "creator03", "creator07", "creator09", "creator11", "creator17"]


class Command(BaseCommand):
    help = "Load idempotent demo data and print the demo logins."

    def _user(self, username: str, *, side: str = "", **extra) -> tuple[User, bool]:
        user = User.objects.filter(username=username).first()
        if user:
            return user, False
        if side:
            user = services.user_register(
                username=username,
                password=DEMO_PASSWORD,
                side=side,
                email=f"{username}@demo.local",
            )
        else:
            user = User(username=username, email=f"{username}@demo.local", **extra)
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user, True

    def _shop(self, owner: User, name: str, **facts) -> MerchantShop:
        existing = MerchantShop.objects.filter(organization__name=name).first()
        return existing or services.shop_admit(actor=owner, name=name, **facts)

    @transaction.atomic
    def handle(self, *args, **options):
        self._user("ops", is_staff=True, is_superuser=True)

        tmall_owner, _ = self._user("merchant_tmall", side=Side.MERCHANT)
        tmall = self._shop(
            tmall_owner,
            "山茶花美妆旗舰店",
            platform=Platform.TMALL,
            seller_credit_level=15,
            meets_marketing_rules=True,
            is_brand=True,
            industry="美妆",
        )
        if shop_bound_account(tmall) is None:
            services.payment_account_bind(
                shop=tmall,
                actor=tmall_owner,
                account_id="finance@shanchahua.example",
                holder_name="杭州山茶花化妆品有限公司",
            )
        taobao_owner, _ = self._user("merchant_taobao", side=Side.MERCHANT)
        self._shop(
            taobao_owner,
            "小林家居生活馆",
            platform=Platform.TAOBAO,
            seller_credit_level=9,
            meets_marketing_rules=True,
            industry="家居",
        )

        channels = {c.code: c for c in Channel.objects.all()}
        categories = {c.name: c for c in Category.objects.all()}
        for username, display_name, channel_codes, category_names, followers, rates in CREATORS:
            user, created = self._user(username, side=Side.CREATOR)
            if created:
                services.creator_profile_update(
                    profile=user.creator_profile,
                    actor=user,
                    display_name=display_name,
                    bio=f"{display_name}：专注{'、'.join(category_names)}内容创作。",
                    channel_codes=[c for c in channel_codes if c in channels],
                    category_names=[c for c in category_names if c in categories],
                    followers=followers,
                    rates_fen={t: yuan * 100 for t, yuan in rates.items()},
                )

        agency_owner, _ = self._user("agency_owner")
        agency = Agency.objects.filter(organization__name="星河MCN机构").first()
        if agency is None:
            agency = services.agency_create(name="星河MCN机构", owner=agency_owner)
        agency_staff, _ = self._user("agency_staff")
        services.membership_add(
            organization=agency.organization, user=agency_staff, role=Role.STAFF
        )
        for username in SIGNED_TO_AGENCY:
            profile = CreatorProfile.objects.get(user__username=username)
            if (
                profile.agency_id is None
                and not profile.contracts.filter(
                    status=ContractStatus.INVITED, agency=agency
                ).exists()
            ):
                contract = services.agency_invite(
                    agency=agency, actor=agency_owner, creator=profile
                )
                services.contract_accept(contract=contract, actor=profile.user)

        provider_owner, _ = self._user("provider_owner")
        if not ServiceProvider.objects.filter(organization__name="云帆内容服务商").exists():
            organization = Organization.objects.create(
                kind=OrganizationKind.PROVIDER, name="云帆内容服务商"
            )
            services.membership_add(organization=organization, user=provider_owner, role=Role.OWNER)
            ServiceProvider.objects.create(organization=organization)

        self.stdout.write(
            self.style.SUCCESS(f"Demo data is ready. Logins (password for all: {DEMO_PASSWORD}):")
        )
        for username, what in [
            ("ops", "ops superuser → /admin/"),
            ("merchant_tmall", "Tmall brand merchant (山茶花美妆旗舰店, payment account bound)"),
            ("merchant_taobao", "Taobao merchant (小林家居生活馆)"),
            ("creator01", "creator (…creator20), signed to 星河MCN机构"),
            ("creator02", "creator, not signed"),
            ("agency_owner", "MCN agency owner (星河MCN机构, 6 signed creators)"),
            ("agency_staff", "MCN agency staff (read only)"),
            ("provider_owner", "service provider owner (云帆内容服务商)"),
        ]:
            self.stdout.write(f"  {username:<16} {what}")
