"""What every browser journey does on the pages: log in as a demo-style user."""

from __future__ import annotations

from tests import factories


def log_in(page, username: str) -> None:
    """Log in as `username` (password factories.PASSWORD) from a fresh cookie jar and wait for
    the home page."""
    page.context.clear_cookies()
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(page.base_url + "/")
