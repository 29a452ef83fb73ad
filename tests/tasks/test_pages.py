"""The browser product's pages (issue 6) through Django's test client: each page answers 200 to
its owner and 404 to another tenant (A3), lists run a constant number of queries (plaza, my
orders, my tasks), forms show a service's refusal next to the field or at the top (never a
500), and a private order walks from posting to confirmation through the pages' forms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from parties.models import Notification
from tasks import services
from tasks.models import Application, Order, OrderStatus, Task, TaskStatus
from tests import factories
from tests.builders import private_task
from tests.tasks.conftest import earnings_fen, escrow_fen, wallet_fen

pytestmark = pytest.mark.django_db

PRICE = 100_000


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def local(moment) -> str:
    """The datetime-local value of a moment, in Beijing time."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _plaza(shop, merchant, *, title="广场任务", slots=5) -> Task:
    return services.task_create(
        actor=merchant,
        mode="plaza",
        title=title,
        brief="种草图文",
        content_type="image_text",
        channel="toutiao",
        price_fen=PRICE,
        slots=slots,
        enrollment_deadline=timezone.now() + timedelta(days=3),
        delivery_deadline=timezone.now() + timedelta(days=10),
        shop=shop,
    )


def _recruitment(creator_user, *, title="招商任务") -> Task:
    return services.task_create(
        actor=creator_user,
        mode="recruitment",
        title=title,
        brief="直播间招商",
        content_type="live",
        channel="toutiao",
        price_fen=PRICE,
        enrollment_deadline=timezone.now() + timedelta(days=3),
        delivery_deadline=timezone.now() + timedelta(days=10),
    )


