"""axe-core in the browser tests: every page a test loads is checked against the WCAG 2.0/2.1 A
and AA rules, and any violation fails the test with a readable list.

axe-core is a test-only tool, pinned in tests/browser/package.json and installed from the npm
registry into tests/browser/node_modules (git-ignored) when it is absent; the product never
serves nor fetches it. It is injected through the DevTools protocol, which the pages'
Content-Security-Policy does not block.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

HERE = Path(__file__).resolve().parent
AXE_DIR = HERE / "node_modules" / "axe-core"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Run in the page once axe is there: the violations of the WCAG A and AA rules, kept short.
RUN_AXE = """async (tags) => {
  const results = await window.axe.run(document, {runOnly: {type: "tag", values: tags}});
  return results.violations.map((rule) => ({
    id: rule.id, impact: rule.impact, help: rule.help,
    targets: rule.nodes.map((node) => node.target.join(" ")),
  }));
}"""


def pinned_version() -> str:
    """The axe-core version tests/browser/package.json pins."""
    package = json.loads((HERE / "package.json").read_text(encoding="utf-8"))
    return str(package["devDependencies"]["axe-core"])


def installed_version() -> str | None:
    manifest = AXE_DIR / "package.json"
    if not manifest.exists():
        return None
    return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])


def axe_source() -> str:
    """axe.min.js of the pinned version, installed with npm first when it is absent."""
    if installed_version() != pinned_version():
        npm = shutil.which("npm")
        if npm is None:
            if os.environ.get("CI"):
                pytest.fail("npm is not installed: .ci/run installs Debian's npm package")
            pytest.skip("npm is not installed: the accessibility checks need axe-core")
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--no-package-lock", "--silent"],
            cwd=HERE,
            check=True,
            timeout=300,
        )
    return (AXE_DIR / "axe.min.js").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Violation:
    """One rule broken on one page."""

    url: str
    id: str
    impact: str | None
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.url}: {self.id} ({self.impact}) {self.help} — {', '.join(self.targets)}"


@dataclass
class AxeWatch:
    """Checks every page a tab loads: a load marks the page as due, and the next use of the
    tab by the test runs axe on it first (running it from the load event itself would race
    the test's next step)."""

    page: Page
    source: str
    due: bool = False
    checked: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    _busy: bool = False

    def on_load(self, _page: Page) -> None:
        self.due = True

    def flush(self) -> None:
        """Check the page now if it loaded since the last check."""
        if self.due and not self._busy:
            self.check()

    def check(self) -> list[Violation]:
        """Run axe on the page as it is now; return (and keep) what it finds."""
        if self._busy:
            return []
        self._busy, self.due = True, False  # the page's own attributes check nothing now
        try:
            if self.page.is_closed():
                return []
            found = self._run()
            url = self.page.url
        finally:
            self._busy = False
        self.checked.append(url)
        new = [Violation(url, v["id"], v["impact"], v["help"], tuple(v["targets"])) for v in found]
        self.violations.extend(new)
        return new

    def _run(self) -> list[dict[str, Any]]:
        for _ in range(3):  # a navigation under way replaces the page: check the new one
            try:
                self.page.wait_for_load_state("load")
                if not self.page.evaluate("typeof window.axe === 'object'"):
                    self.page.evaluate(self.source)
                return list(self.page.evaluate(RUN_AXE, WCAG_TAGS))
            except PlaywrightError as error:
                if "context was destroyed" not in str(error):
                    raise
        raise AssertionError(f"{self.page.url}: the page kept navigating, axe could not run")

    def take(self) -> list[Violation]:
        """The violations found so far, forgotten by the watch (a test that wants them)."""
        found, self.violations = self.violations, []
        return found

    def assert_clean(self) -> None:
        """Fail with every violation found on the pages checked."""
        self.flush()
        if self.violations:
            lines = "\n".join(f"- {v}" for v in self.violations)
            pytest.fail(
                f"axe-core found {len(self.violations)} WCAG A/AA violation(s):\n{lines}",
                pytrace=False,
            )


class CheckedPage(Page):
    """A Playwright page whose every use by a test first checks a newly loaded page."""

    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("_"):
            watch = object.__getattribute__(self, "__dict__").get("_axe_watch")
            if watch is not None:
                watch.flush()
        return super().__getattribute__(name)


def watch_page(page: Page, source: str) -> AxeWatch:
    """Check every page this tab loads from now on."""
    watch = AxeWatch(page, source)
    page.__class__ = CheckedPage
    page.__dict__["_axe_watch"] = watch
    page.on("load", watch.on_load)
    return watch
