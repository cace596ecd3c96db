"""Browser tests: Debian's Chromium, headless, driven by Playwright, against the demo stack."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from hotline.demo import DemoStack, start_stack
from hotline.sandbox.clock import ManualClock
from tests.browser.axe import AxeWatch, axe_source, watch_page

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "screenshots"
# The README's tour: these screenshots also go to the tracked docs/ folder when the browser
# tests run with SCREENSHOTS_TO_DOCS=1, so that the pictures stay true to the code.
DOCS = REPO / "docs"
TOUR = {
    "board": "tour-1-board-during-a-call.png",
    "request-form": "tour-2-request-page.png",
    "budget-line-burn-up": "tour-3-finance.png",
    "simulator-parties": "tour-4-simulator.png",
}
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """Debian's Chromium (installed by .ci/run); CHROMIUM may point elsewhere."""
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the run; in CI its absence fails the run."""
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[DemoStack]:
    """The demo stack on a fresh SQLite database, its clock at Monday 10:00 in Paris."""
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    running = start_stack(f"sqlite:///{tmp_path / 'browser.sqlite3'}", sandbox_clock=clock)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def axe_script() -> str:
    """axe-core's script (installed from npm by the first test that needs it)."""
    return axe_source()


@pytest.fixture
def page(browser: Browser, axe_script: str) -> Iterator[Page]:
    """A fresh browser tab (its own cookies) whose every page is checked by axe-core: a WCAG
    2.0/2.1 A or AA violation on any of them fails the test at its end."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(5000)
    watch = watch_page(tab, axe_script)
    yield tab
    try:
        watch.assert_clean()
    finally:
        context.close()


@pytest.fixture
def axe(page: Page) -> AxeWatch:
    """The accessibility watch of the `page` fixture's tab."""
    return page.__dict__["_axe_watch"]  # type: ignore[no-any-return]


def screenshot(page: Page, name: str) -> Path:
    """Save what the page shows into the ignored screenshots/ folder, for people to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if name in TOUR and os.environ.get("SCREENSHOTS_TO_DOCS") == "1":
        DOCS.mkdir(exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")  # the page's top, where a reader starts
        page.screenshot(path=str(DOCS / TOUR[name]))  # the window only: a README-sized picture
    return path
