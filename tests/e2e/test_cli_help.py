"""`hotline --help` on a fresh clone: the commands are listed with no settings at all; a
command that needs settings names every missing one, in one line, only when it runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HOTLINE = Path(sys.executable).with_name("hotline")
COMMANDS = ("db", "demo", "report", "twilio", "user", "nurse", "budget", "run")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # As `env -i PATH=$PATH hotline …`: nothing but the PATH.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    return subprocess.run(
        [str(HOTLINE), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_help_lists_the_commands_with_no_settings(tmp_path: Path) -> None:
    result = run("--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split("Commands:")[1]
    for command in COMMANDS:
        assert f"\n  {command} " in listed, command
    assert "Configuration error" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "command", [("report",), ("demo",), ("twilio",), ("twilio", "setup"), ("db",), ("user",)]
)
def test_every_subcommand_help_works_with_no_settings(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    result = run(*command, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Usage: hotline {' '.join(command)} ")
    assert result.stderr == ""


def test_a_command_that_needs_settings_names_the_missing_ones_in_one_line(
    tmp_path: Path,
) -> None:
    result = run("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 2
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert lines == [
        "Configuration error: SECRET_KEY, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, "
        "HOTLINE_NUMBER, PUBLIC_BASE_URL are missing: set them in the environment"
    ]
