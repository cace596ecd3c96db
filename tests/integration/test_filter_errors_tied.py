"""A refused date in the finance or report filters is tied to its field: the field says it is
invalid and is described by the message about it (aria-invalid, aria-describedby)."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import make_helpline, make_user
from tests.integration import indicator_history
from tests.integration.test_console_access import console, sign_in

__all__ = ["console"]  # the fixture, imported for these tests


def input_tag(page: str, field: str) -> str:
    tag = re.search(rf'<input id="{field}"[^>]*>', page)
    assert tag is not None, f"no input #{field}"
    return tag.group(0)


def described_by(page: str, field: str) -> str:
    """The text of the message the field's aria-describedby points to."""
    tag = input_tag(page, field)
    assert 'aria-invalid="true"' in tag
    found = re.search(r'aria-describedby="([^"]+)"', tag)
    assert found is not None, f"#{field} is described by nothing"
    message = re.search(rf'<li id="{found.group(1)}">([^<]*)</li>', page)
    assert message is not None, f"no message #{found.group(1)}"
    return message.group(1)


def test_a_bad_date_in_the_finance_filters_is_tied_to_its_field(
    console: FlaskClient, session: Session
) -> None:
    make_helpline(session)
    make_user(session, "finance", "finance@example.org")
    assert sign_in(console, "finance@example.org") == 302
    page = html.unescape(
        console.get("/finance/ledger?from=01/01/2026&to=31/02/2026").get_data(as_text=True)
    )
    assert described_by(page, "to").startswith("Date « 31/02/2026 » illisible")
    assert "aria-invalid" not in input_tag(page, "from")


def test_a_bad_date_in_the_report_filters_is_tied_to_its_field(
    console: FlaskClient, session: Session
) -> None:
    indicator_history.build(session)
    make_user(session, "coordinator", "coordination@example.org")
    assert sign_in(console, "coordination@example.org") == 302
    page = html.unescape(
        console.get("/reports?from=31/02/2026&to=30/11/2026").get_data(as_text=True)
    )
    assert described_by(page, "from").startswith("Date « 31/02/2026 » illisible")
    assert "aria-invalid" not in input_tag(page, "to")
