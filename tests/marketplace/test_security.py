"""Z1 and Z2: production settings, HTTPS and browser hardening, login lockout, throttles,
passwords and token revocation."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from marketplace.production import production_problems
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
STRONG_SECRET = "x7$Kq9!vL2#pR8@wT4^zN6&bM1*cF3(hJ5)dG0-sA+u8%eY2~oI4=nB7_lH9:kC1"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """manage.py in a fresh process with the given environment (settings are read at start-up)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "SECRET_KEY",
            "GATEWAY_SECRET",
            "PAYMENT_GATEWAY",
            "DEMO_DEPLOYMENT",
            # set by the browser tests' conftest for Playwright; check --deploy rightly errors on it
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    environment.update(env)
    environment.setdefault("DATABASE_URL", "sqlite:///:memory:")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- Z1: refusing to start ------------------------------------------------------------------


def test_production_problems_name_each_default():
    """Z1: with DEBUG off, the default SECRET_KEY, the sandbox gateway and the public gateway secret
    each stop the start; a demo deployment may keep the sandbox but never the default key."""
    defaults = {
        "debug": False,
        "secret_key": "dev-only-insecure-key-change-me",
        "gateway": "escrow.sandbox.SandboxGateway",
        "gateway_secret": "sandbox-gateway-secret",
        "demo": False,
    }
    problems = production_problems(**defaults)
    assert len(problems) == 3
    assert any("SECRET_KEY" in p for p in problems)
    assert any("PAYMENT_GATEWAY" in p for p in problems)
    assert any("GATEWAY_SECRET" in p for p in problems)
    demo = production_problems(**{**defaults, "demo": True})
    assert len(demo) == 1
    assert demo[0].startswith("Set SECRET_KEY")
    short = production_problems(
        **{**defaults, "demo": True, "secret_key": "change-me-in-production"}
    )
    assert len(short) == 1
    assert production_problems(**{**defaults, "demo": True, "secret_key": STRONG_SECRET}) == []
    assert production_problems(**{**defaults, "debug": True}) == []


def test_debug_off_with_the_sandbox_gateway_refuses_to_start():
    """Z1: the defect — DEBUG=0 with a real SECRET_KEY but the sandbox gateway and the public
    gateway secret started and let a forged callback settle a top-up. Now it does not start."""
    result = run_manage("check", DEBUG="0", SECRET_KEY=STRONG_SECRET)
    assert result.returncode != 0
    assert "PAYMENT_GATEWAY is the sandbox" in result.stderr
    assert "GATEWAY_SECRET is the public default" in result.stderr


def test_debug_off_with_the_default_secret_key_refuses_to_start_even_as_a_demo():
    """Z1: a default SECRET_KEY is refused with DEBUG off, demo or not."""
    result = run_manage("check", DEBUG="0", DEMO_DEPLOYMENT="1")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_check_deploy_prints_no_warning_with_production_settings():
    """Z1: `manage.py check --deploy` with DEBUG off and production settings prints no warning
    (the issue found 12: HSTS, SSL redirect, cookies, and eight from the schema generator)."""
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=STRONG_SECRET,
        DEMO_DEPLOYMENT="1",
        ALLOWED_HOSTS="market.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# --- Z1: HTTPS, headers, CSP, the demo banner -------------------------------------------------


