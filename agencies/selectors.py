"""Reads, scoped to what the acting user may see (A3, A4).

Anything fetched by id goes through a function here, so another tenant's object raises
Http404 — never 403, never its data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from agencies.models import (
    Agency,
    AgencyAssessment,
    AgencyContract,
    AgencyExpulsion,
    ContractStatus,
    FocusHour,
    FocusOffer,
    FocusSlot,
    LiveSession,
    ThemeProposal,
    VerticalEligibility,
)
from agencies.policy import MIN_ACTIVITY_PERCENT, MIN_SIGNED_CREATORS
from core.months import month_bounds
from parties.models import (
    CreatorProfile,
    Role,
    User,
)
from parties.selectors import _organization_ids, creator_queryset, manages_organization
from tasks.models import Order, OrderStatus


def agency_list(*, user: User) -> QuerySet[Agency]:
    if not user.is_authenticated:
        return Agency.objects.none()
    return Agency.objects.filter(organization_id__in=_organization_ids(user)).select_related(
        "organization"
    )


def agency_get(*, user: User, agency_id: int) -> Agency:
    try:
        return agency_list(user=user).get(pk=agency_id)
    except (Agency.DoesNotExist, ValueError, TypeError):
        raise Http404("No such agency.") from None


def agency_can_manage(*, user: User, agency: Agency) -> bool:
    return manages_organization(user=user, organization_id=agency.organization_id)


def agency_signed_creators(*, agency: Agency) -> QuerySet[CreatorProfile]:
    return (
        creator_queryset()
        .filter(contracts__agency=agency, contracts__status=ContractStatus.ACTIVE)
        .order_by("-followers", "id")
    )


def agency_contracts(*, agency: Agency) -> QuerySet[AgencyContract]:
    return agency.contracts.select_related("creator", "invited_by", "closed_by").order_by(
        "-invited_at", "-id"
    )


def creator_contracts(*, creator: CreatorProfile) -> QuerySet[AgencyContract]:
    return creator.contracts.select_related("agency__organization", "closed_by").order_by(
        "-invited_at", "-id"
    )


def contract_list(*, user: User) -> QuerySet[AgencyContract]:
    """Contracts are visible to their creator and to the members of their agency."""
    if not user.is_authenticated:
        return AgencyContract.objects.none()
    visible = Q(creator__user=user) | Q(agency__organization_id__in=_organization_ids(user))
    return (
        AgencyContract.objects.filter(visible)
        .select_related("agency__organization", "creator__user", "invited_by", "closed_by")
        .order_by("-invited_at", "-id")
    )


def contract_get(*, user: User, contract_id: int) -> AgencyContract:
    try:
        return contract_list(user=user).get(pk=contract_id)
    except (AgencyContract.DoesNotExist, ValueError, TypeError):
        raise Http404("No such contract.") from None


def agency_managers(agency: Agency) -> QuerySet[User]:
    """The owners and admins who act for an agency (and are told of its score)."""
    return User.objects.filter(
        memberships__organization_id=agency.organization_id,
        memberships__role__in=(Role.OWNER, Role.ADMIN),
    ).distinct()


def creator_main_categories(*, creator_ids, month) -> dict[int, int]:
    """G5: each creator's main category in `month`: the most GMV among its sessions, ties to
    the lower category id. One grouped query; the pick per creator is over a few rows."""

    start, end = month_bounds(month)
    best: dict[int, tuple[int, int]] = {}
    rows = (
        LiveSession.objects.filter(
            creator_id__in=creator_ids, started_at__gte=start, started_at__lt=end
        )
        .values("creator_id", "category_id")
        .annotate(gmv=Sum("gmv_fen"))
    )
    for row in rows:
        key = (row["gmv"], -row["category_id"])
        if row["creator_id"] not in best or key > best[row["creator_id"]]:
            best[row["creator_id"]] = key
    return {creator_id: -key[1] for creator_id, key in best.items()}


def agency_vertical_creators(*, agency: Agency, category_id: int, month) -> list[CreatorProfile]:
    """G6: the creators signed to the agency now whose main category in `month` is the
    vertical: those it may put on that vertical's focus slots."""
    creators = list(
        CreatorProfile.objects.filter(agency=agency).select_related("user").order_by("id")
    )
    main = creator_main_categories(creator_ids=[c.pk for c in creators], month=month)
    return [c for c in creators if main.get(c.pk) == category_id]


def _completed_orders_between(start, end) -> QuerySet[Order]:
    return Order.objects.filter(
        status=OrderStatus.COMPLETED, closed_at__gte=start, closed_at__lt=end
    )


def agency_creator_activity(*, agency: Agency, month: date) -> QuerySet[CreatorProfile]:
    """A4, G1, G2: the agency's signed creators with their figures of `month` (Beijing):
    counted sessions (30 minutes or more), all sessions, GMV, completed orders and whether
    they are active; the inactive first.

    One grouped query whatever the roster size (plus creator_queryset's prefetches): the
    month's sessions are joined through a FilteredRelation, so the join reads only that month
    (live_session_creator_idx); orders are a correlated subquery so they do not multiply the
    session rows.
    """

    start, end = month_bounds(month)
    orders = (
        _completed_orders_between(start, end)
        .filter(creator=OuterRef("pk"))
        .order_by()
        .values("creator")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        agency_signed_creators(agency=agency)
        .annotate(
            month_sessions=FilteredRelation(
                "live_sessions",
                condition=Q(
                    live_sessions__started_at__gte=start, live_sessions__started_at__lt=end
                ),
            )
        )
        .annotate(
            counted_sessions=Count("month_sessions", filter=Q(month_sessions__is_counted=True)),
            sessions_total=Count("month_sessions"),
            gmv_fen=Sum("month_sessions__gmv_fen", default=0),
            completed_orders=Coalesce(Subquery(orders, output_field=IntegerField()), 0),
        )
        .annotate(
            is_active=ExpressionWrapper(
                Q(counted_sessions__gt=0) | Q(completed_orders__gt=0),
                output_field=BooleanField(),
            )
        )
        .order_by("is_active", "-followers", "id")
    )


