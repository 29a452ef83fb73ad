"""B4's settings: the project's own, plus one URL for the minimal view (bench/urls_http.py).

gunicorn serves `marketplace.wsgi:application` with DJANGO_SETTINGS_MODULE=bench.settings_http,
so the plaza page and the API run exactly as in production, next to a view that does nothing.
"""

from marketplace.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_http"
