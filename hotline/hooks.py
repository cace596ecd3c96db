"""The ground floor's sockets: signals features listen to, and registries features fill.

`hotline/` knows no feature. A feature plugs in from its own ``init_app(app)`` (called by
``create_app``): it connects to the signals below and adds its entries to the registries kept on
``app.extensions``. The ground floor then calls what was registered, in registration order.

Signals (blinker), sent with the database session and ``now`` as keyword arguments; receivers
flush, never commit (the caller's transaction commits once):

- ``gp_left``: the GP's call ended (``call``: the ``Call`` row).
- ``presence_changed``: a participant's join or leave was folded into its presence
  (``presence``: the ``Participation`` row; ``event``: "participant-join" or "participant-leave").
- ``presence_closed``: a participant's stay in a conference room is known from join to leave
  (``presence``: the ``Participation`` row), sent on each event once both times are known.
- ``callback_wanted``: a flow gives up on reaching someone live and wants a callback
  (``request``, ``reason``, and what the flow knows: ``due_at``, ``assignee_id``, the
  voicemail's ``recording``); a flow sends it with ``want_callback``.
- ``callback_promised``: a new callback task was made (``request``, ``reason``, ``due_at``); sent
  by the callbacks feature once a task, with no sender (like ``callback_wanted``).
- ``voicemail_left``: a voicemail was attached to a request's callback (``request``,
  ``recording_sid``), once a recording, with no sender.
- ``retention_due``: the retention purge is about to forget the detail of the requests opened
  before ``cutoff``; sent with no sender from the clock's job (``before_retention``). A receiver
  that has kept what it needs of that detail (the reports' aggregates) returns the instant before
  which it did; the purge deletes the detail only the reports read for the requests opened
  before that instant, and only anonymises the others.

The application is the sender: a feature connects for its own application with ``connect``, and
the ground floor sends with ``send``, which calls the receivers in the order they were connected
(blinker's own ``send`` has no order). ``callback_wanted`` is the exception: flows want a
callback from outbox threads and clock jobs too, where no application is current, so it is sent
with no sender (``want_callback``) and its one receiver connects for every sender.

The board's "day at a glance": ``add_board_summary(app, reader)``; ``reader(session, day_start,
day_end, now, helpline_ids)`` returns the package's ``SummaryItem`` figures for the helpline's
day, counted over the helplines the reader of the board sees.

The request page's story: ``add_story_teller(app, teller)``; ``teller(facts, words)`` tells the
steps its package logs (``hotline.story``).

A helpline's settings page (``hotline.admin.helplines``): ``add_helpline_settings(app,
HelplineSettings(...))``; a feature shows its own fields of the helpline (a form of its own,
prefixed with its key) and applies them with its own rules, when the helpline is made and when it
is edited. A ``ValueError`` from ``apply`` refuses the whole page (nothing is kept).

Merging two professionals of the directory (``hotline.merge``): ``add_merge_handler(app,
MergeHandler(...))``; a feature whose rows name a professional (or hang on his requests) says how
many rows each record has (shown before the merge) and moves its rows from the merged record to
the kept one, in the merge's transaction (flush, never commit).

The main menu's branches: ``add_menu_branch(app, key, answer, name=..., prompt=...)``; the menu
webhook calls ``answer(call_request, call_sid)`` in the same request and transaction, and returns
the TwiML it answers to the caller at once (no ``<Redirect>``). ``prompt`` ("Pour obtenir un
interprète") is read in the menu followed by ", tapez <key>."; ``name`` is logged as the choice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from blinker import NamedSignal, Namespace
from flask import Flask, current_app
from sqlalchemy.orm import Session

from hotline.models import Helpline, Request
from hotline.story import Teller
from hotline.telephony.parsing import Recording

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from hotline.models import Request, User

EXTENSION_KEY = "hotline.hooks"

_signals = Namespace()
gp_left = _signals.signal("gp-left")
presence_changed = _signals.signal("presence-changed")
presence_closed = _signals.signal("presence-closed")
callback_wanted = _signals.signal("callback-wanted")
callback_promised = _signals.signal("callback-promised")
voicemail_left = _signals.signal("voicemail-left")
retention_due = _signals.signal("retention-due")


class CallbackReason(StrEnum):
    """Why a callback is wanted: the vocabulary of ``callback_wanted`` (stored on the task)."""

    VOICEMAIL = "voicemail"
    NO_ANSWER = "no_answer"
    OUT_OF_HOURS = "out_of_hours"
    ABANDONED = "abandoned"
    NO_INTERPRETER = "no_interpreter"
    REQUESTED = "requested"
    FOLLOW_UP = "follow_up"


def want_callback(
    session: Session,
    request: Request,
    reason: CallbackReason,
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


def before_retention(session: Session, cutoff: datetime, now: datetime) -> datetime | None:
    """Tell the features the purge of the requests opened before ``cutoff`` comes; the instant
    before which one of them kept what it needs of their detail, if any (``retention_due``)."""
    answers = retention_due.send(None, session=session, cutoff=cutoff, now=now)
    kept = [answer for _, answer in answers if isinstance(answer, datetime)]
    return min(min(kept), cutoff) if kept else None


@dataclass(frozen=True)
class ClockJob:
    """A feature's periodic job for the clock process: ``run(state)`` every ``seconds``."""

    name: str
    seconds: float
    run: Callable[[Any], Any]


