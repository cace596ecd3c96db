"""The README's demo: `hotline demo` on an empty folder prints a simulator where a call works."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

HOTLINE = Path(sys.executable).with_name("hotline")


def _read_until_address(process: subprocess.Popen[str], deadline: float) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("Ctrl+C"):
            return lines
    raise AssertionError(f"the demo printed no address; output so far: {lines}")


def test_the_demo_command_prints_a_simulator_address_where_a_call_can_be_placed(
    tmp_path: Path,
) -> None:
    # A bare environment, as on a fresh clone: no settings at all.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    process = subprocess.Popen(
        [str(HOTLINE), "demo", "--port", "0", "--sandbox-port", "0", "--instance", "instance"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # The first run plays the demo's past year first (a minute on a busy machine).
        lines = _read_until_address(process, time.monotonic() + 240)
        assert any(line.startswith("Année de démonstration (demo year): 400") for line in lines)
        match = re.search(r"simulator\): (http://127\.0\.0\.1:\d+)/", "\n".join(lines))
        assert match, lines
        simulator = match.group(1)

        page = requests.get(f"{simulator}/", timeout=5)
        assert page.status_code == 200
        assert "Simulateur" in page.text

        placed = requests.post(
            f"{simulator}/sandbox/calls",
            json={"from": "06 12 34 56 78", "to": "+33561000000"},
            timeout=5,
        )
        assert placed.status_code == 201
        sid = placed.json()["sid"]

        heard = ""
        for _ in range(600):  # real time: the greeting takes seconds to be said
            state = requests.get(f"{simulator}/sandbox/state", timeout=5).json()
            leg = next(c for c in state["calls"] if c["sid"] == sid)
            heard = " ".join(leg["heard"])
            if "tapez 3" in heard:
                break
            time.sleep(0.05)
        assert "Bonjour docteur Martin" in heard
        assert "Pour obtenir un interprète, tapez 1" in heard

        # The parties that are machines, listed with their kind, and the form to add more.
        people = {p["address"]: p for p in state["people"]}
        assert people["+33140000000"]["policy"]["kind"] == "agency"
        assert people["+33140000000"]["policy"]["digits"] == "1234"
        assert people["+33140000000"]["kind"].startswith("standard d'agence d'interprétariat")
        assert people["+33623456789"]["policy"]["kind"] == "voicemail"
        assert people["+33623456789"]["kind"].startswith("messagerie vocale")
        assert '<form id="party">' in page.text
        assert '<option value="voicemail">messagerie vocale</option>' in page.text
        assert "<option value=\"agency\">standard d'agence d'interprétariat</option>" in page.text
        assert (tmp_path / "instance" / "demo.sqlite3").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0