@pytest.mark.django_db
def test_ssl_redirect_trusts_the_proxy_header(settings):
    """Z1: behind a proxy that sets X-Forwarded-Proto, https requests are served and plain http
    ones are redirected; HSTS is sent on https."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    client = Client()
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    proxied = client.get("/accounts/login/", headers={"x-forwarded-proto": "https"})
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.django_db
def test_every_page_carries_a_csp_without_inline_script(client):
    """Z1: the Content-Security-Policy allows scripts from our origin only: no 'unsafe-inline',
    no outside origin, no framing."""
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert not re.search(r"https?://", policy)


def test_no_template_has_an_inline_script_or_handler_attribute():
    """Z1: the CSP would block them, so none is left: every <script> has a src (or is JSON data)
    and no element carries an on…= handler."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"<script(?P<attrs>[^>]*)>", text):
            attrs = match.group("attrs")
            if "src=" not in attrs and "application/json" not in attrs:
                offenders.append(f"{path.relative_to(ROOT)}: inline <script>")
        for match in re.finditer(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{path.relative_to(ROOT)}: handler {match.group().strip()}")
    assert offenders == []


@pytest.mark.django_db
def test_api_docs_need_no_inline_script(client, merchant):
    """Z1: the interactive API docs load their start-up script as a file under the same CSP."""
    client.force_login(merchant)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r"<script[^>]*src=", html)
    inline = [m for m in re.finditer(r"<script(?P<a>[^>]*)>\s*\S", html) if "src=" not in m["a"]]
    assert inline == []


@pytest.mark.django_db
def test_api_and_private_pages_are_not_stored_by_caches(client, merchant):
    """Z1: API answers and signed-in pages (wallet, orders) carry Cache-Control: no-store."""
    assert APIClient().get("/api/v1/channels/")["Cache-Control"] == "no-store"
    client.force_login(merchant)
    for url in (reverse("wallet"), reverse("order_list"), reverse("home")):
        assert client.get(url)["Cache-Control"] == "no-store", url


@pytest.mark.django_db
def test_a_demo_deployment_says_so_on_every_page(client, settings, merchant):
    """Z1: DEMO_DEPLOYMENT=1 shows a banner on the site's pages and in the admin."""
    text = "Demo site: payments are simulated"
    client.get("/accounts/login/")  # the default language is Chinese; compare in English
    client.cookies["django_language"] = "en"
    assert text not in client.get("/accounts/login/").content.decode()
    settings.DEMO_DEPLOYMENT = True
    assert text in client.get("/accounts/login/").content.decode()
    assert text in client.get("/admin/login/").content.decode()
    client.force_login(merchant)
    assert text in client.get(reverse("wallet")).content.decode()


# --- Z2: lockout --------------------------------------------------------------------------


@pytest.fixture
def member(db):
    return factories.UserFactory(username="lockme")


def _fail_five_times(post):
    for _attempt in range(5):
        post("wrong-password-1")


@pytest.mark.django_db
def test_token_api_locks_out_after_five_failures(member):
    """Z2: five wrong passwords in a row on POST /api/v1/auth/token/ lock the account out from
    that address: the right password is refused with 429, Retry-After and the error shape, and
    works again after 15 minutes."""
    client = APIClient()

    def post(password):
        return client.post(
            "/api/v1/auth/token/", {"username": "lockme", "password": password}, format="json"
        )

    for _attempt in range(4):
        assert post("wrong-password-1").status_code == 400
    locked = post("wrong-password-1")
    assert locked.status_code == 429
    right = post(factories.PASSWORD)
    assert right.status_code == 429
    assert right["Retry-After"] == "900"
    assert right.json()["error"]["code"] == "locked_out"
    assert set(right.json()["error"]) == {"code", "message", "fields"}
    assert not Token.objects.filter(user=member).exists()
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        after = post(factories.PASSWORD)
    assert after.status_code == 200
    assert after.json()["token"]


