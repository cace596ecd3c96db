"""The demo's terminal: its ports checked before anything starts, and what it logs."""

from __future__ import annotations

import logging
import socket
import sys
from typing import TextIO


class PortTaken(SystemExit):
    """A port the demo was asked to use is taken: one line naming it, before anything starts."""


def check_ports(app_port: int, sandbox_port: int) -> None:
    """Stop with one line naming the first of these ports that is taken (0: any free port).

    The demo does not move to another port by itself: the addresses it prints, and those a
    person has bookmarked, stay true; `make demo PORT=… SANDBOX_PORT=…` chooses others."""
    if app_port and app_port == sandbox_port:
        raise PortTaken(
            f"Le port {app_port} est demandé deux fois (asked twice): "
            "PORT et SANDBOX_PORT doivent différer (must differ)."
        )
    for port, option in (
        (app_port, "PORT= / --port"),
        (sandbox_port, "SANDBOX_PORT= / --sandbox-port"),
    ):
        if not port:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # As the servers bind: a port in TIME_WAIT is free, one with a listener is not.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                raise PortTaken(
                    f"Le port {port} est déjà pris (port {port} is already in use): "
                    f"choisissez-en un autre avec {option}, "
                    "ex. make demo PORT=5001 SANDBOX_PORT=5051"
                ) from None


def configure_logging(*, verbose: bool = False, stream: TextIO | None = None) -> logging.Handler:
    """The demo's terminal: calls, rings and errors, not one line per HTTP request (the app's
    and the sandbox's access logs, and the clock's ticks, come back with `verbose`)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")
    )
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    quiet = logging.INFO if verbose else logging.WARNING
    for chatty in ("werkzeug", "apscheduler"):
        logging.getLogger(chatty).setLevel(quiet)
    return handler
