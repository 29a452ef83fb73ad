"""Issue 20: persistent database connections by default, health-checked before reuse."""

from __future__ import annotations

import os

import pytest
from django.conf import settings


@pytest.mark.skipif("DB_CONN_MAX_AGE" in os.environ, reason="DB_CONN_MAX_AGE is set here")
def test_connections_persist_by_default_and_are_checked_before_reuse():
    """Issue 20 (B4): a new connection per request halved the plaza's throughput; a connection
    is kept 60 seconds and checked before a request reuses it (a restarted database)."""
    database = settings.DATABASES["default"]
    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is True
