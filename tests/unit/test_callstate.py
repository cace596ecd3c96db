"""Status callbacks folded into a leg: any order, any duplicates, the same final state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.callstate import LegState, StatusUpdate, merge_status, status_rank

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EMPTY = LegState(None, None, None, None, None)

# A real sequence for an answered leg: initiated, ringing, answered, completed after 95 s.
ANSWERED_LEG = [
    StatusUpdate("initiated", T0, 0, None),
    StatusUpdate("ringing", T0 + timedelta(seconds=1), 1, None),
    StatusUpdate("in-progress", T0 + timedelta(seconds=6), 2, None),
    StatusUpdate("completed", T0 + timedelta(seconds=101), 3, 95),
]


def fold(updates: list[StatusUpdate]) -> LegState:
    state = EMPTY
    for update in updates:
        state = merge_status(state, update)
    return state


def test_callbacks_in_order_end_completed_with_times_and_duration() -> None:
    state = fold(ANSWERED_LEG)
    assert state.status == "completed"
    assert state.answered_at == T0 + timedelta(seconds=6)
    assert state.ended_at == T0 + timedelta(seconds=101)
    assert state.duration_s == 95
    assert state.last_sequence_number == 3


@given(st.permutations(ANSWERED_LEG * 2))
def test_any_order_with_duplicates_ends_in_the_same_state(updates: list[StatusUpdate]) -> None:
    assert fold(updates) == fold(ANSWERED_LEG)


def test_a_late_ringing_never_reopens_a_completed_leg() -> None:
    state = fold([ANSWERED_LEG[3], ANSWERED_LEG[1]])
    assert state.status == "completed"


def test_the_first_terminal_status_stays() -> None:
    state = fold([StatusUpdate("no-answer", T0, 2, 0), StatusUpdate("completed", T0, 3, 0)])
    assert state.status == "no-answer"


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown call status"):
        status_rank("exploded")
