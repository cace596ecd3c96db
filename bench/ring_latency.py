"""Key press to ring: how long a GP waits between pressing a key and the phone ringing.

Run: .venv/bin/python bench/ring_latency.py [--calls N]

Starts the demo stack (app + sandbox, real HTTP, SQLite in a temporary folder), then for each
call: Dr Martin presses 2 and the time until the nurse's phone rings is measured; then another
call presses 1 and the key of Arabic, and the time until the first interpreter's phone rings.
Prints figures only: it asserts nothing.
"""

from __future__ import annotations

import argparse
import logging
import re
import statistics
import tempfile
import time
from pathlib import Path

from hotline.demo import start_stack


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    folder = Path(tempfile.mkdtemp())
    stack = start_stack(f"sqlite:///{folder / 'bench.sqlite3'}")
    nurse_waits: list[float] = []
    interpreter_waits: list[float] = []
    try:
        nurse = stack.sandbox.person("+33600000001")
        samira = stack.sandbox.person("+33610000001")
        for _ in range(args.calls):
            gp = stack.sandbox.place_call(from_="06 12 34 56 78", to=stack.settings.hotline_number)
            stack.sandbox.settle()
            before = len(nurse.legs)
            pressed = time.monotonic()
            gp.press("2")
            while len(nurse.legs) == before:
                time.sleep(0.001)
            nurse_waits.append((time.monotonic() - pressed) * 1000)
            gp.hang_up()
            stack.sandbox.settle()

            gp = stack.sandbox.place_call(from_="06 12 34 56 78", to=stack.settings.hotline_number)
            stack.sandbox.settle()
            gp.press("1")
            stack.sandbox.settle()
            digit = re.search(r"Pour l'arabe, tapez (\d)", gp.heard_text())
            assert digit is not None
            before = len(samira.legs)
            pressed = time.monotonic()
            gp.press(digit.group(1))
            while len(samira.legs) == before:
                time.sleep(0.001)
            interpreter_waits.append((time.monotonic() - pressed) * 1000)
            gp.hang_up()
            stack.sandbox.settle()
    finally:
        stack.stop()
    print(f"{args.calls} calls each, milliseconds from the key press to the phone ringing")
    print(f"{'series':<28}{'p50':>8}{'p95':>8}{'max':>8}{'mean':>8}")
    for name, values in (("press 2 → nurse rings", nurse_waits),
                         ("language key → interpreter", interpreter_waits)):  # fmt: skip
        print(
            f"{name:<28}{percentile(values, 50):>8.1f}{percentile(values, 95):>8.1f}"
            f"{max(values):>8.1f}{statistics.mean(values):>8.1f}"
        )


if __name__ == "__main__":
    main()
