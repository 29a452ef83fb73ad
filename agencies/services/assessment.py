"""G2–G5: the monthly assessment of MCN agencies, expulsion and appeals, the yearly reset and
the vertical eligibility.

The figures are computed by the database in a few set-based statements (one INSERT … SELECT
per table, with an upsert on the month's unique key), not by a Python loop per creator or per
session: 10,000 agencies and 2,000,000 sessions are one pass over the month's sessions.
Only the few agencies that reach 120 points are then handled one by one (expulsion rows,
notifications).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import (
    Agency,
    AgencyAppeal,
    AgencyAssessment,
    AgencyContract,
    AgencyExpulsion,
    AgencyStatus,
    AppealStatus,
    ExpulsionEnd,
    LiveSession,
    VerticalEligibility,
)
from agencies.policy import (
    DEDUCTION_POINTS,
    EXPULSION_POINTS,
    MIN_ACTIVITY_PERCENT,
    MIN_SIGNED_CREATORS,
    READMISSION_BAR,
    VERTICAL_MIN_CREATORS,
    VERTICAL_MIN_SESSIONS,
    VERTICAL_MIN_SHARE_PERCENT,
)
from agencies.selectors import agency_managers
from core.exceptions import InvalidInput, NotAllowed, WrongSide
from core.months import beijing_year, month_bounds, month_first_day
from parties.models import User
from parties.notifications import notify
from parties.selectors import manages_organization
from tasks.models import Order, OrderStatus

# --- the monthly assessment (G2) ----------------------------------------------------------


@dataclass
class ScoreSummary:
    month: date
    assessed: int
    failed: int
    expelled: list[int]
    vertical_rows: int
    eligible_verticals: int


def _params(*values):
    ops = connection.ops
    out = []
    for value in values:
        if isinstance(value, datetime):
            out.append(ops.adapt_datetimefield_value(value))
        elif isinstance(value, date):
            out.append(ops.adapt_datefield_value(value))
        else:
            out.append(value)
    return out


def _tables() -> dict[str, str]:
    return {
        "agency": Agency._meta.db_table,
        "assessment": AgencyAssessment._meta.db_table,
        "contract": AgencyContract._meta.db_table,
        "session": LiveSession._meta.db_table,
        "order": Order._meta.db_table,
        "eligibility": VerticalEligibility._meta.db_table,
    }


# The roster of an agency for a month: every creator whose contract was in force at some
# moment of the month (the G2 denominator), and whether it still was at the month's end
# (the signed count). Ended contracts keep signed_at and closed_at (C3), so this is history,
# not today's roster.
ROSTER_CTE = """
roster AS (
    SELECT c.agency_id, c.creator_id,
           MAX(CASE WHEN c.closed_at IS NULL OR c.closed_at >= %s THEN 1 ELSE 0 END) AS at_end
    FROM {contract} c
    WHERE c.signed_at IS NOT NULL AND c.signed_at < %s
      AND (c.closed_at IS NULL OR c.closed_at >= %s)
      AND c.status IN ('active', 'ended')
    GROUP BY c.agency_id, c.creator_id
)"""

ASSESSMENT_SQL = (
    "WITH"
    + ROSTER_CTE
    + """,
active AS (
    SELECT s.creator_id FROM {session} s
    WHERE s.started_at >= %s AND s.started_at < %s AND s.is_counted = %s
    UNION
    SELECT o.creator_id FROM {order} o
    WHERE o.status = %s AND o.closed_at >= %s AND o.closed_at < %s
),
stats AS (
    SELECT r.agency_id,
           SUM(r.at_end) AS signed_count,
           COUNT(*) AS roster_count,
           SUM(CASE WHEN a.creator_id IS NULL THEN 0 ELSE 1 END) AS active_count
    FROM roster r LEFT JOIN active a ON a.creator_id = r.creator_id
    GROUP BY r.agency_id
),
figures AS (
    SELECT ag.id AS agency_id,
           COALESCE(s.signed_count, 0) AS signed_count,
           COALESCE(s.roster_count, 0) AS roster_count,
           COALESCE(s.active_count, 0) AS active_count
    FROM {agency} ag LEFT JOIN stats s ON s.agency_id = ag.id
    WHERE ag.status = 'active' AND ag.created_at < %s
),
verdict AS (
    SELECT f.*,
           CASE WHEN f.signed_count < %s THEN 1 ELSE 0 END AS short_of_creators,
           CASE WHEN f.roster_count = 0 OR f.active_count * 100 < f.roster_count * %s
                THEN 1 ELSE 0 END AS below_activity
    FROM figures f
)
INSERT INTO {assessment} (
    agency_id, month, signed_count, roster_count, active_count, activity_rate_bp, passed,
    is_short_of_creators, is_below_activity, points_deducted, points_year, is_voided,
    computed_at
)
SELECT v.agency_id, %s, v.signed_count, v.roster_count, v.active_count,
       CASE WHEN v.roster_count = 0 THEN 0 ELSE (v.active_count * 10000) / v.roster_count END,
       (v.short_of_creators = 0 AND v.below_activity = 0),
       (v.short_of_creators = 1), (v.below_activity = 1),
       CASE WHEN v.short_of_creators = 1 OR v.below_activity = 1 THEN %s ELSE 0 END,
       %s, %s, %s
