"""Who to ring for an interpreter, in what order (pure).

Rules of ``build_dispatch_plan``:

1. Candidates are the active interpreters of the language who are available now (inside their
   availability window and below their maximum of concurrent sessions); the caller filters.
2. Individuals ring before agencies. Strategy ``all``: every individual rings at once, for
   ``agency_delay_s`` when an agency follows (the delay before the agency is tried), else for
   ``ring_timeout_s``. Strategy ``priority``: one individual per step, by priority then id, each
   for ``ring_timeout_s``.
3. Then each agency line, one per step (by priority), with its access code and language code
   sent as DTMF once it answers (``send_digits``), for twice the ring timeout: an agency's
   menu and its operator take longer than a person picking up.
4. The time budget bounds the whole: a step starting with less than ``MIN_STEP_S`` left is not
   rung, and a step's timeout never runs past the budget (``step_timeout``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

STRATEGIES = ("all", "priority")
MIN_STEP_S = 10
# CreateCall's SendDigits (Twilio API spec): "a maximum length of 32 digits. Valid digits in the
# string include any digit (0-9), 'A', 'B', 'C', 'D', '#', and '*'. You can also use 'w' to
# insert a half-second pause and 'W' to insert a one-second pause". Twilio refuses anything
# else with error 21206 (Invalid SendDigits).
SEND_DIGITS_MAX = 32
SEND_DIGITS_CHARS = re.compile(r"[0-9A-D#*wW]+")


@dataclass(frozen=True)
class Candidate:
    """An interpreter or agency able to take a session now."""

    id: int
    kind: Literal["individual", "agency"]
    name: str
    phone: str
    priority: int = 100
    access_code: str | None = None
    agency_code: str | None = None


def send_digits_for(access_code: str | None, agency_code: str | None) -> str | None:
    """DTMF for an agency's menu: wait 2 s, access code, #, wait 2 s, language code, #."""
    parts = [f"wwww{code}#" for code in (access_code, agency_code) if code]
    return "".join(parts) or None


def is_send_digits(value: str) -> bool:
    """True when Twilio accepts this string as a call's SendDigits."""
    return len(value) <= SEND_DIGITS_MAX and bool(SEND_DIGITS_CHARS.fullmatch(value))


AccessCodeProblem = Literal["characters", "length"]


def access_code_problem(
    access_code: str | None, agency_codes: list[str]
) -> AccessCodeProblem | None:
    """Why an agency's keys cannot be sent by Twilio, or None when they can.

    Every language code of the agency is keyed after the access code (``send_digits_for``):
    each combination must be a valid SendDigits.
    """
    for code in [access_code, *agency_codes]:
        if code is not None and not SEND_DIGITS_CHARS.fullmatch(code):
            return "characters"
    combinations: list[str | None] = list(agency_codes) or [None]
    for agency_code in combinations:
        digits = send_digits_for(access_code, agency_code)
        if digits is not None and len(digits) > SEND_DIGITS_MAX:
            return "length"
    return None


def build_dispatch_plan(
    candidates: list[Candidate],
    strategy: str,
    ring_timeout_s: int,
    agency_delay_s: int,
) -> list[list[dict[str, Any]]]:
    """Steps of targets to ring (see the module docstring)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"dispatch strategy must be one of {STRATEGIES}, not {strategy!r}")
    ordered = sorted(candidates, key=lambda c: (c.priority, c.id))
    individuals = [c for c in ordered if c.kind == "individual"]
    agencies = [c for c in ordered if c.kind == "agency"]

    def target(candidate: Candidate, timeout_s: int) -> dict[str, Any]:
        return {
            "interpreter_id": candidate.id,
            "kind": candidate.kind,
            "name": candidate.name,
            "address": candidate.phone,
            "timeout_s": timeout_s,
            "send_digits": send_digits_for(candidate.access_code, candidate.agency_code)
            if candidate.kind == "agency"
            else None,
        }

    steps: list[list[dict[str, Any]]] = []
    if individuals and strategy == "all":
        timeout = agency_delay_s if agencies else ring_timeout_s
        steps.append([target(c, timeout) for c in individuals])
    elif individuals:
        steps.extend([target(c, ring_timeout_s)] for c in individuals)
    steps.extend([target(c, 2 * ring_timeout_s)] for c in agencies)
    return steps


def step_timeout(planned_s: int, remaining_s: float) -> int | None:
    """How long a step may ring within what is left of the budget; None when too little is left."""
    if remaining_s < MIN_STEP_S:
        return None
    return max(MIN_STEP_S, min(planned_s, int(remaining_s)))
