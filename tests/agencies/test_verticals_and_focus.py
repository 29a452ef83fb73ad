"""G5 (vertical agencies), G6 (daily focus slots) and G7 (theme activity proposals)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from agencies import services as agency_services
from agencies.models import (
    Agency,
    AgencyComplaint,
    FocusHour,
    FocusOffer,
    FocusSlot,
    ThemeProposal,
    VerticalEligibility,
)
from core.exceptions import InvalidInput, NotAllowed, WrongSide
from tasks.models import Dispute
from tests import factories
from tests.agencies.conftest import add_sessions, bj, category, sign_creators
from tests.conftest import row_counts

pytestmark = pytest.mark.django_db

OCT = date(2026, 10, 1)
NOV_1 = bj(2026, 11, 1, 1, 0)
DAY = date(2026, 11, 20)  # a November day: its line ranks October's eligible agencies
EVE = bj(2026, 11, 19, 0, 10)  # when the daily job builds the line for DAY


def new_agency() -> Agency:
    agency = factories.AgencyFactory()
    Agency.objects.filter(pk=agency.pk).update(created_at=bj(2025, 1, 1))
    agency.refresh_from_db()
    agency.owner = agency.organization.memberships.get().user
    return agency


def vertical_agency(
    *, beauty_creators=5, sessions=20, gmv_fen=100_000, other_gmv_fen=0, code="beauty"
) -> Agency:
    """An agency whose `beauty_creators` creators each live `sessions` times in October in
    `code`, plus one creator with `other_gmv_fen` of food sessions."""
    agency = new_agency()
    for creator in sign_creators(agency, beauty_creators):
        add_sessions(creator, start=bj(2026, 10, 1, 20), count=sessions, gmv_fen=gmv_fen, code=code)
    if other_gmv_fen:
        (foodie,) = sign_creators(agency, 1)
        add_sessions(foodie, start=bj(2026, 10, 1, 20), count=1, gmv_fen=other_gmv_fen, code="food")
    return agency


def score():
    with time_machine.travel(NOV_1, tick=False):
        return agency_services.agencies_score(month=OCT)


def eligibility(agency, code="beauty") -> VerticalEligibility:
    return VerticalEligibility.objects.get(agency=agency, category__code=code, month=OCT)


# --- G5 -------------------------------------------------------------------------------------


def test_four_vertical_creators_are_not_enough_five_are():
    """G5: 4 creators of the vertical with 20 sessions each: not eligible; 5: eligible."""
    four, five = vertical_agency(beauty_creators=4), vertical_agency(beauty_creators=5)
    score()
    assert (eligibility(four).qualifying_creators, eligibility(four).is_eligible) == (4, False)
    assert (eligibility(five).qualifying_creators, eligibility(five).is_eligible) == (5, True)


def test_19_sessions_do_not_qualify_a_creator_20_do():
    """G5: each creator needs at least 20 counted sessions in the month."""
    short, enough = vertical_agency(sessions=19), vertical_agency(sessions=20)
    score()
    assert (eligibility(short).qualifying_creators, eligibility(short).is_eligible) == (0, False)
    assert eligibility(enough).is_eligible


def test_29_minute_sessions_do_not_count_toward_the_20(mcn):
    """G1, G5: 19 counted sessions plus one of 29 minutes is still 19."""
    for creator in sign_creators(mcn, 5):
        add_sessions(creator, start=bj(2026, 10, 1, 20), count=19)
        add_sessions(creator, start=bj(2026, 10, 25, 20), count=1, minutes=29)
    score()
    assert eligibility(mcn).qualifying_creators == 0


def test_vertical_gmv_share_999_per_mille_fails_10_percent_passes():
    """G5: the vertical's GMV must be at least 10% of the agency's: 9.99% is not enough.

    Five beauty creators × 20 sessions × ¥1.00 = ¥100.00 of beauty GMV; a food creator's
    single big session makes the rest. The beauty creators' main category stays beauty."""
    low = vertical_agency(gmv_fen=100, other_gmv_fen=90_100)  # 10,000 / 100,100 = 9.99%
    ok = vertical_agency(gmv_fen=100, other_gmv_fen=90_000)  # 10,000 / 100,000 = 10%
    score()
    assert eligibility(low).share_percent == "9.99%" and not eligibility(low).is_eligible
    assert eligibility(ok).share_percent == "10.00%" and eligibility(ok).is_eligible


