"""Accessibility in Chromium: axe-core's WCAG 2.0/2.1 A and AA rules on every page of every role
(the `page` fixture checks each page a test loads), a check that can fail, and the accessibility
statement in both languages."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from werkzeug.exceptions import HTTPException

from hotline.demo import DEMO_PASSWORDS, DemoStack
from tests.browser.axe import AxeWatch, pinned_version
from tests.browser.test_console_browser import sign_in
from tests.browser.test_csp_browser import pages_of

ADMIN = "admin@demo.e-care.fr"
PREFIXES = ("/console", "/admin", "/finance", "/reports")
# Links that leave a page as it is (downloads, audio) or end the session.
SKIPPED = re.compile(r"\.(csv|xlsx|ods|pdf|json|wav)(\?|$)|/logout$|/recording|/export|format=")


def endpoint_of(stack: DemoStack, path: str) -> str | None:
    """The Flask endpoint a GET of this path reaches (None for a path of no rule)."""
    try:
        endpoint, _ = stack.app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return None
    return str(endpoint)


def links_of(page: Page, selector: str) -> list[str]:
    """The same-site paths (with their query) of the links under selector."""
    hrefs = page.eval_on_selector_all(
        selector, "links => links.map(link => link.getAttribute('href') || '')"
    )
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc or not parts.path.startswith(PREFIXES) or SKIPPED.search(href):
            continue
        paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


def test_a_low_contrast_element_fails_the_accessibility_check(
    page: Page, stack: DemoStack, axe: AxeWatch
) -> None:
    sign_in(page, stack, "amelie.roux@demo.e-care.fr")
    expect(page).to_have_url(re.compile(r"/console/board$"))
    assert axe.check() == []  # the board as it is passes
    # Grey on white, set through the DOM (the page's policy forbids style attributes in HTML).
    page.evaluate(
        """() => {
        const faint = document.createElement("p");
        faint.id = "faint";
        faint.textContent = "Texte presque invisible";
        faint.style.color = "#c8c8c8";
        faint.style.background = "#ffffff";
        document.querySelector("main").appendChild(faint);
    }"""
    )
    found = axe.check()
    assert [(v.id, v.targets) for v in found] == [("color-contrast", ("#faint",))]
    with pytest.raises(pytest.fail.Exception, match=r"color-contrast \(serious\).*#faint"):
        axe.assert_clean()  # what the page fixture runs when the test ends
    axe.take()  # seen: the test itself passes


@pytest.mark.parametrize(
    "email", ["amelie.roux@demo.e-care.fr", "finance@demo.e-care.fr", ADMIN,
              "coordination@demo.e-care.fr"],
)  # fmt: skip
def test_each_role_walks_every_page_of_its_menu_with_no_accessibility_violation(
    page: Page, stack: DemoStack, axe: AxeWatch, email: str
) -> None:
    root = stack.settings.public_root
    sign_in(page, stack, email, DEMO_PASSWORDS[email])
    expect(page.locator("header nav")).to_be_visible()
    menu = links_of(page, "header nav a")
    assert menu, "a menu to walk"
    # Each menu page, then one page of each other kind their links reach, two links deep (a
    # request, a user, a contract...).
    seen: dict[str, str] = {}
    level = menu
    for _depth in range(3):
        following = []
        for path in level:
            endpoint = endpoint_of(stack, urlsplit(path).path) or path
            if endpoint in seen:
                continue
            seen[endpoint] = path
            page.goto(root + path)
            following += links_of(page, "main a")
        level = following
    if email == ADMIN:  # the administrator also reaches every page of no argument
        for path in pages_of(stack):
            if endpoint_of(stack, path) not in seen:
                response = page.goto(root + path)
                assert response is not None
                seen[path] = path
    axe.flush()
    assert len(axe.checked) >= len(seen)
    assert axe.violations == []


def test_the_accessibility_statement_is_in_every_footer_in_french_and_english(
    page: Page, stack: DemoStack
) -> None:
    root = stack.settings.public_root
    page.goto(root + "/?lang=fr")
    page.get_by_role("contentinfo").get_by_role("link", name="Accessibilité : non conforme").click()
    expect(page).to_have_url(re.compile(r"/accessibilite"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_text("Déclaration d'accessibilité")
    for heading in [
        "État de conformité",
        "Résultats des tests",
        "Contenus non accessibles",
        "Établissement de cette déclaration",
        "Retour d'information et contact",
        "Voies de recours",
    ]:
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    statement = page.locator("#accessibility-statement")
    expect(statement).to_contain_text("RGAA")
    expect(page.locator("#conformity-level")).to_have_text("non conforme")
    expect(statement).to_contain_text("1er décembre 2026")
    expect(statement).to_contain_text("Chromium")
    expect(statement).to_contain_text("clavier seul")
    expect(statement).to_contain_text("Défenseur des droits")
    expect(page.locator("#axe-version")).to_have_text(pinned_version())

    page.goto(root + "/accessibilite?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Accessibility statement")
    for heading in [
        "Compliance status",
        "Test results",
        "Non-accessible content",
        "Preparation of this statement",
        "Feedback and contact",
        "Remedies",
    ]:
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.locator("#conformity-level")).to_have_text("not compliant")
    expect(page.locator("#axe-version")).to_have_text(pinned_version())
    expect(page.get_by_role("contentinfo")).to_contain_text("Accessibility: not compliant")

    # Every page's footer links to it: the sign-in and a console page too.
    page.goto(root + "/console/login?lang=fr")
    expect(page.get_by_role("contentinfo").get_by_role("link")).to_have_attribute(
        "href", "/accessibilite"
    )
    sign_in(page, stack, ADMIN)
    expect(page.get_by_role("contentinfo")).to_contain_text("Accessibilité : non conforme")
