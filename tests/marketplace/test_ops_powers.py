"""Z3: ops powers are permissions. Every admin action and custom admin page is walked: each one
that moves money or decides names its own permission in the tables below (a new action or page
that is not in them fails the walk); a staff account holding every *view* permission but not
the power is refused (the action is not offered and, posted anyway, changes nothing; the page
answers 403 and a posted form changes nothing); with the power it works."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import URLPattern, reverse
from django.utils import timezone

from agencies import services as agency_services
from agencies.models import (
    AgencyAppeal,
    AgencyComplaint,
    AgencyContract,
    ContractStatus,
    ThemeProposal,
)
from escrow.models import Withdrawal
from parties.models import Sanction, ServiceProvider, Violation
from providers import services as provider_services
from providers.models import ProviderApplication
from tasks import services as task_services
from tasks.models import Dispute, Order, OrderStatus, Task
from tests import factories
from tests.agencies.conftest import bj, category
from tests.agencies.test_admin_and_jobs import expelled
from tests.builders import order_in
from tests.escrow.test_ops_permissions import request_withdrawal
from tests.providers.conftest import complete_application
from tests.tasks.conftest import in_days

pytestmark = pytest.mark.django_db

# (model label, action name) → the permission it needs
ACTIONS = {
    ("escrow.withdrawal", "approve"): "escrow.decide_withdrawal",
    ("escrow.withdrawal", "reject"): "escrow.decide_withdrawal",
    ("escrow.withdrawal", "mark_failed"): "escrow.decide_withdrawal",
    ("tasks.task", "close_enrollment"): "tasks.close_task",
    ("tasks.task", "close_tasks"): "tasks.close_task",
    ("tasks.order", "apply_due_deadlines"): "tasks.apply_order_deadline",
    ("agencies.agency", "readmit"): "agencies.readmit_agency",
    ("agencies.agencyexpulsion", "readmit"): "agencies.readmit_agency",
    ("agencies.agencycontract", "end_contracts"): "agencies.end_agencycontract",
    ("agencies.agencycomplaint", "resolve"): "agencies.resolve_agencycomplaint",
    ("agencies.themeproposal", "select"): "agencies.decide_themeproposal",
    ("agencies.themeproposal", "pass_over"): "agencies.decide_themeproposal",
    ("marketplace.sanction", "lift"): "marketplace.lift_sanction",
}
# custom admin pages (URL name) → the permission they need
PAGES = {
    "admin:ops_dashboard": "tasks.view_ops_dashboard",
    "admin:tasks_dispute_decide": "tasks.decide_dispute",
    "admin:providers_providerapplication_decide": "providers.decide_providerapplication",
    "admin:marketplace_serviceprovider_standing": "marketplace.change_provider_standing",
    "admin:agencies_agencyappeal_decide": "agencies.decide_agencyappeal",
    "admin:incentives_incentiveapplication_decide": "incentives.decide_incentiveapplication",
    "admin:incentives_liveaccount_confirm": "incentives.confirm_incentive_violation",
    "admin:incentives_liveaccount_grant": "incentives.grant_coupons",
    "admin:marketplace_violation_record": "marketplace.record_violation",
    # setting another account's password is Django's own page, behind change_user
    "admin:auth_user_password_change": "marketplace.change_user",
    # the data-feed imports add rows, so they need the model's add permission
    "admin:agencies_livesession_import": "agencies.add_livesession",
    "admin:tasks_contentmetric_import": "tasks.add_contentmetric",
}
# the walk covers the project's apps; django-axes' lockout admin only deletes expired attempts
PROJECT_APPS = {"marketplace", "agencies", "escrow", "tasks", "providers", "incentives"}
# Django's own pages of every ModelAdmin, guarded by its add/change/view/delete permissions
STANDARD_PAGES = {"changelist", "add", "history", "delete", "change"}
GROUPS = {
    "财务": "escrow.decide_withdrawal",
    "仲裁": "tasks.decide_dispute",
    "审核": "providers.decide_providerapplication",
    "风控": "marketplace.lift_sanction",
}


def staff(*perms: str):
    """A staff account with every view permission, plus `perms` ("app.codename")."""
    user = factories.UserFactory(is_staff=True)
    powers = {perm.split(".")[1] for perm in [*ACTIONS.values(), *PAGES.values()]}
    wanted = Permission.objects.filter(codename__startswith="view_").exclude(codename__in=powers)
    for perm in perms:
        app_label, codename = perm.split(".")
        wanted |= Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    user.user_permissions.set(wanted)
    return user


def _custom_page_names() -> set[str]:
    names = set()
    for modeladmin in admin.site._registry.values():
        if modeladmin.opts.app_label not in PROJECT_APPS:
            continue
        prefix = f"{modeladmin.opts.app_label}_{modeladmin.opts.model_name}_"
        for pattern in modeladmin.get_urls():
            if isinstance(pattern, URLPattern) and pattern.name:
                suffix = pattern.name.removeprefix(prefix)
                if suffix not in STANDARD_PAGES:
                    names.add(f"admin:{pattern.name}")
    site_names = {
        f"admin:{p.name}"
        for p in admin.site.get_urls()
        if isinstance(p, URLPattern) and p.name in {"ops_dashboard"}
    }
    return names | site_names


def test_every_admin_action_and_page_names_its_permission():
    """Z3: the walk — every action of every ModelAdmin (Django's delete aside, which asks for
    the delete permission) and every custom admin page is in the tables, and each action is
    declared with a permission that is exactly the table's."""
    found = {}
    for model, modeladmin in admin.site._registry.items():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for func, name, _description in modeladmin._get_base_actions():
            if name == "delete_selected":
                continue
            label = f"{model._meta.app_label}.{model._meta.model_name}"
            found[(label, name)] = modeladmin
            assert getattr(func, "allowed_permissions", None), (label, name)
    assert set(found) == set(ACTIONS)
    assert _custom_page_names() == set(PAGES)

    without, holder = staff(), staff(*set(ACTIONS.values()))
    request = type("Request", (), {})()
    for (label, name), modeladmin in found.items():
        func = dict((n, f) for f, n, _d in modeladmin._get_base_actions())[name]
        for allowed in func.allowed_permissions:
            check = getattr(modeladmin, f"has_{allowed}_permission")
            request.user = without
            assert not check(request), (label, name)
            request.user = factories.UserFactory(is_staff=True)
            request.user.user_permissions.add(
                Permission.objects.get(
                    content_type__app_label=ACTIONS[(label, name)].split(".")[0],
                    codename=ACTIONS[(label, name)].split(".")[1],
                )
            )
            assert check(request), (label, name)
            request.user = holder
            assert check(request), (label, name)