def test_main_category_is_weighted_by_gmv(mcn):
    """G5: a creator with 15 beauty sessions (¥10 each) and 5 food sessions (¥100 each) has
    food as its main category: GMV decides, not the number of sessions."""
    for creator in sign_creators(mcn, 5):
        add_sessions(creator, start=bj(2026, 10, 1, 20), count=15, gmv_fen=1_000)
        add_sessions(creator, start=bj(2026, 10, 20, 20), count=5, gmv_fen=10_000, code="food")
    score()
    assert eligibility(mcn, "beauty").qualifying_creators == 0
    assert eligibility(mcn, "food").qualifying_creators == 5
    assert eligibility(mcn, "food").is_eligible


# --- G6 -------------------------------------------------------------------------------------


def build_line():
    with time_machine.travel(EVE, tick=False):
        return agency_services.focus_lines_build(day=DAY)


def hours():
    return list(FocusHour.objects.filter(day=DAY, category=category()).order_by("starts_at"))


def test_winners_ranked_by_vertical_gmv_get_one_hour_each():
    """G6: the two eligible agencies with the most vertical GMV get 10:00 and 11:00; the
    third waits in line; rerunning the job writes nothing."""
    small = vertical_agency(gmv_fen=10_000)
    big = vertical_agency(gmv_fen=30_000)
    middle = vertical_agency(gmv_fen=20_000)
    score()
    assert build_line() == 2
    ten, eleven = hours()
    assert (ten.agency, eleven.agency) == (big, middle)
    assert ten.starts_at == bj(2026, 11, 20, 10, 0) and ten.status == "offered"
    line = FocusOffer.objects.filter(day=DAY).order_by("rank")
    assert [(o.agency, o.status) for o in line] == [
        (big, "offered"),
        (middle, "offered"),
        (small, "waiting"),
    ]
    before = row_counts(FocusOffer, FocusHour)
    assert build_line() == 0
    assert row_counts(FocusOffer, FocusHour) == before


def test_agencies_with_an_open_dispute_or_complaint_are_skipped():
    """G6: an agency with an open complaint, or an open dispute on one of its creators'
    orders, is skipped; the next in line takes its hour."""
    disputed = vertical_agency(gmv_fen=50_000)
    complained = vertical_agency(gmv_fen=40_000)
    clean = vertical_agency(gmv_fen=30_000)
    also_clean = vertical_agency(gmv_fen=20_000)
    score()
    order = factories.OrderFactory(creator=disputed.creators.first(), status="disputed")
    Dispute.objects.create(
        order=order,
        opened_by=disputed.owner,
        reason="未按要求交付",
    )
    AgencyComplaint.objects.create(agency=complained, summary="多次被投诉")
    build_line()
    assert [h.agency for h in hours()] == [clean, also_clean]
    notes = dict(FocusOffer.objects.filter(day=DAY).values_list("agency_id", "status"))
    assert notes[disputed.pk] == "skipped" and notes[complained.pk] == "skipped"


def test_assigning_five_creators_takes_the_hour_four_is_refused():
    """G6: the winner assigns its slots to at least 5 creators of the vertical."""
    winner = vertical_agency(beauty_creators=6)
    score()
    build_line()
    ten = hours()[0]
    creators = list(winner.creators.order_by("id"))
    with time_machine.travel(bj(2026, 11, 19, 1, 0), tick=False):
        with pytest.raises(InvalidInput):
            agency_services.focus_hour_assign(hour=ten, actor=winner.owner, creators=creators[:4])
        assert FocusSlot.objects.count() == 0
        with pytest.raises(WrongSide):
            agency_services.focus_hour_assign(
                hour=ten, actor=new_agency().owner, creators=creators[:5]
            )
        agency_services.focus_hour_assign(hour=ten, actor=winner.owner, creators=creators[:5])
    ten.refresh_from_db()
    assert ten.status == "assigned"
    assert list(ten.slots.order_by("position").values_list("creator_id", flat=True)) == [
        c.pk for c in creators[:5]
    ]
    assert FocusOffer.objects.get(agency=winner, day=DAY).status == "accepted"


def test_a_creator_of_another_vertical_cannot_take_a_slot():
    """G6: only creators whose main category is the vertical may be assigned."""
    winner = vertical_agency(beauty_creators=5)
    (foodie,) = sign_creators(winner, 1)
    add_sessions(foodie, start=bj(2026, 10, 1, 20), count=20, gmv_fen=100, code="food")
    score()
    build_line()
    beauty = [c for c in winner.creators.order_by("id") if c.pk != foodie.pk]
    with time_machine.travel(bj(2026, 11, 19, 1, 0), tick=False), pytest.raises(InvalidInput):
        agency_services.focus_hour_assign(
            hour=hours()[0], actor=winner.owner, creators=[*beauty[:4], foodie]
        )
    assert FocusSlot.objects.count() == 0