FROM verdict v WHERE 1 = 1
ON CONFLICT (agency_id, month) DO UPDATE SET
    signed_count = excluded.signed_count,
    roster_count = excluded.roster_count,
    active_count = excluded.active_count,
    activity_rate_bp = excluded.activity_rate_bp,
    passed = excluded.passed,
    is_short_of_creators = excluded.is_short_of_creators,
    is_below_activity = excluded.is_below_activity,
    points_deducted = excluded.points_deducted,
    computed_at = excluded.computed_at
"""
)
# A rerun keeps points_year (the year the points were first deducted) and is_voided (an
# appeal granted stays granted); the row's unique key makes a second deduction impossible.


def _run_assessment_sql(*, month: date, now: datetime) -> None:
    start, end = month_bounds(month)
    params = _params(
        end,
        end,
        start,  # roster
        start,
        end,
        True,
        OrderStatus.COMPLETED,
        start,
        end,  # active
        start,  # agencies admitted before the month began
        MIN_SIGNED_CREATORS,
        MIN_ACTIVITY_PERCENT,
        month,
        DEDUCTION_POINTS,
        beijing_year(now),
        False,
        now,
    )
    with connection.cursor() as cursor:
        cursor.execute(ASSESSMENT_SQL.format(**_tables()), params)


# G5: a creator's main category is the one with the most GMV among its sessions of the month
# (ties: the lower category id); the agency's vertical GMV is the GMV of its month-end roster's
# sessions in that category.
ELIGIBILITY_SQL = (
    "WITH"
    + ROSTER_CTE
    + """,
member AS (SELECT agency_id, creator_id FROM roster WHERE at_end = 1),
per_category AS (
    SELECT s.creator_id, s.category_id, SUM(s.gmv_fen) AS gmv,
           SUM(CASE WHEN s.is_counted = %s THEN 1 ELSE 0 END) AS counted
    FROM {session} s
    WHERE s.started_at >= %s AND s.started_at < %s
    GROUP BY s.creator_id, s.category_id
),
per_creator AS (
    SELECT creator_id, SUM(counted) AS counted FROM per_category GROUP BY creator_id
),
main_category AS (
    SELECT creator_id, category_id FROM (
        SELECT creator_id, category_id,
               ROW_NUMBER() OVER (PARTITION BY creator_id ORDER BY gmv DESC, category_id) AS n
        FROM per_category
    ) ranked WHERE n = 1
),
vertical AS (
    SELECT m.agency_id, pc.category_id, SUM(pc.gmv) AS gmv
    FROM member m JOIN per_category pc ON pc.creator_id = m.creator_id
    GROUP BY m.agency_id, pc.category_id
),
total AS (SELECT agency_id, SUM(gmv) AS gmv FROM vertical GROUP BY agency_id),
qualifying AS (
    SELECT m.agency_id, mc.category_id, COUNT(*) AS creators
    FROM member m
    JOIN main_category mc ON mc.creator_id = m.creator_id
    JOIN per_creator p ON p.creator_id = m.creator_id
    WHERE p.counted >= %s
    GROUP BY m.agency_id, mc.category_id
)
INSERT INTO {eligibility} (
    agency_id, category_id, month, qualifying_creators, vertical_gmv_fen, total_gmv_fen,
    is_eligible, computed_at
)
SELECT v.agency_id, v.category_id, %s, COALESCE(q.creators, 0), v.gmv, t.gmv,
       (COALESCE(q.creators, 0) >= %s AND v.gmv * 100 >= t.gmv * %s), %s
FROM vertical v
JOIN total t ON t.agency_id = v.agency_id
JOIN {agency} ag ON ag.id = v.agency_id AND ag.status = 'active'
LEFT JOIN qualifying q ON q.agency_id = v.agency_id AND q.category_id = v.category_id
WHERE v.gmv > 0
ON CONFLICT (agency_id, category_id, month) DO UPDATE SET
    qualifying_creators = excluded.qualifying_creators,
    vertical_gmv_fen = excluded.vertical_gmv_fen,
    total_gmv_fen = excluded.total_gmv_fen,
    is_eligible = excluded.is_eligible,
    computed_at = excluded.computed_at
