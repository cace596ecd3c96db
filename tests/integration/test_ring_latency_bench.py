"""bench/ring_latency.py runs to the end with a couple of calls and prints its figures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NUMBER = r"\d+\.\d"


def test_the_ring_latency_bench_finishes_and_prints_each_series_beside_its_floor() -> None:
    done = subprocess.run(
        [sys.executable, "bench/ring_latency.py", "--calls", "2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,  # the bench must never hang: every wait in it is bounded
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAILED" not in done.stdout
    header = next(line for line in done.stdout.splitlines() if line.startswith("series"))
    columns = ["series", "ok", "failed", "p50", "p95", "max", "mean", "floor", "p50-floor"]
    assert header.split() == columns
    for series in ("press 2 → nurse rings", "language key → interpreter"):
        row = re.search(
            rf"^{series} +2 +0 +{NUMBER} +{NUMBER} +{NUMBER} +{NUMBER} +{NUMBER} +-?{NUMBER}$",
            done.stdout,
            re.MULTILINE,
        )
        assert row is not None, f"no figures for {series!r}:\n{done.stdout}"
