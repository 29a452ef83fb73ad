from django.conf import settings
from django.utils import translation
from django.utils.translation import get_supported_language_variant


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
