"""The task JSON: TaskSerializer's direct representation equals DRF's field by field one."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework import serializers

from parties.models import ContentType
from tasks.models import (
    Application,
    ApplicationStatus,
    Channel,
    PaymentMode,
    Task,
    TaskMode,
    TaskStatus,
)
from tasks.selectors import task_get
from tasks.serializers import TaskSerializer
from tests.factories import CreatorFactory

pytestmark = pytest.mark.django_db


def _drf(task) -> dict:
    """What DRF's ModelSerializer writes for the declared fields (its generic loop)."""
    return serializers.ModelSerializer.to_representation(TaskSerializer(), task)


def _tasks(shop, creator) -> list[Task]:
    """A private, a plaza live sponsorship, a closed brand and a recruitment task."""
    now = timezone.now().replace(microsecond=123456)
    merchant = shop.organization.memberships.first().user
    by_shop = {"shop": shop, "created_by": merchant}
    specs = [
        {
            **by_shop,
            "mode": TaskMode.PRIVATE,
            "title": "新品种草视频",
            "brief": "60 秒开箱",
            "content_type": ContentType.VIDEO,
            "price_fen": 128_000,
            "delivery_deadline": now + timedelta(days=10),
        },
        {
            **by_shop,
            "mode": TaskMode.PLAZA,
            "title": "直播挂车 <b>&",
            "brief": "说明\n第二行",
            "content_type": ContentType.LIVE_SPONSORSHIP,
            "price_fen": 5,
            "payment_mode": PaymentMode.DEPOSIT,
            "slots": 3,
            "enrollment_deadline": now + timedelta(days=2),
            "delivery_deadline": now + timedelta(days=9),
            "payment_due_at": now + timedelta(days=7),
            "sponsor_brand_name": "某品牌",
            "sponsor_logo_url": "https://example.com/logo.png",
            "sponsor_products": [{"name": "面霜", "price": "99.00"}],
        },
        {
            **by_shop,
            "mode": TaskMode.BRAND,
            "title": "品牌任务",
            "brief": "预算制",
            "content_type": ContentType.IMAGE_TEXT,
            "budget_fen": 10_000_000,
            "delivery_deadline": now + timedelta(days=30),
            "status": TaskStatus.CLOSED,
            "closed_reason": "预算已用完",
        },
        {
            "creator": creator,
            "created_by": creator.user,
            "mode": TaskMode.RECRUITMENT,
            "title": "招募：美妆专场",
            "brief": "固定坑位",
            "content_type": ContentType.LIVE,
            "price_fen": 0,
            "slots": 0,
            "delivery_deadline": now + timedelta(hours=1),
        },
    ]
    channel = Channel.objects.get(code="taobao_live")
    return [Task.objects.create(channel=channel, **spec) for spec in specs]


def test_the_task_json_is_drfs_own_for_every_mode_and_content_type(shop):
    """E1/T2: the plaza's task JSON (money as yuan strings, times in Asia/Shanghai with their
    offset, the owner, the sponsorship of a live sponsorship) is what DRF writes field by field,
    for tasks read by the selector (with their counts) and for bare tasks (counts 0)."""
    tasks = _tasks(shop, CreatorFactory())
    owner = shop.organization.memberships.first().user
    for task in tasks:
        bare = Task.objects.select_related("channel", "shop__organization", "creator").get(
            pk=task.pk
        )
        assert TaskSerializer(bare).data == _drf(bare)
        assert TaskSerializer(bare).data["application_count"] == 0
    for status in (
        ApplicationStatus.PENDING,
        ApplicationStatus.APPROVED,
        ApplicationStatus.APPROVED,
    ):
        applicant = CreatorFactory()
        Application.objects.create(
            task=tasks[1], creator=applicant, applied_by=applicant.user, status=status
        )
    for task in tasks[:3]:
        read = task_get(user=owner, task_id=task.pk)
        assert TaskSerializer(read).data == _drf(read)
    counted = TaskSerializer(task_get(user=owner, task_id=tasks[1].pk)).data
    assert (counted["application_count"], counted["approved_count"]) == (3, 2)
    sponsored = TaskSerializer(tasks[1]).data
    assert sponsored["price"] == "0.05" and sponsored["slots"] == 3
    assert sponsored["sponsorship"]["products"] == [{"name": "面霜", "price": "99.00"}]
    assert sponsored["created_at"].endswith("+08:00")
    assert TaskSerializer(tasks[2]).data["budget"] == "100000.00"
    assert TaskSerializer(tasks[2]).data["price"] is None


def test_the_task_json_follows_the_active_time_zone_as_drf_does(shop):
    """E1: with another time zone active (UTC), times end in Z exactly as DRF's own fields
    write them, and the list serializer writes the same rows."""
    tasks = _tasks(shop, CreatorFactory())
    with timezone.override(ZoneInfo("UTC")):
        for task in tasks:
            data = TaskSerializer(task).data
            assert data == _drf(task)
            assert data["created_at"].endswith("Z")
        assert TaskSerializer(tasks, many=True).data == [_drf(task) for task in tasks]
