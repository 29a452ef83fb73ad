"""The agency pages (issue 7): creators, assessment, focus slots and theme proposals tabs.

What members see and may do (A3, A4), the month's figures (G1, G2), the appeal (G3), the
focus hours (G6) and the theme proposals (G7), through the pages.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies import services
from agencies.models import (
    AgencyAppeal,
    AgencyAssessment,
    AgencyStatus,
    AppealStatus,
    FocusHour,
    FocusHourStatus,
    FocusOffer,
    FocusOfferStatus,
    FocusSlot,
    ThemeProposal,
    ThemeProposalStatus,
    VerticalEligibility,
)
from agencies.services.assessment import agency_expel
from parties.models import Category
from tests import factories
from tests.agencies.conftest import add_sessions, bj, category, sign_creators
from tests.conftest import row_counts

pytestmark = pytest.mark.django_db

TABS = ["agency_detail", "agency_assessment", "agency_focus", "agency_themes"]

OCT = date(2026, 10, 1)
FOCUS_DAY = date(2026, 11, 20)  # ranked on October's eligibility
LINES_BUILT = bj(2026, 11, 20, 6, 0)  # the daily job; answers are due by 09:30
ANSWERING = bj(2026, 11, 20, 7, 0)


def url(name: str, agency, *args) -> str:
    return reverse(name, args=[agency.pk, *args])


def in_english(client):
    """Pages follow the language cookie only; English makes the messages easy to assert."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page_forms(html: str) -> list[str]:
    """The page's own forms: every <form> but the top bar's language switch and log out."""
    return [
        tag
        for tag in re.findall(r"<form\b[^>]*>", html)
        if "lang-form" not in tag and reverse("logout") not in tag
    ]


def vertical_agency(*, gmv_fen: int, creators: int = 6):
    """An agency eligible for the beauty vertical in October (G5): `creators` creators whose
    main category is beauty with 20 counted sessions each, and its eligibility row."""
    agency = factories.AgencyFactory()
    signed = sign_creators(agency, creators)
    for creator in signed:
        add_sessions(creator, start=bj(2026, 10, 1, 20, 0), count=20)
    VerticalEligibility.objects.create(
        agency=agency,
        category=category("beauty"),
        month=OCT,
        qualifying_creators=creators,
        vertical_gmv_fen=gmv_fen,
        total_gmv_fen=gmv_fen,
        is_eligible=True,
        computed_at=bj(2026, 11, 1, 1, 0),
    )
    agency.signed = signed
    return agency


def build_focus_lines():
    with time_machine.travel(LINES_BUILT, tick=False):
        services.focus_lines_build(day=FOCUS_DAY, now=LINES_BUILT)


def selected_proposal(agency, *, title="双十二美妆节"):
    """A proposal for December submitted on 10 November and selected by ops (G7)."""
    with time_machine.travel(bj(2026, 11, 10, 12, 0), tick=False):
        proposal = services.theme_proposal_submit(
            agency=agency,
            actor=agency.owner,
            category=category("beauty"),
            title=title,
            plan="十二月美妆专场,六位主播轮番带货,主推护肤套装与彩妆新品。",
        )
    ops = factories.UserFactory(is_staff=True)
    with time_machine.travel(bj(2026, 11, 19, 12, 0), tick=False):
        return services.theme_proposal_decide(proposal=proposal, actor=ops, select=True)


# --- who sees the tabs (A3, A4) ------------------------------------------------------------


def test_every_tab_answers_200_to_the_owner_and_the_staff(client, agency, agency_staff):
    """A3, A4: each tab answers its agency's owner and staff; the staff's top bar links to the
    agency's pages."""
    for user in (agency.owner, agency_staff):
        client.force_login(user)
        for name in TABS:
            response = client.get(url(name, agency))
            assert response.status_code == 200, (user, name)
            assert response.context["tab"]
        nav = dict(response.context["nav_items"])
        assert url("agency_detail", agency) in nav.values()