def test_the_ops_groups_are_seeded_with_their_desks_powers():
    """Z3: the groups 财务, 仲裁, 审核 and 风控 exist after migrate with their powers, and a
    member gets the power through the group alone."""
    for name, perm in GROUPS.items():
        group = Group.objects.get(name=name)
        member = factories.UserFactory(is_staff=True)
        member.groups.add(group)
        assert member.has_perm(perm), name
    finance = factories.UserFactory(is_staff=True)
    finance.groups.add(Group.objects.get(name="财务"))
    assert not finance.has_perm("tasks.decide_dispute")


# --- the actions: refused without the power, done with it -----------------------------------


def _plaza_task(shop, merchant):
    return task_services.task_create(
        actor=merchant,
        mode="plaza",
        title="夏季新品",
        brief="拍一条 30 秒短视频",
        content_type="video",
        channel="toutiao",
        price_fen=100_000,
        slots=3,
        enrollment_deadline=in_days(2),
        delivery_deadline=in_days(9),
        shop=shop,
    )


def _proposal(agency):
    with time_machine.travel(bj(2026, 11, 12), tick=False):
        return agency_services.theme_proposal_submit(
            agency=agency,
            actor=agency.owner,
            category=category(),
            title="年货节",
            plan="十二月年货节专场直播，五位主播联动，每晚两小时。",
        )


