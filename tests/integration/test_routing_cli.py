"""`hotline nurse|shift|hours|closure`: set up routing from the command line, bad input refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from hotline.cli import cli
from hotline.db import Database
from hotline.models import Helpline, User
from routing.models import Closure, Shift
from tests.conftest import fresh_database_url, make_settings
from tests.factories import make_helpline


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> str:
    url = fresh_database_url(backend, tmp_path)
    database = Database.from_url(url)
    with database.session() as session:
        make_helpline(session)
        session.commit()
    database.dispose()
    return url


def run(database_url: str, *args: str) -> tuple[int, str]:
    settings = make_settings(database_url=database_url)
    env = {
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key,
        "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
        "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
        "HOTLINE_NUMBER": settings.hotline_number,
        "PUBLIC_BASE_URL": settings.public_base_url,
    }
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def read(database_url: str) -> Database:
    return Database.from_url(database_url)


def test_a_nurse_her_night_shift_crossing_midnight_hours_and_a_closure(database_url: str) -> None:
    code, out = run(
        database_url,
        "nurse", "add", "--email", "Amelie@Example.org", "--name", "Amélie Roux",
        "--phone", "06 00 00 00 01",
    )  # fmt: skip
    assert code == 0, out
    assert "+33600000001" in out
    code, out = run(
        database_url,
        "shift", "add", "--email", "amelie@example.org",
        "--from", "2026-03-28 22:00", "--to", "2026-03-29 07:00",
    )  # fmt: skip
    assert code == 0, out
    code, out = run(
        database_url, "hours", "set", "mon-fri 09:00-12:30,13:30-18:00; sat 09:00-12:00"
    )
    assert code == 0, out
    assert "du lundi au vendredi, de 9 heures à 12 heures 30" in out
    code, out = run(
        database_url, "closure", "add", "--from", "2026-12-24", "--to", "2026-12-26",
        "--label", "fermeture de Noël",
    )  # fmt: skip
    assert code == 0, out

    database = read(database_url)
    with database.session() as session:
        nurse = session.scalars(select(User)).one()
        assert nurse.email == "amelie@example.org" and nurse.has_role("nurse")
        shift = session.scalars(select(Shift)).one()
        # 22:00 winter time to 07:00 summer time: the clocks go forward that night, 8 h.
        assert shift.starts_at == datetime(2026, 3, 28, 21, 0, tzinfo=UTC)
        assert shift.ends_at == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
        helpline = session.scalars(select(Helpline)).one()
        assert helpline.opening_hours == "mon-fri 09:00-12:30,13:30-18:00; sat 09:00-12:00"
        closure = session.scalars(select(Closure)).one()
        assert closure.starts_at == datetime(2026, 12, 23, 23, 0, tzinfo=UTC)
        assert closure.ends_at == datetime(2026, 12, 26, 23, 0, tzinfo=UTC)
    database.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nurse", "add", "--email", "x@example.org", "--name", "X", "--phone", "12"],
         "« 12 » n'est pas un numéro de téléphone valide"),
        (["nurse", "add", "--email", "nobody", "--name", "X"], "n'est pas une adresse e-mail"),
        (["hours", "set", "mon-fri 9h-18h"], "9h-18h"),
        (["hours", "set", "mon-fri 09:00-18:00", "--holiday-subdivision", "67"],
         "Zone de jours fériés inconnue « 67 »"),
        (["shift", "add", "--email", "ghost@example.org", "--from", "2026-11-23 08:00",
          "--to", "2026-11-23 20:00"], "Aucun compte à l'adresse « ghost@example.org »"),
        (["closure", "add", "--from", "2026-12-26", "--to", "2026-12-24"], "avant le premier"),
    ],
    ids=["phone", "email", "hours", "subdivision", "unknown-nurse", "closure-backwards"],
)  # fmt: skip
def test_bad_input_is_refused_with_one_clear_line_and_writes_nothing(
    database_url: str, args: list[str], message: str
) -> None:
    code, out = run(database_url, *args)
    assert code != 0
    assert message in out
    assert "Traceback" not in out
    database = read(database_url)
    with database.session() as session:
        assert session.scalars(select(User)).all() == []
        assert session.scalars(select(Closure)).all() == []
        assert session.scalars(select(Helpline)).one().opening_hours == "mon-fri 09:00-18:00"
    database.dispose()


def test_an_overlapping_shift_of_the_same_nurse_is_refused_naming_the_other(
    database_url: str,
) -> None:
    code, out = run(
        database_url,
        "nurse", "add", "--email", "amelie@example.org", "--name", "Amélie Roux",
        "--phone", "06 00 00 00 01",
    )  # fmt: skip
    assert code == 0, out
    shift = ["shift", "add", "--email", "amelie@example.org"]
    code, out = run(database_url, *shift, "--from", "2026-11-23 08:00", "--to", "2026-11-23 20:00")
    assert code == 0, out
    code, out = run(database_url, *shift, "--from", "2026-11-23 12:00", "--to", "2026-11-23 14:00")
    assert code != 0
    assert "Amélie Roux est déjà de garde du 23/11/2026 08:00 au 23/11/2026 20:00" in out
    assert "Traceback" not in out
    database = read(database_url)
    with database.session() as session:
        assert len(session.scalars(select(Shift)).all()) == 1
    database.dispose()
