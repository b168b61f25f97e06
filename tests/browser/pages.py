"""Helpers shared by the browser tests."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO_ROOT

SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"


def sign_in(browser, live_server, username: str, password: str, **context_options):
    """Open a new page signed in through the sign-in form."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
        **context_options,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
