"""Brand tasks' proposals (T30, M4)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from core.exceptions import NotAllowed, WrongSide
from core.money import format_cny
from parties.models import CreatorProfile, User
from parties.notifications import notify
from parties.services.sanctions import require_not_banned
from tasks.exceptions import InvalidState
from tasks.models import OrderKind, Proposal, ProposalStatus, Task, TaskMode, TaskStatus

from ..locks import lock_proposal, lock_task
from .common import (
    deadline_passed,
    invalid,
    log_creation,
    now,
    refuse_state,
    require_task_owner,
    run_transition,
    task_owners,
)
from .orders import order_create
from .tasks import _check_money, creator_may_take_work

MAX_PLAN = 5000


def _proposal_recipients(proposal: Proposal) -> list[User]:
    users = [proposal.creator.user, proposal.submitted_by]
    if proposal.agency_id:
        users += [m.user for m in proposal.agency.organization.memberships.select_related("user")]
    return users


@transaction.atomic
def proposal_submit(
    *,
    task: Task,
    actor: User,
    quote_fen: int,
    plan: str,
    creator: CreatorProfile | None = None,
    agency=None,  # an agencies.Agency whose staff `actor` is (T30)
) -> Proposal:
    """T30: a qualified creator (for itself) or agency (for one of its signed creators) quotes
    for a brand task. Expelled agencies, and creators signed to one, are not qualified."""
    # S1/S2: a banned account or agency cannot propose.
    require_not_banned(user=actor, organizations=[agency.organization_id] if agency else [])
    quote_fen = _check_money("quote", quote_fen, required=True)
    plan = (plan or "").strip()
    if not plan:
        raise invalid("plan", _("Describe your plan for this brand task."))
    if len(plan) > MAX_PLAN:
        raise invalid("plan", _("At most %(max)s characters.") % {"max": MAX_PLAN})
    if agency is not None:
        if not actor.memberships.filter(organization_id=agency.organization_id).exists():
            raise WrongSide(_("Only the agency's staff can propose for it."))
        if agency.is_expelled:
            raise WrongSide(_("An expelled agency cannot submit proposals (T30, G3)."))
        if creator is None or creator.agency_id != agency.pk:
            raise invalid("creator", _("Choose a creator signed to your agency."))
    else:
        creator = getattr(actor, "creator_profile", None) if actor.is_creator else None
        if creator is None:
            raise WrongSide(_("Only creators and MCN agencies submit proposals."))
    if not creator_may_take_work(creator):
        raise WrongSide(_("This creator is not qualified for brand tasks now."))
    task = lock_task(task)
    if task.mode != TaskMode.BRAND:
        raise InvalidState(_("Only brand tasks take proposals."))
    at = now()
    if task.status != TaskStatus.OPEN:
        raise refuse_state(task, _("propose for"))
    if task.enrollment_deadline and at >= task.enrollment_deadline:
        raise deadline_passed(_("Proposals for this task closed at its deadline."))
    if task.proposals.filter(
        creator=creator, status__in=[ProposalStatus.SUBMITTED, ProposalStatus.ACCEPTED]
    ).exists():
        raise NotAllowed(
            _("A proposal for this creator is already on this task."), code="already_proposed"
        )
    proposal = Proposal.objects.create(
        task=task,
        creator=creator,
        agency=agency,
        submitted_by=actor,
        quote_fen=quote_fen,
        plan=plan,
    )
    log_creation(proposal, by=actor)
    notify(
        task_owners(task),
        "proposal_received",
        task=task,
        title=task.title,
        proposer=agency.name if agency else creator.display_name,
        quote_fen=quote_fen,
    )
    return proposal


@transaction.atomic
def proposal_accept(*, proposal: Proposal, actor: User):
    """T30: the brand accepts a proposal; it becomes an order at its quote, pending payment.
    Accepted quotes together may not exceed the task's budget."""
    task = lock_task(proposal.task_id)
    require_task_owner(task=task, actor=actor)
    require_not_banned(user=actor, organizations=[task.shop.organization_id])  # S1/S2
    proposal = lock_proposal(proposal)
    if task.status != TaskStatus.OPEN:
        raise refuse_state(task, _("accept proposals for"))
    if proposal.status != ProposalStatus.SUBMITTED:
        raise refuse_state(proposal, _("accept"))
    if not creator_may_take_work(proposal.creator):
        raise NotAllowed(
            _("This creator is not qualified for brand tasks now."), code="not_qualified"
        )
    committed = (
        task.proposals.filter(status=ProposalStatus.ACCEPTED).aggregate(total=Sum("quote_fen"))[
            "total"
        ]
        or 0
    )
    if task.budget_fen is not None and committed + proposal.quote_fen > task.budget_fen:
        raise NotAllowed(
            _("Accepting this quote would exceed the task's budget of %(budget)s.")
            % {"budget": format_cny(task.budget_fen)},
            code="over_budget",
        )
    order = order_create(
        kind=OrderKind.BRAND,
        task=task,
        shop=task.shop,
        creator=proposal.creator,
        price_fen=proposal.quote_fen,
        actor=actor,
    )
    run_transition(proposal, "accept", _("accept"), at=now(), by=actor)
    proposal.order = order
    proposal.save()
    notify(
        _proposal_recipients(proposal),
        "proposal_accepted",
        order=order,
        task=task,
        title=task.title,
        quote_fen=proposal.quote_fen,
    )
    return order


@transaction.atomic
def proposal_reject(*, proposal: Proposal, actor: User) -> Proposal:
    task = lock_task(proposal.task_id)
    require_task_owner(task=task, actor=actor)
    proposal = lock_proposal(proposal)
    run_transition(proposal, "reject", _("reject"), at=now(), by=actor)
    proposal.save()
    notify(_proposal_recipients(proposal), "proposal_rejected", task=task, title=task.title)
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, actor: User) -> Proposal:
    lock_task(proposal.task_id)
    proposal = lock_proposal(proposal)
    allowed = proposal.submitted_by_id == actor.pk or proposal.creator.user_id == actor.pk
    if proposal.agency_id:
        allowed = (
            allowed
            or actor.memberships.filter(organization_id=proposal.agency.organization_id).exists()
        )
    if not allowed:
        raise WrongSide(_("Only who proposed can withdraw the proposal."))
    run_transition(proposal, "withdraw", _("withdraw"), at=now(), by=actor)
    proposal.save()
    return proposal