@dataclass(frozen=True)
class NavSection:
    """A section of the console's or the admin's navigation, shown to the roles it serves."""

    endpoint: str
    label: str  # a lazy (N_) French msgid, translated when shown
    roles: tuple[str, ...]
    order: int = 100
    description: str = ""  # a lazy (N_) French msgid: one line under the label (the admin's index)


@dataclass(frozen=True)
class MenuOption:
    """How the main menu names a branch: logged as ``name``, announced with ``prompt``."""

    name: str
    prompt: str | None = None  # None: the key works but the menu does not announce it


@dataclass(frozen=True)
class BoardState:
    """What a package knows of one live call, for the board's "État" column.

    When several packages know the same call, the board shows the state of the highest
    ``precedence`` (an interpreter being sought outranks the nurse's line); the call is held by
    the nurse if any package says so.
    """

    state: str  # a stable key the board's script styles ("ringing", "with_nurse", ...)
    label: str  # already translated for the request's language
    ringing_me: bool = False
    held_by_me: bool = False
    precedence: int = 0


class BoardStateReader(Protocol):
    """A package's batched reader: the states it knows of these live requests, by request id."""

    def __call__(
        self, session: Session, request_ids: Sequence[int], user: User, now: datetime, /
    ) -> Mapping[int, BoardState]: ...


# Where a panel sits on the request page.
PANEL_PLACES = ("caller", "call", "main", "aside")


@dataclass(frozen=True)
class Panel:
    """A panel of the request page: a template of the package rendered with its values.

    ``place``: "caller" in the card of who called; "call" in the card of the call the nurse holds
    (shown only when a panel is there); "main" under the request's form; "aside" in the side
    column. Panels of one place are shown by ``order``, then registration order.
    """

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    place: str = "main"
    order: int = 100

    def __post_init__(self) -> None:
        if self.place not in PANEL_PLACES:
            raise ValueError(f"unknown panel place {self.place!r}")


class RequestPanel(Protocol):
    """A package's panel of the request page for this nurse, or None when it has nothing."""

    def __call__(
        self, session: Session, request: Request, user: User, now: datetime, /
    ) -> Panel | None: ...


class AdminHomePanel(Protocol):
    """A package's panel on the admin's home for this admin (its template rendered with the
    panel's context), or None when it has nothing to say; ``place`` and ``order`` as above."""

    def __call__(self, session: Session, user: User, now: datetime, /) -> Panel | None: ...


@dataclass(frozen=True)
class SummaryItem:
    """One figure of the board's "day at a glance": how many, and where to see them."""

    key: str  # stable, for the board's script and tests ("callbacks_due")
    label: str  # already translated
    count: int
    url: str | None = None


