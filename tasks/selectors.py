"""Reads of tasks and orders, scoped to what the acting user may see (A3, A4).

Open plaza and brand tasks are listed to creators (and brand tasks to agency staff), open
recruitment tasks to merchants; everything else — private tasks, closed tasks, orders,
applications, proposals, messages — only to its parties. Anything else is a 404.
Every list here has a fixed number of queries whatever its length (select_related and
annotations, no per-row lookups).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType as DjangoContentType
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from core.exceptions import InvalidInput, NotAllowed
from escrow.selectors import wallet_shop
from parties.models import (
    ContentType,
    CreatorProfile,
    CreatorRate,
    Membership,
    MerchantShop,
    Organization,
    OrganizationKind,
    User,
)
from parties.selectors import delegated_shop_get, delegated_shop_org_ids
from tasks.models import (
    Announcement,
    Application,
    ApplicationStatus,
    Channel,
    ContentMetric,
    Order,
    OrderMessage,
    OrderStatus,
    Proposal,
    Task,
    TaskMode,
    TaskStatus,
)

from .caching import plaza_generation


def _member_org_ids(user: User, kind: str | None = None):
    memberships = Membership.objects.filter(user=user)
    if kind:
        memberships = memberships.filter(organization__kind=kind)
    return memberships.values("organization_id")


def _managed_shops(user: User, field: str = "shop") -> Q:
    """Q of rows whose `field` (a MerchantShop) the user manages: shops it is a member of,
    and (P6) shops that delegated their tasks to a provider it works for."""
    return Q(**{f"{field}__organization_id__in": _member_org_ids(user, OrganizationKind.SHOP)}) | Q(
        **{f"{field}__organization_id__in": delegated_shop_org_ids(user)}
    )


def _organizations_of(user: User) -> tuple[dict[str, list[int]], list[int]]:
    """The user's organization ids by kind, and the shops' organization ids whose tasks it
    manages: its own shops and (P6) those that delegated to its provider."""
    orgs: dict[str, list[int]] = {kind: [] for kind in OrganizationKind.values}
    for org_id, kind in Membership.objects.filter(user=user).values_list(
        "organization_id", "organization__kind"
    ):
        orgs[kind].append(org_id)
    shop_orgs = list(orgs[OrganizationKind.SHOP])
    if orgs[OrganizationKind.PROVIDER]:
        shop_orgs += delegated_shop_org_ids(user).values_list("organization_id", flat=True)
    return orgs, shop_orgs


def _own_tasks(user: User) -> Q:
    """Q of the tasks `user` owns: its shops' (and delegated shops') tasks, and a creator's own
    recruitment tasks. One condition for a merchant or a creator, so an index answers it (an OR
    of the two read every task: 0.9 s at a million tasks)."""
    _orgs, shop_orgs = _organizations_of(user)
    own = []
    if shop_orgs:
        own.append(Q(shop__organization_id__in=shop_orgs))
    if user.is_creator or not shop_orgs:
        own.append(Q(creator__user=user))
    return own[0] if len(own) == 1 else own[0] | own[1]


def taking_applications(at=None) -> Q:
    """T10/T20: a public task still on its plaza: open, and its enrollment not over. The one
    plaza rule: the plaza pages and the API's listing both read it."""
    at = at or timezone.now()
    return Q(status=TaskStatus.OPEN) & (
        Q(enrollment_deadline__isnull=True) | Q(enrollment_deadline__gt=at)
    )


def public_modes(user: User, orgs: dict[str, list[int]] | None = None) -> set[str]:
    """The modes whose open tasks `user` browses: plaza and brand tasks for a creator,
    recruitment tasks for a merchant, brand tasks for agency staff (A3)."""
    modes = set()
    if user.is_creator:
        modes |= {TaskMode.PLAZA, TaskMode.BRAND}
    if user.is_merchant:
        modes.add(TaskMode.RECRUITMENT)
    if orgs is None:
        orgs, _shop_orgs = _organizations_of(user)
    if orgs[OrganizationKind.AGENCY]:
        modes.add(TaskMode.BRAND)
    return modes