# --- 200 for the owner, 404 for another tenant ------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/tasks/new/", "/tasks/mine/", "/plaza/", "/recruitment/", "/orders/", "/inbox/"]
)
def test_the_merchants_pages_answer_200(merchant, url):
    """Issue 6: every page of the management center opens for a merchant."""
    response = browser(merchant).get(url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_task_and_order_pages_answer_200_to_their_parties_and_404_to_other_tenants(
    funded_shop, merchant, creator, outsider, outsider_creator
):
    """A3: the task page and the order page open for the merchant and the named creator; another
    merchant and another creator get 404 — and so does the delivered file."""
    task = private_task(funded_shop, merchant, creator, title="私密测评视频")
    order = services.order_pay(order=task.order, actor=merchant)
    services.order_accept(order=order, actor=creator)
    services.order_deliver(
        order=order,
        actor=creator,
        links=["https://v.taobao.com/v/1"],
        files=[SimpleUploadedFile("cut.mp4", b"\x00\x00\x00\x18ftypmp42", "video/mp4")],
    )
    stored = order.deliveries.get().files.get()
    pages = [f"/tasks/{task.pk}/", f"/orders/{order.pk}/", f"/orders/{order.pk}/files/{stored.pk}/"]

    for url in pages:
        assert browser(merchant).get(url).status_code == 200, url
        assert browser(outsider).get(url).status_code == 404, url
        assert browser(outsider_creator).get(url).status_code == 404, url
    assert browser(creator).get(f"/orders/{order.pk}/").status_code == 200
    assert f'href="/orders/{order.pk}/"' in browser(merchant).get(pages[0]).content.decode()
    download = browser(creator).get(pages[2])
    assert download["Content-Disposition"].startswith("attachment")


def test_another_tenants_order_cannot_be_acted_on_through_the_page(
    funded_shop, merchant, creator, outsider
):
    """A3: posting an action to someone else's order page is 404 and changes nothing."""
    order = private_task(funded_shop, merchant, creator, title="私密测评视频").order

    response = browser(outsider).post(f"/orders/{order.pk}/", {"action": "pay"})

    assert response.status_code == 404
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


def test_agency_staff_read_their_creators_order_page_but_cannot_act(
    funded_shop, merchant, creator, agency, agency_staff
):
    """A4: the creator's agency reads the order page; an action from it is 404, nothing moves."""
    profile = creator.creator_profile
    profile.agency = agency
    profile.save(update_fields=["agency"])
    order = services.order_pay(
        order=private_task(funded_shop, merchant, creator, title="私密测评视频").order,
        actor=merchant,
    )

    page = browser(agency_staff).get(f"/orders/{order.pk}/")
    action = browser(agency_staff).post(f"/orders/{order.pk}/", {"action": "decline"})

    assert page.status_code == 200
    assert action.status_code == 404
    assert Order.objects.get(pk=order.pk).status == OrderStatus.AWAITING_ACCEPTANCE


def test_recruitment_and_plaza_task_pages_hide_from_the_wrong_side(
    merchant, creator, outsider_creator, outsider
):
    """T4/T20: a plaza task is visible to creators, not to another merchant; a recruitment task
    is visible to merchants, not to another creator."""
    shop = merchant.memberships.first().organization.shop
    plaza = _plaza(shop, merchant)
    recruitment = _recruitment(creator)

    assert browser(outsider_creator).get(f"/tasks/{plaza.pk}/").status_code == 200
    assert browser(outsider).get(f"/tasks/{plaza.pk}/").status_code == 404
    assert browser(outsider).get(f"/tasks/{recruitment.pk}/").status_code == 200
    assert browser(outsider_creator).get(f"/tasks/{recruitment.pk}/").status_code == 404


def test_pages_need_a_login(client):
    """Every page of the product asks an anonymous visitor to log in."""
    for url in ["/tasks/new/", "/tasks/mine/", "/plaza/", "/orders/", "/inbox/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# --- constant queries on the lists ------------------------------------------------------------


def _queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def _assert_constant(user, url, build, marker):
    """The page at `url` runs as many queries with 20 rows as with 1 (T10, T62, speed rule)."""
    client = browser(user)
    build(1)
    client.get(url)  # warm the caches (the plaza's public part, the navigation's facts)
    one, body = _queries(client, url)
    assert body.count(marker) == 1, body
    build(19)
    client.get(url)  # the new rows dropped them: warm them again
    twenty, body = _queries(client, url)
    assert body.count(marker) == 20
    assert twenty == one, f"{url}: {one} queries for 1 row, {twenty} for 20"


def test_the_task_plaza_runs_constant_queries(merchant, creator):
    """T10: the task plaza page costs the same number of queries for 1 task as for 20."""
    shop = merchant.memberships.first().organization.shop

    def build(n):
        for _ in range(n):
            _plaza(shop, merchant)

    _assert_constant(creator, "/plaza/", build, 'class="card task-card"')


def test_my_orders_run_constant_queries(funded_shop, merchant, creator):
    """T62: my orders (merchant side) cost the same number of queries for 1 order as for 20."""

    def build(n):
        for _ in range(n):
            services.order_pay(
                order=private_task(funded_shop, merchant, creator, title="私密测评视频").order,
                actor=merchant,
            )

    _assert_constant(merchant, "/orders/", build, 'data-testid="order-')


def test_creators_orders_run_constant_queries(funded_shop, merchant, creator):
    """T62: the creator's order list too (merchant and industry columns)."""

    def build(n):
        for _ in range(n):
            services.order_pay(
                order=private_task(funded_shop, merchant, creator, title="私密测评视频").order,
                actor=merchant,
            )

    _assert_constant(creator, "/orders/", build, 'data-testid="order-')


def test_my_tasks_run_constant_queries(merchant):
    """Issue 6: the management center's task list costs the same for 1 task as for 20."""
    shop = merchant.memberships.first().organization.shop

    def build(n):
        for _ in range(n):
            _plaza(shop, merchant)

    _assert_constant(merchant, "/tasks/mine/", build, '<tr>\n      <td><a href="/tasks/')


def test_the_recruitment_plaza_runs_constant_queries(merchant):
    """T20/T21: the recruitment plaza costs the same for 1 creator's task as for 20."""

    def build(n):
        for _ in range(n):
            _recruitment(factories.CreatorFactory().user)

    _assert_constant(merchant, "/recruitment/", build, 'class="card task-card"')


# --- the plaza's filters and cursor -----------------------------------------------------------


def test_plaza_filters_by_price_and_pages_by_cursor(merchant, creator):
    """T10: the price range filter keeps only matching tasks; 'more' follows a cursor."""
    shop = merchant.memberships.first().organization.shop
    for n in range(25):
        _plaza(shop, merchant, title=f"任务{n:02d}")
    cheap = services.task_create(
        actor=merchant,
        mode="plaza",
        title="便宜任务",
        brief="b",
        content_type="video",
        channel="haohuo",
        price_fen=5_000,
        slots=1,
        enrollment_deadline=timezone.now() + timedelta(days=1),
        delivery_deadline=timezone.now() + timedelta(days=5),
        shop=shop,
    )
    client = browser(creator)

    filtered = client.get("/plaza/", {"max_price": "100.00"}).content.decode()
    first = client.get("/plaza/").context
    second = client.get("/plaza/", {"cursor": first["next_cursor"]}).context
    bad = client.get("/plaza/", {"min_price": "abc"})

    assert "便宜任务" in filtered and "任务00" not in filtered
    assert len(first["tasks"]) == 20 and first["tasks"][0].pk == cheap.pk
    assert len(second["tasks"]) == 6 and second["next_cursor"] is None
    assert {t.pk for t in first["tasks"]}.isdisjoint({t.pk for t in second["tasks"]})
    assert bad.status_code == 200 and bad.context["form"].errors["min_price"]


# --- forms: errors on the page, never a 500 --------------------------------------------------


def _task_post(user, **fields):
    body = {
        "mode": "plaza",
        "title": "夏季新品",
        "brief": "拍一条 30 秒短视频",
        "content_type": "video",
        "channel": "toutiao",
        "price": "1000.00",
        "slots": "3",
        "enrollment_deadline": local(timezone.now() + timedelta(days=2)),
        "delivery_deadline": local(timezone.now() + timedelta(days=9)),
    }
    body.update(fields)
    return browser(user).post("/tasks/new/", body)


def test_posting_a_plaza_task_from_the_form_publishes_it(merchant):
    """T3/T10: the form posts a plaza task; the deadline typed in Beijing time is stored."""
    deadline = timezone.localtime(timezone.now() + timedelta(days=9)).replace(
        second=0, microsecond=0
    )

    response = _task_post(merchant, delivery_deadline=local(deadline))

    task = Task.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tasks/{task.pk}/"
    assert (task.mode, task.status, task.price_fen, task.slots) == ("plaza", "open", PRICE, 3)
    assert task.delivery_deadline == deadline


def test_a_service_refusal_is_shown_next_to_the_field(merchant):
    """T3: an enrollment deadline after the delivery deadline is refused by the service and the
    page shows the reason on the form, storing nothing."""
    response = _task_post(
        merchant,
        enrollment_deadline=local(timezone.now() + timedelta(days=20)),
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert "has-error" in response.content.decode()
    assert not Task.objects.exists()


def test_a_missing_price_is_a_field_error_not_a_500(merchant):
    """T3: a plaza task without a price: the form explains, nothing is stored."""
    response = _task_post(merchant, price="")

    assert response.status_code == 200
    assert "price" in response.context["form"].errors
    assert not Task.objects.exists()


def test_a_creator_may_only_post_recruitment_tasks(creator):
    """T20: the creator's form offers only the recruitment mode; posting a plaza task is a field
    error."""
    response = _task_post(creator, mode="plaza")

    assert response.status_code == 200
    assert "mode" in response.context["form"].errors
    assert not Task.objects.exists()


def _png() -> SimpleUploadedFile:
    return SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")


def test_a_live_sponsorship_posts_with_its_logo_and_three_products(merchant):
    """T2: brand name, logo upload (checked by content) and up to 3 products; the logo is then
    served from the site."""
    response = _task_post(
        merchant,
        content_type="live_sponsorship",
        channel="taobao_live",
        sponsor_brand_name="山茶花",
        sponsor_logo=_png(),
        sponsor_product_1="面霜",
        sponsor_product_2="精华",
        sponsor_product_3="防晒",
    )

    task = Task.objects.get()
    assert response.status_code == 302
    assert task.sponsor_brand_name == "山茶花"
    assert [p["name"] for p in task.sponsor_products] == ["面霜", "精华", "防晒"]
    logo = browser(merchant).get(task.sponsor_logo_url.replace("http://testserver", ""))
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"


def test_a_logo_that_is_not_an_image_is_refused(merchant):
    """T2: an HTML file named logo.png is refused by its content; nothing is stored."""
    fake = SimpleUploadedFile("logo.png", b"<html><script>alert(1)</script>", "image/png")

    response = _task_post(
        merchant,
        content_type="live_sponsorship",
        channel="taobao_live",
        sponsor_brand_name="山茶花",
        sponsor_logo=fake,
        sponsor_product_1="面霜",
    )

    assert response.status_code == 200
    assert "sponsor_logo" in response.context["form"].errors
    assert not Task.objects.exists()


def test_a_refused_payment_is_shown_at_the_top_and_moves_nothing(merchant, creator, shop):
    """E3/T4: paying with an empty wallet shows the reason as a message; the order is unpaid."""
    order = private_task(shop, merchant, creator, title="私密测评视频").order

    response = browser(merchant).post(f"/orders/{order.pk}/", {"action": "pay"}, follow=True)

    assert response.status_code == 200
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


def test_a_rating_out_of_range_is_a_field_error(funded_shop, merchant, creator):
    """T52: the confirm form needs 1–5 stars; 6 is refused on the page and nothing is paid."""
    order = services.order_pay(
        order=private_task(funded_shop, merchant, creator, title="私密测评视频").order,
        actor=merchant,
    )
    services.order_accept(order=order, actor=creator)
    services.order_deliver(order=order, actor=creator, links=["https://v.taobao.com/v/1"])

    response = browser(merchant).post(f"/orders/{order.pk}/", {"action": "confirm", "rating": "6"})

    assert response.status_code == 200
    assert "rating" in response.context["forms"]["confirm"].errors
    assert escrow_fen(order.pk) == PRICE


# --- walks through the pages' forms -------------------------------------------------------


def test_a_private_order_from_posting_to_confirmation_through_the_pages(
    funded_shop, merchant, creator
):
    """T4/T5/T50/T52: post → pay → accept → deliver → confirm with 5 stars, all by page forms;
    the creator's earnings grow by the price and both sides got notifications (D5)."""
    posted = browser(merchant).post(
        "/tasks/new/",
        {
            "mode": "private",
            "title": "私密视频",
            "brief": "开箱",
            "content_type": "video",
            "channel": "toutiao",
            "price": "1000.00",
            "creator": creator.creator_profile.pk,
            "payment": "full",
            "delivery_deadline": local(timezone.now() + timedelta(days=9)),
        },
    )
    order = Order.objects.get()
    assert posted["Location"] == f"/orders/{order.pk}/"
    wallet_before = wallet_fen(funded_shop)

    steps = [
        (merchant, {"action": "pay"}),
        (creator, {"action": "accept"}),
        (creator, {"action": "deliver", "links": "https://v.taobao.com/v/9\n", "note": "已发布"}),
        (merchant, {"action": "confirm", "rating": "5", "comment": "很好"}),
    ]
    for user, body in steps:
        response = browser(user).post(f"/orders/{order.pk}/", body)
        assert response.status_code == 302, (body, response.content.decode()[:2000])

    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert wallet_fen(funded_shop) == wallet_before - PRICE
    assert earnings_fen(creator.creator_profile) == PRICE
    assert order.review.rating == 5
    earnings_page = browser(creator).get("/earnings/").content.decode()
    assert "¥1,000.00" in earnings_page
    assert Notification.objects.filter(user=creator, order=order).exists()
    timeline = browser(merchant).get(f"/orders/{order.pk}/").context["history"]
    assert [step["target"] for step in timeline][-1] == OrderStatus.COMPLETED.label


def test_plaza_task_apply_approve_stop_and_pay_through_the_pages(funded_shop, merchant, creator):
    """T10–T12: a creator applies, the merchant approves, stops enrollment, the summary shows
    price × approved, and paying makes the order in production."""
    task = _plaza(funded_shop, merchant)
    browser(creator).post(f"/tasks/{task.pk}/", {"action": "apply", "note": "我想接"})
    application = Application.objects.get()

    browser(merchant).post(
        f"/tasks/{task.pk}/", {"action": "approve", "application": application.pk}
    )
    browser(merchant).post(f"/tasks/{task.pk}/", {"action": "close_enrollment"})
    summary = browser(merchant).get(f"/tasks/{task.pk}/")
    paid = browser(merchant).post(f"/tasks/{task.pk}/", {"action": "pay"})

    assert summary.context["pay_total_fen"] == PRICE
    assert "¥1,000.00 × 1" in summary.content.decode()
    assert paid.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.PAID
    assert Order.objects.get(task=task).status == OrderStatus.IN_PRODUCTION


def test_combined_balance_payment_from_the_order_list(funded_shop, merchant, creator):
    """T42: ticking two deposit orders awaiting their balance pays both in one payment."""
    ids = []
    for _ in range(2):
        order = services.order_pay(
            order=private_task(
                funded_shop, merchant, creator, title="私密测评视频", payment="deposit"
            ).order,
            actor=merchant,
        )
        ids.append(services.order_accept(order=order, actor=creator).pk)

    response = browser(merchant).post("/orders/balances/", {"orders": ids})

    assert response.status_code == 302
    assert set(Order.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        OrderStatus.IN_PRODUCTION
    }


def test_the_inbox_shows_the_unread_count_and_marks_all_read(funded_shop, merchant, creator):
    """D5: the navigation counts unread notifications; 'mark all read' clears the count."""
    services.order_pay(
        order=private_task(funded_shop, merchant, creator, title="私密测评视频").order,
        actor=merchant,
    )
    unread = Notification.objects.filter(user=creator, read_at__isnull=True).count()
    assert unread >= 1

    page = browser(creator).get("/inbox/")
    browser(creator).post("/inbox/")
    after = browser(creator).get("/plaza/")

    assert f'data-testid="unread">{unread}<' in page.content.decode()
    assert 'data-testid="unread"' not in after.content.decode()


def test_pages_are_in_chinese_by_default_and_english_on_request(merchant):
    """Issue 6: Simplified Chinese by default; the language switch gives English."""
    client = browser(merchant)
    chinese = client.get("/tasks/new/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/tasks/new/"})
    english = client.get("/tasks/new/").content.decode()

    with translation.override("zh-hans"):
        post_a_task = translation.gettext("Post a task")
    assert post_a_task != "Post a task"
    assert post_a_task in chinese
    assert "Post a task" in english


def test_money_is_shown_with_the_yuan_sign_and_thousands(funded_shop, merchant, creator):
    """Issue 6: ¥1,280.00 style on the order page."""
    task = services.task_create(
        actor=merchant,
        mode="private",
        title="金额显示",
        brief="b",
        content_type="video",
        channel="toutiao",
        price_fen=128_000,
        delivery_deadline=timezone.now() + timedelta(days=10),
        shop=funded_shop,
        creator=creator.creator_profile,
    )

    body = browser(merchant).get(f"/orders/{task.order.pk}/").content.decode()

    assert "¥1,280.00" in body
