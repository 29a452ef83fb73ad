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


# --- prepared statements and the cache (issue 20, B1/B4) -----------------------------------


def test_prepared_statements_are_on_unless_switched_off():
    """Issue 20 (B1): psycopg binds parameters on the server and prepares a statement once a
    connection ran it 5 times; DB_SERVER_SIDE_BINDING=0 (a transaction-pooling pgbouncer)
    goes back to Django's client-side binding, with nothing prepared."""
    from marketplace.settings import postgres_options

    assert postgres_options({}) == {"server_side_binding": True, "prepare_threshold": 5}
    assert postgres_options({"DB_PREPARE_THRESHOLD": "2"})["prepare_threshold"] == 2
    assert postgres_options({"DB_SERVER_SIDE_BINDING": "0"}) == {}


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.skipif(
    "DB_SERVER_SIDE_BINDING" in os.environ or "DB_PREPARE_THRESHOLD" in os.environ,
    reason="the prepared-statement options are set here",
)
def test_the_postgres_connection_prepares_repeated_statements():
    """Issue 20 (B1): on PostgreSQL the connection uses server-side binding with psycopg's
    prepare threshold, and a statement run past it is prepared on the server."""
    from django.db import connection

    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    connection.ensure_connection()
    assert connection.connection.prepare_threshold == 5
    for _ in range(6):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tasks_channel WHERE code = %s", ["toutiao"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] >= 1


def test_the_cache_is_redis_in_production_and_local_memory_otherwise():
    """Issue 20: CACHE_URL picks the cache; without one, Redis at REDIS_URL (production), and
    without either the local-memory cache of each process (`make run`)."""
    from marketplace.settings import cache_settings

    redis = "django.core.cache.backends.redis.RedisCache"
    local = "django.core.cache.backends.locmem.LocMemCache"
    assert cache_settings({})["default"]["BACKEND"] == local
    production = cache_settings({"REDIS_URL": "redis://cache:6379/1"})["default"]
    assert production["BACKEND"] == redis and production["LOCATION"] == "redis://cache:6379/1"
    chosen = cache_settings({"REDIS_URL": "redis://q:6379/0", "CACHE_URL": "redis://c:6379/2"})
    assert chosen["default"]["LOCATION"] == "redis://c:6379/2"
    assert (
        cache_settings({"REDIS_URL": "redis://q/0", "CACHE_URL": "locmem://"})["default"]["BACKEND"]
        == local
    )
    dummy = "django.core.cache.backends.dummy.DummyCache"
    assert cache_settings({"CACHE_URL": "dummy://"})["default"]["BACKEND"] == dummy


@pytest.mark.redis
def test_the_plaza_generation_on_redis():
    """Issue 20: the plaza generation counts up on Redis as on the local cache, and starts
    again after a flush (the tests' own key prefix, nothing else touched)."""
    import uuid

    from django.core.cache import caches as default_caches
    from django.test.utils import override_settings

    from marketplace.settings import cache_settings
    from tasks import caching

    redis_caches = cache_settings(
        {"CACHE_URL": os.environ["REDIS_URL"], "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    )
    with override_settings(CACHES=redis_caches):
        from django.core.cache import cache, caches

        assert caches["default"].__class__.__name__ == "RedisCache"
        try:
            first = caching.plaza_generation()
            caching._bump()
            assert caching.plaza_generation() == first + 1
            cache.delete(caching.GENERATION_KEY)
            caching._bump()  # a bump with no generation stored starts a new one
            assert caching.plaza_generation() == 2
        finally:
            cache.delete(caching.GENERATION_KEY)
    assert default_caches["default"].__class__.__name__ == "LocMemCache"