def test_every_tab_and_action_is_404_to_outsiders(
    client, agency, other_agency, outsider, outsider_creator
):
    """A3: another agency's owner, a merchant and a creator get 404 on every tab and every
    action of the agency, GET and POST alike, and nothing is written."""
    signed = sign_creators(agency, 5)
    hour = FocusHour.objects.create(
        day=FOCUS_DAY,
        category=category("beauty"),
        starts_at=bj(2026, 11, 20, 10, 0),
        agency=agency,
        respond_by=bj(2026, 11, 20, 9, 30),
    )
    proposal = ThemeProposal.objects.create(
        agency=agency,
        month=date(2026, 12, 1),
        category=category("beauty"),
        title="主题",
        plan="x" * 30,
        submitted_by=agency.owner,
        submitted_at=bj(2026, 11, 10, 12, 0),
        status=ThemeProposalStatus.SELECTED,
    )
    before = row_counts(AgencyAppeal, ThemeProposal, FocusSlot, FocusOffer)
    for user in (other_agency.owner, outsider, outsider_creator):
        client.force_login(user)
        for name in TABS:
            assert client.get(url(name, agency)).status_code == 404, (user, name)
        for target, data in [
            (url("agency_assessment", agency), {"reason": "请重新考虑我们的情况,谢谢。"}),
            (url("agency_themes", agency), {"category": 1, "title": "t", "plan": "p" * 30}),
            (
                url("agency_focus_assign", agency, hour.pk),
                {f"hour-{hour.pk}-creators": [c.pk for c in signed]},
            ),
            (url("agency_focus_decline", agency, hour.pk), {}),
            (
                url("agency_theme_slot", agency, proposal.pk),
                {f"slot-{proposal.pk}-day": "2026-12-05", f"slot-{proposal.pk}-creator": 1},
            ),
        ]:
            response = client.post(target, data)
            assert response.status_code == 404, (user, target)
            assert agency.name not in response.content.decode()
    assert row_counts(AgencyAppeal, ThemeProposal, FocusSlot, FocusOffer) == before
    hour.refresh_from_db()
    assert (hour.agency_id, hour.status) == (agency.pk, FocusHourStatus.OFFERED)


def test_another_agencys_hour_and_proposal_are_404_to_a_member(client, agency, other_agency):
    """A3: an agency's owner cannot reach another agency's hour or proposal through its own
    agency's address."""
    hour = FocusHour.objects.create(
        day=FOCUS_DAY,
        category=category("beauty"),
        starts_at=bj(2026, 11, 20, 10, 0),
        agency=other_agency,
        respond_by=bj(2026, 11, 20, 9, 30),
    )
    proposal = ThemeProposal.objects.create(
        agency=other_agency,
        month=date(2026, 12, 1),
        category=category("beauty"),
        title="主题",
        plan="x" * 30,
        submitted_by=other_agency.owner,
        submitted_at=bj(2026, 11, 10, 12, 0),
        status=ThemeProposalStatus.SELECTED,
    )
    client.force_login(agency.owner)
    assert client.post(url("agency_focus_decline", agency, hour.pk)).status_code == 404
    assert client.post(url("agency_focus_assign", agency, hour.pk)).status_code == 404
    assert client.post(url("agency_theme_slot", agency, proposal.pk)).status_code == 404
    hour.refresh_from_db()
    assert hour.agency_id == other_agency.pk


def test_staff_see_no_form_where_the_owner_does(client):
    """A4: agency staff read every tab but are shown no form; the owner, on the same pages,
    gets the invitation, appeal, assign, decline, proposal and slot forms."""
    agency = vertical_agency(gmv_fen=5_000_000)
    staff = factories.UserFactory()
    agency.organization.memberships.create(user=staff, role="staff")
    build_focus_lines()
    proposal = selected_proposal(agency)
    with time_machine.travel(ANSWERING, tick=False):
        agency_expel(agency=agency, now=timezone.now())
    expected = {
        "agency_detail": 1 + 6,  # invite, and "end contract" on each signed creator
        "agency_assessment": 1,  # the appeal
        "agency_focus": 2,  # assign and decline the offered hour
        "agency_themes": 1,  # the proposal's slot (the window is closed on the 20th)
    }
    with time_machine.travel(ANSWERING, tick=False):
        client.force_login(agency.owner)
        for name, count in expected.items():
            assert len(page_forms(client.get(url(name, agency)).content.decode())) == count, name
        client.force_login(staff)
        for name in TABS:
            html = client.get(url(name, agency)).content.decode()
            assert page_forms(html) == [], name
            assert "<textarea" not in html and 'type="checkbox" name=' not in html
        # Posting anyway is refused by the service, shown on the page, and writes nothing.
        response = client.post(url("agency_assessment", agency), {"reason": "我们不同意这次清退。"})
        assert response.status_code == 200 and response.context["form"].errors
        assert not AgencyAppeal.objects.exists()
        response = client.post(
            url("agency_theme_slot", agency, proposal.pk),
            {
                f"slot-{proposal.pk}-day": "2026-12-05",
                f"slot-{proposal.pk}-creator": agency.signed[0].pk,
            },
        )
        assert response.status_code == 200
        assert not FocusSlot.objects.exists()


