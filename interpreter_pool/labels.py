"""Participant labels of interpreters: "interpreter-<session id>", recognised by the prefix.

Labels are unique per leg in a room: Twilio refuses a join whose label another participant
already has (error 16025) and runs the next verb. The GP is "gp", a nurse "nurse-<user id>",
an interpreter's leg "interpreter-<session id>"; whatever recognises an interpreter in a room
(billing, the console) goes by the prefix.
"""

from __future__ import annotations

INTERPRETER_LABEL_PREFIX = "interpreter-"


def interpreter_label(session_id: int) -> str:
    """The participant label of a session's interpreter leg."""
    return f"{INTERPRETER_LABEL_PREFIX}{session_id}"


def is_interpreter_label(label: str | None) -> bool:
    """Whether a participant is an interpreter (or an agency's line)."""
    return bool(label) and str(label).startswith(INTERPRETER_LABEL_PREFIX)


def session_of_label(label: str | None) -> int | None:
    """The interpreting session an interpreter's label names; None for any other participant."""
    if not label or not is_interpreter_label(label):
        return None
    number = label[len(INTERPRETER_LABEL_PREFIX) :]
    return int(number) if number.isdigit() else None
