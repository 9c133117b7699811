"""Headless Chromium (the Debian package) driven by Playwright, against Django's live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

# Django's live_server runs in a thread beside Playwright's sync event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# What Chromium reports about the Content-Security-Policy, from every page of every context.
CSP_REPORTS: list[str] = []


class WatchedBrowser:
    """The browser, with each new context reporting CSP violations into ``CSP_REPORTS``."""

    def __init__(self, browser: Any):
        self._browser = browser

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    def new_context(self, *args: Any, **kwargs: Any) -> Any:
        context = self._browser.new_context(*args, **kwargs)

        def on_console(message: Any) -> None:
            if "Content Security Policy" in message.text:
                CSP_REPORTS.append(message.text)

        context.on("console", on_console)
        return context


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed (scripts/system_deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield WatchedBrowser(browser)
        browser.close()


@pytest.fixture(autouse=True)
def no_csp_violations(browser: object) -> Iterator[None]:
    """Every page of every browser test works under the strict policy: nothing refused."""
    CSP_REPORTS.clear()
    yield
    assert CSP_REPORTS == []


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
