"""The tenancy matrix (A3, §4): every route that names an object, the calls each role makes on
it, the routes that take another tenant's id in the query or body, the resolver walk that keeps
the matrix complete, and the caller that makes the requests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django_fsm_log.models import StateLog

from parties.models import User
from tests.conftest import client_for
from tests.providers.conftest import pdf
from tests.tenancy.conftest import AGENCY, ORDER_READERS, SHOP, TASK_OWNERS, TASK_READERS, in_days

# --- the matrix -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One request of a route: the method, its body (a dict, or a function of the tenant), and
    the roles of the object's tenant that reach the object with it (None: the route's)."""

    method: str
    body: object = None
    parties: frozenset | None = None
    multipart: bool = False


@dataclass(frozen=True)
class Route:
    """A route of the matrix: how to name a tenant's object in its path (URL keyword
    arguments), the calls to make, and the roles of the tenant that are its parties."""

    ids: object  # tenant -> {url kwarg: id}
    calls: tuple[Call, ...]
    parties: frozenset = field(default_factory=frozenset)
    page: bool = False


def route(ids, *calls, parties=(), page=False) -> Route:
    return Route(
        ids=ids,
        calls=tuple(Call(c) if isinstance(c, str) else c for c in calls),
        parties=frozenset(parties),
        page=page,
    )


def shop_ids(t):
    return {"shop_id": t.shop.pk}


def agency_ids(t):
    return {"agency_id": t.agency_obj.pk}


def task_ids(t):
    return {"task_id": t.task.pk}


def order_ids_in(state: str):
    return lambda t: {"order_id": t.orders[state].pk}


def order_ids(t):
    return {"order_id": t.order.pk}


def application_ids(t):
    return {"application_id": t.provider_application.pk}


def document_ids(t):
    return {"document_id": t.document.pk}


def contract_ids(t):
    return {"contract_id": t.contract.pk}


def invitation_ids(t):
    return {"contract_id": t.invitation.pk}


BIND = {"account_id": "thief@company.example", "holder_name": "某某公司"}

# Each order action on an order in the state where its rightful party could do it, with a
# valid body: the only thing that stops another tenant is the tenancy check.
ORDER_ACTIONS = {
    "pay": ("pending_payment", {}),
    "accept": ("awaiting_acceptance", {}),
    "decline": ("awaiting_acceptance", {}),
    "cancel": ("awaiting_acceptance", {}),
    "restore-price": ("awaiting_balance", {}),
    "pay-balance": ("awaiting_balance", {}),
    "deliver": ("in_production", {"links": ["https://v.example.com/2"], "note": "好了"}),
    "request-revision": ("delivered", {"note": "请把产品露出加长"}),
    "confirm": ("delivered", {"rating": 5, "comment": "很好"}),
    "dispute": ("delivered", {"reason": "与要求不符", "ground": "not_as_briefed"}),
}

CONTRACT_PARTIES = {"creator"} | AGENCY


def _contract_route(action: str, *, page: bool) -> Route:
    ids = contract_ids if action == "end" else invitation_ids
    return route(ids, Call("post", {"reason": "合作结束"}), parties=CONTRACT_PARTIES, page=page)