class BoardSummaryReader(Protocol):
    """A package's figures for the board's day (``day_start``/``day_end``: the helpline's day),
    counted over the helplines the reader sees (``helpline_ids``) only."""

    def __call__(
        self,
        session: Session,
        day_start: datetime,
        day_end: datetime,
        now: datetime,
        helpline_ids: Sequence[int],
        /,
    ) -> Sequence[SummaryItem]: ...


@dataclass(frozen=True)
class HelplineSettings:
    """A feature's part of a helpline's settings page.

    ``form(helpline, posted)``: the section's form (a FlaskForm without its own CSRF field, its
    fields prefixed with ``key``): the posted one when ``posted``, else the helpline's stored
    values (the defaults for a helpline being made, ``helpline`` None). ``apply(session,
    helpline, form, now, created)`` saves a validated form with the feature's rules (raising
    ``ValueError`` with a message for a person) and returns what changed, for the audit log.
    ``template`` renders the section's fields from ``form``.
    """

    key: str
    title: str  # a lazy (N_) French msgid
    template: str
    form: Callable[[Helpline | None, bool], Any]
    apply: Callable[[Session, Helpline, Any, datetime, bool], Mapping[str, Any]]
    order: int = 100


@dataclass(frozen=True)
class MergeHandler:
    """A feature's rows that follow a professional merged into another."""

    key: str
    label: str  # a lazy (N_) French msgid: "rappels"
    # (session, professional_id) → how many of the feature's rows belong to that professional
    count: Callable[[Session, int], int]
    # (session, merged_id, kept_id) → how many rows were moved; None when the rows follow on
    # their own (they hang on the requests, which the ground floor moves)
    move: Callable[[Session, int, int], int] | None = None


@dataclass
class Registries:
    """What the features registered on one application."""

    # key pressed in the main menu → a function answering that branch's TwiML, in-process
    menu_branches: dict[str, Callable[..., Any]] = field(default_factory=dict)
    # key → how the menu names and announces that branch
    menu_options: dict[str, MenuOption] = field(default_factory=dict)
    # one batched reader per package: the live states the nurse's board shows
    board_states: list[BoardStateReader] = field(default_factory=list)
    # one reader per package: its figures in the board's "day at a glance"
    board_summaries: list[BoardSummaryReader] = field(default_factory=list)
    # the request page's panels, in order
    request_panels: list[RequestPanel] = field(default_factory=list)
    # the admin's home page panels, in order
    admin_home_panels: list[AdminHomePanel] = field(default_factory=list)
    console_nav: list[NavSection] = field(default_factory=list)
    admin_nav: list[NavSection] = field(default_factory=list)
    # the kinds of request events a package logs → their lazy (N_) French label, for the story
    event_labels: dict[str, str] = field(default_factory=dict)
    # the request story's tellers (``hotline.story.Teller``), asked in order
    story_tellers: list[Teller] = field(default_factory=list)
    # a participant label's prefix in a room → who that is (a lazy French msgid)
    participant_roles: dict[str, str] = field(default_factory=dict)
    # how a language code reads in a locale ("ar", "fr" → "Arabe"), from the package that knows
    # languages; the code itself when none registered
    language_name: Callable[[str, str], str] | None = None
    # the features' sections of a helpline's settings page, by order
    helpline_settings: list[HelplineSettings] = field(default_factory=list)
    # the features' rows that follow a merged professional, in registration order
    merge_handlers: list[MergeHandler] = field(default_factory=list)
    # the features' periodic jobs, run by the clock process (``callbacks.clock.add_jobs``)
    clock_jobs: list[ClockJob] = field(default_factory=list)
    # every receiver connected with ``connect``, in order: ``send`` calls them in this order
    receivers: list[Callable[..., Any]] = field(default_factory=list)


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


def add_menu_branch(
    app: Flask,
    key: str,
    answer: Callable[..., Any],
    *,
    name: str | None = None,
    prompt: str | None = None,
) -> None:
    """The main menu's ``key`` is answered by ``answer`` (one branch a key).

    ``answer(call_request, call_sid)`` returns the branch's TwiML; ``name`` (the key by default)
    is logged as the caller's choice, ``prompt`` is what the menu says of the branch.
    """
    found = registries(app)
    branches = found.menu_branches
    if key in branches and branches[key] is not answer:
        raise ValueError(f"menu key {key!r} is already taken")
    branches[key] = answer
    found.menu_options[key] = MenuOption(name or key, prompt)


