import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery jobs live in `jobs.py` of each app: a module named `tasks.py` inside the `tasks`
# app would be ambiguous.
app.autodiscover_tasks(related_name="jobs")
