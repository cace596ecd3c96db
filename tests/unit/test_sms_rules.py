"""The texts' pure rules: who can receive one, the wording, the forward-only status fold."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hotline.sms_rules import callback_confirmation, can_receive_sms, next_status, voicemail_alert


@pytest.mark.parametrize(
    ("number", "textable"),
    [("+33612345678", True), ("+33700000000", False), ("+33561000000", False),
     ("+33912345678", False), ("0612345678", False), (None, False), ("+336", False),
     ("+262692123456", True)],
)  # fmt: skip
def test_only_mobiles_receive_texts(number: str | None, textable: bool) -> None:
    assert can_receive_sms(number) is textable


def test_the_confirmation_says_the_reference_and_the_local_time_only() -> None:
    due = datetime(2026, 12, 3, 13, 30, tzinfo=UTC)
    assert callback_confirmation("2026-00042", due, "Europe/Paris") == (
        "Plateforme d'appui : rappel prévu le 3 déc. à 14 h 30, demande 2026-00042."
    )
    on_the_hour = datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    assert "le 1 juil. à 9 h," in callback_confirmation("2026-00001", on_the_hour, "Europe/Paris")
    assert voicemail_alert("2026-00042") == (
        "Plateforme d'appui : nouveau message vocal, demande 2026-00042."
    )


@pytest.mark.parametrize(
    ("current", "reported", "after"),
    [("pending", "queued", "queued"), ("queued", "sent", "sent"),
     ("sent", "delivered", "delivered"),
     ("delivered", "sent", "delivered"), ("delivered", "queued", "delivered"),
     ("undelivered", "sent", "undelivered"), ("delivered", "failed", "delivered"),
     ("sent", "sending", "sent"), ("delivered", "read", "read")],
)  # fmt: skip
def test_a_status_only_moves_forward(current: str, reported: str, after: str) -> None:
    assert next_status(current, reported) == after
