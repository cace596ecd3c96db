"""The demo's terminal: two demos side by side, a taken port named before anything starts, and
what an open board leaves in the terminal (calls, rings and errors, not every request)."""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from hotline.demo import DEMO_PASSWORDS, DemoStack
from hotline.demo_terminal import configure_logging
from tests.e2e.conftest import repo_root
from tests.e2e.test_demo_command import HOTLINE, _read_until_address

NURSE = "amelie.roux@demo.e-care.fr"
# The board page asks for its JSON every second: fifteen minutes of an open board.
FIFTEEN_MINUTES_OF_POLLING = 900


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _demo(folder: Path, port: int, sandbox_port: int) -> subprocess.Popen[str]:
    folder.mkdir(exist_ok=True)
    ports = ["--port", str(port), "--sandbox-port", str(sandbox_port)]
    # The smallest demo: no past year to play.
    smallest = ["--instance", "instance", "--year-requests", "0"]
    return subprocess.Popen(
        [str(HOTLINE), "demo", *ports, *smallest],
        cwd=folder,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


def test_two_demos_run_side_by_side_and_a_taken_port_is_named_before_anything_starts(
    tmp_path: Path,
) -> None:
    ports = [(_free_port(), _free_port()), (_free_port(), _free_port())]
    demos = [_demo(tmp_path / f"demo{i}", *pair) for i, pair in enumerate(ports)]
    try:
        for demo, (port, sandbox_port) in zip(demos, ports, strict=True):
            lines = _read_until_address(demo, time.monotonic() + 120)
            assert f"http://127.0.0.1:{sandbox_port}/" in "\n".join(lines)
            home = requests.get(f"http://127.0.0.1:{port}/", timeout=5)
            assert home.status_code == 200
            assert f'href="http://127.0.0.1:{sandbox_port}/"' in home.text
            assert requests.get(f"http://127.0.0.1:{sandbox_port}/", timeout=5).status_code == 200

        # A third on the first one's application port: one line naming it, nothing started.
        taken, _ = ports[0]
        spare = _free_port()
        third = _demo(tmp_path / "third", taken, spare)
        output, _ = third.communicate(timeout=30)
        assert third.returncode != 0
        lines = [line for line in output.splitlines() if line.strip()]
        assert len(lines) == 1, lines
        assert re.search(rf"\bport {taken}\b", lines[0])
        assert "PORT=" in lines[0]
        assert not (tmp_path / "third" / "instance").exists()  # no database, no seeding
    finally:
        for demo in demos:
            _stop(demo)
    assert [demo.returncode for demo in demos] == [0, 0]


@pytest.fixture
def terminal() -> Iterator[io.StringIO]:
    """The demo's logging, written into a string instead of the terminal (undone after)."""
    loggers = [logging.getLogger(name) for name in ("", "werkzeug", "apscheduler")]
    levels = [logger.level for logger in loggers]
    screen = io.StringIO()
    yield screen
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)
    for handler in list(logging.getLogger().handlers):
        if getattr(handler, "stream", None) is screen:
            logging.getLogger().removeHandler(handler)


def _signed_in_nurse(stack: DemoStack) -> requests.Session:
    browser = requests.Session()
    root = stack.settings.public_root
    form = browser.get(f"{root}/console/login", timeout=5).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    signed = browser.post(
        f"{root}/console/login",
        data={"email": NURSE, "password": DEMO_PASSWORDS[NURSE], "csrf_token": token.group(1)},
        timeout=5,
    )
    assert signed.url.endswith("/console/board")
    return browser


def _poll_board(browser: requests.Session, stack: DemoStack, times: int) -> None:
    for _ in range(times):
        assert browser.get(f"{stack.settings.public_root}/console/api/board", timeout=5).ok


def test_fifteen_minutes_of_an_open_board_leave_fewer_than_twenty_lines(
    stack: DemoStack, terminal: io.StringIO
) -> None:
    configure_logging(stream=terminal)
    browser = _signed_in_nurse(stack)
    _poll_board(browser, stack, FIFTEEN_MINUTES_OF_POLLING)
    lines = terminal.getvalue().splitlines()
    assert len(lines) < 20, lines[:25]
    assert logging.getLogger("apscheduler").getEffectiveLevel() >= logging.WARNING  # no ticks


def test_verbose_brings_back_one_line_per_request(stack: DemoStack, terminal: io.StringIO) -> None:
    configure_logging(verbose=True, stream=terminal)
    browser = _signed_in_nurse(stack)
    _poll_board(browser, stack, 30)
    access = [line for line in terminal.getvalue().splitlines() if "GET /console/api/board" in line]
    assert len(access) == 30


def test_make_demo_passes_its_ports_and_verbose_to_the_demo_command() -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    made = subprocess.run(
        # --no-print-directory: under `make test` this make is nested and would print
        # "make[1]: Entering directory…" lines around the command.
        [
            "make",
            "--no-print-directory",
            "-n",
            "demo",
            "PORT=5001",
            "SANDBOX_PORT=5051",
            "VERBOSE=1",
        ],
        cwd=repo_root(),
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [line for line in made.stdout.splitlines() if " demo" in line and "hotline" in line]
    command = lines[-1].split()
    assert command[0].endswith("bin/hotline") and command[1] == "demo"
    assert command[2:] == ["--port", "5001", "--sandbox-port", "5051", "--verbose"]