@dataclass(frozen=True)
class AgencyActivity:
    """G2's figures of a month so far: the roster is every creator signed at some moment of
    the month (the denominator), active ones have a counted session or a completed order."""

    month: date
    signed_count: int
    roster_count: int
    active_count: int
    min_signed: int
    min_percent: int

    @property
    def rate_bp(self) -> int:
        if not self.roster_count:
            return 0
        return self.active_count * 10000 // self.roster_count

    @property
    def rate_percent(self) -> str:
        return f"{self.rate_bp / 100:.2f}%"

    @property
    def active_needed(self) -> int:
        """How many more active creators bring the rate to the bar (ceil of roster × 70%)."""
        required = -(-self.roster_count * self.min_percent // 100)
        return max(0, required - self.active_count)

    @property
    def signed_needed(self) -> int:
        return max(0, self.min_signed - self.signed_count)

    @property
    def is_on_track(self) -> bool:
        return self.roster_count > 0 and not self.active_needed and not self.signed_needed


def agency_activity(*, agency: Agency, month: date) -> AgencyActivity:
    """G2 for `month` so far, computed the way the monthly assessment will (one query)."""

    start, end = month_bounds(month)
    contracts = AgencyContract.objects.filter(agency=agency, creator=OuterRef("pk"))
    in_force = contracts.filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=start),
        status__in=(ContractStatus.ACTIVE, ContractStatus.ENDED),
        signed_at__isnull=False,
        signed_at__lt=end,
    )
    counted = LiveSession.objects.filter(
        creator=OuterRef("pk"), started_at__gte=start, started_at__lt=end, is_counted=True
    )
    completed = _completed_orders_between(start, end).filter(creator=OuterRef("pk"))
    figures = CreatorProfile.objects.filter(Exists(in_force)).aggregate(
        roster=Count("pk"),
        active=Count("pk", filter=Exists(counted) | Exists(completed)),
        signed=Count("pk", filter=Exists(contracts.filter(status=ContractStatus.ACTIVE))),
    )
    return AgencyActivity(
        month=month,
        signed_count=figures["signed"],
        roster_count=figures["roster"],
        active_count=figures["active"],
        min_signed=MIN_SIGNED_CREATORS,
        min_percent=MIN_ACTIVITY_PERCENT,
    )


def agency_assessments(*, agency: Agency) -> QuerySet[AgencyAssessment]:
    """G2: the agency's monthly scores, the latest first."""
    return agency.assessments.order_by("-month")


def agency_expulsions(*, agency: Agency) -> QuerySet[AgencyExpulsion]:
    """G3: the agency's expulsions with their appeal (if any), the latest first."""
    return agency.expulsions.select_related("appeal", "assessment").order_by("-expelled_at", "-id")


def agency_verticals(*, agency: Agency, month: date) -> QuerySet[VerticalEligibility]:
    """G5: the agency's verticals of `month`, the eligible first."""
    return (
        agency.verticals.filter(month=month)
        .select_related("category")
        .order_by("-is_eligible", "-vertical_gmv_fen", "category_id")
    )


def agency_focus_hours(*, agency: Agency, since: date) -> QuerySet[FocusHour]:
    """G6: the focus hours the agency holds (offered to it, or taken) from `since` on, with
    the creators on their slots; the latest first, so the hours to answer lead."""
    return (
        FocusHour.objects.filter(agency=agency, day__gte=since)
        .select_related("category")
        .prefetch_related(
            # Only the agency's own slots: a theme slot of another agency may share the hour.
            Prefetch(
                "slots",
                queryset=FocusSlot.objects.filter(agency=agency)
                .select_related("creator")
                .order_by("position"),
            )
        )
        .order_by("-starts_at")
    )


def agency_focus_offers(*, agency: Agency, since: date) -> QuerySet[FocusOffer]:
    """G6: the agency's places in the vertical lines from `since` on (declined, skipped …)."""
    return (
        agency.focus_offers.filter(day__gte=since)
        .select_related("category", "hour")
        .order_by("-day", "category_id")
    )


def agency_focus_hour_get(*, agency: Agency, hour_id: int) -> FocusHour:
    """A focus hour the agency holds or was offered (A3: any other hour is a 404); the service
    decides whether it can still answer."""
    offered = FocusOffer.objects.filter(hour=OuterRef("pk"), agency=agency)
    try:
        return (
            FocusHour.objects.filter(Q(agency=agency) | Exists(offered))
            .select_related("category", "agency__organization")
            .get(pk=hour_id)
        )
    except (FocusHour.DoesNotExist, ValueError, TypeError):
        raise Http404("No such focus hour.") from None


def agency_theme_proposals(*, agency: Agency) -> QuerySet[ThemeProposal]:
    """G7: the agency's proposals with the slot a selected one earned."""
    return agency.theme_proposals.select_related(
        "category", "submitted_by", "slot__hour", "slot__creator"
    ).order_by("-month", "-submitted_at", "-id")


def agency_theme_proposal_get(*, agency: Agency, proposal_id: int) -> ThemeProposal:
    try:
        return agency_theme_proposals(agency=agency).get(pk=proposal_id)
    except (ThemeProposal.DoesNotExist, ValueError, TypeError):
        raise Http404("No such proposal.") from None