def _sanction(creator):
    ops = factories.UserFactory(is_staff=True)
    violation = task_services.violation_record(
        actor=ops, kind="complaints", reason="投诉过多", user=creator, restriction_days=7
    )
    return violation.sanction


# name → (build the selected object, the model admin's changelist, read what the action changes)
CASES = {
    "approve": (
        lambda f: request_withdrawal(f["funded_shop"], f["creator"]),
        "escrow_withdrawal",
        lambda o: Withdrawal.objects.get(pk=o.pk).status,
    ),
    "reject": (
        lambda f: request_withdrawal(f["funded_shop"], f["creator"]),
        "escrow_withdrawal",
        lambda o: Withdrawal.objects.get(pk=o.pk).status,
    ),
    "close_enrollment": (
        lambda f: _plaza_task(f["funded_shop"], f["merchant"]),
        "tasks_task",
        lambda o: Task.objects.get(pk=o.pk).status,
    ),
    "close_tasks": (
        lambda f: _plaza_task(f["funded_shop"], f["merchant"]),
        "tasks_task",
        lambda o: Task.objects.get(pk=o.pk).status,
    ),
    "apply_due_deadlines": (
        lambda f: order_in(
            OrderStatus.AWAITING_ACCEPTANCE, f["funded_shop"], f["merchant"], f["creator"]
        ),
        "tasks_order",
        lambda o: Order.objects.get(pk=o.pk).status,
    ),
    "end_contracts": (
        lambda f: factories.ContractFactory(status=ContractStatus.ACTIVE, signed_at=timezone.now()),
        "agencies_agencycontract",
        lambda o: AgencyContract.objects.get(pk=o.pk).status,
    ),
    "resolve": (
        lambda f: AgencyComplaint.objects.create(agency=f["mcn"], summary="虚假宣传投诉"),
        "agencies_agencycomplaint",
        lambda o: AgencyComplaint.objects.get(pk=o.pk).resolved_at,
    ),
    "select": (
        lambda f: _proposal(f["mcn"]),
        "agencies_themeproposal",
        lambda o: ThemeProposal.objects.get(pk=o.pk).status,
    ),
    "pass_over": (
        lambda f: _proposal(f["mcn"]),
        "agencies_themeproposal",
        lambda o: ThemeProposal.objects.get(pk=o.pk).status,
    ),
    "lift": (
        lambda f: _sanction(f["creator"]),
        "marketplace_sanction",
        lambda o: Sanction.objects.get(pk=o.pk).lifted_at,
    ),
}


@pytest.fixture
def world(funded_shop, merchant, creator):
    agency = factories.AgencyFactory()
    agency.owner = agency.organization.memberships.get().user
    return {"funded_shop": funded_shop, "merchant": merchant, "creator": creator, "mcn": agency}


def _post_action(client, user, changelist, name, pk, when=None):
    """The changelist as `user` sees it, and the action posted on `pk` (with the reason the
    withdrawal decisions ask for), at `when` (logged in then, so the session is fresh)."""
    url = reverse(f"admin:{changelist}_changelist")
    body = {"action": name, "_selected_action": [pk], "reason": "不符合提现规则", "apply": "1"}
    with time_machine.travel(when or timezone.now(), tick=False):
        client.force_login(user)
        return client.get(url), client.post(url, body)


