"""A helpline's reference lists: seeded once per helpline (by the migration, by the services that
make a helpline), read for forms and reports, changed by the admins' service."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import column, func, insert, select, table
from sqlalchemy.orm import Session

from hotline import reference_lists
from hotline.db import Database
from hotline.migrate import alembic_config
from hotline.models import Helpline, ReferenceValue
from hotline.reference_codes import DEFAULTS, CodeRefusal
from hotline.refusals import Refusal
from hotline.services import helpline_for_number
from tests.conftest import fresh_database_url
from tests.factories import make_helpline

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SECOND_NUMBER = "+33562000000"

# The helplines table as it was at revision 0009 (the model has columns added since).
HELPLINES_AT_0009 = table(
    "helplines",
    *(
        column(name)
        for name in ("name", "phone_number", "greeting", "timezone", "is_active", "created_at")
    ),
)


def codes(session: Session, helpline: Helpline, kind: str) -> list[str]:
    return [code for code, _label in reference_lists.choices(session, helpline.id, kind)]


def test_a_new_helpline_gets_the_defaults_once_and_a_retired_one_stays_retired(
    session: Session,
) -> None:
    helpline = helpline_for_number(session, SECOND_NUMBER, SECOND_NUMBER)
    assert codes(session, helpline, "outcome") == [code for code, _ in DEFAULTS["outcome"]]
    assert reference_lists.labels(session, helpline.id, "coverage")["ame"] == (
        "AME (aide médicale de l'État)"
    )
    pass_value = reference_lists.values(session, helpline.id, "orientation")[1]
    reference_lists.retire_value(session, pass_value, T0)
    assert reference_lists.seed_defaults(session, helpline) == 0
    assert "pass" not in codes(session, helpline, "orientation")
    assert reference_lists.labels(session, helpline.id, "orientation")["pass"] == "PASS"


def test_each_helpline_has_its_own_lists(session: Session) -> None:
    first = make_helpline(session)
    second = make_helpline(session, name="Ligne 2", phone_number=SECOND_NUMBER)
    reference_lists.add_value(session, second.id, "orientation", "CMP Nord")
    assert "cmp_nord" in codes(session, second, "orientation")
    assert "cmp_nord" not in codes(session, first, "orientation")


def test_a_value_is_added_at_the_end_its_code_made_from_its_label_or_given(
    session: Session,
) -> None:
    helpline = make_helpline(session)
    made = reference_lists.add_value(session, helpline.id, "orientation", "  Équipe  mobile ")
    given = reference_lists.add_value(session, helpline.id, "orientation", "EMPP", "empp_31")
    assert (made.code, made.label) == ("equipe_mobile", "Équipe mobile")
    assert codes(session, helpline, "orientation")[-2:] == ["equipe_mobile", "empp_31"]
    assert given.position == made.position + 1


def test_a_code_or_a_label_already_in_the_list_is_refused_even_when_retired(
    session: Session,
) -> None:
    helpline = make_helpline(session)
    other = reference_lists.values(session, helpline.id, "category")[-1]
    reference_lists.retire_value(session, other, T0)
    with pytest.raises(CodeRefusal, match=r"« other » est déjà pris .*« Autre »"):
        reference_lists.add_value(session, helpline.id, "category", "Divers", "other")
    with pytest.raises(Refusal, match="« Autre » est déjà dans cette liste"):
        reference_lists.add_value(session, helpline.id, "category", "autre")
    with pytest.raises(CodeRefusal, match="Code « Divers! » refusé"):
        reference_lists.add_value(session, helpline.id, "category", "Divers", "Divers!")
    with pytest.raises(Refusal, match="Le libellé est obligatoire"):
        reference_lists.add_value(session, helpline.id, "category", "   ")
    with pytest.raises(Refusal, match="Liste inconnue"):
        reference_lists.add_value(session, helpline.id, "colour", "Bleu")
    assert session.scalar(
        select(func.count(ReferenceValue.id)).where(
            ReferenceValue.helpline_id == helpline.id, ReferenceValue.kind == "category"
        )
    ) == len(DEFAULTS["category"])


def test_renaming_keeps_the_code_and_moving_changes_only_the_order(session: Session) -> None:
    helpline = make_helpline(session)
    first, second, *_rest = reference_lists.values(session, helpline.id, "sex")
    reference_lists.rename_value(session, first, " Femme  (déclaré) ")
    assert (first.code, first.label) == ("female", "Femme (déclaré)")
    with pytest.raises(Refusal, match="« Homme » est déjà dans cette liste"):
        reference_lists.rename_value(session, first, "homme")
    reference_lists.move_value(session, second, -1)
    assert codes(session, helpline, "sex") == ["male", "female", "not_stated"]
    reference_lists.move_value(session, second, -1)  # already first: stays
    last = reference_lists.values(session, helpline.id, "sex")[-1]
    reference_lists.move_value(session, last, +1)  # already last: stays
    assert codes(session, helpline, "sex") == ["male", "female", "not_stated"]


def test_a_retired_value_is_no_longer_offered_except_to_the_request_that_has_it(
    session: Session,
) -> None:
    helpline = make_helpline(session)
    interpreting = reference_lists.values(session, helpline.id, "category")[0]
    reference_lists.retire_value(session, interpreting, T0)
    assert "interpreting" not in codes(session, helpline, "category")
    assert reference_lists.labels(session, helpline.id, "category")["interpreting"] == (
        "Interprétariat"
    )
    shown = reference_lists.options(session, helpline.id, {"category": "interpreting"})
    assert shown["category"][0] == reference_lists.Option("interpreting", "Interprétariat", True)
    offered = reference_lists.options(session, helpline.id, {})["category"]
    assert [o.code for o in offered] == codes(session, helpline, "category")
    legacy = reference_lists.options(session, helpline.id, {"outcome": "from_before"})["outcome"]
    assert reference_lists.Option("from_before", "from_before", True) in legacy

    reference_lists.check_choice(session, helpline.id, "category", "interpreting", "interpreting")
    reference_lists.check_choice(session, helpline.id, "category", "", "other")
    reference_lists.check_choice(session, helpline.id, "category", "other", "interpreting")
    with pytest.raises(Refusal, match="« Interprétariat » a été retiré de la liste"):
        reference_lists.check_choice(session, helpline.id, "category", "interpreting", None)
    with pytest.raises(Refusal, match="Orientation : valeur inconnue"):
        reference_lists.check_choice(session, helpline.id, "orientation", "mars", None)

    every = reference_lists.labels_by_kind(session, helpline.id)
    assert every["category"]["interpreting"] == "Interprétariat"
    assert every["housing"]["street"] == "Sans abri (rue)"

    reference_lists.restore_value(session, interpreting)
    assert codes(session, helpline, "category")[0] == "interpreting"
    reference_lists.check_choice(session, helpline.id, "category", "interpreting", None)


def test_the_migration_gives_each_existing_helpline_the_defaults(
    tmp_path: Path, backend: str
) -> None:
    url = fresh_database_url(backend, tmp_path)
    command.downgrade(alembic_config(url), "0009")  # as a database was before the lists
    database = Database.from_url(url)
    with database.session() as session:
        for n, number in enumerate(("+33561000000", SECOND_NUMBER)):
            session.execute(
                insert(HELPLINES_AT_0009).values(
                    name=f"Ligne {n}", phone_number=number, greeting="Bonjour",
                    timezone="Europe/Paris", is_active=True, created_at=T0,
                )
            )  # fmt: skip
        session.commit()
    command.upgrade(alembic_config(url), "head")
    with database.session() as session:
        helplines = list(session.scalars(select(Helpline)))
        assert len(helplines) == 2
        for helpline in helplines:
            for kind, defaults in DEFAULTS.items():
                assert codes(session, helpline, kind) == [code for code, _ in defaults]
    database.dispose()