def test_a_declined_hour_passes_to_the_next_in_line():
    """G6: the first agency declines; the waiting third agency is offered the hour."""
    first = vertical_agency(gmv_fen=30_000)
    second = vertical_agency(gmv_fen=20_000)
    third = vertical_agency(gmv_fen=10_000)
    score()
    build_line()
    with time_machine.travel(bj(2026, 11, 19, 2, 0), tick=False):
        agency_services.focus_hour_decline(hour=hours()[0], actor=first.owner)
    ten, eleven = hours()
    assert (ten.agency, ten.status, eleven.agency) == (third, "offered", second)
    assert FocusOffer.objects.get(agency=first, day=DAY).status == "declined"
    with time_machine.travel(bj(2026, 11, 19, 3, 0), tick=False):
        agency_services.focus_hour_decline(hour=ten, actor=third.owner)
    ten.refresh_from_db()
    assert (ten.agency, ten.status) == (None, "unfilled")


def test_an_agency_with_fewer_than_five_creators_now_is_passed_over():
    """G6: eligible in October, but two creators left since: fewer than 5 of the vertical,
    so the next in line gets the hour."""
    shrunk = vertical_agency(gmv_fen=30_000)
    other = vertical_agency(gmv_fen=10_000)
    score()
    for creator in list(shrunk.creators.all()[:2]):
        agency_services.contract_end(
            contract=shrunk.contracts.get(creator=creator, status="active"), actor=shrunk.owner
        )
    build_line()
    assert hours()[0].agency == other
    assert FocusOffer.objects.get(agency=shrunk, day=DAY).status == "skipped"


def test_unanswered_offers_expire_and_pass_on_once():
    """G6: an offer not answered by its deadline passes down the line; the sweep is
    idempotent (a second run at the same time moves nothing)."""
    first = vertical_agency(gmv_fen=30_000)
    vertical_agency(gmv_fen=20_000)
    third = vertical_agency(gmv_fen=10_000)
    score()
    build_line()
    ten = hours()[0]
    assert ten.respond_by == bj(2026, 11, 19, 4, 10)  # four hours to answer
    with time_machine.travel(bj(2026, 11, 19, 4, 9), tick=False):
        assert agency_services.focus_offers_expire() == 0
    with time_machine.travel(bj(2026, 11, 19, 4, 10), tick=False):
        assert agency_services.focus_offers_expire() == 2  # both hours were offered at 00:10
        assert agency_services.focus_offers_expire() == 0
    assert FocusOffer.objects.get(agency=first, day=DAY).status == "expired"
    ten.refresh_from_db()
    assert ten.agency == third
    assert ten.respond_by == bj(2026, 11, 19, 8, 10)
    # The expired agency no longer holds the hour; the new holder is late at 08:10.
    with time_machine.travel(bj(2026, 11, 19, 4, 30), tick=False), pytest.raises(WrongSide):
        agency_services.focus_hour_decline(hour=ten, actor=first.owner)
    late_at = time_machine.travel(bj(2026, 11, 19, 8, 10), tick=False)
    with late_at, pytest.raises(NotAllowed) as late:
        agency_services.focus_hour_assign(
            hour=ten, actor=third.owner, creators=list(third.creators.all())
        )
    assert late.value.code == "focus_offer_expired"
    assert FocusSlot.objects.count() == 0


# --- G7 -------------------------------------------------------------------------------------


def propose(agency, at, **kwargs):
    with time_machine.travel(at, tick=False):
        return agency_services.theme_proposal_submit(
            agency=agency,
            actor=agency.owner,
            category=category(),
            title=kwargs.get("title", "双十二美妆节"),
            plan=kwargs.get("plan", "十二月上旬连续五晚美妆专场直播，每晚两小时，主推新品。"),
        )