def _visibility_branches(user: User, *, listing: bool = False, split: bool = False):
    """The kinds of task `user` may see, each a condition one index answers (A3, A4).

    With `listing` (the plazas), a public task is listed only while it takes applications;
    a task the user takes part in is listed whatever its state. With `split`, the public
    branch (or None), its modes and the other branches, apart.

    The user's organizations are read here (one query, plus one for a provider's
    delegations), so a branch that can hold nothing — a creator's shops — is left out
    instead of reaching the database as an empty subquery."""
    orgs, shop_orgs = _organizations_of(user)
    modes = public_modes(user, orgs)

    def task_ids(model, **lookup) -> Q:
        return Q(pk__in=model.objects.filter(**lookup).values("task_id"))

    public = None
    if modes:
        public = Q(status=TaskStatus.OPEN, mode__in=sorted(modes))
        public = public & taking_applications() if listing else public
    branches = []
    if shop_orgs:
        # own shops' tasks, and (P6) the tasks of shops that delegated to the user's provider
        branches.append(Q(shop__organization_id__in=shop_orgs))
    if orgs[OrganizationKind.SHOP]:
        # the recruitment tasks its own shops applied to (a delegation covers the shop's own
        # tasks only, not what the shop applied to)
        branches.append(task_ids(Application, shop__organization_id__in=orgs["shop"]))
    if orgs[OrganizationKind.AGENCY]:
        branches.append(task_ids(Proposal, agency__organization_id__in=orgs["agency"]))
    branches.append(Q(creator__user=user))  # own recruitment tasks
    if split:
        # The plazas: the public branch apart (they cache it, by its modes), and the tasks the
        # user applied to, has orders of or proposed for as one branch — one union of task ids
        # — so that the personal part compiles and plans one branch for them, not three.
        party = (
            Application.objects.filter(creator__user=user)
            .order_by()
            .values_list("task_id")
            .union(
                Order.objects.filter(creator__user=user).order_by().values_list("task_id"),
                Proposal.objects.filter(creator__user=user).order_by().values_list("task_id"),
            )
        )
        return public, sorted(modes), [*branches, Q(pk__in=party)]
    branches += [
        task_ids(Application, creator__user=user),
        task_ids(Order, creator__user=user),
        task_ids(Proposal, creator__user=user),
    ]
    return [public, *branches] if public is not None else branches


def task_visibility(user: User) -> Q:
    """Q of the tasks `user` may see: any of the branches."""
    visible = Q(pk__in=[])
    for branch in _visibility_branches(user):
        visible |= branch
    return visible


CHANNEL_IDS_KEY = "tasks:channel-ids"
CHANNEL_IDS_SECONDS = 60


def _channel_rows(*, fresh: bool = False) -> list[tuple[int, str, str]]:
    """Every channel's (id, code, name) in id order, kept in the cache for a minute: every
    plaza request filters by one and the plaza page lists them (ops add a channel now and
    then; a code asked for that is not among them is looked up afresh)."""
    rows = None if fresh else cache.get(CHANNEL_IDS_KEY)
    if rows is None:
        rows = list(Channel.objects.order_by("pk").values_list("pk", "code", "name"))
        cache.set(CHANNEL_IDS_KEY, rows, CHANNEL_IDS_SECONDS)
    return rows


def _channel_ids(*, fresh: bool = False) -> dict[str, int]:
    return {code: pk for pk, code, _name in _channel_rows(fresh=fresh)}


def channel_choices() -> list[tuple[str, str]]:
    """(code, name) of every channel in id order, for the plaza's filter form."""
    return [(code, name) for _pk, code, name in _channel_rows()]


def on_channel(code: str) -> Q:
    """Q of the tasks on the channel `code`, by channel_id. A join on the channel's code would
    hide the id from the planner, which then cannot walk task_open_channel_idx (B1); the id is
    a plain value, not a subquery, so each branch of a plaza compiles nothing more (B1)."""
    channel_id = _channel_ids().get(code)
    if channel_id is None:
        channel_id = _channel_ids(fresh=True).get(code)
    return Q(channel_id=channel_id) if channel_id is not None else Q(channel__isnull=True)