ROUTES: dict[str, Route] = {
    # --- merchants (M2, P6, P7) ---
    "api_shop": route(shop_ids, "get", parties=SHOP),
    "api_shop_payment_account": route(shop_ids, Call("post", BIND), "delete", parties=SHOP),
    "api_shop_delegations": route(
        shop_ids, Call("post", lambda t: {"provider": t.provider_obj.pk}), parties=SHOP
    ),
    "api_delegation_revoke": route(
        lambda t: {"delegation_id": t.delegation.pk}, "post", parties=SHOP | {"provider"}
    ),
    "api_closing_report": route(shop_ids, "get", parties=SHOP | {"provider"}),
    "shop_detail": route(shop_ids, "get", Call("post", BIND), parties=SHOP, page=True),
    "shop_unbind": route(shop_ids, "post", parties=SHOP, page=True),
    "provider_delegation_revoke": route(
        lambda t: {"delegation_id": t.delegation.pk},
        "post",
        parties=SHOP | {"provider"},
        page=True,
    ),
    "provider_report": route(shop_ids, "get", parties=SHOP | {"provider"}, page=True),
    # --- agencies (C3, G3, G6, G7) ---
    "api_agency": route(agency_ids, "get", parties=AGENCY),
    "api_agency_invitations": route(
        agency_ids, Call("post", lambda t: {"creator": t.creator_profile.pk}), parties=AGENCY
    ),
    **{
        f"api_contract_action:{action}": _contract_route(action, page=False)
        for action in ("accept", "decline", "withdraw", "end")
    },
    **{
        f"contract_action:{action}": _contract_route(action, page=True)
        for action in ("accept", "decline", "withdraw", "end")
    },
    "agency_detail": route(
        agency_ids,
        "get",
        Call("post", lambda t: {"creator": t.creator_profile.pk}),
        parties=AGENCY,
        page=True,
    ),
    "agency_assessment": route(
        agency_ids,
        "get",
        Call("post", {"reason": "请重新考虑我们的情况,谢谢。"}),
        parties=AGENCY,
        page=True,
    ),
    "agency_focus": route(agency_ids, "get", parties=AGENCY, page=True),
    "agency_focus_assign": route(
        lambda t: {"agency_id": t.agency_obj.pk, "hour_id": t.hour.pk},
        Call("post", lambda t: {f"hour-{t.hour.pk}-creators": [t.creator_profile.pk]}),
        parties=AGENCY,
        page=True,
    ),
    "agency_focus_decline": route(
        lambda t: {"agency_id": t.agency_obj.pk, "hour_id": t.hour.pk},
        "post",
        parties=AGENCY,
        page=True,
    ),
    "agency_themes": route(
        agency_ids,
        "get",
        Call("post", {"category": 1, "title": "主题", "plan": "p" * 30}),
        parties=AGENCY,
        page=True,
    ),
    "agency_theme_slot": route(
        lambda t: {"agency_id": t.agency_obj.pk, "proposal_id": t.theme.pk},
        Call(
            "post",
            lambda t: {
                f"slot-{t.theme.pk}-day": t.theme.month.isoformat(),
                f"slot-{t.theme.pk}-creator": t.creator_profile.pk,
            },
        ),
        parties=AGENCY,
        page=True,
    ),
    # --- tasks, applications, proposals (T10–T30, P6) ---
    "api_task": route(task_ids, "get", parties=TASK_READERS),
    "api_task_pay": route(task_ids, "post", parties=TASK_OWNERS),
    **{
        f"api_task_action:{action}": route(task_ids, "post", parties=TASK_OWNERS)
        for action in ("close-enrollment", "cancel", "close")
    },
    "api_task_applications": route(
        task_ids, "get", Call("post", {"note": "我也想接"}), parties=TASK_READERS
    ),
    "api_task_proposals": route(
        task_ids,
        "get",
        Call("post", {"quote": "1000.00", "plan": "我的方案"}),
        parties=TASK_READERS,
    ),
    **{
        f"api_application_action:{action}": route(
            lambda t: {"application_id": t.application.pk},
            "post",
            parties=SHOP | {"provider", "creator"},
        )
        for action in ("approve", "reject", "withdraw")
    },
    **{
        f"api_proposal_action:{action}": route(
            lambda t: {"proposal_id": t.proposal.pk},
            "post",
            parties=SHOP | {"provider", "creator"},
        )
        for action in ("accept", "reject", "withdraw")
    },
    "task_detail": route(
        task_ids,
        "get",
        Call("post", {"action": "pay"}, parties=TASK_OWNERS),
        parties=TASK_READERS,
        page=True,
    ),
    # D5: a notice is its addressee's alone; opening another user's (which marks it read) is a
    # 404, even to the addressee's own shop staff.
    "notice_open": route(
        lambda t: {"notification_id": t.merchant.notifications.order_by("pk").first().pk},
        "get",
        parties={"merchant"},
        page=True,
    ),
    # --- orders (T4–T62) ---
    "api_order": route(order_ids, "get", parties=ORDER_READERS),
    "api_order_messages": route(
        order_ids, "get", Call("post", {"body": "私下联系我"}), parties=ORDER_READERS
    ),
    **{
        f"api_order_action:{action}": route(
            order_ids_in(state), Call("post", body), parties=ORDER_READERS
        )
        for action, (state, body) in ORDER_ACTIONS.items()
    },
    "order_detail": route(
        order_ids,
        "get",
        # A4/P6: an agency or a provider reads the order page but a posted action is a 404.
        Call("post", {"action": "dispute", "reason": "与要求不符"}, parties=SHOP | {"creator"}),
        parties=ORDER_READERS,
        page=True,
    ),
    "order_file": route(
        lambda t: {"order_id": t.orders["delivered"].pk, "file_id": t.delivery_file.pk},
        "get",
        parties=ORDER_READERS,
        page=True,
    ),
    # --- service providers (P1–P4) ---
    "api_provider_application": route(
        application_ids, "get", Call("patch", {"employee_count": 30}), parties={"provider"}
    ),
    "api_provider_application_submit": route(application_ids, "post", parties={"provider"}),
    "api_provider_documents": route(
        application_ids,
        Call("post", lambda t: {"kind": "intro", "file": pdf()}, multipart=True),
        parties={"provider"},
    ),
    "api_provider_document": route(document_ids, "delete", parties={"provider"}),
    "api_provider_document_download": route(document_ids, "get", parties={"provider"}),
    "provider_document_download": route(document_ids, "get", parties={"provider"}, page=True),
    "provider_document_remove": route(document_ids, "post", parties={"provider"}, page=True),
    # --- 视频号 incentives (I8) ---
    "api_heating_order_stop": route(
        lambda t: {"order_id": t.heating_order.pk}, Call("post", {"used": 0}), parties={"creator"}
    ),
}

