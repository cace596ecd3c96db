"""The nurse's live board: every call in progress, who is calling, how long they have waited."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.callstate import TERMINAL_STATUSES
from hotline.i18n import N_, current_locale
from hotline.i18n import gettext as _
from hotline.models import Call, Professional, Request, User
from hotline.phones import format_for_display
from interpreter_pool.languages import language_name
from interpreter_pool.models import InterpretingSession
from routing.models import NurseRouting

PROFESSIONS = {
    "gp": N_("Médecin généraliste"),
    "midwife": N_("Sage-femme"),
    "pharmacist": N_("Pharmacien"),
    "social_worker": N_("Travailleur social"),
    "nurse": N_("Infirmier"),
    "specialist": N_("Médecin spécialiste"),
}
# The story of a request as the console tells it.
EVENT_LABELS = {
    "received": N_("Appel reçu"),
    "menu_choice": N_("Choix au menu"),
    "menu_no_choice": N_("Aucun choix au menu"),
    "menu_invalid_choice": N_("Choix invalide au menu"),
    "menu_abandoned": N_("Menu abandonné"),
    "nurse_ringing": N_("Sonnerie infirmière"),
    "nurse_answered": N_("Infirmière en ligne"),
    "nurse_no_answer": N_("Pas de réponse"),
    "nurse_closed": N_("Permanence fermée"),
    "nurse_unreachable": N_("Aucune infirmière joignable"),
    "nurse_voicemail": N_("Vers la messagerie"),
    "voicemail_left": N_("Message laissé"),
    "callback_created": N_("Rappel programmé"),
    "gp_abandoned": N_("Le médecin a raccroché en attente"),
    "gp_leg_ended": N_("Fin de l'appel du médecin"),
    "nurse_leg_ended": N_("Fin d'un appel infirmière"),
    "interpreter_leg_ended": N_("Fin d'un appel interprète"),
    "participant_join": N_("Entrée dans la conférence"),
    "participant_leave": N_("Sortie de la conférence"),
    "conference_start": N_("Début de la conférence"),
    "conference_end": N_("Fin de la conférence"),
    "language_chosen": N_("Langue choisie"),
    "language_said": N_("Langue dite"),
    "interpreter_requested": N_("Interprète demandé"),
    "interpreter_ringing": N_("Sonnerie interprète"),
    "interpreter_connected": N_("Interprète en ligne"),
    "interpreter_not_found": N_("Aucun interprète trouvé"),
    "interpreter_left": N_("Interprète parti"),
    "interpreter_removed": N_("Interprète retiré"),
    "interpreter_abandoned": N_("Recherche d'interprète abandonnée"),
    "interpreter_needs_approval": N_("Budget épuisé : validation demandée"),
    "interpreter_approved": N_("Interprète validé malgré le budget"),
    "charge_posted": N_("Séance facturée"),
    "charge_not_priced": N_("Séance sans contrat applicable"),
    "transfer_requested": N_("Transfert demandé"),
    "transfer_done": N_("Transfert effectué"),
    "transfer_failed": N_("Transfert sans réponse"),
    "gp_on_hold": N_("Médecin mis en attente"),
    "gp_resumed": N_("Médecin repris en ligne"),
    "callback_requested": N_("Rappel demandé par le médecin"),
    "callback_started": N_("Rappel : l'infirmière sonne"),
    "callback_dialling": N_("Rappel : appel du médecin"),
    "callback_reached": N_("Rappel abouti"),
    "callback_retry": N_("Rappel sans réponse, nouvel essai prévu"),
    "callback_failed": N_("Rappel en échec"),
    "callback_resumed": N_("Rappel relancé"),
    "nurse_step_deadline": N_("Sonnerie infirmière sans nouvelles : étape suivante"),
    "interpreter_step_deadline": N_("Sonnerie interprète sans nouvelles : étape suivante"),
    "callback_step_deadline": N_("Rappel sans nouvelles : essai arrêté"),
    "callback_machine": N_("Rappel : messagerie du professionnel"),
    "request_logged": N_("Fiche enregistrée"),
}
# Calls older than this are no longer "live" even if a lost callback left them open.
LIVE_WINDOW = timedelta(hours=6)


def national(number: str | None) -> str:
    """A number as people write it in France: 06 12 34 56 78 (international ones as they are)."""
    return format_for_display(number) if number else _("numéro masqué")


def caller_name(professional: Professional | None) -> str:
    """ "Dr Claire Martin", or a plain "Appelant inconnu"."""
    if professional is None:
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


def _state(
    routing: NurseRouting | None,
    interpreting: InterpretingSession | None,
    names: dict[int, str],
    me: int,
) -> tuple[str, str, bool, bool]:
    if interpreting is not None and interpreting.status == "dispatching":
        label = _("Recherche d'un interprète ({language})", language=_lang(interpreting.language))
        held = routing is not None and routing.connected_user_id == me
        return "interpreter_search", label, False, held
    if interpreting is not None and interpreting.status == "connected":
        label = _("Avec interprète ({language})", language=_lang(interpreting.language))
        held = routing is not None and routing.connected_user_id == me
        return "interpreting", label, False, held
    if routing is None:
        return "menu", _("Au menu d'accueil"), False, False
    if routing.status == "ringing":
        step = routing.plan[routing.current_step] if routing.plan else []
        ringing = sorted({names.get(t["user_id"], "?") for t in step})
        ringing_me = any(t["user_id"] == me for t in step)
        return "ringing", _("Sonne chez {names}", names=", ".join(ringing)), ringing_me, False
    if routing.status == "connected":
        nurse = names.get(routing.connected_user_id or 0, "?")
        label = _("En ligne avec {nurse}", nurse=nurse)
        return "with_nurse", label, False, routing.connected_user_id == me
    if routing.status == "voicemail":
        return "voicemail", _("Message vocal"), False, False
    return "menu", _("En cours"), False, False


def _lang(code: str) -> str:
    return language_name(code, current_locale())


def live_calls(session: Session, user: User, now: datetime, tz_name: str) -> list[LiveCall]:
    """Calls in progress, the longest waiting first."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(tz_name)
    legs = session.execute(
        select(Call, Request)
        .join(Request, Call.request_id == Request.id)
        .where(
            Call.role == "gp",
            Call.status.not_in(TERMINAL_STATUSES),
            Call.created_at > now - LIVE_WINDOW,
        )
        .order_by(Call.created_at)
    ).tuples()
    names = {u.id: u.display_name for u in session.scalars(select(User))}
    rows: list[LiveCall] = []
    for call, request in legs:
        routing = session.scalars(
            select(NurseRouting)
            .where(
                NurseRouting.request_id == request.id,
                NurseRouting.status.not_in(("no_answer", "transferred")),
            )
            .order_by(NurseRouting.id.desc())
        ).first()
        interpreting = session.scalars(
            select(InterpretingSession)
            .where(
                InterpretingSession.request_id == request.id,
                InterpretingSession.status.in_(("dispatching", "connected")),
            )
            .order_by(InterpretingSession.id.desc())
        ).first()
        state, label, ringing_me, held = _state(routing, interpreting, names, user.id)
        professional = request.professional
        rows.append(
            LiveCall(
                request_id=request.id,
                reference=request.reference,
                caller=caller_name(professional),
                profession=_(PROFESSIONS.get(professional.profession, professional.profession))
                if professional
                else "",
                number=national(request.caller_number),
                since=call.created_at.astimezone(tz).strftime("%H:%M:%S"),
                waiting_s=max(0, int((now - call.created_at).total_seconds())),
                state=state,
                state_label=label,
                ringing_me=ringing_me,
                held_by_me=held,
            )
        )
    return rows


def board_state(session: Session, user: User, now: datetime, tz_name: str) -> dict[str, Any]:
    """What the board shows (as JSON for its polling script)."""
    return {
        "me": {
            "id": user.id,
            "name": user.display_name,
            "on_duty": user.is_available,
            "browser_identity": user.browser_identity,
        },
        "calls": [asdict(row) for row in live_calls(session, user, now, tz_name)],
        "at": now.isoformat(),
    }
