"""Shared fixtures and the service policy.

Tests that need a real service carry a marker: `postgres`, `redis` or `browser`. Outside CI a
test whose service cannot be reached is skipped with a message saying what to start; in CI
(CI=true) the same situation is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from functools import cache

import pytest
from rest_framework.test import APIClient

from tests import factories

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@cache
def _postgres_missing() -> str | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return (
            "needs PostgreSQL: start it and set DATABASE_URL=postgres://postgres@127.0.0.1:5432/"
            "marketplace (make test does this when PostgreSQL answers on 127.0.0.1:5432)"
        )
    return None


@cache
def _redis_missing() -> str | None:
    url = os.environ.get("REDIS_URL")
    if not url:
        return "needs Redis: start redis-server and set REDIS_URL=redis://127.0.0.1:6379/0"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # any failure to reach it means the same: start Redis
        return f"needs Redis at {url}: {exc}"
    return None


@cache
def _browser_missing() -> str | None:
    if not (shutil.which("chromium") or os.path.exists("/usr/bin/chromium")):
        return "needs Chromium: apt-get install -y chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs Playwright: pip install playwright"
    return None


SERVICE_CHECKS = {
    "postgres": _postgres_missing,
    "redis": _redis_missing,
    "browser": _browser_missing,
}


def pytest_runtest_setup(item):
    for marker, check in SERVICE_CHECKS.items():
        if item.get_closest_marker(marker) is None:
            continue
        missing = check()
        if missing:
            if IN_CI:
                pytest.fail(f"[CI] a required service is missing: {missing}", pytrace=False)
            pytest.skip(missing)


# --- caches ------------------------------------------------------------------------------

LOCAL_CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tests",
    }
}


@pytest.fixture(scope="session", autouse=True)
def _local_caches():
    """The tests keep their cache in memory even when REDIS_URL points the settings at Redis
    (the Celery tests' broker), so that clearing it between tests flushes nothing else."""
    from django.test.utils import override_settings

    with override_settings(CACHES=LOCAL_CACHES):
        yield


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test starts with an empty cache: SQLite hands out the same primary keys again in
    the next test, so a per-user or per-page entry left behind would be another's."""
    from django.core.cache import caches

    for each in caches.all():
        each.clear()
    yield


# --- clients and personas -----------------------------------------------------------------


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def shop(db):
    """A Tmall shop with a bound payment account; its owner is the `merchant` persona."""
    shop = factories.ShopFactory()
    factories.PaymentAccountFactory(shop=shop, bound_by=shop.owner)
    return shop


@pytest.fixture
def merchant(shop):
    return shop.owner


@pytest.fixture
def creator(db):
    return factories.CreatorFactory().user


@pytest.fixture
def outsider(db):
    """A merchant of another tenant, with its own shop."""
    return factories.ShopFactory().owner


@pytest.fixture
def outsider_creator(db):
    return factories.CreatorFactory().user


@pytest.fixture
def agency(db):
    return factories.AgencyFactory()


# --- helpers for "nothing changed" assertions and extra personas ----------------------------


def row_counts(*models) -> dict[str, int]:
    """Row counts of the given models, to compare before and after a refused action."""
    return {model._meta.label: model.objects.count() for model in models}


@pytest.fixture
def agency_staff(agency):
    """A staff-role member of `agency`: reads the agency, cannot sign or end contracts (A4)."""
    from parties.models import Membership, Role

    user = factories.UserFactory()
    Membership.objects.create(user=user, organization=agency.organization, role=Role.STAFF)
    return user


@pytest.fixture
def other_agency(db):
    """An MCN agency of another tenant, with its own owner."""
    return factories.AgencyFactory()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """MD5 password hashing in every test: PBKDF2 costs ~0.25 s a user and proves nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def api_throttle_off(settings):
    """Scripted runs switch the API throttles off (Z2's API_THROTTLE=off); the throttle tests turn
    them back on. The login lockout stays on everywhere."""
    settings.API_THROTTLE = False


# --- money ---------------------------------------------------------------------------------


def fund_wallet(shop, amount_fen: int):
    """Put money in a shop's wallet the way production does: a top-up through the gateway."""
    from django.db import transaction

    from escrow import services as escrow_services

    # The sandbox gateway answers on commit; inside a test transaction, run it right away.
    with transaction.atomic():
        owner = getattr(shop, "owner", None) or shop.organization.memberships.get(role="owner").user
        intent = escrow_services.wallet_top_up(shop=shop, actor=owner, amount_fen=amount_fen)
    if intent.status == "pending":
        from escrow.gateway import get_gateway

        get_gateway().start_top_up(intent)
    return intent


@pytest.fixture
def ledger_is_clean(db):
    """Use in money tests: after the test, every invariant of E9 holds."""
    yield
    from escrow.selectors import ledger_breaches

    assert ledger_breaches() == []


# Transactional tests empty the database with TRUNCATE, which also removes the rows the data
# migrations seed (channels, categories, platform accounts, fee policies). Put them back.
SEEDING_MIGRATIONS = [
    "tasks.migrations.0002_seed_channels",
    "parties.migrations.0002_seed_categories",
    "escrow.migrations.0003_ledger_guards_and_seeds",
    "incentives.migrations.0002_coupon_guards_and_programs",
]


@pytest.fixture(autouse=True)
def _reseed_after_flush(request):
    """Before each database test, restore the seeded rows if an earlier flush removed them."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    transactional = marker.kwargs.get("transaction", False)
    request.getfixturevalue("transactional_db" if transactional else "db")
    from tasks.models import Channel

    if Channel.objects.exists():
        return
    import importlib

    from django.apps import apps

    for module in SEEDING_MIGRATIONS:
        importlib.import_module(module).seed(apps, None)


# --- a real Celery worker ------------------------------------------------------------------


@contextmanager
def celery_worker(tmp_path, *extra_args: str, **extra_env: str):
    """Run a real worker process against this test's database and REDIS_URL (never eager).

    Mail goes to files in tmp_path/"mail". Extra arguments (e.g. "--beat") and environment
    variables are passed on. The worker's last output is printed when it stops.
    """
    import subprocess
    import sys
    from pathlib import Path

    import redis
    from django.db import connection

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
        **extra_env,
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
            *extra_args,
        ],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output[-3000:])


@pytest.fixture
def funded_shop(shop):
    """The `shop` persona with ¥100,000.00 in its wallet."""
    fund_wallet(shop, 10_000_000)
    return shop


@pytest.fixture
def other_shop(db):
    """Another merchant's shop (its owner is `other_shop.owner`), with its own bound payment
    account and ¥100,000.00 in its wallet."""
    shop = factories.ShopFactory()
    factories.PaymentAccountFactory(shop=shop, bound_by=shop.owner)
    fund_wallet(shop, 10_000_000)
    return shop


# --- ops personas ----------------------------------------------------------------------------


@pytest.fixture
def ops(db):
    """A platform ops member (小二): a staff account with no superuser powers, so a service that
    lets ops act proves it checks staff, not superuser."""
    return factories.UserFactory(is_staff=True, username="xiaoer")


@pytest.fixture
def ops_superuser(db):
    """An ops member with every permission (staff and superuser): the admin's view of ops."""
    return factories.UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def ops_client(client, ops_superuser):
    """Django's test client logged in as `ops_superuser` (also at `ops_client.user`), for the
    admin and the staff pages."""
    client.force_login(ops_superuser)
    client.user = ops_superuser
    return client