@pytest.mark.django_db
def test_login_page_locks_out_after_five_failures(member):
    """Z2: the login page: after five failures the right password is refused with a page that
    says why (429), and nobody is signed in."""
    client = Client()
    url = reverse("login")
    _fail_five_times(lambda pw: client.post(url, {"username": "lockme", "password": pw}))
    response = client.post(url, {"username": "lockme", "password": factories.PASSWORD})
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_admin_login_locks_out_after_five_failures(db):
    """Z2: the admin login is locked out the same way."""
    factories.UserFactory(username="opsfive", is_staff=True, is_superuser=True)
    client = Client()
    url = reverse("admin:login")
    _fail_five_times(lambda pw: client.post(url, {"username": "opsfive", "password": pw}))
    response = client.post(url, {"username": "opsfive", "password": factories.PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_lockout_is_per_account_and_address(member):
    """Z2: a lockout holds the account at the attacking address only: the owner signs in from
    another address, and the attacker's address may still sign in to another account."""
    other = factories.UserFactory(username="bystander")
    attacker = APIClient(REMOTE_ADDR="203.0.113.9")
    owner = APIClient(REMOTE_ADDR="198.51.100.7")
    for _attempt in range(5):
        attacker.post(
            "/api/v1/auth/token/", {"username": "lockme", "password": "nope-nope-1"}, format="json"
        )
    assert (
        attacker.post(
            "/api/v1/auth/token/",
            {"username": "lockme", "password": factories.PASSWORD},
            format="json",
        ).status_code
        == 429
    )
    assert (
        owner.post(
            "/api/v1/auth/token/",
            {"username": "lockme", "password": factories.PASSWORD},
            format="json",
        ).status_code
        == 200
    )
    assert (
        attacker.post(
            "/api/v1/auth/token/",
            {"username": other.username, "password": factories.PASSWORD},
            format="json",
        ).status_code
        == 200
    )


@pytest.mark.django_db
def test_a_success_resets_the_count(member):
    """Z2: the count is of failures in a row: a success in between starts it again."""
    client = APIClient()

    def post(password):
        return client.post(
            "/api/v1/auth/token/", {"username": "lockme", "password": password}, format="json"
        )

    for _attempt in range(4):
        post("wrong-password-1")
    assert post(factories.PASSWORD).status_code == 200
    for _attempt in range(4):
        assert post("wrong-password-1").status_code == 400
    assert post(factories.PASSWORD).status_code == 200


# --- Z2: throttles ------------------------------------------------------------------------


@pytest.fixture
def throttled(settings):
    settings.API_THROTTLE = True
    cache.clear()
    yield settings
    cache.clear()


@pytest.mark.django_db
def test_api_is_throttled_per_user_with_retry_after(throttled, merchant):
    """Z2: past the per-user rate the API answers 429 with Retry-After, in the error shape."""
    throttled.API_THROTTLE_RATES = {**throttled.API_THROTTLE_RATES, "user": "3/min"}
    client = APIClient()
    client.force_authenticate(merchant)
    codes = [client.get("/api/v1/me/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get("/api/v1/me/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "throttled"
    # Another user has a count of its own.
    other = APIClient()
    other.force_authenticate(factories.ShopFactory().owner)
    assert other.get("/api/v1/me/").status_code == 200


@pytest.mark.django_db
def test_auth_routes_are_throttled_per_address(throttled):
    """Z2: registration and token calls are held to the tighter auth rate per address."""
    throttled.API_THROTTLE_RATES = {**throttled.API_THROTTLE_RATES, "auth": "2/min"}
    client = APIClient()
    body = {"username": "nobody", "password": "whatever-1"}
    codes = [client.post("/api/v1/auth/token/", body, format="json").status_code for _ in range(3)]
    assert codes == [400, 400, 429]
    assert (
        APIClient(REMOTE_ADDR="198.51.100.20")
        .post("/api/v1/auth/token/", body, format="json")
        .status_code
        == 400
    )


@pytest.mark.django_db
def test_money_routes_have_their_own_tighter_rate(throttled, merchant, shop):
    """Z2: money POSTs (a top-up here) are held to the money rate while reads go on."""
    throttled.API_THROTTLE_RATES = {**throttled.API_THROTTLE_RATES, "money": "2/min"}
    client = APIClient()
    client.force_authenticate(merchant)
    codes = [
        client.post(
            "/api/v1/wallet/top-ups/", {"amount": "1.00", "shop": shop.pk}, format="json"
        ).status_code
        for _ in range(3)
    ]
    assert codes[2] == 429
    assert codes[:2] != [429, 429]
    assert client.get("/api/v1/wallet/").status_code == 200


@pytest.mark.django_db
def test_api_throttle_off_switches_the_throttles_off(throttled, merchant):
    """Z2: API_THROTTLE=off (load tests, scripted runs) lets every request through."""
    throttled.API_THROTTLE_RATES = {**throttled.API_THROTTLE_RATES, "user": "1/min"}
    throttled.API_THROTTLE = False
    client = APIClient()
    client.force_authenticate(merchant)
    assert {client.get("/api/v1/me/").status_code for _ in range(5)} == {200}


# --- Z2: passwords and tokens ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["password123", "12345678", "short1"])
def test_weak_passwords_are_refused_at_registration(password):
    """Z2: the defect — password123 was accepted. Django's validators refuse common, numeric and
    short passwords; nothing is created."""
    response = APIClient().post(
        "/api/v1/auth/register/",
        {"username": "newcomer", "password": password, "side": "merchant"},
        format="json",
    )
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]
    assert not factories.User.objects.filter(username="newcomer").exists()


def _token_for(user) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": user.username, "password": factories.PASSWORD},
        format="json",
    )
    assert response.status_code == 200
    return response.json()["token"]


def _token_works(key: str) -> bool:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/me/").status_code == 200


@pytest.mark.django_db
def test_api_logout_revokes_the_token(merchant):
    """Z2: POST /api/v1/auth/logout/ revokes the token; it no longer signs in."""
    key = _token_for(merchant)
    assert _token_works(key)
    response = APIClient(HTTP_AUTHORIZATION=f"Token {key}").post("/api/v1/auth/logout/")
    assert response.status_code == 204
    assert not _token_works(key)


@pytest.mark.django_db
def test_logging_out_of_the_site_revokes_the_tokens(client, merchant):
    """Z2: the defect — tokens survived logout. Logging out of the site revokes them."""
    key = _token_for(merchant)
    client.force_login(merchant)
    assert client.post(reverse("logout")).status_code == 302
    assert not _token_works(key)


@pytest.mark.django_db
def test_changing_the_password_revokes_the_tokens_and_keeps_the_browser_in(client, merchant):
    """Z2: a password change revokes the API tokens; the browser that changed it stays in."""
    key = _token_for(merchant)
    client.force_login(merchant)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": factories.PASSWORD,
            "new_password": "Brand-new-secret-2026",
            "new_password_again": "Brand-new-secret-2026",
        },
    )
    assert response.status_code == 302
    assert not _token_works(key)
    assert client.get(reverse("wallet")).status_code == 200
    merchant.refresh_from_db()
    assert merchant.check_password("Brand-new-secret-2026")


