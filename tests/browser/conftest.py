"""Playwright driving Debian's Chromium against pytest-django's live server.

One browser per session; a fresh context (cookies, clipboard permission) per test. Every page
a test opens is watched: a Content-Security-Policy violation or an uncaught script error
fails the test at teardown, so the console's JavaScript is proven to run under the CSP.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User

# Playwright's sync API keeps an asyncio loop in this thread; the ORM calls the tests make
# between browser steps are still plain synchronous calls, so Django's guard is lifted here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 5_000
SCREENSHOTS = Path(
    os.environ.get("KEYWARD_ARTIFACTS", Path(settings.BASE_DIR) / "test-artifacts")
) / ("screenshots")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that opens the browser carries the `browser` mark (`make check` leaves
    them out), whether or not its module remembered to say so."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@dataclass
class Watch:
    """What went wrong in the pages of one context: CSP violations and script errors."""

    problems: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        def on_console(message: Any) -> None:
            if message.type == "error" and (
                "Content Security Policy" in message.text or "Refused to" in message.text
            ):
                self.problems.append(f"{page.url}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: {error}"))


@dataclass
class Browsing:
    """Opens contexts against the live server and checks them all at teardown."""

    browser: Any
    base_url: str
    watch: Watch = field(default_factory=Watch)
    contexts: list[Any] = field(default_factory=list)

    def context(self, javascript: bool = True) -> Any:
        context = self.browser.new_context(
            base_url=self.base_url,
            java_script_enabled=javascript,
            viewport={"width": 1280, "height": 860},
        )
        if javascript:
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=self.base_url)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.on("page", self.watch.attach)
        self.contexts.append(context)
        return context

    def page(self, user: User | None = None, javascript: bool = True) -> Any:
        """A new page in a new context, signed in as `user` when given."""
        context = self.context(javascript=javascript)
        if user is not None:
            sign_in_context(context, self.base_url, user)
        return context.new_page()

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def sign_in_context(context: Any, base_url: str, user: User) -> None:
    """Give a browser context the session cookie of a signed-in user (skips the form)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": base_url, "httpOnly": True}]
    )


@pytest.fixture
def browsing(browser: Any, live_server: Any) -> Iterator[Browsing]:
    session = Browsing(browser=browser, base_url=live_server.url)
    yield session
    session.close()
    assert not session.watch.problems, "browser errors:\n" + "\n".join(session.watch.problems)


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    """Save a full-page screenshot under test-artifacts/screenshots/<name>.png."""

    def take(page: Any, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
