"""The telephone simulator page in Chromium: the demo's machine parties, and adding one by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from hotline.demo import DemoStack, start_stack
from hotline.sandbox import Voicemail
from hotline.sandbox.clock import ManualClock
from tests.browser.conftest import screenshot


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[DemoStack]:
    """The demo stack with its machine parties, as `hotline demo` runs it."""
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    running = start_stack(
        f"sqlite:///{tmp_path / 'simulator.sqlite3'}", sandbox_clock=clock, parties=True
    )
    yield running
    running.stop()


def test_the_simulator_lists_the_demo_machines_and_adds_a_voicemail_from_its_form(
    demo: DemoStack, page: Page
) -> None:
    page.goto(f"{demo.sandbox.url}/")
    people = page.locator("#people")
    expect(people).to_contain_text("+33140000000")
    expect(people).to_contain_text("standard d'agence d'interprétariat, code d'accès 1234")
    expect(people).to_contain_text("+33623456789")
    expect(people).to_contain_text("messagerie vocale, décroche après 20 s")

    form = page.locator("#party")
    form.get_by_label("Numéro").fill("06 77 77 77 77")
    form.get_by_label("Type").select_option("voicemail")
    form.get_by_label("décroche après").fill("12")
    form.get_by_role("button", name="Ajouter").click()

    expect(people).to_contain_text("+33677777777")
    expect(people).to_contain_text("messagerie vocale, décroche après 12 s")
    assert demo.sandbox.person("+33677777777").policy == Voicemail(after_s=12)
    screenshot(page, "simulator-parties")
