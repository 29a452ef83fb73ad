"""Z6: the OpenAPI schema is the truth.

`AutoSchema` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) documents what every operation can answer
besides its success: the error shape of DESIGN §5 (`core.api_errors`) for each status the
view can give, and the envelope of paginated lists, with the paginator `paginate()` really uses.

`action_views` gives each action of an action table its own view class, so the schema has one
operation per action with the request body that action reads (a single view behind a
`(?P<action>a|b|c)` pattern can only be documented as one operation with one body).
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import path
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import permissions, serializers
from rest_framework.settings import api_settings

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@extend_schema_field(
    {
        "type": "object",
        "description": "The errors of each input field by name (nested objects for nested "
        "fields); empty when the error is not about a field.",
        "additionalProperties": {
            "oneOf": [
                {"type": "array", "items": {"type": "string"}},
                {"type": "object", "additionalProperties": True},
            ]
        },
    }
)
class FieldErrorsField(serializers.DictField):
    pass


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="A stable machine code, e.g. `not_found`, `invalid`.")
    message = serializers.CharField(help_text="What is wrong, in the reader's language.")
    fields = FieldErrorsField()


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API (DESIGN §5)."""

    error = ErrorDetailSerializer()


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


ERROR_DESCRIPTIONS = {
    400: "Bad input: `fields` names each field that is wrong and why.",
    401: "Not signed in: send `Authorization: Token …` (POST /api/v1/auth/token/).",
    403: "The account's side, role or permission cannot do this, or it is banned.",
    404: "Not found, or not yours (A3); on a list, also a page past the last one.",
    409: "Not allowed in the current state, a concurrent change, or an Idempotency-Key "
    "reused with another body (E6).",
    413: "The request body is over its size limit.",
    429: "Too many requests: wait and retry (Z2).",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Error answers an operation declares itself, e.g. `responses={200: X, **errors(404)}` for a
    view that looks up an id given in the query string or the body."""
    return {code: error_response(ERROR_DESCRIPTIONS[code]) for code in codes}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema plus the error answers and the real paginator (Z6)."""

    def _get_paginator(self):
        # Our list views are plain APIViews paginated by core.pagination.paginate(), which falls
        # back to the project default; document the paginator it really uses.
        pagination_class = getattr(
            self.view, "pagination_class", api_settings.DEFAULT_PAGINATION_CLASS
        )
        return pagination_class() if pagination_class else None

    def _is_authenticated(self) -> bool:
        if not self.view.get_authenticators():
            return False
        return not all(
            isinstance(permission, permissions.AllowAny)
            for permission in self.view.get_permissions()
        )

    def _error_codes(self) -> set[int]:
        codes = set()
        has_body = self._get_request_body() is not None
        has_query = any(p["in"] == "query" for p in self._get_parameters())
        if has_body or has_query or self.method in UNSAFE_METHODS:
            codes.add(400)
        if has_body:
            codes.add(413)
        if self._is_authenticated():
            codes |= {401, 403}
            if self.method in UNSAFE_METHODS:
                codes.add(409)
        has_path_id = any(p["in"] == "path" for p in self._get_parameters())
        if has_path_id or (self._is_list_view() and self._get_paginator()):
            codes.add(404)
        if self.view.get_throttles():
            codes.add(429)
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in sorted(self._error_codes()):
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    error_response(ERROR_DESCRIPTIONS[code]), str(code), direction=direction
                )
        return responses


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


def action_paths(route: str, views: dict[str, Callable], *, name: str) -> list:
    """One URL pattern per action of `action_views()`: `route` + the action + "/", the action
    passed as an extra keyword argument, all under one URL name, so
    `reverse(name, kwargs={..., "action": ...})` picks the action's path."""
    return [
        path(f"{route}{action}/", view, {"action": action}, name=name)
        for action, view in views.items()
    ]
