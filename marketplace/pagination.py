from rest_framework.pagination import CursorPagination, PageNumberPagination

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

    def get_paginated_response_schema(self, schema):
        return _envelope(schema)
