"""Start-up as production runs it: a bad setting stops the Procfile's commands with one line."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

GOOD_ENV = {
    "SECRET_KEY": "a-long-enough-secret-key-for-tests",
    "TWILIO_ACCOUNT_SID": "AC" + "0123456789abcdef" * 2,
    "TWILIO_AUTH_TOKEN": "fedcba9876543210" * 2,
    "HOTLINE_NUMBER": "+33561000000",
    "PUBLIC_BASE_URL": "https://hotline.example.org",
}


def procfile_command(process: str) -> list[str]:
    """The Procfile's command for `process`, with the default port values."""
    for line in (REPO / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            command = command.replace("${WEB_CONCURRENCY:-3}", "1").replace("${PORT:-8000}", "0")
            argv = shlex.split(command)
            argv[0] = str(BIN / argv[0])
            return argv
    raise AssertionError(f"no {process}: line in the Procfile")


def run(argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd)}
    return subprocess.run(
        argv,
        env=base | env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("process", "name", "value", "expected"),
    [
        ("web", "HOTLINE_NUMBER", "12", "HOTLINE_NUMBER"),
        ("web", "SECRET_KEY", None, "SECRET_KEY is missing"),
        ("release", "PUBLIC_BASE_URL", "ftp://x", "PUBLIC_BASE_URL"),
        ("release", "TWILIO_ACCOUNT_SID", None, "TWILIO_ACCOUNT_SID is missing"),
    ],
)
def test_a_bad_setting_stops_the_procfile_command_with_one_line_naming_it(
    process: str, name: str, value: str | None, expected: str, tmp_path: Path
) -> None:
    env = dict(GOOD_ENV)
    if value is None:
        del env[name]
    else:
        env[name] = value
    result = run(procfile_command(process), env, tmp_path)
    assert result.returncode != 0
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert expected in lines[0]
    assert "Traceback" not in result.stderr
