"""Z6: the OpenAPI schema is the truth.

`action_views` gives each action of an action table its own view class, so the schema has one
operation per action with the request body that action reads (a single view behind a
`(?P<action>a|b|c)` pattern can only be documented as one operation with one body).
"""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.utils import extend_schema


def action_views(view_class: type, *, actions: dict[str, dict], **common) -> dict[str, Callable]:
    """One Django view per action: {action: view}, in the table's order.

    `view_class.post(request, ..., action)` does the work; the URL passes `action` as an extra
    keyword argument (`path(..., view, {"action": action}, name=...)`). Each view's POST is
    documented by `extend_schema(**common, **actions[action])`, operation id
    `<prefix>_<action>` when `common` names an `operation_id` prefix.
    """
    prefix = common.pop("operation_id", None)
    views = {}
    for action, schema in actions.items():

        def post(self, request, *args, **kwargs):
            return view_class.post(self, request, *args, **kwargs)

        options = {**common, **schema}
        if prefix and "operation_id" not in schema:
            options["operation_id"] = f"{prefix}_{action.replace('-', '_')}"
        name = f"{view_class.__name__}_{action.replace('-', '_')}"
        post.__name__ = post.__qualname__ = "post"
        subclass = type(
            name,
            (view_class,),
            {"post": extend_schema(**options)(post), "__module__": view_class.__module__},
        )
        views[action] = subclass.as_view()
    return views
