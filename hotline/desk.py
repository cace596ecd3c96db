"""The nurse's desk in the console: the live board, going on duty, the browser phone's token,
the request form and the actions on a call she holds."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant
from werkzeug.wrappers import Response

from callbacks.services import promise_callback
from hotline import audit
from hotline.auth import current_user, require_roles
from hotline.board import EVENT_LABELS, PROFESSIONS, board_state, caller_name, national
from hotline.console import bp
from hotline.i18n import N_, current_locale, ngettext
from hotline.i18n import gettext as _
from hotline.models import Request, User
from hotline.services import log_event
from hotline.web import commit, db_session, now, settings
from interpreter_pool import services as interpreting
from interpreter_pool.labels import is_interpreter_label
from interpreter_pool.languages import language_name
from interpreter_pool.models import InterpretingSession
from interpreter_pool.pool import language_menu, pool_languages
from interpreter_pool.twiml import InterpretingUrls
from routing import services as routing
from routing import transfer as nurse_actions
from routing.models import NurseRouting
from routing.twiml import NurseUrls

CATEGORIES = {
    "interpreting": N_("Interprétariat"),
    "complex_situation": N_("Situation complexe"),
    "access_to_rights": N_("Accès aux droits"),
    "orientation": N_("Orientation"),
    "other": N_("Autre"),
}
OUTCOMES = {
    "resolved": N_("Réponse apportée"),
    "oriented": N_("Orienté vers une structure"),
    "interpreter_provided": N_("Interprète mis à disposition"),
    "follow_up": N_("Suivi programmé"),
    "no_interpreter": N_("Pas d'interprète trouvé"),
    "other": N_("Autre"),
}
TOKEN_TTL_S = 3600


def participant_role(label: str) -> str:
    """Who a room's participant is, from its label ("gp", "nurse-<id>", "interpreter-<id>")."""
    if is_interpreter_label(label):
        return _("interprète")
    if label == "gp":
        return _("médecin")
    if label.startswith("nurse"):
        return _("infirmière")
    return label


def _me() -> User:
    user = current_user()
    assert user is not None  # require_roles guarantees it
    return user


def _tz() -> ZoneInfo:
    return ZoneInfo(settings().timezone)


@bp.get("/board")
@require_roles("nurse")
def board() -> str:
    """The live board (filled by its script) and the browser phone."""
    me = _me()
    return render_template(
        "console/board.html",
        user=me,
        sdk_url=settings().voice_sdk_url,
        phone_ready=settings().twilio_api_key_sid is not None,
    )


@bp.get("/api/board")
@require_roles("nurse")
def board_json() -> Response:
    """The board's rows; polling it also says the console is open (routing rings the browser)."""
    me = _me()
    me.console_seen_at = now()
    state = board_state(db_session(), me, now(), settings().timezone)
    commit()
    return jsonify(state)


@bp.post("/duty")
@require_roles("nurse")
def duty() -> Response:
    """Go on or off duty: routing rings only nurses on duty."""
    me = _me()
    me.is_available = request.form.get("on_duty") == "1"
    audit.record(db_session(), me, "duty", "user", me.id, now(), on_duty=me.is_available)
    commit()
    flash(
        _("Vous êtes de permanence.") if me.is_available else _("Vous n'êtes plus de permanence."),
        "success",
    )
    return redirect(url_for("console.board"))


@bp.post("/api/presence")
@require_roles("nurse")
def presence() -> Response:
    """The browser phone registered (or went away)."""
    me = _me()
    body = request.get_json(silent=True) or {}
    me.is_in_console = bool(body.get("registered"))
    me.console_seen_at = now()
    commit()
    return jsonify(in_console=me.is_in_console)


@bp.get("/api/phone-token")
@require_roles("nurse")
def phone_token() -> tuple[Response, int] | Response:
    """An access token for the browser phone (Voice SDK), for the nurse's identity."""
    config = settings()
    if config.twilio_api_key_sid is None or config.twilio_api_key_secret is None:
        return jsonify(message=_("Téléphone du navigateur non configuré (clé d'API absente).")), 503
    me = _me()
    if not me.browser_identity:
        me.browser_identity = f"nurse-{me.id}"
        commit()
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


def _request_or_404(request_id: int) -> Request:
    found = db_session().get(Request, request_id)
    if found is None:
        abort(404)
    return found


