"""Console fuzzing (issue 13): every console and admin form posted with hostile or careless values
(NUL bytes, 100 kB texts, huge, negative and non-numeric numbers, ids past the database's range)
never answers a 500; a form refused for one field shows every other field as it was typed."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from hotline.models import Helpline, User
from interpreter_pool.admin import add_interpreter
from routing.admin import add_nurse, add_shift
from tests.factories import make_request, make_user
from tests.integration.admin_support import admin, console, helpline, user_form
from tests.integration.test_admin_interpreters import INTERPRETER_FORM
from tests.integration.test_admin_professionals import PROFESSIONAL_FORM
from tests.integration.test_console_access import csrf_of, sign_in
from tests.integration.test_console_callers import NEW_CALLER

__all__ = ["admin", "console", "helpline", "user_form"]  # the fixtures these tests use

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HUGE_ID = "99999999999999999999"
NASTY = [
    "",
    " ",
    "\x00",
    "abc\x00def",
    "x" * 100_000,
    "é" * 5000,
    HUGE_ID,
    "2147483648",
    "-1",
    "0",
    "1e999",
    "NaN",
    "-Infinity",
    "9" * 400,
    "1,5",
    "0,00001",
    "12:00",
    "2026-13-45",
    "9999-12-31",
    "0001-01-01",
    "9999-12-31T23:59",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x")',
    "\ud7ff\ufffd",
    "\t\r\n",
]
VALUE = st.one_of(st.sampled_from(NASTY), st.text(max_size=40))

SHIFT_FORM = {
    "user_id": "",
    "rank": "on_duty",
    "starts": "2026-11-23T08:00",
    "ends": "2026-11-23T20:00",
    "week": "2026-W48",
}
CLOSURE_FORM = {"first_day": "2026-12-24", "last_day": "2026-12-26", "label": "Noël"}
HOURS_FORM = {
    "opening_hours": "mon-fri 09:00-18:00",
    "holiday_subdivision": "",
    "is_open_on_holidays": "",
}
CONTRACT_FORM = {
    "name": "Marché 2026", "unit": "minute", "unit_price": "1,20", "block_min": "1",
    "increment_min": "1", "minimum_min": "0", "connection_fee": "0", "night_pct": "",
    "night_hours": "", "saturday_pct": "", "sunday_pct": "", "holiday_pct": "",
    "urgent_pct": "", "surcharge_rule": "highest", "valid_from": "2026-01-01",
    "valid_to": "2026-12-31",
}  # fmt: skip
PATTERN_FORM: dict[str, str | list[str]] = {
    "rank": "on_duty",
    "weekdays": ["0", "2"],
    "starts": "09:00",
    "ends": "17:00",
    "every_weeks": "2",
    "first_day": "2026-11-23",
    "last_day": "2026-12-31",
}
EXCEPTION_FORM = {"kind": "absence", "first_day": "2026-11-24", "last_day": "2026-11-25"}
REQUEST_FORM = {
    "category": "",
    "outcome": "",
    "follow_up_on": "",
    "notes": "Rappeler demain",
}
NOT_TEXT = {"rank", "unit", "kind", "locale", "holiday_subdivision", "surcharge_rule",
            "memberships", "is_active", "is_open_on_holidays", "pro_rata", "password", "user_id",
            "week", "category", "outcome", "weekdays", "every_weeks", "replacement_id"}  # fmt: skip


def _forms(
    ids: dict[str, int], user_form: dict[str, str | list[str]]
) -> list[tuple[str, dict[str, str | list[str]]]]:
    """Each console or admin form: where it is posted and a valid value for each field."""
    return [
        ("/admin/rota/shifts", {**SHIFT_FORM, "user_id": str(ids["nurse"])}),
        ("/admin/rota/patterns", {**PATTERN_FORM, "user_id": str(ids["nurse"])}),
        ("/admin/rota/exceptions", {**EXCEPTION_FORM, "user_id": str(ids["nurse"])}),
        ("/admin/closures", CLOSURE_FORM),
        ("/admin/hours", HOURS_FORM),
        ("/admin/greeting", {"greeting": "Bonjour."}),
        ("/admin/users", user_form),
        (f"/admin/users/{ids['nurse']}", {k: v for k, v in user_form.items() if k != "password"}),
        (f"/admin/users/{ids['nurse']}/password", {"password": "a long enough passphrase"}),
        ("/admin/directory", PROFESSIONAL_FORM),
        ("/admin/interpreters", INTERPRETER_FORM),
        (f"/admin/interpreters/{ids['interpreter']}", INTERPRETER_FORM),
        (f"/finance/contracts/provider/{ids['interpreter']}", CONTRACT_FORM),
        (f"/console/requests/{ids['request']}", REQUEST_FORM),
        (f"/console/requests/{ids['request']}/transfer", {"nurse": str(ids["nurse"])}),
        (f"/console/requests/{ids['request']}/interpreter", {"language": "ar", "approved": "1"}),
        (f"/console/requests/{ids['request']}/hold", {"hold": "1"}),
        (f"/console/requests/{ids['request']}/caller", {"professional_id": str(ids["me"])}),
        (f"/console/requests/{ids['request']}/caller/new", NEW_CALLER),
        (f"/console/requests/{ids['request']}/caller", {"professional_id": HUGE_ID}),
        ("/console/duty", {"on_duty": "1"}),
        ("/finance/invoice-check", {"provider": str(ids["interpreter"]), "month": "2026-11"}),
        (f"/admin/users/{HUGE_ID}", user_form),
        (f"/finance/contracts/provider/{HUGE_ID}", CONTRACT_FORM),
        (f"/admin/rota/shifts/{HUGE_ID}/delete", {}),
        (f"/admin/rota/patterns/{HUGE_ID}/end", {"last_day": "2026-11-30"}),
        (f"/admin/rota/exceptions/{HUGE_ID}/delete", {}),
        (f"/admin/closures/{HUGE_ID}/delete", {}),
        (f"/console/requests/{HUGE_ID}", REQUEST_FORM),
        (f"/console/callbacks/{HUGE_ID}/call", {}),
    ]


@pytest.fixture
def everyone(console: FlaskClient, session: Session, helpline: Helpline) -> dict[str, int]:
    """A signed-in nurse, admin and finance officer; a nurse, an interpreter, a request."""
    me = make_user(session, "nurse,admin,finance", "all@example.org")
    assert sign_in(console, me.email) == 302
    nurse = add_nurse(session, "amelie@example.org", "Amélie Roux", "+33600000001")
    interpreter = add_interpreter(session, "Samira Haddad", "+33610000001", ["ar"])
    request = make_request(session, reference="2026-00001", opened_at=T0, nurse_id=me.id)
    session.commit()
    return {"me": me.id, "nurse": nurse.id, "interpreter": interpreter.id, "request": request.id}


def test_no_console_form_answers_500_whatever_is_posted(
    console: FlaskClient, everyone: dict[str, int], user_form: dict[str, str | list[str]]
) -> None:
    token = csrf_of(console, "/admin")
    forms = _forms(everyone, user_form)

    @settings(
        max_examples=120,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def post_one(data: st.DataObject) -> None:
        path, valid = data.draw(st.sampled_from(forms), label="form")
        fields = list(valid) or ["extra"]
        hostile = data.draw(st.sets(st.sampled_from(fields), min_size=1), label="fields")
        form = {
            name: (data.draw(VALUE, label=name) if name in hostile else value)
            for name, value in {**valid, **dict.fromkeys(hostile - set(valid), "")}.items()
        }
        response = console.post(path, data={**form, "csrf_token": token})
        assert response.status_code < 500, (path, {k: str(v)[:80] for k, v in form.items()})

    post_one()


@pytest.mark.parametrize(
    ("form_name", "field", "bad"),
    [
        ("shift", "user_id", HUGE_ID),
        ("shift", "starts", "demain"),
        ("closure", "label", "x" * 100_000),
        ("closure", "label", "Noël\x00"),
        ("contract", "unit_price", "9" * 40),
        ("contract", "minimum_min", HUGE_ID),
        ("contract", "valid_to", "2025-01-01"),
        ("interpreter", "priority", "-5"),
        ("interpreter", "name", "Samira\x00"),
        ("professional", "last_name", "M" * 500),
        ("user", "email", "pas une adresse"),
        ("request", "notes", "Rappeler\x00demain"),
        ("caller", "insee_code", "2C004"),
        ("caller", "rpps", "x" * 500),
        ("caller", "phones", "06 12\x00"),
    ],
)
def test_a_form_refused_for_one_field_keeps_every_other_field(
    console: FlaskClient,
    everyone: dict[str, int],
    form_name: str,
    field: str,
    bad: str,
    user_form: dict[str, str | list[str]],
) -> None:
    paths = {
        "shift": ("/admin/rota/shifts", {**SHIFT_FORM, "user_id": str(everyone["nurse"])}),
        "closure": ("/admin/closures", CLOSURE_FORM),
        "contract": (f"/finance/contracts/provider/{everyone['interpreter']}", CONTRACT_FORM),
        "interpreter": ("/admin/interpreters", INTERPRETER_FORM),
        "professional": ("/admin/directory", PROFESSIONAL_FORM),
        "user": ("/admin/users", user_form),
        "request": (f"/console/requests/{everyone['request']}", REQUEST_FORM),
        "caller": (f"/console/requests/{everyone['request']}/caller/new", NEW_CALLER),
    }
    path, valid = paths[form_name]
    token = csrf_of(console, "/admin")
    response = console.post(path, data={**valid, field: bad, "csrf_token": token})
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert re.search(r'class="flash error"', page), "a message says why"
    for name, value in valid.items():
        if name == field or name in NOT_TEXT or not isinstance(value, str) or not value:
            continue
        assert value in page, f"{name}={value!r} lost when {field} was refused"


def test_two_shifts_of_one_nurse_may_not_overlap(
    console: FlaskClient, session: Session, admin: User, helpline: Helpline
) -> None:
    nurse = add_nurse(session, "amelie@example.org", "Amélie Roux", "+33600000001")
    add_shift(session, helpline, nurse, "2026-11-23 08:00", "2026-11-23 20:00")
    with pytest.raises(ValueError, match="Amélie Roux est déjà de garde du 23/11/2026 08:00"):
        add_shift(session, helpline, nurse, "2026-11-23 19:00", "2026-11-24 08:00", "backup")
    add_shift(session, helpline, nurse, "2026-11-23 20:00", "2026-11-24 08:00")  # end to end
    session.commit()
    token = csrf_of(console, "/admin")
    response = console.post(
        "/admin/rota/shifts?lang=en",
        data={**SHIFT_FORM, "user_id": str(nurse.id), "starts": "2026-11-23T07:00",
              "ends": "2026-11-23T09:00", "csrf_token": token},
    )  # fmt: skip
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "Amélie Roux is already on duty from 23/11/2026 08:00 to 23/11/2026 20:00" in page
    assert 'value="2026-11-23T07:00"' in page and 'value="2026-11-23T09:00"' in page