@pytest.mark.parametrize("name", list(CASES))
def test_an_action_is_refused_without_its_power_and_done_with_it(
    client, world, name, django_capture_on_commit_callbacks
):
    """Z3: a staff account with every view permission is not offered the action and, posting
    it anyway, changes nothing; with the action's own permission the same post does it."""
    build, changelist, read = CASES[name]
    label = "{}.{}".format(*changelist.split("_", 1))
    perm = ACTIONS[(label, name)]
    target = build(world)
    before = read(target)
    when = timezone.now() + timedelta(days=3) if name == "apply_due_deadlines" else None

    page, _posted = _post_action(client, staff(), changelist, name, target.pk, when)
    action_form = page.context["action_form"]
    assert action_form is None or name not in dict(action_form.fields["action"].choices)
    assert read(target) == before

    with django_capture_on_commit_callbacks(execute=True):
        page, _posted = _post_action(client, staff(perm), changelist, name, target.pk, when)
    assert name in dict(page.context["action_form"].fields["action"].choices)
    assert read(target) != before, name


@pytest.mark.parametrize("changelist", ["agencies_agency", "agencies_agencyexpulsion"])
def test_readmission_is_refused_without_its_power_and_done_with_it(client, changelist):
    """Z3/G3: re-admitting an expelled agency (180 days after) needs marketplace.readmit_agency,
    from the agency list and from the expulsion list alike."""
    agency = factories.AgencyFactory()
    type(agency).objects.filter(pk=agency.pk).update(created_at=bj(2025, 1, 1))
    expulsion = expelled(agency)
    target = agency if changelist == "agencies_agency" else expulsion
    later = expulsion.readmissible_at + timedelta(days=1)

    _post_action(client, staff(), changelist, "readmit", target.pk, later)
    agency.refresh_from_db()
    assert agency.status == "expelled"

    _post_action(client, staff("agencies.readmit_agency"), changelist, "readmit", target.pk, later)
    agency.refresh_from_db()
    assert agency.status == "active"


# --- the pages: 403 without the power, working with it -------------------------------------


def _dispute(f):
    order = order_in(OrderStatus.DELIVERED, f["funded_shop"], f["merchant"], f["creator"])
    return task_services.order_dispute(order=order, actor=f["merchant"], reason="视频与要求不符")


def _submitted_application(f):
    applicant = factories.UserFactory(username="applicant-z3")
    application = complete_application(applicant)
    return provider_services.provider_application_submit(application=application, actor=applicant)


def _admitted_provider(f):
    application = _submitted_application(f)
    ops = factories.UserFactory(is_staff=True)
    provider_services.provider_application_approve(application=application, actor=ops)
    return ServiceProvider.objects.get(pk=application.provider_id)


def _appeal(f):
    agency = f["mcn"]
    type(agency).objects.filter(pk=agency.pk).update(created_at=bj(2025, 1, 1))
    expelled(agency)
    return agency_services.agency_appeal_submit(
        agency=agency, actor=agency.owner, reason="十月直播数据缺失，请复核。"
    )


def _cold_start_application(f):
    from datetime import timedelta

    from django.utils import timezone

    from incentives import services as incentive_services

    creator = f["creator"]
    account = incentive_services.live_account_bind(
        actor=creator, finder_id="wx_z3", nickname="Z3 新号"
    )
    return incentive_services.cold_start_apply(
        actor=creator,
        live_account=account,
        proposed_start=timezone.now() + timedelta(days=5),
        plan={"long_term_plan": "每周三场直播"},
    )


def _live_account(f):
    from incentives import services as incentive_services

    return incentive_services.live_account_bind(
        actor=f["creator"], finder_id="wx_z3_ops", nickname="Z3 风控"
    )


def _confirmations(account):
    return account.violations.count()


def _granted(account):
    return account.coupon_moves.filter(kind="grant").count()