def _held_by(call_request: Request, user: User) -> NurseRouting | None:
    return routing.held_by(db_session(), call_request.id, user.id)


def _live_interpreting(call_request: Request) -> InterpretingSession | None:
    return (
        db_session()
        .scalars(
            select(InterpretingSession)
            .where(
                InterpretingSession.request_id == call_request.id,
                InterpretingSession.status.in_(("dispatching", "connected")),
            )
            .order_by(InterpretingSession.id.desc())
        )
        .first()
    )


@bp.get("/requests/<int:request_id>")
@require_roles("nurse")
def request_form(request_id: int) -> str:
    """The request: who called, its story, the actions on the call, the form to log it."""
    me = _me()
    call_request = _request_or_404(request_id)
    audit.record(db_session(), me, "view", "request", call_request.id, now())
    commit()
    return _render_form(call_request, me, {})


def _render_form(call_request: Request, me: User, values: dict[str, str]) -> str:
    session = db_session()
    earlier = []
    if call_request.professional_id is not None:
        earlier = list(
            session.scalars(
                select(Request)
                .where(
                    Request.professional_id == call_request.professional_id,
                    Request.id != call_request.id,
                )
                .order_by(Request.opened_at.desc())
                .limit(10)
            )
        )
    menu = language_menu(session, call_request.helpline, now())
    pool = pool_languages(session)
    menu_codes = [code for _digit, code in menu]
    languages = [(c, language_name(c, "fr", capitalise=True)) for c in menu_codes] + sorted(
        ((c, language_name(c, "fr", capitalise=True)) for c in pool if c not in menu_codes),
        key=lambda item: item[1],
    )
    exhausted = interpreting.budget_needing_approval(session, call_request, now())
    professional = call_request.professional
    live = _live_interpreting(call_request)
    return render_template(
        "console/request.html",
        user=me,
        req=call_request,
        caller=caller_name(professional),
        profession=_(PROFESSIONS.get(professional.profession, professional.profession))
        if professional
        else "",
        number=national(call_request.caller_number),
        held=_held_by(call_request, me) is not None,
        live_interpreter=live,
        interpreter_language=language_name(live.language, "fr") if live else "",
        event_labels=EVENT_LABELS,
        participant_role=participant_role,
        languages=languages,
        categories=CATEGORIES,
        outcomes=OUTCOMES,
        earlier=earlier,
        values=values,
        exhausted=exhausted,
        colleagues=[
            u
            for u in session.scalars(select(User).where(User.is_active).order_by(User.display_name))
            if u.has_role("nurse") and u.id != me.id
        ],
        language_label=language_name(call_request.language, "fr") if call_request.language else "",
        tz=settings().timezone,
    )