def _count_of(model, **lookup) -> Coalesce:
    """A correlated count, computed only for the rows a query returns (unlike a join and
    GROUP BY, which counts every matching row before the page is cut)."""
    counted = (
        model.objects.filter(task=OuterRef("pk"), **lookup)
        .order_by()
        .values("task")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def _task_queryset() -> QuerySet[Task]:
    return Task.objects.select_related("channel", "shop__organization", "creator").annotate(
        application_count=_count_of(Application),
        approved_count=_count_of(Application, status=ApplicationStatus.APPROVED),
    )


# The columns of a plaza row: what TaskSerializer and the task cards read, in this order.
_ROW_COLUMNS = (
    "id",
    "mode",
    "status",
    "title",
    "brief",
    "content_type",
    "channel__code",
    "channel__name",
    "channel__name_en",
    "price_fen",
    "budget_fen",
    "payment_mode",
    "slots",
    "enrollment_deadline",
    "delivery_deadline",
    "payment_due_at",
    "sponsor_brand_name",
    "sponsor_logo_url",
    "sponsor_products",
    "shop_id",
    "shop__organization__name",
    "creator_id",
    "creator__display_name",
    "closed_reason",
    "created_at",
    "application_count",
    "approved_count",
)


class _ChannelRow:
    __slots__ = ("code", "name", "name_en")

    def __init__(self, code: str, name: str, name_en: str):
        self.code, self.name, self.name_en = code, name, name_en

    display_name = Channel.display_name


class _OrganizationRow:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


class _ShopRow:
    __slots__ = ("id", "organization")

    def __init__(self, shop_id, organization_name):
        self.id, self.organization = shop_id, _OrganizationRow(organization_name)


class _CreatorRow:
    __slots__ = ("display_name", "id")

    def __init__(self, creator_id, display_name):
        self.id, self.display_name = creator_id, display_name


class TaskRow:
    """One task of a plaza page read as values, not as a model: the attributes TaskSerializer
    and tasks/task_card.html read (its fields, `channel.code` and `.name`, the owner's name as
    `shop.organization.name` or `creator.display_name`, the counts). Building 21 Task models
    with their channel, shop, organization and creator cost more than their query (B1)."""

    __slots__ = (
        "application_count",
        "approved_count",
        "brief",
        "budget_fen",
        "channel",
        "closed_reason",
        "content_type",
        "created_at",
        "creator",
        "creator_id",
        "delivery_deadline",
        "enrollment_deadline",
        "id",
        "mode",
        "payment_due_at",
        "payment_mode",
        "price_fen",
        "shop",
        "shop_id",
        "slots",
        "sponsor_brand_name",
        "sponsor_logo_url",
        "sponsor_products",
        "status",
        "title",
    )

    def __init__(self, row: tuple):
        (
            self.id,
            self.mode,
            self.status,
            self.title,
            self.brief,
            self.content_type,
            channel_code,
            channel_name,
            channel_name_en,
            self.price_fen,
            self.budget_fen,
            self.payment_mode,
            self.slots,
            self.enrollment_deadline,
            self.delivery_deadline,
            self.payment_due_at,
            self.sponsor_brand_name,
            self.sponsor_logo_url,
            self.sponsor_products,
            self.shop_id,
            shop_name,
            self.creator_id,
            creator_name,
            self.closed_reason,
            self.created_at,
            self.application_count,
            self.approved_count,
        ) = row
        self.channel = _ChannelRow(channel_code, channel_name, channel_name_en)
        self.shop = _ShopRow(self.shop_id, shop_name) if self.shop_id else None
        self.creator = _CreatorRow(self.creator_id, creator_name) if self.creator_id else None

    @property
    def pk(self) -> int:
        return self.id

    def get_mode_display(self) -> str:
        return TaskMode(self.mode).label

    def get_content_type_display(self) -> str:
        return ContentType(self.content_type).label


def _row_values(tasks: QuerySet[Task]) -> QuerySet:
    return tasks.annotate(
        application_count=_count_of(Application),
        approved_count=_count_of(Application, status=ApplicationStatus.APPROVED),
    ).values_list(*_ROW_COLUMNS)


def _sort(rows: list, ordering: tuple[str, ...]) -> list:
    """`rows` in the listing's order (each field ascending or descending, as order_by)."""
    for field in reversed(ordering):
        name = field.lstrip("-")
        rows.sort(key=lambda row, name=name: getattr(row, name), reverse=field.startswith("-"))
    return rows


def _plain(value) -> bool:
    return value is None or isinstance(value, str | int | float | bool | datetime | date)


def _key_of(args, kwargs):
    """A stable key of filter(**kwargs) with plain values (the cursor's position, a mode),
    or None when the condition has no such key (a Q, a subquery): then no cache."""
    if args:
        return None
    items = []
    for name, value in sorted(kwargs.items()):
        values = tuple(value) if isinstance(value, list | tuple | set | frozenset) else (value,)
        if not all(_plain(v) for v in values):
            return None
        items.append((name, tuple(sorted(values, key=str)) if len(values) > 1 else values))
    return tuple(items)


class TaskListing:
    """The tasks a user may see on a plaza: a public part and a personal part.

    One WHERE with the visibility branches OR-ed together cannot walk an index in the
    listing's order: PostgreSQL reads every visible row and sorts them (1.2 s a page at a
    million tasks, docs/performance.md, B1). So:

    - the public part (`public`, a function building the query of the open tasks of the
      modes the user's side browses, taking applications; built only when it is read) is
      the same for everyone with the same filters: its page window — the
      first `stop` rows from the cursor, read as values with their counts — is kept in
      Django's cache for PLAZA_CACHE_SECONDS under the filters' key and the plaza
      generation (tasks.caching), which the services bump after the commit of anything that
      adds a task to it or takes one out of it (published, closed, slots filled);
    - the personal part (`personal`: the user's own tasks, its applications', orders' and
      proposals' tasks, its shops' and agency's) is never cached: it is read fresh, in one
      query, inside the same window — each branch ordered and cut to the window on its own
      (the user's few rows, or an index), their union feeding one SELECT of the rows and
      counts — so a user always sees what it wrote itself; a task in both parts is shown as
      the personal part read it.

    A page is the two merged, ordered and cut. It offers what the plazas' pagers use:
    filter, exclude, order_by, none, all, a slice. A filter with plain keyword values (the
    cursor's position) or an explicit `cache_key` keeps the public part cacheable; any other
    condition is applied but turns the cache off for that listing.
    """

    model = Task

    def __init__(
        self,
        personal: list[QuerySet],
        public: Callable[[], QuerySet] | None = None,
        *,
        key: tuple | None = (),
        ordering=("-created_at", "-id"),
    ):
        self.personal = personal
        self.public = public
        self.key = key
        self.ordering = tuple(ordering)

    def _with(self, **changes) -> TaskListing:
        state = {
            "personal": self.personal,
            "public": self.public,
            "key": self.key,
            "ordering": self.ordering,
        }
        state.update(changes)
        return TaskListing(
            state["personal"], state["public"], key=state["key"], ordering=state["ordering"]
        )

    def _extended(self, kind: str, args, kwargs, cache_key) -> tuple | None:
        part = cache_key if cache_key is not None else _key_of(args, kwargs)
        if self.key is None or part is None:
            return None
        return (*self.key, (kind, part))

    def all(self) -> TaskListing:
        return self

    def none(self) -> TaskListing:
        return self._with(personal=[], public=None)

    def _public_then(self, method: str, args, kwargs):
        """The public part with one more condition, built only if it is read (not on a cache
        hit)."""
        if self.public is None:
            return None
        earlier = self.public
        return lambda: getattr(earlier(), method)(*args, **kwargs)

    def filter(self, *args, cache_key=None, **kwargs) -> TaskListing:
        return self._with(
            personal=[b.filter(*args, **kwargs) for b in self.personal],
            public=self._public_then("filter", args, kwargs),
            key=self._extended("filter", args, kwargs, cache_key),
        )

    def exclude(self, *args, cache_key=None, **kwargs) -> TaskListing:
        return self._with(
            personal=[b.exclude(*args, **kwargs) for b in self.personal],
            public=self._public_then("exclude", args, kwargs),
            key=self._extended("exclude", args, kwargs, cache_key),
        )

    def order_by(self, *fields: str) -> TaskListing:
        return self._with(
            ordering=tuple("-id" if f == "-pk" else "id" if f == "pk" else f for f in fields)
        )

    def _public_rows(self, stop: int | None) -> list[tuple]:
        if self.public is None:
            return []

        def read():
            rows = _row_values(self.public().order_by(*self.ordering))
            return list(rows if stop is None else rows[:stop])

        if stop is None or self.key is None or not settings.PLAZA_CACHE_SECONDS:
            return read()
        described = repr((self.key, self.ordering, stop)).encode()
        key = f"plaza:{plaza_generation()}:{hashlib.sha256(described).hexdigest()}"
        cached = cache.get(key)
        if cached is None:
            cached = read()
            cache.set(key, cached, settings.PLAZA_CACHE_SECONDS)
        return cached

    def _personal_rows(self, stop: int | None) -> list[tuple]:
        if not self.personal:
            return []
        # SQLite (make run's default) allows no ORDER BY or LIMIT inside a compound's parts:
        # there the union is ordered and cut only as a whole, which is correct, only slower.
        cut_parts = connection.features.supports_slicing_ordering_in_compound
        parts = []
        for branch in self.personal:
            if cut_parts and stop is not None:
                parts.append(branch.order_by(*self.ordering).values_list("id")[:stop])
            else:
                parts.append(branch.order_by().values_list("id"))
        ids = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
        rows = _row_values(Task.objects.filter(pk__in=ids).order_by(*self.ordering))
        return list(rows if stop is None else rows[:stop])

    def __getitem__(self, item):
        if not isinstance(item, slice) or item.step is not None:
            raise TypeError("a TaskListing is read by slices, e.g. listing[:21]")
        merged = {row[0]: row for row in self._public_rows(item.stop)}
        merged.update((row[0], row) for row in self._personal_rows(item.stop))
        return _sort([TaskRow(row) for row in merged.values()], self.ordering)[item]

    def __iter__(self):
        return iter(self[0:None])


def task_list(
    *,
    user: User,
    mine: bool = False,
    mode: str | None = None,
    status: str | None = None,
    refine=None,
) -> QuerySet[Task] | TaskListing:
    """The plazas (open public tasks the user may take part in, with the tasks it takes part
    in) as a TaskListing, and with `mine` the user's own tasks as a QuerySet. `refine`, a
    function of a QuerySet (the API's filters), is applied once; its `cache_key` attribute, if
    it has one, describes it for the plaza cache (without one the public part is not cached)."""
    if not user.is_authenticated:
        return Task.objects.none()
    key = () if refine is None else getattr(refine, "cache_key", None)
    refine = refine or (lambda queryset: queryset)
    if mine:
        tasks = refine(_task_queryset().filter(_own_tasks(user)))
        if mode:
            tasks = tasks.filter(mode=mode)
        if status:
            tasks = tasks.filter(status=status)
        return tasks.order_by("-created_at", "-id")
    # The filters once, on a base every branch starts from (the branches are its clones).
    base = refine(Task.objects.all())
    if mode:
        base = base.filter(mode=mode)
    if status:
        base = base.filter(status=status)
    public, modes, branches = _visibility_branches(user, listing=True, split=True)
    return TaskListing(
        [base.filter(branch) for branch in branches],
        None if public is None else lambda: base.filter(public),
        key=None if key is None else (tuple(modes), key, mode, status),
    )


def plaza(*, user: User, modes, refine=None) -> TaskListing | QuerySet[Task]:
    """任务广场 / 招商广场: the tasks of `modes` taking applications that `user` may see (the
    public ones and its own), newest first; `refine` applies the page's or the API's filters."""
    if not user.is_authenticated:
        return TaskListing([])
    # taking_applications() reads the clock: the key says what it means, not when it was read
    return task_list(user=user, refine=refine).filter(
        taking_applications(), mode__in=modes, cache_key=("plaza", tuple(sorted(modes)))
    )


def merchant_shop(*, user: User, shop_id=None) -> MerchantShop:
    """The shop a merchant acts for: the one named (404 if not its own), or its first; a
    merchant without an admitted shop is refused (M1)."""
    try:
        return wallet_shop(user=user, shop_id=shop_id)
    except Http404:
        if shop_id:
            raise
        raise NotAllowed(
            _("Get a shop admitted before posting or paying."), code="no_shop"
        ) from None


def posting_shop(*, user: User, mode: str, shop_id=None) -> MerchantShop | None:
    """T3/P6: the shop a new task is posted for — the page and the API ask the same question.

    A recruitment task (T20) has none: a creator posts it. A merchant posts for its own shop
    (merchant_shop). Anyone else posts for a shop only as staff of a provider the shop delegated
    to: the one named, looked up afresh (a delegation revoked since the form opened is a 404).
    """
    if mode == TaskMode.RECRUITMENT:
        return None
    if user.is_merchant:
        return merchant_shop(user=user, shop_id=shop_id)
    if shop_id:
        return delegated_shop_get(user=user, shop_id=shop_id)
    return None


def named_creator(creator_id) -> CreatorProfile:
    """T4: the creator a private task names, by profile id; an unknown id is a field error."""
    creator = CreatorProfile.objects.filter(pk=creator_id).first()
    if creator is None:
        raise InvalidInput(
            _("No creator has this id."), fields={"creator": [_("Unknown creator.")]}
        )
    return creator


def task_get(*, user: User, task_id) -> Task:
    try:
        return _task_queryset().filter(task_visibility(user)).get(pk=task_id)
    except (Task.DoesNotExist, ValueError, TypeError):
        raise Http404("No such task.") from None


def task_get_as_owner(*, user: User, task_id) -> Task:
    """A task for its owner's actions (close enrollment, cancel, close, pay): one of the
    user's own tasks (its shops', a delegating shop's, its own recruitment task). A task it
    only sees on a plaza is another tenant's: a 404, like a task it cannot see (A3); the
    service still refuses a co-owner of the wrong side (a provider paying, P6)."""
    task = task_get(user=user, task_id=task_id)
    if not task_is_owned_by(task=task, user=user):
        raise Http404("No such task.")
    return task


def task_is_owned_by(*, task: Task, user: User) -> bool:
    if task.creator_id:
        return task.creator.user_id == user.pk
    return Task.objects.filter(pk=task.pk).filter(_managed_shops(user)).exists()


def _application_queryset() -> QuerySet[Application]:
    return Application.objects.select_related("task", "creator", "shop__organization", "order")


def task_applications(*, user: User, task: Task) -> QuerySet[Application]:
    """The task owner sees every application, each creator's with what helps to choose
    (issue 21): its rate for the task's content type (`creator_rate_fen`) and how many of its
    orders were completed (`creator_completed`), beside the followers and rating of its
    profile — in the same query. An applicant sees only its own."""
    applications = _application_queryset().filter(task=task)
    if task_is_owned_by(task=task, user=user):
        return applications.annotate(
            creator_rate_fen=Subquery(
                CreatorRate.objects.filter(
                    creator_id=OuterRef("creator_id"), content_type=task.content_type
                ).values("price_fen")[:1]
            ),
            creator_completed=Coalesce(
                Subquery(
                    Order.objects.filter(
                        creator_id=OuterRef("creator_id"), status=OrderStatus.COMPLETED
                    )
                    .order_by()
                    .values("creator_id")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
                0,
            ),
        )
    return applications.filter(application_visibility(user))


def application_visibility(user: User) -> Q:
    shop_orgs = _member_org_ids(user, OrganizationKind.SHOP)
    return (
        Q(creator__user=user)
        | Q(shop__organization_id__in=shop_orgs)
        | _managed_shops(user, "task__shop")
        | Q(task__creator__user=user)
    )


def application_get(*, user: User, application_id) -> Application:
    try:
        return _application_queryset().filter(application_visibility(user)).get(pk=application_id)
    except (Application.DoesNotExist, ValueError, TypeError):
        raise Http404("No such application.") from None


def _proposal_queryset() -> QuerySet[Proposal]:
    return Proposal.objects.select_related("task", "creator", "agency__organization", "order")


def proposal_visibility(user: User) -> Q:
    return (
        Q(creator__user=user)
        | Q(submitted_by=user)
        | Q(agency__organization_id__in=_member_org_ids(user, OrganizationKind.AGENCY))
        | _managed_shops(user, "task__shop")
    )


def task_proposals(*, user: User, task: Task) -> QuerySet[Proposal]:
    return _proposal_queryset().filter(task=task).filter(proposal_visibility(user))


def proposal_get(*, user: User, proposal_id) -> Proposal:
    try:
        return _proposal_queryset().filter(proposal_visibility(user)).get(pk=proposal_id)
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise Http404("No such proposal.") from None


# --- orders (T62, A4) ----------------------------------------------------------------------


def order_visibility(user: User) -> Q:
    """The merchant's shops, the creator itself, (read only, A4) the agency of a creator
    signed to it now, and (read only, P6) the provider a shop delegated its tasks to."""
    orgs, shop_orgs = _organizations_of(user)
    parts = []
    if shop_orgs:
        parts.append(Q(shop__organization_id__in=shop_orgs))
    if orgs[OrganizationKind.AGENCY]:
        parts.append(Q(creator__agency__organization_id__in=orgs[OrganizationKind.AGENCY]))
    if user.is_creator or not parts:
        parts.append(Q(creator__user=user))
    # Only the conditions that can hold rows: for a merchant or a creator that is one, which
    # an index answers in the list's order (an OR of all three read every order: 0.3–1 s a
    # page at 300,000 orders, docs/performance.md).
    visible = parts[0]
    for part in parts[1:]:
        visible |= part
    return visible


def _order_queryset() -> QuerySet[Order]:
    return Order.objects.select_related("shop__organization", "creator", "task")


def order_list(
    *,
    user: User,
    status: str | None = None,
    created_after=None,
    created_before=None,
    order_id: int | None = None,
    kind: str | None = None,
) -> QuerySet[Order]:
    """T62: own orders, searchable by created time, status and id."""
    if not user.is_authenticated:
        return Order.objects.none()
    orders = _order_queryset().filter(order_visibility(user))
    if status:
        orders = orders.filter(status__in=status.split(","))
    if kind:
        orders = orders.filter(kind=kind)
    if created_after:
        orders = orders.filter(created_at__gte=created_after)
    if created_before:
        orders = orders.filter(created_at__lt=created_before)
    if order_id:
        orders = orders.filter(pk=order_id)
    return orders.order_by("-created_at", "-id")


def order_get(*, user: User, order_id) -> Order:
    try:
        return _order_queryset().filter(order_visibility(user)).get(pk=order_id)
    except (Order.DoesNotExist, ValueError, TypeError):
        raise Http404("No such order.") from None


def order_is_party(*, order: Order, user: User) -> bool:
    """The merchant's members and the creator act on an order; an agency only reads it."""
    if order.creator.user_id == user.pk:
        return True
    return Membership.objects.filter(user=user, organization_id=order.shop.organization_id).exists()


def order_history(*, order: Order) -> QuerySet[StateLog]:
    """T70: every transition of the order, oldest first."""
    return (
        StateLog.objects.filter(
            content_type=DjangoContentType.objects.get_for_model(Order), object_id=order.pk
        )
        .select_related("by")
        .order_by("timestamp", "id")
    )


def order_messages(*, order: Order) -> QuerySet[OrderMessage]:
    return order.messages.select_related("author").order_by("created_at", "id")


def announcement_list() -> QuerySet[Announcement]:
    """T21: shown on the recruitment plaza."""
    return Announcement.objects.filter(is_published=True).order_by("-published_at", "-id")


# --- content metrics (F1) --------------------------------------------------------------------
METRIC_FIGURES = ("views", "likes", "comments", "shares", "clicks", "gmv_fen")


def _metric_sums() -> dict:
    return {name: Sum(name, default=0) for name in METRIC_FIGURES}


def order_metrics(*, order: Order) -> tuple[list[ContentMetric], dict[str, int]]:
    """F1: the order's content figures per day, oldest first, and their totals (zeros when
    nothing was reported). Two queries. The caller fetched `order` through order_get (A3)."""
    rows = list(ContentMetric.objects.filter(order=order).order_by("date"))
    totals = ContentMetric.objects.filter(order=order).aggregate(**_metric_sums())
    return rows, totals


def task_metrics(*, task: Task) -> tuple[list[Order], dict[str, int]]:
    """F1: per order of the task that has figures, the totals of its days (annotated on the
    order as `metric_views` … `metric_gmv_fen`, with `metric_days`), oldest order first; and
    the task's grand totals. Two queries whatever the number of orders. The caller checked that
    the user owns the task (task_is_owned_by): the owner sees every order of it."""
    per_order = list(
        Order.objects.filter(task=task)
        .select_related("creator")
        .annotate(
            metric_days=Count("metrics"),
            **{f"metric_{name}": Sum(f"metrics__{name}", default=0) for name in METRIC_FIGURES},
        )
        .filter(metric_days__gt=0)
        .order_by("created_at", "id")
    )
    totals = ContentMetric.objects.filter(order__task=task).aggregate(**_metric_sums())
    return per_order, totals


def staff_agency(*, user: User, agency_id: int | None = None):
    """The MCN agency (agencies.Agency) `user` works for: the one named, or the first.

    Agencies sit above tasks, so this reads them through the organization's `agency` relation
    (by name, never an import). None when the user is not on an agency's staff."""
    organizations = Organization.objects.filter(
        kind=OrganizationKind.AGENCY, memberships__user=user, agency__isnull=False
    )
    if agency_id is not None:
        organizations = organizations.filter(agency__pk=agency_id)
    organization = organizations.select_related("agency").order_by("agency__pk").first()
    return organization.agency if organization is not None else None


# --- the home page's to-dos (issue 21) ------------------------------------------------------


@dataclass(frozen=True)
class Todo:
    """Something waiting for the user: what (`kind`), how many, and the order status its
    list is filtered by ("" for the applications to review)."""

    kind: str
    count: int
    status: str = ""


TODO_ORDERS = {
    "creator": (
        ("answer", OrderStatus.AWAITING_ACCEPTANCE),
        ("deliver", OrderStatus.IN_PRODUCTION),
    ),
    "merchant": (
        ("pay", OrderStatus.PENDING_PAYMENT),
        ("pay_balance", OrderStatus.AWAITING_BALANCE),
        ("confirm", OrderStatus.DELIVERED),
    ),
}


def todos(*, user: User) -> list[Todo]:
    """What waits for the user, in two queries: as a creator, the orders to answer and to
    deliver and the pending applications to its open recruitment tasks; as a shop member, the
    orders to pay, the balances due, the deliveries to confirm and the pending applications to
    its shops' open tasks. Only what has something waiting is returned."""
    if not user.is_authenticated:
        return []
    if user.is_creator:
        side = "creator"
        orders = Order.objects.filter(creator__user=user)
        applications = Application.objects.filter(task__creator__user=user)
    elif user.is_merchant:
        side = "merchant"
        shop_orgs = Membership.objects.filter(user=user).values("organization_id")
        orders = Order.objects.filter(shop__organization_id__in=shop_orgs)
        applications = Application.objects.filter(task__shop__organization_id__in=shop_orgs)
    else:
        return []
    counts = orders.aggregate(
        **{kind: Count("pk", filter=Q(status=status)) for kind, status in TODO_ORDERS[side]}
    )
    result = [
        Todo(kind, counts[kind], status) for kind, status in TODO_ORDERS[side] if counts[kind]
    ]
    review = applications.filter(
        status=ApplicationStatus.PENDING, task__status=TaskStatus.OPEN
    ).count()
    if review:
        result.append(Todo("review", review))
    return result
