"""B4's URLs: the project's, and `/bench/minimal/`, a Django view that answers "ok" through the
same middleware (session, authentication, language, CSRF, whitenoise) without a query of its own:
the floor a page of this server cannot go below."""

from django.http import HttpResponse
from django.urls import path

from marketplace.urls import urlpatterns as project_urlpatterns


def minimal(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/minimal/", minimal, name="bench_minimal"), *project_urlpatterns]
