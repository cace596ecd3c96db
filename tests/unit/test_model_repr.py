"""The models' repr: the primary key and a few fields, never a phone number in full."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import JSON, String, Text

from callbacks.models import CallbackTask
from hotline import all_models
from hotline.db import Base, mask_number
from hotline.models import Call, Helpline, Request, User

assert all_models  # every model registered on the Base
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MAPPERS = sorted(Base.registry.mappers, key=lambda m: m.class_.__name__)


def test_a_request_shows_its_id_reference_and_status_and_only_the_end_of_the_caller_number() -> (
    None
):
    request = Request(
        id=12,
        reference="2026-00001",
        status="received",
        channel="phone",
        caller_number="+33612345678",
        notes="Patiente de 84 ans, Mme Durand",
        opened_at=T0,
    )
    text = repr(request)
    assert text == (
        "<Request id=12 reference='2026-00001' status='received' channel='phone'"
        " caller_number='…78'>"
    )
    assert "12345678" not in text
    assert "Durand" not in text


def test_phone_numbers_of_people_and_calls_are_masked() -> None:
    rows = [
        User(id=3, display_name="Amélie Roux", roles="nurse", phone="+33600000001"),
        Helpline(id=1, name="Permanence", phone_number="+33561000000"),
        Call(id=7, sid="CA" + "0" * 32, from_number="+33612345678", to_number="+33561000000"),
        CallbackTask(id=5, request_id=12, reason="voicemail", phone="+33612345678"),
    ]
    texts = [repr(row) for row in rows]
    assert texts[0] == "<User id=3 display_name='Amélie Roux' roles='nurse' phone='…01'>"
    assert "phone_number='…00'" in texts[1]
    assert "from_number='…78' to_number='…00'" in texts[2]
    assert texts[3] == "<CallbackTask id=5 request_id=12 reason='voicemail' phone='…78'>"
    for text in texts:
        assert "612345678" not in text
        assert "600000001" not in text
        assert "561000000" not in text


def test_a_row_not_yet_flushed_shows_id_none_and_the_fields_it_has() -> None:
    assert repr(Helpline(name="Permanence")) == "<Helpline id=None name='Permanence'>"


@pytest.mark.parametrize("number, masked", [("+33612345678", "…78"), ("", ""), (None, None)])
def test_mask_number_keeps_the_last_two_digits(number: str | None, masked: str | None) -> None:
    assert mask_number(number) == masked


@pytest.mark.parametrize("mapper", MAPPERS, ids=lambda m: m.class_.__name__)
def test_every_model_names_its_repr_fields_and_never_shows_a_number_or_free_text(
    mapper: object,
) -> None:
    model = mapper.class_  # type: ignore[attr-defined]
    assert model.__repr_fields__, f"{model.__name__} declares no __repr_fields__"
    columns = {c.key: c for c in mapper.columns}  # type: ignore[attr-defined]
    for key in (*model.__repr_fields__, *model.__repr_masked__):
        assert key in columns, f"{model.__name__}.{key} is not a column"
    for key in model.__repr_fields__:
        column_type = columns[key].type
        if isinstance(column_type, String):
            assert "phone" not in key and "number" not in key, f"{key} must be masked"
            free_text = isinstance(column_type, Text) or (column_type.length or 0) > 160
            assert not free_text, f"{model.__name__}.{key} is free text"
        assert not isinstance(column_type, JSON), f"{model.__name__}.{key} is a document"
    assert repr(model()).startswith(f"<{model.__name__} ")