def menu_prompts(app: Flask | None = None) -> list[tuple[str, str]]:
    """(key, prompt) of the branches the menu announces, by key."""
    options = registries(app).menu_options
    return [
        (key, option.prompt) for key, option in sorted(options.items()) if option.prompt is not None
    ]


def connect(signal: NamedSignal, app: Flask, receiver: Callable[..., Any]) -> None:
    """``receiver(app, **kwargs)`` hears ``signal`` when ``app`` sends it (from an init_app)."""
    signal.connect(receiver, sender=app, weak=False)
    known = registries(app).receivers
    if receiver not in known:
        known.append(receiver)


def send(signal: NamedSignal, **kwargs: Any) -> None:
    """Send ``signal`` from the current application: its receivers run in connection order."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    order = registries(app).receivers
    connected = list(signal.receivers_for(app))
    connected.sort(key=lambda receiver: order.index(receiver) if receiver in order else len(order))
    for receiver in connected:
        receiver(app, **kwargs)


def add_board_state(app: Flask, reader: BoardStateReader) -> None:
    """A package's batched reader of the live states shown on the nurse's board."""
    readers = registries(app).board_states
    if reader not in readers:
        readers.append(reader)


def add_clock_job(app: Flask, job: ClockJob) -> None:
    """A feature's periodic job, scheduled by the clock (one job a name)."""
    jobs = registries(app).clock_jobs
    jobs[:] = [j for j in jobs if j.name != job.name] + [job]


def add_board_summary(app: Flask, reader: BoardSummaryReader) -> None:
    """A package's figures in the board's "day at a glance" (after the ground floor's own)."""
    readers = registries(app).board_summaries
    if reader not in readers:
        readers.append(reader)


def add_request_panel(app: Flask, panel: RequestPanel) -> None:
    """A panel of the request page."""
    panels = registries(app).request_panels
    if panel not in panels:
        panels.append(panel)


def add_admin_home_panel(app: Flask, panel: AdminHomePanel) -> None:
    """A panel of the admin's home page."""
    panels = registries(app).admin_home_panels
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


def add_event_labels(app: Flask, labels: Mapping[str, str]) -> None:
    """How the request page's story names the kinds of events a package logs."""
    known = registries(app).event_labels
    for kind, label in labels.items():
        if known.get(kind, label) != label:
            raise ValueError(f"event kind {kind!r} already has a label")
        known[kind] = label


def set_language_name(app: Flask, name: Callable[[str, str], str]) -> None:
    """How the console names a language: ``name(code, locale)`` (one package knows languages)."""
    registries(app).language_name = name


def language_name(code: str, locale: str) -> str:
    """A language code as the console reads it in ``locale`` (the code when nobody knows it)."""
    name = registries().language_name
    return name(code, locale) if name is not None else code


def add_participant_role(app: Flask, prefix: str, label: str) -> None:
    """Who a room's participant is whose label starts with ``prefix`` (a lazy French msgid)."""
    roles = registries(app).participant_roles
    if roles.get(prefix, label) != label:
        raise ValueError(f"participant prefix {prefix!r} is already taken")
    roles[prefix] = label


def add_story_teller(app: Flask, teller: Teller) -> None:
    """A package's lines in the request's story: ``teller(facts, words)`` yields
    ``hotline.story.Line``s for the steps it knows (see ``hotline.story``)."""
    tellers = registries(app).story_tellers
    if teller not in tellers:
        tellers.append(teller)


def add_helpline_settings(app: Flask, settings: HelplineSettings) -> None:
    """A feature's section of the helpline's settings page (one a key)."""
    sections = registries(app).helpline_settings
    if all(known.key != settings.key for known in sections):
        sections.append(settings)
        sections.sort(key=lambda known: known.order)


def add_merge_handler(app: Flask, handler: MergeHandler) -> None:
    """A feature's rows that follow a professional merged into another (one a key)."""
    handlers = registries(app).merge_handlers
    if all(known.key != handler.key for known in handlers):
        handlers.append(handler)