# Routes whose id names no tenant's object, so there is nothing to hide (A3 does not apply).
EXCLUDED = {
    "api_creator": "C2: creator profiles are the marketplace's public listing (any user reads one)",
    "creator_detail": "C2: the page of a public creator profile",
    "sponsor_logo": "T2: a sponsor's logo is public (shown on the stream), named by a random uuid",
    # I3/Z3: the ops API rows act on any tenant's application; the review power decides (403
    # without it for every role: tests/incentives/test_cold_start.py).
    "api_ops_incentive_application:approve": "I3/Z3: ops API, the review permission decides",
    "api_ops_incentive_application:reject": "I3/Z3: ops API, the review permission decides",
}

# Namespaces left out whole: A3 says "ops staff see everything in the admin"; who may do what
# there is Z3's (each power its own permission, proved by the ops-permission walks).
EXCLUDED_NAMESPACES = {"admin": "A3/Z3: the Django admin is ops' and sees every tenant"}

# Ids passed in the query or the body rather than the path: the same rule (A3), the same
# matrix.


@dataclass(frozen=True)
class QueryRoute:
    """A route that names a tenant's object in its query or its body: `id_of(tenant)` is the
    id, `request(id)` the query string (a str) or the body (a dict) carrying it; `parties`
    are the roles that act on such an id. For anyone else the id means nothing: its answer
    must not depend on whose id it is (another tenant's and a missing one answer alike)."""

    name: str
    method: str
    id_of: object
    request: object
    parties: frozenset
    page: bool = False
    path: object = None  # tenant -> URL kwargs: the caller's own object in the path


def by_query(name, id_of, parameter, parties, *, page=False, path=None) -> QueryRoute:
    return QueryRoute(
        name, "get", id_of, lambda pk: f"{parameter}={pk}", frozenset(parties), page, path
    )