@pytest.mark.parametrize(
    ("when", "is_open"),
    [
        (bj(2026, 11, 9, 23, 59), False),
        (bj(2026, 11, 10, 0, 0), True),
        (bj(2026, 11, 18, 23, 59), True),
        (bj(2026, 11, 19, 0, 0), False),
    ],
)
def test_proposals_are_accepted_from_the_10th_to_the_18th(mcn, when, is_open):
    """G7: the 9th and the 19th are refused (nothing written); the 10th and 18th accepted,
    for next month."""
    if is_open:
        proposal = propose(mcn, when)
        assert proposal.month == date(2026, 12, 1)
    else:
        with pytest.raises(NotAllowed) as refused:
            propose(mcn, when)
        assert refused.value.code == "theme_window_closed"
        assert ThemeProposal.objects.count() == 0


def test_a_selected_proposal_earns_one_focus_slot(mcn):
    """G7: ops select the proposal; the agency places its one slot on a December day."""
    proposal = propose(mcn, bj(2026, 11, 12, 10, 0))
    (creator,) = sign_creators(mcn, 1)
    ops = factories.UserFactory(is_staff=True)
    with time_machine.travel(bj(2026, 11, 19, 10, 0), tick=False):
        with pytest.raises(NotAllowed):  # not selected yet
            agency_services.theme_slot_assign(
                proposal=proposal, actor=mcn.owner, day=date(2026, 12, 5), creator=creator
            )
        agency_services.theme_proposal_decide(proposal=proposal, actor=ops, select=True)
        with pytest.raises(InvalidInput):  # a November day
            agency_services.theme_slot_assign(
                proposal=proposal, actor=mcn.owner, day=date(2026, 11, 30), creator=creator
            )
        slot = agency_services.theme_slot_assign(
            proposal=proposal, actor=mcn.owner, day=date(2026, 12, 5), creator=creator
        )
        assert slot.hour.starts_at == bj(2026, 12, 5, 10, 0)
        assert slot.position > agency_services.focus.slots_per_hour()
        with pytest.raises(NotAllowed) as refused:
            agency_services.theme_slot_assign(
                proposal=proposal, actor=mcn.owner, day=date(2026, 12, 6), creator=creator
            )
    assert refused.value.code == "theme_slot_used"
    assert FocusSlot.objects.count() == 1


def test_only_ops_select_and_only_once(mcn):
    """G7: an agency cannot select its own proposal; a decided proposal stays decided."""
    proposal = propose(mcn, bj(2026, 11, 12, 10, 0))
    with pytest.raises(WrongSide):
        agency_services.theme_proposal_decide(proposal=proposal, actor=mcn.owner, select=True)
    ops = factories.UserFactory(is_staff=True)
    agency_services.theme_proposal_decide(proposal=proposal, actor=ops, select=False)
    with pytest.raises(NotAllowed):
        agency_services.theme_proposal_decide(proposal=proposal, actor=ops, select=True)
    proposal.refresh_from_db()
    assert proposal.status == "not_selected"


def test_the_first_of_the_month_ranks_the_latest_assessed_month():
    """G5, G6: the line for 1 December is built on 30 November, before November is assessed:
    it ranks October's figures, and the hour remembers that month."""
    winner = vertical_agency()
    score()
    with time_machine.travel(bj(2026, 11, 30, 0, 10), tick=False):
        assert agency_services.focus_lines_build(day=date(2026, 12, 1)) == 1  # one agency, one hour
    ten = FocusHour.objects.get(day=date(2026, 12, 1), starts_at=bj(2026, 12, 1, 10, 0))
    assert (ten.agency, ten.basis_month) == (winner, OCT)


def test_no_line_without_any_assessed_month(mcn):
    """G6: before the first assessment there is nothing to rank: no hour is written."""
    with time_machine.travel(EVE, tick=False):
        assert agency_services.focus_lines_build(day=DAY) == 0
    assert FocusHour.objects.count() == 0


def test_an_offer_passed_on_after_0930_leaves_the_hour_unfilled():
    """G6: the banner is set at 09:30; an hour still unanswered then is not offered again."""
    first = vertical_agency(gmv_fen=30_000)
    vertical_agency(gmv_fen=20_000)
    vertical_agency(gmv_fen=10_000)
    score()
    with time_machine.travel(bj(2026, 11, 20, 7, 0), tick=False):
        agency_services.focus_lines_build(day=DAY)  # built late: answers are due by 09:30
    ten = hours()[0]
    assert (ten.agency, ten.respond_by) == (first, bj(2026, 11, 20, 9, 30))
    with time_machine.travel(bj(2026, 11, 20, 9, 30), tick=False):
        assert agency_services.focus_offers_expire() == 2
    assert [h.status for h in hours()] == ["unfilled", "unfilled"]
