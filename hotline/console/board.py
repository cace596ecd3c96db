"""The nurse's live board: every call in progress, who is calling, how long they have waited,
its state as the features tell it (``hooks.add_board_state``); going on duty and the browser
phone's token and presence."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant
from werkzeug.wrappers import Response

from hotline import audit, hooks
from hotline.auth import require_roles, signed_in_user
from hotline.callstate import TERMINAL_STATUSES
from hotline.console import bp
from hotline.console.scoping import READERS, visible_ids
from hotline.hooks import BoardState, BoardStateReader, BoardSummaryReader, SummaryItem
from hotline.i18n import N_
from hotline.i18n import gettext as _
from hotline.lifecycle import LIVE_WINDOW
from hotline.models import (
    Call,
    Professional,
    ProfessionalPhone,
    Request,
    RequestStatus,
    User,
)
from hotline.phones import format_for_display
from hotline.request_list import to_complete_count
from hotline.web import db_session, now, settings

PROFESSIONS = {
    "gp": N_("Médecin généraliste"),
    "midwife": N_("Sage-femme"),
    "pharmacist": N_("Pharmacien"),
    "social_worker": N_("Travailleur social"),
    "nurse": N_("Infirmier"),
    "specialist": N_("Médecin spécialiste"),
}


def national(number: str | None) -> str:
    """A number as people write it in France: 06 12 34 56 78 (international ones as they are)."""
    return format_for_display(number) if number else _("numéro masqué")


def caller_name(professional: Professional | None, sharing: int = 0) -> str:
    """ "Dr Claire Martin"; a number ``sharing`` professionals share (the nurse picks who is
    calling): "Numéro partagé (2 professionnels)"; else a plain "Appelant inconnu"."""
    if professional is None:
        if sharing > 1:
            return _("Numéro partagé ({n} professionnels)", n=sharing)
        return _("Appelant inconnu")
    parts = [professional.title, professional.first_name, professional.last_name]
    return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class LiveCall:
    """One row of the board."""

    request_id: int
    reference: str
    caller: str
    profession: str
    number: str
    since: str
    waiting_s: int
    state: str
    state_label: str
    ringing_me: bool
    held_by_me: bool
    helpline: str = ""


def combined_state(states: Iterable[BoardState]) -> BoardState:
    """One state from what each package knows: the highest precedence, held if any says so."""
    known = list(states)
    if not known:
        return BoardState("menu", _("Au menu d'accueil"))
    shown = max(known, key=lambda state: state.precedence)  # the first of equals wins
    held = any(state.held_by_me for state in known)
    return BoardState(shown.state, shown.label, shown.ringing_me, held, shown.precedence)


def live_calls(
    session: Session,
    user: User,
    now: datetime,
    tz_name: str,
    helpline_ids: Sequence[int],
    readers: Iterable[BoardStateReader] = (),
) -> list[LiveCall]:
    """Calls in progress on these helplines, the longest waiting first, in the states the
    ``readers`` know."""
    tz = ZoneInfo(tz_name)
    legs = session.execute(
        select(Call, Request)
        .join(Request, Call.request_id == Request.id)
        .where(
            Call.role == "gp",
            Call.status.not_in(TERMINAL_STATUSES),
            Call.created_at > now - LIVE_WINDOW,
            Request.helpline_id.in_(helpline_ids),
        )
        .order_by(Call.created_at, Call.id)  # the longest waiting first, then who came first
    ).all()
    request_ids = [call_request.id for _call, call_request in legs]
    shared = sharing_counts(
        session,
        {r.caller_number for _call, r in legs if r.professional_id is None and r.caller_number},
    )
    known = [reader(session, request_ids, user, now) for reader in readers] if legs else []
    rows: list[LiveCall] = []
    for call, call_request in legs:
        state = combined_state(
            found[call_request.id] for found in known if call_request.id in found
        )
        professional = call_request.professional
        rows.append(
            LiveCall(
                request_id=call_request.id,
                reference=call_request.reference,
                caller=caller_name(professional, shared.get(call_request.caller_number or "", 0)),
                profession=_(PROFESSIONS.get(professional.profession, professional.profession))
                if professional
                else "",
                number=national(call_request.caller_number),
                since=call.created_at.astimezone(_zone(call_request, tz)).strftime("%H:%M:%S"),
                waiting_s=max(0, int((now - call.created_at).total_seconds())),
                state=state.state,
                state_label=state.label,
                ringing_me=state.ringing_me,
                held_by_me=state.held_by_me,
                helpline=call_request.helpline.name,
            )
        )
    return rows


def sharing_counts(session: Session, numbers: set[str]) -> dict[str, int]:
    """How many active professionals of the directory hold each of these numbers (one query for
    the whole board, as ``directory.professionals_with_number`` finds them one number at a time)."""
    if not numbers:
        return {}
    rows = session.execute(
        select(ProfessionalPhone.number, func.count(func.distinct(Professional.id)))
        .join(Professional, Professional.id == ProfessionalPhone.professional_id)
        .where(ProfessionalPhone.number.in_(numbers), Professional.is_active)
        .group_by(ProfessionalPhone.number)
    ).tuples()
    return {number: int(count) for number, count in rows}


def _zone(call_request: Request, default: ZoneInfo) -> ZoneInfo:
    try:
        return ZoneInfo(call_request.helpline.timezone)
    except (KeyError, ValueError):
        return default


def local_clock(now: datetime, tz_name: str) -> str:
    """The time on the helpline's clock, as the board shows it (never the browser's clock)."""
    return now.astimezone(ZoneInfo(tz_name)).strftime("%H:%M:%S")


def day_summary(
    session: Session,
    now: datetime,
    tz_name: str,
    list_url: str,
    helpline_ids: Sequence[int],
    readers: Iterable[BoardSummaryReader] = (),
) -> list[SummaryItem]:
    """The day at a glance of these helplines on the helpline's clock: calls received today, the
    features' figures (callbacks due), requests to complete (linked to the list filtered on
    them)."""
    tz = ZoneInfo(tz_name)
    day_start = datetime.combine(now.astimezone(tz).date(), time(), tz)
    day_end = day_start + timedelta(days=1)
    calls = session.scalar(
        select(func.count())
        .select_from(Request)
        .where(
            Request.opened_at >= day_start,
            Request.opened_at < day_end,
            Request.helpline_id.in_(helpline_ids),
        )
    )
    to_complete = to_complete_count(session, helpline_ids)
    items = [SummaryItem("calls_today", _("Appels reçus aujourd'hui"), calls or 0)]
    for reader in readers:
        items.extend(reader(session, day_start, day_end, now, helpline_ids))
    items.append(SummaryItem("to_complete", _("Demandes à compléter"), to_complete or 0, list_url))
    return items


def board_state(
    session: Session,
    user: User,
    now: datetime,
    tz_name: str,
    helpline_ids: Sequence[int],
    readers: Iterable[BoardStateReader] = (),
    summary: Iterable[SummaryItem] = (),
) -> dict[str, Any]:
    """What the board shows of these helplines (as JSON for its polling script)."""
    calls = live_calls(session, user, now, tz_name, helpline_ids, readers)
    return {
        "me": {
            "id": user.id,
            "name": user.display_name,
            "on_duty": user.is_available,
            "browser_identity": user.browser_identity,
        },
        "calls": [asdict(row) for row in calls],
        # the reader sees several helplines: each call says its own
        "several_helplines": len(helpline_ids) > 1,
        "at": now.isoformat(),
        # the time of this state on the helpline's clock, as the nurse reads it
        "at_local": local_clock(now, tz_name),
        "summary": [asdict(item) for item in summary],
    }


TOKEN_TTL_S = 3600


@bp.get("/board")
@require_roles(*READERS)
def board() -> str:
    """The live board of the reader's helplines (filled by its script) and, for a nurse, the
    browser phone and her duty."""
    me = signed_in_user()
    return render_template(
        "console/board.html",
        user=me,
        at_local=local_clock(now(), settings().timezone),
        summary=_summary(visible_ids()),
        sdk_url=settings().voice_sdk_url,
        phone_ready=settings().twilio_api_key_sid is not None,
        is_nurse=me.has_role("nurse"),
    )


@bp.get("/api/board")
@require_roles(*READERS)
def board_json() -> Response:
    """The board's rows; a nurse's polling also says her console is open (routing rings the
    browser)."""
    me = signed_in_user()
    if me.has_role("nurse"):
        me.console_seen_at = now()
    seen = visible_ids()
    readers = hooks.registries().board_states
    state = board_state(db_session(), me, now(), settings().timezone, seen, readers, _summary(seen))
    return jsonify(state)


def _summary(helpline_ids: Sequence[int]) -> list[SummaryItem]:
    to_complete = url_for("console.requests_list", state=RequestStatus.TO_COMPLETE.value)
    readers = hooks.registries().board_summaries
    return day_summary(db_session(), now(), settings().timezone, to_complete, helpline_ids, readers)


@bp.post("/duty")
@require_roles("nurse")
def duty() -> Response:
    """Go on or off duty: routing rings only nurses on duty."""
    me = signed_in_user()
    me.is_available = request.form.get("on_duty") == "1"
    audit.record(db_session(), me, "duty", "user", me.id, now(), on_duty=me.is_available)
    flash(
        _("Vous êtes de permanence.") if me.is_available else _("Vous n'êtes plus de permanence."),
        "success",
    )
    return redirect(url_for("console.board"))


@bp.post("/api/presence")
@require_roles("nurse")
def presence() -> Response:
    """The browser phone registered (or went away)."""
    me = signed_in_user()
    body = request.get_json(silent=True) or {}
    me.is_in_console = bool(body.get("registered"))
    me.console_seen_at = now()
    return jsonify(in_console=me.is_in_console)


@bp.get("/api/phone-token")
@require_roles("nurse")
def phone_token() -> tuple[Response, int] | Response:
    """An access token for the browser phone (Voice SDK), for the nurse's identity."""
    config = settings()
    if config.twilio_api_key_sid is None or config.twilio_api_key_secret is None:
        return jsonify(message=_("Téléphone du navigateur non configuré (clé d'API absente).")), 503
    me = signed_in_user()
    if not me.browser_identity:
        me.browser_identity = f"nurse-{me.id}"
    token = AccessToken(
        config.twilio_account_sid,
        config.twilio_api_key_sid,
        config.twilio_api_key_secret,
        identity=me.browser_identity,
        ttl=TOKEN_TTL_S,
    )
    token.add_grant(
        VoiceGrant(incoming_allow=True, outgoing_application_sid=config.twilio_twiml_app_sid)
    )
    return jsonify(token=token.to_jwt(), identity=me.browser_identity)