def by_body(name, id_of, body, parties, *, page=False, path=None) -> QueryRoute:
    return QueryRoute(name, "post", id_of, body, frozenset(parties), page, path)


def shop_of(t):
    return t.shop.pk


def balance_order_of(t):
    return t.orders["awaiting_balance"].pk


def task_body(shop_id) -> dict:
    return {
        "mode": "plaza",
        "title": "代发任务",
        "brief": "到店拍摄 30 秒探店视频",
        "content_type": "video",
        "channel": "toutiao",
        "price": "1000.00",
        "slots": 2,
        "enrollment_deadline": in_days(2).isoformat(),
        "delivery_deadline": in_days(20).isoformat(),
        "shop": shop_id,
    }


def live_account_of(t):
    return t.live_account.pk


def shop_live_account_of(t):
    return t.shop_live_account.pk


QUERY_ROUTES: dict[str, QueryRoute] = {
    # I1/I8: a 视频号 account named in the query or the body is the user's own.
    "api_coupons?live_account": by_query(
        "api_coupons", live_account_of, "live_account", {"creator"}
    ),
    "api_coupons?live_account(shop)": by_query(
        "api_coupons", shop_live_account_of, "live_account", SHOP
    ),
    "api_heating_orders{live_account}": by_body(
        "api_heating_orders",
        live_account_of,
        lambda pk: {"live_account": pk, "hours": "1", "coupons": 1},
        {"creator"},
    ),
    "api_cold_start{live_account}": by_body(
        "api_cold_start",
        shop_live_account_of,
        lambda pk: {
            "live_account": pk,
            "proposed_start": in_days(3).isoformat(),
            "plan": "每周三场",
        },
        SHOP,
    ),
    "api_benchmarks{live_account}": by_body(
        "api_benchmarks",
        live_account_of,
        lambda pk: {
            "live_account": pk,
            "planned_start": in_days(20).isoformat(),
            "planned_hours": "6",
            "gmv_target": "100000.00",
            "goods": [{"name": "礼盒", "is_exclusive": True}],
        },
        {"creator"},
    ),
    "incentive_wallet?account": by_query(
        "incentive_wallet", live_account_of, "account", {"creator"}, page=True
    ),
    "incentive_cold_start?account": by_query(
        "incentive_cold_start", shop_live_account_of, "account", SHOP, page=True
    ),
    "incentive_benchmark?account": by_query(
        "incentive_benchmark", live_account_of, "account", {"creator"}, page=True
    ),
    "incentive_wallet{order}": by_body(
        "incentive_wallet",
        lambda t: t.heating_order.pk,
        lambda pk: {"action": "stop", "account": "", "stop-order": pk, "stop-used": 0},
        {"creator"},
        page=True,
    ),
    "api_wallet?shop": by_query("api_wallet", shop_of, "shop", SHOP),
    "api_entries?shop": by_query("api_entries", shop_of, "shop", SHOP),
    "api_income?shop": by_query("api_income", shop_of, "shop", SHOP),
    "api_top_ups{shop}": by_body(
        "api_top_ups", shop_of, lambda pk: {"amount": "1.00", "shop": pk}, SHOP
    ),
    "api_balances{orders}": by_body(
        "api_balances", balance_order_of, lambda pk: {"orders": [pk]}, SHOP
    ),
    # P6: a provider's staff post for a shop that delegated to it.
    "api_tasks{shop}": by_body("api_tasks", shop_of, task_body, SHOP | {"provider"}),
    "wallet?shop": by_query("wallet", shop_of, "shop", SHOP, page=True),
    "income?shop": by_query("income", shop_of, "shop", SHOP, page=True),
    "task_new?shop": by_query("task_new", shop_of, "shop", {"provider"}, page=True),
    "balances_pay{orders}": by_body(
        "balances_pay", balance_order_of, lambda pk: {"orders": [pk]}, SHOP, page=True
    ),
    # P7: another shop's task id selects nothing of the shop's own report.
    "provider_report?tasks": by_query(
        "provider_report",
        lambda t: t.task.pk,
        "tasks",
        SHOP | {"provider"},
        page=True,
        path=shop_ids,
    ),
    # T10/T30 on the task page: the application or proposal named in the form is the task's.
    "task_detail{application}": by_body(
        "task_detail",
        lambda t: t.application.pk,
        lambda pk: {"action": "approve", "application": pk},
        TASK_READERS,
        page=True,
        path=lambda t: {"task_id": t.application.task_id},
    ),
    "task_detail{proposal}": by_body(
        "task_detail",
        lambda t: t.proposal.pk,
        lambda pk: {"action": "accept_proposal", "proposal": pk},
        TASK_READERS,
        page=True,
        path=lambda t: {"task_id": t.proposal.task_id},
    ),
    # T30: agency staff quote for their agency only; T20: a merchant pays from its own shop.
    "api_task_proposals{agency}": by_body(
        "api_task_proposals",
        lambda t: t.agency_obj.pk,
        lambda pk: {"quote": "1000.00", "plan": "机构方案", "agency": pk},
        AGENCY,
        path=lambda t: {"task_id": t.proposal.task_id},
    ),
    "api_task_applications{shop}": by_body(
        "api_task_applications",
        shop_of,
        lambda pk: {"note": "我们想合作", "shop": pk},
        SHOP,
        path=lambda t: {"task_id": t.recruitment.pk},
    ),
}

