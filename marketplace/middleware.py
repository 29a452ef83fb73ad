import contextvars
import logging
import re
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, JsonResponse
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import get_supported_language_variant, gettext

from core.api_errors import error_body


class DefaultLanguageMiddleware:
    """Pages are Simplified Chinese unless the user picked another language with the switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language; our users expect
    the platform's language by default, so pages only follow the language cookie. API clients
    may still ask for English with an Accept-Language header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if not language and request.path.startswith("/api/"):
            language = translation.get_language_from_request(request)
        try:
            language = get_supported_language_variant(language or settings.LANGUAGE_CODE)
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
logger = logging.getLogger("marketplace.errors")


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every log record as `request_id`."""

    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


class RequestIdMiddleware:
    """Z4: every request carries an id (the client's X-Request-ID if it is a safe token).

    An unexpected exception under /api/ answers the JSON error shape with the id, and is
    logged with its traceback and the id; pages keep Django's 500 page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if _SAFE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response.headers["X-Request-ID"] = request_id
        return response

    def process_exception(self, request, exception):
        if not request.path.startswith("/api/"):
            return None
        if isinstance(exception, Http404 | PermissionDenied | RequestDataTooBig):
            return None
        logger.exception(
            "Unhandled error on %s %s [request_id=%s]",
            request.method,
            request.path,
            getattr(request, "request_id", "-"),
        )
        body = error_body("server_error", gettext("Something went wrong on our side; try again."))
        body["error"]["request_id"] = getattr(request, "request_id", "")
        return JsonResponse(body, status=500)


def body_too_large_response(request, limit: int):
    """Z4: 413 in the API's error shape under /api/, a page otherwise."""
    message = gettext("The request body is larger than %(limit)d bytes.") % {"limit": limit}
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("too_large", message), status=413)
    response = TemplateResponse(
        request,
        "413.html",
        {"limit_mb": f"{limit / (1024 * 1024):.1f}".removesuffix(".0")},
        status=413,
    )
    return response.render()


class BodyLimitMiddleware:
    """Z4: a body over DATA_UPLOAD_MAX_MEMORY_SIZE is answered 413 before anything reads it.

    Multipart bodies are left to the upload handlers (their files are capped while they
    arrive, their other fields by Django); a body sent without a length that grows past the
    limit raises RequestDataTooBig where it is read, answered the same way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        content_type = request.META.get("CONTENT_TYPE", "")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit and not content_type.startswith("multipart/"):
            return body_too_large_response(request, limit)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return body_too_large_response(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return None
