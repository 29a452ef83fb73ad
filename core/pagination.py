from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from .exceptions import InvalidInput
from .parsing import parse_moment

LINK = {"type": "string", "format": "uri", "nullable": True}


def _envelope(results_schema: dict, **extra: dict) -> dict:
    """Z6: the envelope exactly as get_paginated_response() answers it: every key, always."""
    properties = {**extra, "next": LINK, "previous": LINK, "results": results_schema}
    return {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
    }


class StandardPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response_schema(self, schema):
        return _envelope(schema, count={"type": "integer", "minimum": 0})


class PlazaCursorPagination(CursorPagination):
    """Plazas page by cursor: stable under inserts and cheap at any depth."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-created_at", "-id")

    def decode_cursor(self, request):
        """Z4: a cursor that was not made here (bad encoding, or a position that is not a
        creation time within range) is a 400 on `cursor`, never a 404 or a database error."""
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            cursor = False
        if cursor is None:
            return None
        if cursor is False or (cursor.position is not None and not parse_moment(cursor.position)):
            message = _("This page link is not valid; start again from the first page.")
            raise InvalidInput(message, fields={self.cursor_query_param: [message]})
        return cursor

    def get_paginated_response_schema(self, schema):
        return _envelope(schema)


def paginate(view: APIView, request, queryset, serializer_class):
    # A plain APIView has no pagination_class (only GenericAPIView does): fall back to the
    # project default, and let a view opt out with `pagination_class = None`.
    pagination_class = getattr(view, "pagination_class", api_settings.DEFAULT_PAGINATION_CLASS)
    paginator = pagination_class() if pagination_class else None
    if paginator is None:
        return Response(serializer_class(queryset, many=True).data)
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


def validated(serializer_class, request) -> dict:
    """The request body checked by `serializer_class`: its validated data, or a 400 in the error
    shape naming each bad field (core.api_errors)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