"""
)


def _run_eligibility_sql(*, month: date, now: datetime) -> None:
    start, end = month_bounds(month)
    params = _params(
        end,
        end,
        start,  # roster
        True,
        start,
        end,  # sessions of the month
        VERTICAL_MIN_SESSIONS,
        month,
        VERTICAL_MIN_CREATORS,
        VERTICAL_MIN_SHARE_PERCENT,
        now,
    )
    with connection.cursor() as cursor:
        # A rerun after late data starts from a clean month: a vertical that lost all its
        # GMV must not keep last run's row.
        VerticalEligibility.objects.filter(month=month).delete()
        cursor.execute(ELIGIBILITY_SQL.format(**_tables()), params)


def _refresh_points(*, year: int, agency_ids=None) -> None:
    """Copy each agency's points of `year` (sum of its non-voided assessments) to the row."""

    points = (
        AgencyAssessment.objects.filter(agency=OuterRef("pk"), points_year=year, is_voided=False)
        .values("agency")
        .annotate(total=Sum("points_deducted"))
        .values("total")
    )
    agencies = Agency.objects.all()
    if agency_ids is not None:
        agencies = agencies.filter(pk__in=agency_ids)
    agencies.update(points=Coalesce(Subquery(points), 0), points_year=year)


def agencies_score(*, month: date, now: datetime | None = None) -> ScoreSummary:
    """G2–G5: assess every agency for `month` (a finished Beijing month), deduct 40 points
    where it fails, expel the agencies that reach 120 points this year, and compute the
    month's vertical eligibility. Safe to rerun: one row per agency and month."""
    now = now or timezone.now()
    month = month_first_day(month)
    if month_bounds(month)[1] > now:
        raise InvalidInput(
            _("%(month)s has not ended yet; a month is assessed once it is over.")
            % {"month": month.strftime("%Y-%m")},
            code="month_not_over",
        )
    with transaction.atomic():
        _run_assessment_sql(month=month, now=now)
        year = beijing_year(now)
        # Only agencies that can still be expelled need their copy refreshed now; the
        # others are refreshed when their points change (appeal) or on 1 January.
        _refresh_points(year=year)
        expelled = [
            agency_expel(agency=agency, now=now, month=month).agency_id
            # Expelled by this month's deduction: an agency re-admitted earlier this year
            # with 120 points is not expelled again unless it fails again.
            for agency in Agency.objects.select_for_update()
            .filter(
                status=AgencyStatus.ACTIVE,
                points__gte=EXPULSION_POINTS,
                assessments__month=month,
                assessments__points_deducted__gt=0,
                assessments__is_voided=False,
            )
            # A rerun of a month never expels twice for the same deduction (a re-admitted
            # agency stays re-admitted).
            .exclude(expulsions__assessment__month=month)
            .order_by("pk")
        ]
        _run_eligibility_sql(month=month, now=now)
    rows = AgencyAssessment.objects.filter(month=month)
    verticals = VerticalEligibility.objects.filter(month=month)
    return ScoreSummary(
        month=month,
        assessed=rows.count(),
        failed=rows.filter(passed=False).count(),
        expelled=expelled,
        vertical_rows=verticals.count(),
        eligible_verticals=verticals.filter(is_eligible=True).count(),
    )


# --- expulsion and appeal (G3) --------------------------------------------------------------


def agency_expel(*, agency: Agency, now: datetime, month: date | None = None) -> AgencyExpulsion:
    """G3: caller holds the lock on the agency. Expels it for 180 days (清退)."""
    assessment = None
    if month is not None:
        assessment = AgencyAssessment.objects.filter(agency=agency, month=month).first()
    agency.status = AgencyStatus.EXPELLED
    agency.save(update_fields=["status"])
    expulsion = AgencyExpulsion.objects.create(
        agency=agency,
        assessment=assessment,
        points=agency.points,
        expelled_at=now,
        readmissible_at=now + READMISSION_BAR,
    )
    notify(
        agency_managers(agency),
        "agency_expelled",
        agency=agency.name,
        points=agency.points,
        until_at=expulsion.readmissible_at,
    )
    return expulsion


def _lock_agency(agency: Agency) -> Agency:
    return Agency.objects.select_for_update().select_related("organization").get(pk=agency.pk)


def open_expulsion(agency: Agency) -> AgencyExpulsion | None:
    return agency.expulsions.filter(lifted_at__isnull=True).first()


