"""S1–S2: violations recorded by ops, the S1 ladder's four steps, S2 restrictions, bans that
end by themselves, and every apply / accept / post / propose service refusing a banned party
with the ban's end date."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from agencies import services as agency_services
from core.exceptions import Banned, InvalidInput, WrongSide
from parties.models import Sanction, Violation
from parties.services import sanctions as sanctions
from tasks import services as task_services
from tasks.models import Application, Order, Proposal, Task
from tests import factories
from tests.conftest import client_for, row_counts
from tests.tasks.conftest import in_days, iso, post_task

pytestmark = pytest.mark.django_db


def off_platform(ops, *, user=None, organization=None, task=None, at=None):
    with time_machine.travel(at or timezone.now(), tick=False):
        return task_services.violation_record(
            actor=ops,
            kind="off_platform",
            reason="私下加微信接单",
            user=user,
            organization=organization,
            task=task,
        )


def recruitment_task(creator_user):
    answer = post_task(
        creator_user,
        mode="recruitment",
        channel="taobao_live",
        enrollment_deadline=iso(in_days(3)),
    )
    assert answer.status_code == 201, answer.content
    return Task.objects.get(pk=answer.json()["id"])


def test_the_s1_ladder_takedown_7_days_3_months_permanent(ops, creator):
    """S1: 1st: the post is taken down; 2nd: a 7-day ban; 3rd: 3 months; 4th: for good."""
    task = recruitment_task(creator)
    first = off_platform(ops, user=creator, task=task)
    task.refresh_from_db()
    assert (first.step, first.sanction.kind) == (1, "takedown")
    assert task.status == "closed"
    start = timezone.make_aware(timezone.datetime(2026, 12, 31, 10, 0))
    second = off_platform(ops, user=creator, at=start)
    assert (second.step, second.sanction.kind) == (2, "ban")
    assert second.sanction.ends_at - second.sanction.starts_at == timedelta(days=7)
    third = off_platform(ops, user=creator, at=start + timedelta(days=30))
    assert third.step == 3
    assert timezone.localtime(third.sanction.ends_at) == timezone.make_aware(
        timezone.datetime(2027, 4, 30, 10, 0)
    )  # 3 calendar months after 30 January: the month's last day
    fourth = off_platform(ops, user=creator, at=start + timedelta(days=400))
    assert (fourth.step, fourth.sanction.is_permanent, fourth.sanction.ends_at) == (4, True, None)


def test_a_ban_refuses_with_its_end_date_and_ends_by_itself(ops, creator):
    """S1: during the 7-day ban applying is refused with the end date; at the end it works
    again without anything having run."""
    off_platform(ops, user=creator, task=recruitment_task(creator))
    start = timezone.make_aware(timezone.datetime(2026, 12, 1, 9, 0))
    off_platform(ops, user=creator, at=start)
    with time_machine.travel(start + timedelta(days=6, hours=23), tick=False):
        before = row_counts(Task)
        answer = post_task(
            creator, mode="recruitment", channel="taobao_live", enrollment_deadline=iso(in_days(3))
        )
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "banned"
        assert "2026-12-08 09:00" in answer.json()["error"]["message"]
        assert row_counts(Task) == before
    with time_machine.travel(start + timedelta(days=7), tick=False):
        assert (
            post_task(
                creator,
                mode="recruitment",
                channel="taobao_live",
                enrollment_deadline=iso(in_days(3)),
            ).status_code
            == 201
        )


def brand_task(shop) -> int:
    type(shop).objects.filter(pk=shop.pk).update(is_brand=True)
    answer = post_task(
        shop.owner, mode="brand", channel="taobao_live", budget="5000.00", price=None
    )
    assert answer.status_code == 201, answer.content
    return answer.json()["id"]


def test_a_banned_creator_cannot_apply_accept_or_propose(ops, creator, merchant, funded_shop):
    """S1: a banned creator's apply, accept and propose are each refused (nothing written)."""
    plaza = post_task(merchant, mode="plaza", slots=2, enrollment_deadline=iso(in_days(3)))
    private = post_task(merchant, creator=creator.creator_profile.pk)
    order_id = private.json()["order"]["id"]
    assert client_for(merchant).post(f"/api/v1/orders/{order_id}/pay/").status_code == 200
    brand = brand_task(funded_shop)
    task_services.violation_record(
        actor=ops, kind="complaints", reason="多次被商家投诉", user=creator, restriction_days=30
    )
    before = row_counts(Application, Proposal)
    client = client_for(creator)
    applied = client.post(f"/api/v1/tasks/{plaza.json()['id']}/applications/", {}, format="json")
    accepted = client.post(f"/api/v1/orders/{order_id}/accept/", {}, format="json")
    proposed = client.post(
        f"/api/v1/tasks/{brand}/proposals/",
        {"quote": "4000.00", "plan": "三条短视频"},
        format="json",
    )
    for answer in (applied, accepted, proposed):
        assert answer.status_code == 403, answer.content
        assert answer.json()["error"]["code"] == "banned"
    assert row_counts(Application, Proposal) == before
    assert Order.objects.get(pk=order_id).status == "awaiting_acceptance"