def test_agency_staff_read_a_signed_creators_order_without_actions(client, agency, agency_staff):
    """A4: agency staff open the orders of their signed creators (linked from the creators
    tab) but the order page offers them no action, and a posted action is refused."""
    creator = sign_creators(agency, 1)[0]
    order = factories.OrderFactory(creator=creator, status="in_production")
    client.force_login(agency_staff)
    tab = client.get(url("agency_detail", agency)).content.decode()
    assert reverse("order_list") in tab
    assert order in client.get(reverse("order_list")).context["page"].object_list
    response = client.get(reverse("order_detail", args=[order.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert page_forms(html) == []
    assert 'name="action"' not in html
    client.force_login(creator.user)
    assert 'name="action"' in client.get(reverse("order_detail", args=[order.pk])).content.decode()
    client.force_login(agency_staff)
    response = client.post(reverse("order_detail", args=[order.pk]), {"action": "dispute"})
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == "in_production"


# --- the creators tab (G1, G2) -------------------------------------------------------------


def test_creators_tab_counts_this_months_sessions_gmv_orders_inactive_first(client, mcn):
    """G1, G2: a 30-minute session counts and a 29-minute one does not; GMV adds up every
    session of the month; a completed order makes a creator active; last month's figures do
    not count; the inactive are listed first, and the rate and the creators needed to reach
    70% are shown."""
    live, short_only, seller, idle = sign_creators(mcn, 4)
    add_sessions(live, start=bj(2026, 10, 3, 20, 0), minutes=30, gmv_fen=100_000)
    add_sessions(live, start=bj(2026, 10, 4, 20, 0), minutes=29, gmv_fen=28_000)
    add_sessions(short_only, start=bj(2026, 10, 5, 20, 0), minutes=29, gmv_fen=50_000)
    add_sessions(idle, start=bj(2026, 9, 30, 20, 0), minutes=90, gmv_fen=900_000)
    factories.OrderFactory(creator=seller, status="completed", closed_at=bj(2026, 10, 8))
    factories.OrderFactory(creator=idle, status="completed", closed_at=bj(2026, 9, 30, 23, 59))
    in_english(client).force_login(mcn.owner)
    with time_machine.travel(bj(2026, 10, 20, 12, 0), tick=False):
        response = client.get(url("agency_detail", mcn))
    figures = {
        c.pk: (c.counted_sessions, c.sessions_total, c.gmv_fen, c.completed_orders, c.is_active)
        for c in response.context["creators"]
    }
    assert figures == {
        live.pk: (1, 2, 128_000, 0, True),
        short_only.pk: (0, 1, 50_000, 0, False),
        seller.pk: (0, 0, 0, 1, True),
        idle.pk: (0, 0, 0, 0, False),
    }
    order = [c.is_active for c in response.context["creators"]]
    assert order == [False, False, True, True]
    activity = response.context["activity"]
    assert (activity.roster_count, activity.active_count, activity.rate_percent) == (
        4,
        2,
        "50.00%",
    )
    assert activity.active_needed == 1  # 3 of 4 reach 70%
    html = response.content.decode()
    assert "¥1,280.00" in html and "¥500.00" in html
    assert "50.00%" in html
    assert re.search(r'data-testid="active-needed">1<', html)


def test_creators_tab_takes_as_many_queries_for_20_creators_as_for_1(client, mcn):
    """G2 (performance): the creators tab computes every creator's figures in a constant
    number of queries."""

    def queries_for(count: int) -> int:
        for creator in sign_creators(mcn, count):
            add_sessions(creator, start=bj(2026, 10, 3, 20, 0), count=2)
            factories.OrderFactory(creator=creator, status="completed", closed_at=bj(2026, 10, 8))
        client.force_login(mcn.owner)
        with time_machine.travel(bj(2026, 10, 20, 12, 0), tick=False):
            client.get(url("agency_detail", mcn))  # warm the navigation's cached facts
        with (
            time_machine.travel(bj(2026, 10, 20, 12, 0), tick=False),
            CaptureQueriesContext(connection) as queries,
        ):
            response = client.get(url("agency_detail", mcn))
        assert response.status_code == 200
        return len(queries), len(response.context["creators"])

    one, rows_one = queries_for(1)
    twenty, rows_twenty = queries_for(19)
    assert (rows_one, rows_twenty) == (1, 20)
    assert one == twenty


# --- the assessment tab (G2, G3, G4) -------------------------------------------------------


def test_assessment_tab_shows_reasons_points_and_no_appeal_form_when_not_expelled(client, mcn):
    """G2, G3, G4: the score history shows each failed month's reasons and points (a voided
    one marked), this year's points out of 120; an agency that is not expelled has no appeal
    form."""
    for month, passed, short, below, voided in [
        (date(2026, 8, 1), False, True, True, True),
        (date(2026, 9, 1), True, False, False, False),
        (date(2026, 10, 1), False, False, True, False),
    ]:
        AgencyAssessment.objects.create(
            agency=mcn,
            month=month,
            signed_count=4 if short else 10,
            roster_count=10,
            active_count=5 if below else 9,
            activity_rate_bp=5000 if below else 9000,
            passed=passed,
            is_short_of_creators=short,
            is_below_activity=below,
            points_deducted=0 if passed else 40,
            points_year=2026,
            is_voided=voided,
            computed_at=bj(2026, 11, 1, 1, 0),
        )
    type(mcn).objects.filter(pk=mcn.pk).update(points=40, points_year=2026)
    in_english(client).force_login(mcn.owner)
    with time_machine.travel(bj(2026, 11, 5, 12, 0), tick=False):
        response = client.get(url("agency_assessment", mcn))
        html = response.content.decode()
        assert response.context["points"] == 40
        assert "Fewer than 5 signed creators" in html
        assert html.count("Activity rate below 70%") == 2
        assert "50.00%" in html and "90.00%" in html
        assert "Voided by appeal" in html
        assert 'aria-valuenow="40"' in html
        assert not response.context["show_appeal_form"]
        assert 'data-testid="appeal-form"' not in html
    with time_machine.travel(bj(2027, 1, 1, 0, 1), tick=False):
        # G4: a row not yet reset for the new year counts zero.
        client.force_login(mcn.owner)
        assert client.get(url("agency_assessment", mcn)).context["points"] == 0


def test_expelled_agency_appeals_once_through_the_page(client, mcn):
    """G3: an expelled agency's owner sees the expulsion and the appeal form; the appeal is
    written; a second one is refused with the message on the page and nothing written; ops'
    decision and note are shown."""
    type(mcn).objects.filter(pk=mcn.pk).update(points=120, points_year=2026)
    mcn.refresh_from_db()
    with time_machine.travel(bj(2026, 11, 1, 1, 0), tick=False):
        expulsion = agency_expel(agency=mcn, now=timezone.now())
    in_english(client).force_login(mcn.owner)
    with time_machine.travel(bj(2026, 11, 2, 9, 0), tick=False):
        response = client.get(url("agency_assessment", mcn))
        html = response.content.decode()
        assert response.context["expulsion"] == expulsion
        assert "2026-11-01 01:00" in html  # expelled at, Beijing time
        assert "2027-04-30 01:00" in html  # 180 days later
        assert 'data-testid="appeal-form"' in html
        reason = "十月因主播请假导致活跃率不足,已补签新主播,恳请复核。"
        response = client.post(url("agency_assessment", mcn), {"reason": reason}, follow=True)
        assert "Your appeal is submitted" in response.content.decode()
        appeal = AgencyAppeal.objects.get()
        assert (appeal.expulsion, appeal.reason, appeal.status) == (
            expulsion,
            reason,
            AppealStatus.PENDING,
        )
        html = response.content.decode()
        assert 'data-testid="appeal-form"' not in html
        assert "Awaiting decision" in html

        response = client.post(url("agency_assessment", mcn), {"reason": "再申诉一次,请复核。"})
        assert response.status_code == 200
        assert "already been appealed" in response.content.decode()
        assert response.context["form"].non_field_errors()
        assert AgencyAppeal.objects.count() == 1
        assert AgencyAppeal.objects.get().reason == reason

    ops = factories.UserFactory(is_staff=True)
    services.agency_appeal_decide(
        appeal=appeal, actor=ops, grant=False, note="活跃率数据核实无误,维持清退。"
    )
    html = client.get(url("agency_assessment", mcn)).content.decode()
    assert "Rejected" in html and "维持清退" in html


def test_short_appeal_is_refused_next_to_the_field(client, mcn):
    """G3: grounds under 10 characters are refused next to the field; nothing is written."""
    with time_machine.travel(bj(2026, 11, 1, 1, 0), tick=False):
        agency_expel(agency=mcn, now=timezone.now())
    client.force_login(mcn.owner)
    response = client.post(url("agency_assessment", mcn), {"reason": "不服"})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert not AgencyAppeal.objects.exists()


# --- the focus slots tab (G5, G6) ----------------------------------------------------------


def test_focus_tab_shows_last_months_eligibility_and_the_offered_hour(client):
    """G5, G6: the focus tab lists last month's verticals and the hour offered to the agency
    with its answer deadline and a checkbox per creator of the vertical."""
    agency = vertical_agency(gmv_fen=5_000_000)
    build_focus_lines()
    in_english(client).force_login(agency.owner)
    with time_machine.travel(ANSWERING, tick=False):
        response = client.get(url("agency_focus", agency))
    html = response.content.decode()
    assert "¥50,000.00" in html and "100.00%" in html and "Eligible" in html
    hour = FocusHour.objects.get(agency=agency)
    assert "2026-11-20 09:30" in html  # the answer deadline
    (shown,) = [h for h in response.context["hours"] if h.pk == hour.pk]
    assert {pk for pk, _label in shown.assign_form.fields["creators"].choices} == {
        c.pk for c in agency.signed
    }


def test_assigning_five_creators_takes_the_hour(client):
    """G6: the agency takes its hour by putting 5 creators of the vertical on its slots."""
    agency = vertical_agency(gmv_fen=5_000_000)
    build_focus_lines()
    hour = FocusHour.objects.get(agency=agency)
    chosen = agency.signed[:5]
    client.force_login(agency.owner)
    with time_machine.travel(ANSWERING, tick=False):
        response = client.post(
            url("agency_focus_assign", agency, hour.pk),
            {f"hour-{hour.pk}-creators": [c.pk for c in chosen]},
        )
        assert response.status_code == 302
        hour.refresh_from_db()
        assert hour.status == FocusHourStatus.ASSIGNED
        slots = list(FocusSlot.objects.filter(hour=hour).order_by("position"))
        assert [s.creator_id for s in slots] == [c.pk for c in chosen]
        html = client.get(response["Location"]).content.decode()
    for creator in chosen:
        assert creator.display_name in html
    assert "2026-11-20 10:00" in html  # the success message, Beijing time
    assert 'data-testid="assign-form"' not in html


def test_assigning_four_creators_is_refused_next_to_the_field(client):
    """G6: fewer than 5 creators is refused, the message next to the creators field, and
    nothing is written: no slot, the hour still offered."""
    agency = vertical_agency(gmv_fen=5_000_000)
    build_focus_lines()
    hour = FocusHour.objects.get(agency=agency)
    in_english(client).force_login(agency.owner)
    with time_machine.travel(ANSWERING, tick=False):
        response = client.post(
            url("agency_focus_assign", agency, hour.pk),
            {f"hour-{hour.pk}-creators": [c.pk for c in agency.signed[:4]]},
        )
    assert response.status_code == 200
    (shown,) = [h for h in response.context["hours"] if h.pk == hour.pk]
    assert "Choose between 5 and 5" in shown.assign_form.errors["creators"][0]
    html = response.content.decode()
    form = html[html.index('data-testid="assign-form"') :]
    form = form[: form.index("</form>")]
    field = form[form.index('<div class="field checks has-error">') :]
    assert field.index(f'id="id_hour-{hour.pk}-creators"') < field.index(
        '<div class="error">Choose between 5 and 5'
    )
    assert not FocusSlot.objects.exists()
    hour.refresh_from_db()
    assert (hour.status, hour.agency_id) == (FocusHourStatus.OFFERED, agency.pk)


def test_declining_passes_the_hour_to_the_next_in_line(client):
    """G6: an agency that declines its hour is replaced by the next in line."""
    first = vertical_agency(gmv_fen=9_000_000)
    second = vertical_agency(gmv_fen=8_000_000)
    third = vertical_agency(gmv_fen=7_000_000)
    build_focus_lines()
    hour = FocusHour.objects.get(agency=first)
    assert FocusHour.objects.get(agency=second).starts_at == bj(2026, 11, 20, 11, 0)
    in_english(client).force_login(first.owner)
    with time_machine.travel(ANSWERING, tick=False):
        response = client.post(url("agency_focus_decline", first, hour.pk), follow=True)
    assert "it goes to the next agency in line" in response.content.decode()
    hour.refresh_from_db()
    assert (hour.agency_id, hour.status) == (third.pk, FocusHourStatus.OFFERED)
    offer = FocusOffer.objects.get(agency=first, day=FOCUS_DAY)
    assert offer.status == FocusOfferStatus.DECLINED
    # The declined hour is no longer the agency's to answer; its line shows the decline.
    assert hour.pk not in [h.pk for h in response.context["hours"]]
    assert "Declined" in response.content.decode()


# --- the theme proposals tab (G7) ----------------------------------------------------------


def proposal_data():
    return {
        "category": Category.objects.get(code="beauty").pk,
        "title": "双十二美妆节",
        "plan": "十二月美妆专场,六位主播轮番带货,主推护肤套装与彩妆新品。",
    }


def test_theme_proposal_outside_the_window_is_refused_with_the_message(client, agency):
    """G7: on the 9th the window is closed: no form is offered, and a posted proposal is
    refused with the message on the page and nothing written."""
    in_english(client).force_login(agency.owner)
    with time_machine.travel(bj(2026, 11, 9, 12, 0), tick=False):
        response = client.get(url("agency_themes", agency))
        assert response.context["is_open"] is False
        assert 'data-testid="proposal-form"' not in response.content.decode()
        response = client.post(url("agency_themes", agency), proposal_data())
    assert response.status_code == 200
    assert "from the 10th to the 18th" in str(response.context["form"].non_field_errors())
    assert 'data-testid="proposal-form"' in response.content.decode()
    assert not ThemeProposal.objects.exists()


def test_theme_proposal_inside_the_window_is_accepted_for_next_month(client, agency):
    """G7: on the 10th a proposal for next month is accepted."""
    in_english(client).force_login(agency.owner)
    with time_machine.travel(bj(2026, 11, 10, 0, 0), tick=False):
        assert client.get(url("agency_themes", agency)).context["is_open"] is True
        response = client.post(url("agency_themes", agency), proposal_data(), follow=True)
    assert "Your proposal for 2026-12 is submitted" in response.content.decode()
    proposal = ThemeProposal.objects.get()
    assert (proposal.agency, proposal.month, proposal.submitted_by) == (
        agency,
        date(2026, 12, 1),
        agency.owner,
    )
    assert proposal.title in response.content.decode()


def test_selected_proposal_places_its_slot(client):
    """G7: a selected proposal earns one focus slot: a day outside its month is refused next
    to the day field with nothing written; a day of the month and a signed creator place it,
    and the page then shows the slot instead of the form."""
    agency = vertical_agency(gmv_fen=5_000_000)
    proposal = selected_proposal(agency)
    creator = agency.signed[2]
    prefix = f"slot-{proposal.pk}"
    in_english(client).force_login(agency.owner)
    with time_machine.travel(bj(2026, 11, 20, 12, 0), tick=False):
        response = client.post(
            url("agency_theme_slot", agency, proposal.pk),
            {f"{prefix}-day": "2026-11-30", f"{prefix}-creator": creator.pk},
        )
        assert response.status_code == 200
        (shown,) = [p for p in response.context["proposals"] if p.pk == proposal.pk]
        assert "2026-12" in shown.slot_form.errors["day"][0]
        assert not FocusSlot.objects.exists() and not FocusHour.objects.exists()

        response = client.post(
            url("agency_theme_slot", agency, proposal.pk),
            {f"{prefix}-day": "2026-12-05", f"{prefix}-creator": creator.pk},
            follow=True,
        )
    slot = FocusSlot.objects.get(theme_proposal=proposal)
    assert (slot.creator, slot.hour.starts_at) == (creator, bj(2026, 12, 5, 10, 0))
    html = response.content.decode()
    assert 'data-testid="placed-slot"' in html and "2026-12-05 10:00" in html
    assert 'data-testid="slot-form"' not in html
    assert creator.display_name in html


def test_expelled_agency_cannot_propose(client, mcn):
    """G3, G7: an expelled agency's proposal is refused with the message; nothing written."""
    with time_machine.travel(bj(2026, 11, 1, 1, 0), tick=False):
        agency_expel(agency=mcn, now=timezone.now())
    assert type(mcn).objects.get(pk=mcn.pk).status == AgencyStatus.EXPELLED
    in_english(client).force_login(mcn.owner)
    with time_machine.travel(bj(2026, 11, 12, 12, 0), tick=False):
        response = client.post(url("agency_themes", mcn), proposal_data())
    assert "expelled agency cannot submit" in response.content.decode()
    assert not ThemeProposal.objects.exists()