@transaction.atomic
def agency_appeal_submit(*, agency: Agency, actor: User, reason: str) -> AgencyAppeal:
    """G3: the agency's one appeal against its expulsion."""
    agency = _lock_agency(agency)
    if not manages_organization(user=actor, organization_id=agency.organization_id):
        raise WrongSide(_("Only the agency's owner or an admin can appeal."))
    expulsion = open_expulsion(agency)
    if expulsion is None:
        raise NotAllowed(
            _("Your agency is not expelled; there is nothing to appeal."), code="not_expelled"
        )
    if AgencyAppeal.objects.filter(expulsion=expulsion).exists():
        raise NotAllowed(
            _("This expulsion has already been appealed; an agency has exactly one appeal."),
            code="appeal_used",
        )
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise InvalidInput(
            _("Explain your grounds in at least 10 characters."),
            fields={"reason": [_("Explain your grounds in at least 10 characters.")]},
        )
    return AgencyAppeal.objects.create(
        expulsion=expulsion, reason=reason[:4000], submitted_by=actor, submitted_at=timezone.now()
    )


@transaction.atomic
def agency_appeal_decide(
    *, appeal: AgencyAppeal, actor: User, grant: bool, note: str = ""
) -> AgencyAppeal:
    """G3: ops decide the appeal. Granted: the expulsion is lifted and the deduction that
    caused it is voided, so the agency is back below 120 points. Rejected: it stands."""
    if not actor.is_staff:
        raise WrongSide(_("Only ops staff decide appeals."))
    agency = _lock_agency(appeal.expulsion.agency)
    appeal = AgencyAppeal.objects.select_for_update().select_related("expulsion").get(pk=appeal.pk)
    if appeal.status != AppealStatus.PENDING:
        raise NotAllowed(_("This appeal has already been decided."), code="appeal_decided")
    note = (note or "").strip()
    if not note:
        raise InvalidInput(
            _("Write the reason of the decision; the agency reads it."),
            fields={"note": [_("Write the reason of the decision; the agency reads it.")]},
        )
    now = timezone.now()
    appeal.status = AppealStatus.GRANTED if grant else AppealStatus.REJECTED
    appeal.decided_by, appeal.decided_at, appeal.decision_note = actor, now, note[:500]
    appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if grant:
        expulsion = appeal.expulsion
        expulsion.lifted_at, expulsion.lifted_by = now, actor
        expulsion.lift_reason = ExpulsionEnd.APPEAL_GRANTED
        expulsion.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        if expulsion.assessment_id:
            AgencyAssessment.objects.filter(pk=expulsion.assessment_id).update(is_voided=True)
        agency.status = AgencyStatus.ACTIVE
        agency.save(update_fields=["status"])
        _refresh_points(year=beijing_year(now), agency_ids=[agency.pk])
    notify(
        agency_managers(agency),
        "agency_appeal_granted" if grant else "agency_appeal_rejected",
        agency=agency.name,
        note=note[:500],
    )
    return appeal


@transaction.atomic
def agency_readmit(*, agency: Agency, actor: User, now: datetime | None = None) -> Agency:
    """G3: ops re-admit an expelled agency, no sooner than 180 days after the expulsion."""
    if not actor.is_staff:
        raise WrongSide(_("Only ops staff re-admit agencies."))
    now = now or timezone.now()
    agency = _lock_agency(agency)
    expulsion = open_expulsion(agency)
    if agency.status != AgencyStatus.EXPELLED or expulsion is None:
        raise NotAllowed(_("This agency is not expelled."), code="not_expelled")
    if now < expulsion.readmissible_at:
        raise NotAllowed(
            _("An expelled agency can be re-admitted from %(date)s (180 days after %(expelled)s).")
            % {
                "date": timezone.localtime(expulsion.readmissible_at).strftime("%Y-%m-%d %H:%M"),
                "expelled": timezone.localtime(expulsion.expelled_at).strftime("%Y-%m-%d"),
            },
            code="readmission_barred",
        )
    expulsion.lifted_at, expulsion.lifted_by = now, actor
    expulsion.lift_reason = ExpulsionEnd.READMITTED
    expulsion.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    agency.status = AgencyStatus.ACTIVE
    agency.save(update_fields=["status"])
    return agency


# --- the yearly reset (G4) ------------------------------------------------------------------


def agency_points_reset(*, now: datetime | None = None) -> int:
    """G4: at 00:00 on 1 January (Beijing) every agency's points start again from zero.
    Idempotent: it only touches rows still counting an earlier year."""
    year = beijing_year(now or timezone.now())
    return Agency.objects.filter(Q(points_year__lt=year) | Q(points_year__isnull=True)).update(
        points=0, points_year=year
    )


def agency_points_now(agency: Agency, *, now: datetime | None = None) -> int:
    """G4: the points that count now; a row not yet reset for the new year counts zero."""
    year = beijing_year(now or timezone.now())
    return agency.points if agency.points_year == year else 0