@pytest.mark.django_db
def test_a_refused_password_change_changes_nothing(client, merchant):
    """Z2: a wrong current password or a weak new one is refused; the password and the tokens
    stay."""
    key = _token_for(merchant)
    client.force_login(merchant)
    for old, new in ((factories.PASSWORD, "password123"), ("not-the-password", "Fine-pass-2026")):
        response = client.post(
            reverse("password_change"),
            {"old_password": old, "new_password": new, "new_password_again": new},
        )
        assert response.status_code == 200
    merchant.refresh_from_db()
    assert merchant.check_password(factories.PASSWORD)
    assert _token_works(key)


@pytest.mark.django_db
def test_a_megabyte_password_is_refused_before_it_is_hashed(member):
    """Z4: the defect — a 1 MB password was accepted. Registration, the token API and the login
    page refuse a password over 128 characters with a field error; nothing is created."""
    huge = "A1b2-" * 200_000
    register = APIClient().post(
        "/api/v1/auth/register/",
        {"username": "bigpass", "password": huge, "side": "merchant"},
        format="json",
    )
    assert register.status_code == 400
    assert "password" in register.json()["error"]["fields"]
    assert not factories.User.objects.filter(username="bigpass").exists()
    token = APIClient().post(
        "/api/v1/auth/token/", {"username": "lockme", "password": "x" * 129}, format="json"
    )
    assert token.status_code == 400
    assert "password" in token.json()["error"]["fields"]
    page = Client().post(reverse("login"), {"username": "lockme", "password": "x" * 129})
    assert page.status_code == 200
    assert "password" in page.context["form"].errors
