"""The console under its Content-Security-Policy in Chromium: no page of the console, the admin
or the finances trips it (no inline script or style left), and the main pages log no error."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import ConsoleMessage, Page, expect

from hotline.demo import DemoStack
from tests.browser.test_console_browser import FINANCE, NURSE, sign_in

ADMIN = "admin@demo.e-care.fr"
# Every violation the page sees, recorded by a script the browser injects before the page's own.
WATCH_CSP = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(
    event.violatedDirective + " " + (event.blockedURI || "inline") + " " + event.sourceFile
  );
});
"""
PREFIXES = ("/console", "/admin", "/finance")


def pages_of(stack: DemoStack) -> list[str]:
    """Every console, admin and finance page reached by GET without an argument (no exports)."""
    paths = set()
    for rule in stack.app.url_map.iter_rules():
        path = rule.rule
        if (
            "GET" in (rule.methods or ())
            and not rule.arguments
            and path.startswith(PREFIXES)
            and not path.endswith((".csv", ".xlsx", ".json", "/logout", "/token", "/presence"))
            and "/api" not in path
        ):
            paths.add(path)
    return sorted(paths)


def watch(page: Page) -> list[str]:
    errors: list[str] = []
    page.add_init_script(WATCH_CSP)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def violations(page: Page) -> list[Any]:
    return list(page.evaluate("window.__violations || []"))


def test_no_console_page_trips_the_content_security_policy(page: Page, stack: DemoStack) -> None:
    errors = watch(page)
    root = stack.settings.public_root
    seen: dict[str, list[Any]] = {}
    # The main pages of each role: no violation and no error at all in the browser's console.
    sign_in(page, stack, NURSE)
    expect(page).to_have_url(re.compile(r"/console/board$"))
    expect(page.locator("#phone-state")).to_have_text("Prêt : les appels sonnent ici.")
    seen["board"] = violations(page)
    for path in ["/console/callbacks", "/console/board?lang=en"]:
        page.goto(root + path)
        page.wait_for_timeout(500)  # the board polls: never network-idle
        seen[path] = violations(page)
    page.click("text=Sign out")
    sign_in(page, stack, FINANCE)
    expect(page).to_have_url(re.compile(r"/finance$"))
    for path in ["/finance", "/finance/ledger", "/finance/invoice-check"]:
        page.goto(root + path)
        seen[path] = violations(page)
    page.click("text=Se déconnecter")
    assert errors == []
    # The admin walks every page without an argument, the front page too: no violation anywhere.
    sign_in(page, stack, ADMIN)
    for path in ["/", *pages_of(stack)]:
        response = page.goto(root + path)
        assert response is not None
        if response.status == 200 and "text/html" in response.headers.get("content-type", ""):
            assert "unsafe-inline" not in response.headers["content-security-policy"]
            seen[path] = violations(page)
    assert len(seen) > 10
    assert {path: found for path, found in seen.items() if found} == {}
