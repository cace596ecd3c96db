"""Routing's part of the nurse's console: the line's state on the board, and the actions on the
call she holds (transfer to a colleague, hold) with their panel on the request page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from flask import Blueprint, flash, request
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from hotline.auth import require_roles, signed_in_user
from hotline.console.lifecycle import refuse_if_call_ended
from hotline.console.requests import back_to_request, request_or_404
from hotline.hooks import BoardState, Panel
from hotline.i18n import N_, say
from hotline.i18n import gettext as _
from hotline.inputs import parse_id
from hotline.lifecycle import has_live_call
from hotline.models import Request, User
from hotline.scope import members
from hotline.web import db_session, now, settings
from routing import services as routing
from routing import transfer as nurse_actions
from routing.models import NurseRouting, RoutingStatus
from routing.twiml import NurseUrls

# The events this package logs, as the request page's story names them.
EVENT_LABELS = {
    "nurse_ringing": N_("Sonnerie infirmière"),
    "sms_sent": N_("SMS envoyé"),
    "service_rated": N_("Note du service donnée par le médecin"),
    "nurse_answered": N_("Infirmière en ligne"),
    "nurse_no_answer": N_("Pas de réponse"),
    "nurse_closed": N_("Permanence fermée"),
    "nurse_unreachable": N_("Aucune infirmière joignable"),
    "nurse_voicemail": N_("Vers la messagerie"),
    "gp_abandoned": N_("Le médecin a raccroché en attente"),
    "transfer_requested": N_("Transfert demandé"),
    "transfer_done": N_("Transfert effectué"),
    "transfer_failed": N_("Transfert sans réponse"),
    "gp_on_hold": N_("Médecin mis en attente"),
    "gp_resumed": N_("Médecin repris en ligne"),
    "nurse_step_deadline": N_("Sonnerie infirmière sans nouvelles : étape suivante"),
}

bp = Blueprint("routing_console", __name__, url_prefix="/console", template_folder="templates")

# Routings that no longer say anything about the call (a step nobody took, a call handed over).
SPENT = (RoutingStatus.NO_ANSWER, RoutingStatus.TRANSFERRED)


def board_states(
    session: Session, request_ids: Sequence[int], user: User, now: datetime
) -> Mapping[int, BoardState]:
    """The line of each live request: ringing (at whose), with a nurse, at the voicemail."""
    latest: dict[int, NurseRouting] = {}
    for row in session.scalars(
        select(NurseRouting)
        .where(NurseRouting.request_id.in_(request_ids), NurseRouting.status.not_in(SPENT))
        .order_by(NurseRouting.id.desc())
    ):
        latest.setdefault(row.request_id, row)
    if not latest:
        return {}
    names = dict(session.execute(select(User.id, User.display_name)).tuples().all())
    return {request_id: line_state(row, names, user.id) for request_id, row in latest.items()}


def line_state(routing_row: NurseRouting, names: Mapping[int, str], me: int) -> BoardState:
    """What the board says of the nurse's line of one call."""
    if routing_row.status == RoutingStatus.RINGING:
        step = routing_row.plan[routing_row.current_step] if routing_row.plan else []
        ringing = sorted({names.get(t["user_id"], "?") for t in step})
        ringing_me = any(t["user_id"] == me for t in step)
        label = _("Sonne chez {names}", names=", ".join(ringing))
        return BoardState("ringing", label, ringing_me=ringing_me)
    if routing_row.status == RoutingStatus.CONNECTED:
        nurse = names.get(routing_row.connected_user_id or 0, "?")
        label = _("En ligne avec {nurse}", nurse=nurse)
        return BoardState("with_nurse", label, held_by_me=routing_row.connected_user_id == me)
    if routing_row.status == RoutingStatus.VOICEMAIL:
        return BoardState("voicemail", _("Message vocal"))
    return BoardState("menu", _("En cours"))


def call_actions_panel(
    session: Session, call_request: Request, user: User, now: datetime
) -> Panel | None:
    """Transfer and hold, on the call the nurse holds (while it goes on)."""
    if not has_live_call(session, call_request, now):
        return None
    if routing.held_by(session, call_request.id, user.id) is None:
        return None
    colleagues = session.scalars(
        select(User)
        .where(
            User.is_active,
            User.id != user.id,
            User.id.in_(members(call_request.helpline_id, "nurse")),
        )
        .order_by(User.display_name)
    ).all()
    return Panel("routing/call_actions.html", {"colleagues": colleagues}, place="call", order=200)


@bp.post("/requests/<int:request_id>/transfer")
@require_roles("nurse")
def transfer_form(request_id: int) -> Response:
    """Hand the call over to a colleague: she rings, accepts, and joins the room."""
    me = signed_in_user()
    call_request = request_or_404(request_id)
    if (ended := refuse_if_call_ended(call_request)) is not None:
        return ended
    colleague_id = parse_id(request.form.get("nurse"))
    colleague = db_session().get(User, colleague_id) if colleague_id else None
    # A colleague of this helpline only: the call is never handed to another programme's nurse.
    nurses = db_session().scalars(members(call_request.helpline_id, "nurse")).all()
    if colleague is None or colleague.id not in nurses:
        flash(_("Choisissez une infirmière."), "error")
        return back_to_request(request_id)
    try:
        nurse_actions.transfer(
            db_session(), call_request, me, colleague, now(), NurseUrls(settings().public_root)
        )
    except PermissionError:
        flash(_("Cet appel n'est pas le vôtre."), "error")
        return back_to_request(request_id)
    except ValueError as error:
        flash(say(error), "error")
        return back_to_request(request_id)
    flash(
        _(
            "Transfert vers {name} : elle sonne ; raccrochez quand elle a pris l'appel.",
            name=colleague.display_name,
        ),
        "success",
    )
    return back_to_request(request_id)


@bp.post("/requests/<int:request_id>/hold")
@require_roles("nurse")
def hold(request_id: int) -> Response:
    """Put the GP on hold with music (or take him off hold)."""
    me = signed_in_user()
    call_request = request_or_404(request_id)
    if (ended := refuse_if_call_ended(call_request)) is not None:
        return ended
    on_hold = request.form.get("hold") == "1"
    urls = NurseUrls(settings().public_root)
    if not nurse_actions.hold(db_session(), call_request, me, on_hold, now(), urls):
        flash(_("Aucun appel en cours à mettre en attente."), "error")
        return back_to_request(request_id)
    flash(
        _("Le médecin est en attente.") if on_hold else _("Le médecin est de nouveau en ligne."),
        "success",
    )
    return back_to_request(request_id)