MISSING_ID = 2_000_000_000  # within bigint, names nothing


# --- reading the resolver -------------------------------------------------------------------

_PATH_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_PARAM = re.compile(r"\(\?P<(\w+)>([^)]*)\)")


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(
                pattern.url_patterns,
                prefix + str(pattern.pattern),
                pattern.namespace or namespace,
            )
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern, prefix + str(pattern.pattern)


def routes_with_parameters() -> dict[str, set[str]]:
    """{matrix key: its path parameters} of every named route outside the admin with a path
    parameter. An action route counts once per action, whether the action is a regex group
    (`(?P<action>a|b)`) or an extra keyword argument of one route per action (Z6)."""
    found: dict[str, set[str]] = {}
    for namespace, pattern, text in _walk(get_resolver().url_patterns):
        if namespace in EXCLUDED_NAMESPACES or not pattern.name:
            continue
        params = set(_PATH_PARAM.findall(text)) | {n for n, _ in _REGEX_PARAM.findall(text)}
        if not params:
            continue
        actions = [pattern.default_args["action"]] if "action" in pattern.default_args else []
        for name, alternatives in _REGEX_PARAM.findall(text):
            if name == "action":
                actions = alternatives.split("|")
        for action in actions or [None]:
            key = pattern.name if action is None else f"{pattern.name}:{action}"
            found[key] = params - {"action"}
    return found


def api_methods() -> dict[str, set[str]]:
    """{matrix key: the HTTP methods its API view answers} for the API routes of the matrix."""
    methods: dict[str, set[str]] = {}
    for _namespace, pattern, _text in _walk(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is None or not pattern.name or not pattern.name.startswith("api_"):
            continue
        answered = {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)}
        action = pattern.default_args.get("action")
        keys = [f"{pattern.name}:{action}"] if action else [pattern.name]
        if not action:
            keys += [key for key in ROUTES if key.startswith(f"{pattern.name}:")]
        for key in keys:
            if key in ROUTES:
                methods.setdefault(key, set()).update(answered)
    return methods


def url_of(key: str, t, ids: dict | None = None) -> str:
    name, _, action = key.partition(":")
    kwargs = dict(ROUTES[key].ids(t) if ids is None else ids)
    if action:
        kwargs["action"] = action
    url = reverse(name, kwargs=kwargs)
    assert resolve(url).url_name == name
    return url


