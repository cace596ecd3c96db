"""Interpreting's part of the nurse's console: the search for an interpreter on the board, the
patient's language and the interpreter of the call on the request page, adding and removing one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from flask import Blueprint, abort, flash, request
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from hotline import audit
from hotline.auth import require_roles, signed_in_user
from hotline.console.lifecycle import refuse_if_call_ended
from hotline.console.requests import back_to_request, request_or_404
from hotline.hooks import BoardState, Panel
from hotline.i18n import N_, current_locale, ngettext, say
from hotline.i18n import gettext as _
from hotline.lifecycle import has_live_call
from hotline.models import Request, User
from hotline.web import db_session, now, settings
from interpreter_pool import on_call
from interpreter_pool import services as interpreting
from interpreter_pool.languages import language_name
from interpreter_pool.menu import language_menu
from interpreter_pool.models import InterpretingSession, SessionStatus
from interpreter_pool.pool import pool_languages
from interpreter_pool.twiml import InterpretingUrls
from routing import services as routing

# Who an interpreter's leg is in a room's story.
INTERPRETER_ROLE = N_("interprète")
# The events this package logs, as the request page's story names them.
EVENT_LABELS = {
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
    "interpreter_step_deadline": N_("Sonnerie interprète sans nouvelles : étape suivante"),
}

bp = Blueprint("interpreting_console", __name__, url_prefix="/console", template_folder="templates")

LIVE = (SessionStatus.DISPATCHING, SessionStatus.CONNECTED)
# An interpreter being sought or on the line says more than the nurse's line does.
PRECEDENCE = 10


def board_states(
    session: Session, request_ids: Sequence[int], user: User, now: datetime
) -> Mapping[int, BoardState]:
    """The interpreter of each live request: being sought, or on the line."""
    latest: dict[int, InterpretingSession] = {}
    for row in session.scalars(
        select(InterpretingSession)
        .where(
            InterpretingSession.request_id.in_(request_ids),
            InterpretingSession.status.in_(LIVE),
        )
        .order_by(InterpretingSession.id.desc())
    ):
        latest.setdefault(row.request_id, row)
    return {request_id: interpreting_state(row) for request_id, row in latest.items()}


def interpreting_state(found: InterpretingSession) -> BoardState:
    """What the board says of a call's interpreter."""
    language = language_name(found.language, current_locale())
    if found.status == SessionStatus.DISPATCHING:
        label = _("Recherche d'un interprète ({language})", language=language)
        return BoardState("interpreter_search", label, precedence=PRECEDENCE)
    label = _("Avec interprète ({language})", language=language)
    return BoardState("interpreting", label, precedence=PRECEDENCE)


def live_interpreting(session: Session, call_request: Request) -> InterpretingSession | None:
    """The request's interpreter being sought or on the line, if any."""
    return session.scalars(
        select(InterpretingSession)
        .where(
            InterpretingSession.request_id == call_request.id,
            InterpretingSession.status.in_(LIVE),
        )
        .order_by(InterpretingSession.id.desc())
    ).first()


def patient_language_panel(
    session: Session, call_request: Request, user: User, now: datetime
) -> Panel | None:
    """The patient's language, once the GP chose or said it."""
    if not call_request.language:
        return None
    label = language_name(call_request.language, "fr")
    return Panel("interpreter_pool/patient_language.html", {"language_label": label}, "caller")


def interpreter_panel(
    session: Session, call_request: Request, user: User, now: datetime
) -> Panel | None:
    """On the call the nurse holds (while it goes on): the interpreter on the line, or the form
    to call one."""
    if not has_live_call(session, call_request, now):
        return None
    if routing.held_by(session, call_request.id, user.id) is None:
        return None
    menu = language_menu(session, call_request.helpline, now)
    pool = pool_languages(session)
    menu_codes = [code for _digit, code in menu]
    languages = [(c, language_name(c, "fr", capitalise=True)) for c in menu_codes] + sorted(
        ((c, language_name(c, "fr", capitalise=True)) for c in pool if c not in menu_codes),
        key=lambda item: item[1],
    )
    live = live_interpreting(session, call_request)
    context = {
        "live_interpreter": live,
        "interpreter_language": language_name(live.language, "fr") if live else "",
        "languages": languages,
        "exhausted": interpreting.budget_needing_approval(session, call_request, now),
    }
    return Panel("interpreter_pool/interpreter.html", context, place="call", order=100)


def language_label(code: str, locale: str) -> str:
    """A language as the console's lists name it ("Arabe", "Arabic")."""
    return language_name(code, locale, capitalise=True)


def interpreters_called(language: str, n: int) -> str:
    """What the request page says once the search for an interpreter has rung ``n`` of them."""
    return ngettext(
        "Recherche d'un interprète en {language} : {n} interprète appelé.",
        "Recherche d'un interprète en {language} : {n} interprètes appelés.",
        n,
        language=language,
    )


@bp.post("/requests/<int:request_id>/interpreter")
@require_roles("nurse")
def add_interpreter_form(request_id: int) -> Response:
    """Bring an interpreter of a language into the call the nurse holds."""
    me = signed_in_user()
    call_request = request_or_404(request_id)
    if (ended := refuse_if_call_ended(call_request)) is not None:
        return ended
    code = request.form.get("language", "")
    session = db_session()
    try:
        interpreting.check_budget(
            session, call_request, code, now(), nurse_id=me.id,
            approved=request.form.get("approved") == "1",
        )  # fmt: skip
    except interpreting.ApprovalNeededError:
        flash(_("Budget épuisé : cochez la validation pour appeler un interprète."), "error")
        return back_to_request(request_id)
    try:
        found = on_call.add_interpreter(
            session, call_request, code, me.id, now(), InterpretingUrls(settings().public_root)
        )
    except PermissionError:
        flash(_("Cet appel n'est pas le vôtre."), "error")
        return back_to_request(request_id)
    except ValueError as error:
        flash(say(error), "error")
        return back_to_request(request_id)
    audit.record(session, me, "add_interpreter", "request", call_request.id, now(), language=code)
    targets = len(found.plan[0]) if found.plan else 0
    flash(interpreters_called(language_name(code, current_locale()), targets), "success")
    return back_to_request(request_id)


@bp.post("/requests/<int:request_id>/interpreter/remove")
@require_roles("nurse")
def remove_interpreter_form(request_id: int) -> Response:
    """Hang up the interpreter; the GP and the nurse stay together."""
    me = signed_in_user()
    call_request = request_or_404(request_id)
    if routing.held_by(db_session(), call_request.id, me.id) is None:
        abort(403)
    try:
        on_call.remove_interpreter(db_session(), call_request, now())
    except ValueError as error:
        flash(say(error), "error")
    else:
        audit.record(db_session(), me, "remove_interpreter", "request", call_request.id, now())
        flash(_("Interprète retiré de l'appel."), "success")
    return back_to_request(request_id)
