"""Demo data for `make run`: two merchants, 20 creators, an agency with 6 signed creators,
a service provider and an ops superuser. Idempotent: a second run changes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from agencies import services as agency_services
from agencies.models import Agency, AgencyAssessment, ContractStatus, LiveSession
from core.months import month_bounds, month_first_day, previous_month
from escrow.services import wallet_top_up
from incentives import services as incentive_services
from incentives.models import LiveAccount
from incentives.services.growth import growth_evaluate
from incentives.services.lives import channels_sessions_ingest
from parties import services
from parties.models import (
    Category,
    CreatorProfile,
    MerchantShop,
    Platform,
    Role,
    ServiceProvider,
    Side,
    User,
)
from parties.selectors import shop_bound_account
from providers import services as provider_services
from tasks import services as task_services
from tasks.models import Announcement, Channel, Order, Task
from tasks.services import content_metrics_ingest

DEMO_PASSWORD = "demo-pass-2026"
DEMO_WALLET_FEN = 5_000_000  # ¥50,000.00 for the demo orders

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

    def handle(self, *args, **options):
        # Two transactions: the sandbox gateway credits the top-up of the first on commit, and
        # the demo orders of the second are paid from it.
        with transaction.atomic():
            tmall = self._parties()
        with transaction.atomic():
            self._tasks(tmall)
        self._agency_data()
        self._metrics()
        self._incentives()
        self._print_logins()

    def _parties(self) -> MerchantShop:
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
            agency = agency_services.agency_create(name="星河MCN机构", owner=agency_owner)
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
                contract = agency_services.agency_invite(
                    agency=agency, actor=agency_owner, creator=profile
                )
                agency_services.contract_accept(contract=contract, actor=profile.user)

        self._providers(tmall, tmall_owner)
        if not Task.objects.exists():
            wallet_top_up(shop=tmall, actor=tmall_owner, amount_fen=DEMO_WALLET_FEN)
        return tmall

    def _metrics(self) -> None:
        """F1: the platform's daily figures for the delivered demo orders (idempotent)."""

        today = timezone.localdate()
        rows = []
        for order in Order.objects.filter(delivered_at__isnull=False).order_by("id"):
            delivered_on = timezone.localdate(order.delivered_at)
            for back in range(3):
                day = today - timedelta(days=back)
                if day < delivered_on:
                    continue
                base = 1000 * (order.pk % 7 + 3)
                rows.append(
                    {
                        "order_id": order.pk,
                        "date": day.isoformat(),
                        "views": base * (3 - back) * 4,
                        "likes": base // 3,
                        "comments": base // 40,
                        "shares": base // 90,
                        "clicks": base // 5,
                        "gmv": f"{base * 2}.00",
                    }
                )
        if rows:
            content_metrics_ingest(rows=rows)

    def _providers(self, tmall: MerchantShop, tmall_owner: User) -> None:
        """P1–P6: 云帆 admitted (after ops reviewed its documents) and managing the Tmall shop's
        tasks; 星火 with an application waiting in the ops review queue."""

        if ServiceProvider.objects.filter(organization__name="云帆内容服务商").exists():
            return
        ops = User.objects.get(username="ops")
        admitted = self._provider_application("provider_owner", "云帆内容服务商")
        provider_services.provider_application_submit(
            application=admitted, actor=admitted.created_by
        )
        provider_services.provider_application_approve(
            application=admitted, actor=ops, reason="资料齐全，办公视频可见固定办公场所。"
        )
        provider_services.delegation_grant(
            shop=tmall, actor=tmall_owner, provider=admitted.provider
        )
        waiting = self._provider_application("provider_applicant", "星火种草传媒")
        provider_services.provider_application_submit(application=waiting, actor=waiting.created_by)

    def _provider_application(self, username: str, company: str):
        """A complete application with small real documents (checked by their bytes)."""

        owner, _ = self._user(username)
        application = provider_services.provider_application_start(
            actor=owner, company_name=company
        )
        provider_services.provider_application_update(
            application=application,
            actor=owner,
            is_seeding=True,
            is_performance=True,
            registered_on=timezone.localdate() - timedelta(days=3 * 365),
            registered_capital_fen=1_000_000_00,
            business_scope="广告设计、制作、代理、发布；内容种草策划；网络技术服务",
            employee_count=48,
            office_address="杭州市余杭区文一西路 969 号",
            union_account_id=f"union-{owner.pk:05d}",
            union_avg_monthly_gmv_fen=320_000_00,
            union_violation_points=0,
            has_associated_cheating=False,
        )
        documents = [
            ("intro", "", "公司介绍.pdf", b"%PDF-1.4\n% demo company introduction\n%%EOF\n"),
            ("license", "", "营业执照.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
            ("office_video", "", "办公环境.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64),
            ("certification", "douyin", "抖音服务商认证.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64),
        ]
        for kind, platform, name, content in documents:
            provider_services.provider_document_add(
                application=application,
                actor=owner,
                kind=kind,
                platform=platform,
                file=SimpleUploadedFile(name, content),
            )
        application.refresh_from_db()
        return application

    def _agency_data(self) -> None:
        """G1–G7 for the demo agency: last month's and this month's live sessions from the
        feed, last month's assessment, tomorrow's focus line and a theme proposal."""

        agency = Agency.objects.get(organization__name="星河MCN机构")
        if LiveSession.objects.filter(creator__agency=agency).exists():
            return
        now = timezone.now()
        last_month = previous_month(month_first_day(now))
        # The demo agency signed its creators before last month, so last month is assessed.
        long_ago = month_bounds(previous_month(last_month))[0]
        Agency.objects.filter(pk=agency.pk).update(created_at=long_ago)
        agency.contracts.filter(status=ContractStatus.ACTIVE).update(signed_at=long_ago)
        rows = []
        start = month_bounds(last_month)[0] + timedelta(hours=20)
        signed = list(CreatorProfile.objects.filter(agency=agency).order_by("id"))
        for index, profile in enumerate(signed):
            code = "food" if index == len(signed) - 1 else "beauty"
            for day in range(22):  # G5: 20 or more counted sessions
                began = start + timedelta(days=day)
                minutes = 25 if day == 21 else 90 + 10 * (index % 3)  # one too short (G1)
                rows.append(
                    {
                        "session_id": f"demo-{profile.pk}-{began:%Y%m%d}",
                        "creator_id": profile.pk,
                        "category": code,
                        "started_at": began.isoformat(),
                        "ended_at": (began + timedelta(minutes=minutes)).isoformat(),
                        "gmv": f"{8000 + 1500 * index + 37 * day}.00",
                        "refund": f"{120 + day}.00",
                    }
                )
        this_month = month_bounds(month_first_day(now))[0] + timedelta(hours=20)
        for index, profile in enumerate(signed[:4]):  # two creators not live yet this month
            began = min(this_month, now - timedelta(hours=3))
            rows.append(
                {
                    "session_id": f"demo-{profile.pk}-now",
                    "creator_id": profile.pk,
                    "category": "beauty",
                    "started_at": began.isoformat(),
                    "ended_at": (began + timedelta(minutes=45 + 20 * index)).isoformat(),
                    "gmv": f"{5200 + 800 * index}.00",
                }
            )
        for batch in range(0, len(rows), 1000):
            agency_services.live_sessions_ingest(rows=rows[batch : batch + 1000], source="api")
        if not AgencyAssessment.objects.filter(month=last_month).exists():
            agency_services.agencies_score(month=last_month, now=now)
        agency_services.focus_lines_build(day=timezone.localdate(now) + timedelta(days=1), now=now)

    def _tasks(self, tmall: MerchantShop) -> None:
        """One of each mode and of the main order states, once (idempotent like the rest)."""
        if Task.objects.exists():
            return
        owner = User.objects.get(username="merchant_tmall")
        creator = {
            p.user.username: p
            for p in CreatorProfile.objects.select_related("user").filter(
                user__username__in=[f"creator{n:02d}" for n in range(1, 11)]
            )
        }
        now = timezone.now()
        common = {"actor": owner, "shop": tmall, "brief": "突出新品保湿功效，画面干净明亮。"}

        def private(title, who, price_yuan, **extra):
            return task_services.task_create(
                mode="private",
                title=title,
                content_type="video",
                channel="shop_video",
                price_fen=price_yuan * 100,
                delivery_deadline=now + timedelta(days=12),
                creator=creator[who],
                **common,
                **extra,
            ).order

        waiting = private("山茶花精华短视频", "creator01", 1280)
        task_services.order_pay(order=waiting, actor=owner)
        delivered = private("新品开箱测评", "creator05", 2000)
        task_services.order_pay(order=delivered, actor=owner)
        task_services.order_accept(order=delivered, actor=creator["creator05"].user)
        task_services.order_deliver(
            order=delivered,
            actor=creator["creator05"].user,
            links=["https://v.taobao.com/demo/unboxing"],
            note="已发布，请查收。",
        )
        done = private("达人种草图文", "creator06", 800)
        task_services.order_pay(order=done, actor=owner)
        task_services.order_accept(order=done, actor=creator["creator06"].user)
        task_services.order_deliver(
            order=done, actor=creator["creator06"].user, links=["https://v.taobao.com/demo/post"]
        )
        task_services.order_confirm(order=done, actor=owner, rating=5, comment="内容很用心")
        deposit = private("星图一口价直播口播", "creator07", 5000, payment="deposit")
        task_services.order_pay(order=deposit, actor=owner)

        plaza = task_services.task_create(
            mode="plaza",
            title="春季新品种草 · 招募 5 位美妆达人",
            content_type="image_text",
            channel="haohuo",
            price_fen=60000,
            slots=5,
            enrollment_deadline=now + timedelta(days=3),
            delivery_deadline=now + timedelta(days=14),
            **common,
        )
        for who in ("creator03", "creator04"):
            application = task_services.application_create(
                task=plaza, actor=creator[who].user, note="有同类目种草经验，粉丝以女性为主。"
            )
        task_services.application_approve(application=application, actor=owner)
        task_services.task_create(
            mode="brand",
            title="山茶花品牌直播冠名",
            content_type="live_sponsorship",
            channel="taobao_live",
            budget_fen=3000000,
            delivery_deadline=now + timedelta(days=20),
            sponsorship={
                "brand_name": "山茶花",
                "logo_url": "https://img.example.com/shanchahua-logo.png",
                "products": [{"name": "山茶花精华"}, {"name": "山茶花面霜"}],
            },
            **common,
        )
        task_services.task_create(
            actor=creator["creator02"].user,
            mode="recruitment",
            title="家居好物直播间招商",
            brief="直播间讲解 5 分钟，适合家居、收纳类商品。",
            content_type="live",
            channel="taobao_live",
            price_fen=150000,
            enrollment_deadline=now + timedelta(days=5),
            delivery_deadline=now + timedelta(days=15),
        )
        Announcement.objects.create(
            title="平台公告：双十二招商活动开启",
            body="达人招商广场双十二专场报名已开启，请在 12 月 5 日前提交。",
        )

    def _incentives(self) -> None:
        """I1–I7: three 视频号 accounts — one waiting for the cold-start review, one approved
        (stage 1 granted, its package reserved), one running benchmark case — so each
        program's meter shows reservations and grants. Idempotent: a second run adds nothing."""
        if LiveAccount.objects.exists():
            return
        ops = User.objects.get(username="ops")
        now = timezone.now()
        waiting, approved, benchmark = (
            User.objects.get(username=name) for name in ("creator03", "creator04", "creator05")
        )
        accounts = {
            user.username: incentive_services.live_account_bind(
                actor=user, finder_id=f"sph_{user.username}", nickname=nick
            )
            for user, nick in [
                (waiting, "小满的直播间"),
                (approved, "阿杰好物"),
                (benchmark, "品牌标杆直播"),
            ]
        }
        incentive_services.cold_start_apply(
            actor=waiting,
            live_account=accounts["creator03"],
            proposed_start=now + timedelta(days=5),
            plan={
                "long_term_plan": "每周三场美妆直播，三个月内做到月销十万",
                "investment": "每月 5000 元",
            },
        )
        application = incentive_services.cold_start_apply(
            actor=approved,
            live_account=accounts["creator04"],
            proposed_start=now + timedelta(days=4),
            plan={"long_term_plan": "家居好物专场，每周两场"},
        )
        incentive_services.application_approve(actor=ops, application=application)
        case = incentive_services.benchmark_apply(
            actor=benchmark,
            live_account=accounts["creator05"],
            planned_start=now + timedelta(days=15),
            planned_hours=Decimal("6"),
            gmv_target_fen=20_000_000,
            goods=[{"name": "年货限定礼盒", "is_exclusive": True}, {"name": "坚果大礼包"}],
        )
        incentive_services.application_approve(actor=ops, application=case)
        self._incentive_history(accounts["creator04"], approved, now)

    def _incentive_history(self, account, owner, now) -> None:
        """I6/I8: last month's lives of 阿杰好物 (nine of 2.5 hours, ¥61,200 net), evaluated by
        the growth job (its 300 + 1,500 coupons), and a heating order running now."""
        first = timezone.localtime(now).replace(day=1, hour=20, minute=0, second=0, microsecond=0)
        last_month = (first - timedelta(days=1)).replace(day=1)
        rows = [
            {
                "platform": "shipinhao",
                "session_id": f"demo-sph-{day}",
                "finder_id": account.finder_id,
                "started_at": last_month.replace(day=day).isoformat(),
                "ended_at": (last_month.replace(day=day) + timedelta(hours=2.5)).isoformat(),
                "viewers": 800 + 150 * day,
                "gmv": "7000.00",
                "refund": "200.00",
            }
            for day in range(1, 10)
        ]
        channels_sessions_ingest(rows=rows)
        growth_evaluate(month=last_month.date())
        incentive_services.heating_order_pay(
            actor=owner, live_account=account, hours=Decimal("2"), coupons=200
        )

    def _print_logins(self) -> None:
        self.stdout.write(
            self.style.SUCCESS(f"Demo data is ready. Logins (password for all: {DEMO_PASSWORD}):")
        )
        for username, what in [
            ("ops", "ops superuser → /admin/"),
            ("merchant_tmall", "Tmall brand merchant (山茶花美妆旗舰店, payment account bound)"),
            ("merchant_taobao", "Taobao merchant (小林家居生活馆)"),
            ("creator01", "creator (…creator20), signed to 星河MCN机构, an order to accept"),
            ("creator02", "creator, not signed"),
            ("creator03", "creator: a 视频号 cold-start application waiting for ops (激励申请)"),
            (
                "creator04",
                "creator: cold start approved (500 granted, 1,500 reserved), last month's "
                "growth awards, a heating order running",
            ),
            ("creator05", "creator: a benchmark case approved (pool 4,000 coupons reserved)"),
            ("agency_owner", "MCN agency owner (星河MCN机构, 6 signed creators)"),
            ("agency_staff", "MCN agency staff (read only)"),
            (
                "provider_owner",
                "service provider owner (云帆内容服务商, admitted, manages 山茶花's tasks)",
            ),
            (
                "provider_applicant",
                "service provider applicant (星火种草传媒, awaiting ops review)",
            ),
        ]:
            self.stdout.write(f"  {username:<18} {what}")
