"""The ground floor's sockets: signals features listen to, and registries features fill.

`hotline/` knows no feature. A feature plugs in from its own ``init_app(app)`` (called by
``create_app``): it connects to the signals below and adds its entries to the registries kept on
``app.extensions``. The ground floor then calls what was registered, in registration order.

Signals (blinker), sent with the database session and ``now`` as keyword arguments; receivers
flush, never commit (the caller's transaction commits once):

- ``gp_left``: the GP's call ended (``call``: the ``Call`` row).
- ``presence_closed``: a participant's stay in a conference room is known from join to leave
  (``presence``: the ``ConferencePresence`` row).
- ``callback_wanted``: a flow gives up on reaching someone live and wants a callback
  (``request``, ``reason``, and what the flow knows: ``due_at``, the voicemail's
  ``recording``); send it with ``want_callback``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from blinker import Namespace
from flask import Flask, current_app
from sqlalchemy.orm import Session

from hotline.models import Request
from hotline.telephony.parsing import Recording

EXTENSION_KEY = "hotline.hooks"

_signals = Namespace()
gp_left = _signals.signal("gp-left")
presence_closed = _signals.signal("presence-closed")
callback_wanted = _signals.signal("callback-wanted")


def want_callback(
    session: Session,
    request: Request,
    reason: str,
    due_at: datetime,
    now: datetime,
    *,
    recording: Recording | None = None,
) -> None:
    """Ask for a callback of the request's caller (due no earlier than ``due_at``), with the
    voicemail he left if any; the callbacks feature keeps the promise, once."""
    callback_wanted.send(
        None,
        session=session,
        request=request,
        reason=reason,
        due_at=due_at,
        now=now,
        recording=recording,
    )


@dataclass(frozen=True)
class NavSection:
    """A section of the console's or the admin's navigation, shown to the roles it serves."""

    endpoint: str
    label: str  # a lazy (N_) French msgid, translated when shown
    roles: tuple[str, ...]
    order: int = 100


@dataclass
class Registries:
    """What the features registered on one application."""

    # key pressed in the main menu → a function answering that branch's TwiML, in-process
    menu_branches: dict[str, Callable[..., Any]] = field(default_factory=dict)
    # one batched reader per package: the live states the nurse's board shows
    board_states: list[Callable[..., Any]] = field(default_factory=list)
    # the request page's panels, in order
    request_panels: list[Callable[..., Any]] = field(default_factory=list)
    console_nav: list[NavSection] = field(default_factory=list)
    admin_nav: list[NavSection] = field(default_factory=list)


def init_app(app: Flask) -> Registries:
    """Give an application its (empty) registries; features fill them from their ``init_app``."""
    registries = app.extensions.get(EXTENSION_KEY)
    if registries is None:
        registries = Registries()
        app.extensions[EXTENSION_KEY] = registries
    assert isinstance(registries, Registries)
    return registries


def registries(app: Flask | None = None) -> Registries:
    """The registries of ``app`` (the current application by default)."""
    found = (app or current_app).extensions[EXTENSION_KEY]
    assert isinstance(found, Registries)
    return found


def add_menu_branch(app: Flask, key: str, answer: Callable[..., Any]) -> None:
    """The main menu's ``key`` is answered by ``answer`` (one branch a key)."""
    branches = registries(app).menu_branches
    if key in branches and branches[key] is not answer:
        raise ValueError(f"menu key {key!r} is already taken")
    branches[key] = answer


def add_board_state(app: Flask, reader: Callable[..., Any]) -> None:
    """A package's batched reader of the live states shown on the nurse's board."""
    readers = registries(app).board_states
    if reader not in readers:
        readers.append(reader)


def add_request_panel(app: Flask, panel: Callable[..., Any]) -> None:
    """A panel of the request page."""
    panels = registries(app).request_panels
    if panel not in panels:
        panels.append(panel)


def add_console_section(app: Flask, section: NavSection) -> None:
    """A section of the console's navigation."""
    _add_section(registries(app).console_nav, section)


def add_admin_section(app: Flask, section: NavSection) -> None:
    """A section of the admin's navigation."""
    _add_section(registries(app).admin_nav, section)


def _add_section(sections: list[NavSection], section: NavSection) -> None:
    if all(known.endpoint != section.endpoint for known in sections):
        sections.append(section)
        sections.sort(key=lambda known: known.order)
