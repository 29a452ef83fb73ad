"""The applicant table helps to choose (issue 21): followers as 310万, rating or 暂无评分, the
creator's rate for the task's content type and its completed orders, in one query."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tasks import services
from tasks.selectors import task_applications
from tests.builders import order_in
from tests.conftest import fund_wallet
from tests.factories import CreatorFactory


def test_the_owner_sees_each_applicants_followers_rating_rate_and_completed_orders(
    db, shop, merchant, creator, client
):
    fund_wallet(shop, 2_000_000)
    order_in("completed", shop, merchant, creator)  # one completed order, rated 5
    profile = creator.creator_profile
    profile.followers = 3_100_000
    profile.save(update_fields=["followers"])
    profile.rates.create(content_type="image_text", price_fen=50_000)
    newcomer = CreatorFactory(followers=8_000).user
    task = services.task_create(
        actor=merchant,
        mode="plaza",
        title="广场种草任务",
        brief="种草图文",
        content_type="image_text",
        channel="toutiao",
        price_fen=100_000,
        slots=2,
        enrollment_deadline=timezone.now() + timedelta(days=3),
        delivery_deadline=timezone.now() + timedelta(days=10),
        shop=shop,
    )
    for applicant in (creator, newcomer):
        services.application_create(task=task, actor=applicant)

    rows = {a.creator_id: a for a in task_applications(user=merchant, task=task)}
    assert rows[profile.pk].creator_completed == 1
    assert rows[profile.pk].creator_rate_fen == 50_000
    assert rows[newcomer.creator_profile.pk].creator_completed == 0

    client.force_login(merchant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    table = html[html.index('data-testid="applications"') :]
    assert "310万" in table and "¥500.00" in table and "★ 5.00" in table
    assert "暂无评分" in table  # the newcomer
    assert "8,000" in table