# URL name → (build the object (None: no argument), a form that decides, read what it changes)
PAGE_CASES = {
    "admin:tasks_dispute_decide": (
        _dispute,
        {"outcome": "refund", "note": "视频与要求不符，全额退款"},
        lambda o: Dispute.objects.get(pk=o.pk).outcome,
    ),
    "admin:providers_providerapplication_decide": (
        _submitted_application,
        {"decision": "approve", "reason": ""},
        lambda o: ProviderApplication.objects.get(pk=o.pk).status,
    ),
    "admin:marketplace_serviceprovider_standing": (
        _admitted_provider,
        {"action": "suspend", "reason": "资质过期"},
        lambda o: ServiceProvider.objects.get(pk=o.pk).status,
    ),
    "admin:agencies_agencyappeal_decide": (
        _appeal,
        {"decision": "reject", "note": "数据无误"},
        lambda o: AgencyAppeal.objects.get(pk=o.pk).status,
    ),
    "admin:incentives_incentiveapplication_decide": (
        _cold_start_application,
        {"decision": "reject", "reason": "直播计划不完整"},
        lambda o: type(o).objects.get(pk=o.pk).status,
    ),
    "admin:incentives_liveaccount_confirm": (
        _live_account,
        {"kind": "complaint", "note": "售后投诉属实"},
        _confirmations,
    ),
    "admin:incentives_liveaccount_grant": (
        _live_account,
        {"program": "growth", "coupons": "100", "note": "补偿", "key": "z3-grant"},
        _granted,
    ),
    "admin:marketplace_violation_record": (
        None,
        lambda f: {
            "kind": "complaints",
            "reason": "投诉过多",
            "user": f["creator"].pk,
            "restriction_days": "7",
        },
        lambda o: Violation.objects.count(),
    ),
    "admin:auth_user_password_change": (
        lambda f: f["creator"],
        {"password1": "Another-str0ng-2026", "password2": "Another-str0ng-2026"},
        lambda o: type(o).objects.get(pk=o.pk).password,
    ),
    "admin:ops_dashboard": (None, None, None),
    "admin:agencies_livesession_import": (None, None, None),
    "admin:tasks_contentmetric_import": (None, None, None),
}


def test_every_custom_page_has_a_case():
    """Z3: the page walk and its behaviour cases cover the same pages."""
    assert set(PAGE_CASES) == set(PAGES)


@pytest.mark.parametrize("url_name", list(PAGE_CASES))
def test_a_page_is_403_without_its_power_and_works_with_it(
    client, world, url_name, django_capture_on_commit_callbacks
):
    """Z3: the defect — a staff account with no power decided a dispute as a refund and opened
    the provider-decision, violation and dashboard pages. Without the page's permission: GET
    and POST are 403 and nothing changes; with it the page opens and its form decides."""
    build, body, read = PAGE_CASES[url_name]
    target = build(world) if build else None
    url = reverse(url_name, args=[target.pk] if target else [])
    form = body(world) if callable(body) else body
    before = read(target) if read else None

    client.force_login(staff())
    assert client.get(url).status_code == 403, url
    assert client.post(url, form or {}).status_code == 403, url
    if read:
        assert read(target) == before

    client.force_login(staff(PAGES[url_name]))
    assert client.get(url).status_code == 200, url
    if form:
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(url, form)
        assert answer.status_code == 302, answer.content.decode()[:3000]
        assert read(target) != before, url


LINKED_PAGES = {
    # changelist → the decision page its rows link to (built as in PAGE_CASES)
    "tasks_dispute": "admin:tasks_dispute_decide",
    "providers_providerapplication": "admin:providers_providerapplication_decide",
    "marketplace_serviceprovider": "admin:marketplace_serviceprovider_standing",
    "agencies_agencyappeal": "admin:agencies_agencyappeal_decide",
}


@pytest.mark.parametrize("changelist", list(LINKED_PAGES))
def test_a_list_links_its_decision_page_only_for_those_who_may_decide(client, world, changelist):
    """Z3: the queue of a decision (disputes, provider applications, provider standing,
    appeals) shows its "decide" link to staff holding the page's permission and leaves it out
    for staff who would only meet a 403."""
    url_name = LINKED_PAGES[changelist]
    build, _body, _read = PAGE_CASES[url_name]
    target = build(world)
    link = reverse(url_name, args=[target.pk])
    queue = reverse(f"admin:{changelist}_changelist")

    client.force_login(staff())
    assert link not in client.get(queue).content.decode()
    client.force_login(staff(PAGES[url_name]))
    assert link in client.get(queue).content.decode()