# --- making the requests --------------------------------------------------------------------


def _tables() -> list[str]:
    tables = [
        model._meta.db_table
        for label in ("marketplace", "agencies", "tasks", "escrow", "providers", "incentives")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model is not User
    ]
    return [*tables, StateLog._meta.db_table]


def snapshot() -> dict:
    """Every row a request could change: every table of the four apps (users aside: a login
    stamps last_login) and the transition log, read raw (this runs twice a test)."""
    with connection.cursor() as cursor:
        rows = {}
        for table in _tables():
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')
            rows[table] = cursor.fetchall()
    return rows


class Caller:
    """One role's clients: DRF's for the API, a logged-in browser for pages. Counts requests."""

    made = 0

    def __init__(self, user: User):
        self.api = client_for(user)
        self.page = Client()
        self.page.force_login(user)

    def __call__(self, spec: Route, call: Call, url: str, t):
        Caller.made += 1
        body = call.body(t) if callable(call.body) else call.body
        client = self.page if spec.page else self.api
        method = getattr(client, call.method)
        if spec.page:
            return method(url, body or {}) if call.method == "post" else method(url)
        if call.multipart:
            return method(url, body, format="multipart")
        if call.method in ("get", "delete") and not body:
            return method(url)
        return method(url, body or {}, format="json")


def assert_hidden(response, spec: Route, t, what: str) -> None:
    """A3: a 404 that names nothing of the object; on the API in the standard error shape."""
    assert response.status_code == 404, (what, response.status_code, response.content[:300])
    if not spec.page:
        body = response.json()
        assert body["error"]["code"] == "not_found", what
        assert body["error"]["fields"] == {}, what
    content = response.content.decode(errors="replace")
    assert t.secret not in content, what


def assert_reached(response, call: Call, what: str) -> None:
    """The object's own party is not told it does not exist: 2xx/3xx, or a documented 4xx."""
    assert response.status_code != 404, (what, response.content[:300])
    assert response.status_code < 500, (what, response.content[:300])
    if call.method == "get":
        assert response.status_code in (200, 302), (what, response.status_code)


def other_variants(spec: Route, mine: dict, theirs: dict) -> list[dict]:
    """The other tenant's object: all ids theirs, and (routes with two ids) each id theirs in
    turn with the other one ours — another agency's hour under the agency's own address."""
    variants = [theirs]
    if len(mine) > 1:
        for name in mine:
            variants.append({**mine, name: theirs[name]})
    return variants


# --- another tenant's public tasks ----------------------------------------------------------

# Tasks another tenant shows on a plaza (T10, T20, T30), and the roles of A that see them.
PUBLIC_TASKS = {
    "plaza": (lambda t: t.application.task, {"creator"}),
    "brand": (lambda t: t.proposal.task, {"creator"} | AGENCY),
    "recruitment": (lambda t: t.recruitment, SHOP),
}
OWNER_ACTIONS = [
    ("api_task_pay", {}),
    *[("api_task_action", {"action": a}) for a in ("close-enrollment", "cancel", "close")],
]


# --- lists: nothing private of another tenant ------------------------------------------------

# What of B no role of A may ever read: its private and closed tasks, its order thread, its
# application note, its proposal plan, its theme proposal. (B's open plaza, brand and
# recruitment tasks are public, T10/T20/T30.)
PRIVATE_OF = ("私密任务", "已截止广场任务", "留言", "报名", "方案", "主题")
NO_DATA = {"schema", "api_docs"}  # the OpenAPI document and its viewer hold no tenant's data


def routes_without_parameters() -> list[str]:
    return sorted(
        {
            pattern.name
            for namespace, pattern, text in _walk(get_resolver().url_patterns)
            if namespace not in EXCLUDED_NAMESPACES
            and pattern.name
            and pattern.name not in NO_DATA
            and not _PATH_PARAM.findall(text)
            and not _REGEX_PARAM.findall(text)
        }
    )