def test_a_banned_shop_cannot_post_or_apply(ops, merchant, shop, funded_shop):
    """S2: a merchant shop restricted for a high refund rate cannot post tasks or apply to
    recruitment tasks; other shops of other merchants are unaffected."""
    task_services.violation_record(
        actor=ops,
        kind="refund_rate",
        reason="近 30 天退款率 45%",
        organization=shop.organization,
        restriction_days=14,
    )
    answer = post_task(merchant, mode="plaza", slots=2, enrollment_deadline=iso(in_days(3)))
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "banned"
    other = factories.ShopFactory()
    factories.PaymentAccountFactory(shop=other, bound_by=other.owner)
    ok = post_task(other.owner, mode="plaza", slots=2, enrollment_deadline=iso(in_days(3)))
    assert ok.status_code == 201


def test_a_banned_agency_cannot_propose(ops, merchant, funded_shop, agency):
    """S2: an agency restricted for complaints cannot propose on brand tasks."""
    creator = factories.CreatorFactory(agency=agency)
    brand = brand_task(funded_shop)
    task_services.violation_record(
        actor=ops, kind="complaints", reason="投诉多", organization=agency.organization
    )
    answer = client_for(agency.owner).post(
        f"/api/v1/tasks/{brand}/proposals/",
        {"quote": "4000.00", "plan": "方案", "creator": creator.pk, "agency": agency.pk},
        format="json",
    )
    assert answer.status_code == 403, answer.content
    assert (
        "for good" in answer.json()["error"]["message"]
        or "永久" in answer.json()["error"]["message"]
    )


def test_ops_lift_a_ban_early(ops, creator):
    """S1/S2: ops lift a restriction; the creator acts again at once."""
    violation = task_services.violation_record(
        actor=ops, kind="complaints", reason="投诉", user=creator, restriction_days=30
    )
    with pytest.raises(Banned):
        sanctions.require_not_banned(user=creator)
    sanctions.sanction_lift(sanction=violation.sanction, actor=ops)
    sanctions.require_not_banned(user=creator)


def test_recording_needs_ops_one_party_a_reason_and_the_first_post(ops, creator):
    """S1/S2: only ops record; exactly one party; a reason; the S1 first step names the
    party's own post; refused recordings write nothing."""
    before = row_counts(Violation, Sanction)
    with pytest.raises(WrongSide):
        task_services.violation_record(actor=creator, kind="complaints", reason="x", user=creator)
    with pytest.raises(InvalidInput):
        task_services.violation_record(actor=ops, kind="complaints", reason="", user=creator)
    with pytest.raises(InvalidInput):
        task_services.violation_record(
            actor=ops,
            kind="complaints",
            reason="x",
            user=creator,
            organization=factories.ShopFactory().organization,
        )
    with pytest.raises(InvalidInput):
        task_services.violation_record(actor=ops, kind="off_platform", reason="x", user=creator)
    other_task = recruitment_task(factories.CreatorFactory().user)
    with pytest.raises(InvalidInput):
        task_services.violation_record(
            actor=ops, kind="off_platform", reason="x", user=creator, task=other_task
        )
    with pytest.raises(InvalidInput):
        task_services.violation_record(
            actor=ops, kind="complaints", reason="x", user=creator, restriction_days=400
        )
    assert row_counts(Violation, Sanction) == before


def test_the_party_sees_its_sanctions_and_reasons(ops, creator, client):
    """S2: the sanctioned party sees its sanctions with the reasons; others do not."""
    task_services.violation_record(
        actor=ops, kind="complaints", reason="直播中虚假宣传", user=creator, restriction_days=3
    )
    client.force_login(creator)
    page = client.get("/sanctions/").content.decode()
    assert "直播中虚假宣传" in page and 'data-testid="sanction-in-force"' in page
    client.force_login(factories.CreatorUserFactory())
    assert "直播中虚假宣传" not in client.get("/sanctions/").content.decode()


def test_admin_records_a_violation(ops, creator, client):
    """S1: ops record a violation on the admin page; the ladder's first step needs the post."""
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = "/admin/marketplace/violation/record/"
    assert client.get(url).status_code == 200
    page = client.post(url, {"kind": "off_platform", "user": creator.pk, "reason": "私下交易"})
    assert page.status_code == 200  # refused: no post named
    assert Violation.objects.count() == 0
    task = recruitment_task(creator)
    client.post(
        url, {"kind": "off_platform", "user": creator.pk, "task": task.pk, "reason": "私下交易"}
    )
    assert Violation.objects.get().sanction.kind == "takedown"
    assert client.get("/admin/marketplace/sanction/?in_force=yes").status_code == 200
    assert client.get("/admin/marketplace/violation/").status_code == 200


def test_a_banned_agency_cannot_propose_a_theme(ops, agency):
    """S2, G7: an agency restricted for complaints cannot submit a theme proposal."""
    from parties.models import Category

    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 12, 10)), tick=False):
        task_services.violation_record(
            actor=ops, kind="complaints", reason="投诉多", organization=agency.organization
        )
        with pytest.raises(Banned):
            agency_services.theme_proposal_submit(
                agency=agency,
                actor=agency.owner,
                category=Category.objects.first(),
                title="双十二",
                plan="十二月上旬连续五晚美妆专场直播，每晚两小时。",
            )


def test_a_restricted_agencys_creators_are_not_qualified_for_brand_tasks(ops, agency):
    """S2, T30: a creator signed to a restricted agency is not qualified."""
    from tasks.services.tasks import creator_may_take_work

    creator = factories.CreatorFactory(agency=agency)
    assert creator_may_take_work(creator)
    task_services.violation_record(
        actor=ops,
        kind="refund_rate",
        reason="退款率高",
        organization=agency.organization,
        restriction_days=7,
    )
    creator.refresh_from_db()
    assert not creator_may_take_work(creator)
