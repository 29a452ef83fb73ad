"""A real Celery worker on the real Redis broker runs the jobs the services enqueue on commit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from marketplace import services

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(tmp_path):
    """A worker process against this test database and REDIS_URL, with a file mail backend."""
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).delete("celery")  # no leftovers from a crash
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "VAR_DIR": str(tmp_path / "var"),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "marketplace",
            "worker",
            "--pool=solo",
            "-l",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield tmp_path / "mail"
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    print(output[-3000:])


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
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        files = list(worker.glob("*.log")) if worker.exists() else []
        if files:
            break
        time.sleep(0.25)  # polling a real process: nothing to freeze time against
    assert files, "the worker did not send the e-mail within 60 s"
    body = files[0].read_text()
    assert "w@example.com" in body and "worker-test" in body