@bp.post("/requests/<int:request_id>")
@require_roles("nurse")
def save_request(request_id: int) -> Response | tuple[str, int]:
    """Save the nurse's log of the request; a follow-up date promises a callback that day."""
    me = _me()
    call_request = _request_or_404(request_id)
    values = {
        k: request.form.get(k, "").strip() for k in ("category", "outcome", "follow_up_on", "notes")
    }
    errors = []
    if values["category"] and values["category"] not in CATEGORIES:
        errors.append(_("Catégorie inconnue."))
    if values["outcome"] and values["outcome"] not in OUTCOMES:
        errors.append(_("Issue inconnue."))
    follow_up: date | None = None
    if values["follow_up_on"]:
        try:
            follow_up = date.fromisoformat(values["follow_up_on"])
        except ValueError:
            errors.append(_("Date de suivi illisible."))
        else:
            if follow_up <= now().astimezone(_tz()).date():
                errors.append(_("La date de suivi doit être dans le futur."))
    if len(values["notes"]) > 5000:
        errors.append(_("Notes trop longues (5 000 caractères au plus)."))
    if errors:
        for message in errors:
            flash(message, "error")
        return _render_form(call_request, me, values), 400
    session = db_session()
    call_request.category = values["category"] or None
    call_request.outcome = values["outcome"] or None
    call_request.notes = values["notes"] or None
    call_request.nurse_id = call_request.nurse_id or me.id
    if follow_up is not None and follow_up != call_request.follow_up_on:
        call_request.follow_up_on = follow_up
        due = datetime.combine(follow_up, time(9, 0), tzinfo=_tz())
        promise_callback(session, call_request, "follow_up", due, now(), assignee_id=me.id)
    log_event(
        session,
        call_request,
        "request_logged",
        now(),
        detail={"category": call_request.category, "outcome": call_request.outcome, "by": me.id},
    )
    audit.record(
        session,
        me,
        "update",
        "request",
        call_request.id,
        now(),
        category=call_request.category,
        outcome=call_request.outcome,
        follow_up_on=values["follow_up_on"] or None,
    )
    commit()
    flash(_("Demande {reference} enregistrée.", reference=call_request.reference), "success")
    return redirect(url_for("console.request_form", request_id=call_request.id))


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
    me = _me()
    call_request = _request_or_404(request_id)
    code = request.form.get("language", "")
    session = db_session()
    try:
        interpreting.check_budget(
            session, call_request, code, now(), nurse_id=me.id,
            approved=request.form.get("approved") == "1",
        )  # fmt: skip
    except interpreting.ApprovalNeededError:
        flash(_("Budget épuisé : cochez la validation pour appeler un interprète."), "error")
        return redirect(url_for("console.request_form", request_id=request_id))
    try:
        found = interpreting.add_interpreter(
            session, call_request, code, me.id, now(), InterpretingUrls(settings().public_root)
        )
    except PermissionError:
        flash(_("Cet appel n'est pas le vôtre."), "error")
        return redirect(url_for("console.request_form", request_id=request_id))
    except ValueError as error:
        flash(str(error), "error")
        return redirect(url_for("console.request_form", request_id=request_id))
    audit.record(session, me, "add_interpreter", "request", call_request.id, now(), language=code)
    targets = len(found.plan[0]) if found.plan else 0
    commit()
    flash(interpreters_called(language_name(code, current_locale()), targets), "success")
    return redirect(url_for("console.request_form", request_id=request_id))


@bp.post("/requests/<int:request_id>/interpreter/remove")
@require_roles("nurse")
def remove_interpreter_form(request_id: int) -> Response:
    """Hang up the interpreter; the GP and the nurse stay together."""
    me = _me()
    call_request = _request_or_404(request_id)
    if _held_by(call_request, me) is None:
        abort(403)
    try:
        interpreting.remove_interpreter(db_session(), call_request, now())
    except ValueError as error:
        flash(str(error), "error")
    else:
        audit.record(db_session(), me, "remove_interpreter", "request", call_request.id, now())
        commit()
        flash(_("Interprète retiré de l'appel."), "success")
    return redirect(url_for("console.request_form", request_id=request_id))


@bp.post("/requests/<int:request_id>/transfer")
@require_roles("nurse")
def transfer_form(request_id: int) -> Response:
    """Hand the call over to a colleague: she rings, accepts, and joins the room."""
    me = _me()
    call_request = _request_or_404(request_id)
    colleague = db_session().get(User, request.form.get("nurse", type=int) or 0)
    if colleague is None:
        flash(_("Choisissez une infirmière."), "error")
        return redirect(url_for("console.request_form", request_id=request_id))
    try:
        nurse_actions.transfer(
            db_session(), call_request, me, colleague, now(), NurseUrls(settings().public_root)
        )
    except PermissionError:
        flash(_("Cet appel n'est pas le vôtre."), "error")
        return redirect(url_for("console.request_form", request_id=request_id))
    except ValueError as error:
        flash(str(error), "error")
        return redirect(url_for("console.request_form", request_id=request_id))
    commit()
    flash(
        _(
            "Transfert vers {name} : elle sonne ; raccrochez quand elle a pris l'appel.",
            name=colleague.display_name,
        ),
        "success",
    )
    return redirect(url_for("console.request_form", request_id=request_id))


@bp.post("/requests/<int:request_id>/hold")
@require_roles("nurse")
def hold(request_id: int) -> Response:
    """Put the GP on hold with music (or take him off hold)."""
    me = _me()
    call_request = _request_or_404(request_id)
    on_hold = request.form.get("hold") == "1"
    urls = NurseUrls(settings().public_root)
    if not nurse_actions.hold(db_session(), call_request, me, on_hold, now(), urls):
        flash(_("Aucun appel en cours à mettre en attente."), "error")
        return redirect(url_for("console.request_form", request_id=request_id))
    commit()
    flash(
        _("Le médecin est en attente.") if on_hold else _("Le médecin est de nouveau en ligne."),
        "success",
    )
    return redirect(url_for("console.request_form", request_id=request_id))
