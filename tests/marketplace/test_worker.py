"""A real Celery worker on the real Redis broker runs the jobs the services enqueue on commit."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from parties import services
from tests.conftest import celery_worker


@pytest.fixture
def worker(tmp_path):
    """A worker process against this test database and REDIS_URL, with a file mail backend."""
    with celery_worker(tmp_path):
        yield tmp_path / "mail"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_welcome_email_is_sent_by_a_real_worker_after_commit(worker):
    """A1/D5: registering enqueues the welcome e-mail only after the transaction commits, and a
    real worker process consuming Redis sends it."""
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    services.user_register(
        username="worker-test", password="Str0ng-pass-2026", side="merchant", email="w@example.com"
    )
    # The file backend creates the file when it opens and writes the message after: wait for the
    # whole message, not the empty file (CI once read it between the two).
    body = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        files = list(worker.glob("*.log")) if worker.exists() else []
        body = "".join(path.read_text() for path in files)
        if "w@example.com" in body:
            break
        time.sleep(0.25)  # polling a real process: nothing to freeze time against
    assert body, "the worker did not send the e-mail within 60 s"
    assert "w@example.com" in body and "worker-test" in body
