"""The request page of the console: who called, the story of the request, the nurse's log of it,
and the panels the features add (``hooks.add_request_panel``)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from hotline import anonymity, audit, hooks, lifecycle, reference_lists
from hotline.auth import require_roles, signed_in_user
from hotline.console import bp
from hotline.console.board import PROFESSIONS, caller_name, national
from hotline.console.scoping import READERS, in_scope_or_404, visible_ids
from hotline.console.story import told
from hotline.hooks import PANEL_PLACES, CallbackReason, Panel
from hotline.i18n import N_, say
from hotline.i18n import gettext as _
from hotline.lifecycle import STATUS_LABELS
from hotline.models import Request, User
from hotline.reference_codes import KINDS
from hotline.refusals import Refusal
from hotline.services import log_event
from hotline.web import db_session, now, settings

# The story of a request as the console tells it: the ground floor's events (the features add
# theirs with ``hooks.add_event_labels``).
EVENT_LABELS = {
    "received": N_("Appel reçu"),
    "menu_choice": N_("Choix au menu"),
    "menu_no_choice": N_("Aucun choix au menu"),
    "menu_invalid_choice": N_("Choix invalide au menu"),
    "menu_abandoned": N_("Menu abandonné"),
    "gp_leg_ended": N_("Fin de l'appel du médecin"),
    "nurse_leg_ended": N_("Fin d'un appel infirmière"),
    "interpreter_leg_ended": N_("Fin d'un appel interprète"),
    "participant_join": N_("Entrée dans la conférence"),
    "participant_leave": N_("Sortie de la conférence"),
    "conference_start": N_("Début de la conférence"),
    "conference_end": N_("Fin de la conférence"),
    "request_logged": N_("Fiche enregistrée"),
    "call_ended": N_("Appel terminé"),
    "request_closed": N_("Demande clôturée"),
    "request_reopened": N_("Demande rouverte"),
}


def participant_role(label: str) -> str:
    """Who a room's participant is, from its label ("gp", "nurse-<id>", or a feature's)."""
    for prefix, role in hooks.registries().participant_roles.items():
        if label.startswith(prefix):
            return _(role)
    if label == "gp":
        return _("médecin")
    if label.startswith("nurse"):
        return _("infirmière")
    return label


def _tz() -> ZoneInfo:
    return ZoneInfo(settings().timezone)


def back_to_request(request_id: int) -> Response:
    """Back to the request's page (after one of its actions)."""
    return redirect(url_for("console.request_form", request_id=request_id))


def request_or_404(request_id: int, *roles: str) -> Request:
    """The request of a console URL, or a 404 when there is none or it belongs to a helpline the
    user does not see with these roles (the nurse's by default)."""
    found = db_session().get(Request, request_id)
    if found is None:
        abort(404)
    in_scope_or_404(found.helpline_id, *roles)
    return found


def render_panels(call_request: Request, me: User, at: datetime) -> dict[str, list[Markup]]:
    """The features' panels of this request, rendered, by place."""
    session = db_session()
    found: list[Panel] = []
    for panel in hooks.registries().request_panels:
        shown = panel(session, call_request, me, at)
        if shown is not None:
            found.append(shown)
    found.sort(key=lambda shown: shown.order)  # stable: registration order among equals
    placed: dict[str, list[Markup]] = {place: [] for place in PANEL_PLACES}
    for shown in found:
        html = render_template(shown.template, req=call_request, user=me, **shown.context)
        placed[shown.place].append(Markup(html))  # noqa: S704 - rendered by Jinja, escaped there
    return placed


@bp.get("/requests/<int:request_id>")
@require_roles(*READERS)
def request_form(request_id: int) -> str:
    """The request: who called, its story, the actions on the call, the form to log it."""
    me = signed_in_user()
    call_request = request_or_404(request_id)
    audit.record(db_session(), me, "view", "request", call_request.id, now())
    return _render_form(call_request, me, {})


def _codes(call_request: Request) -> dict[str, str | None]:
    """The request's codes of the reference lists, by kind."""
    return {key: getattr(call_request, kind.field) for key, kind in KINDS.items()}


def _choice_problems(call_request: Request, values: dict[str, str]) -> dict[str, str]:
    """Why a chosen value of a reference list cannot be saved (unknown, or retired since it was
    offered), by field; the value the request already has stays accepted."""
    problems = {}
    current = _codes(call_request)
    for key, kind in KINDS.items():
        try:
            reference_lists.check_choice(
                db_session(), call_request.helpline_id, key, values[kind.field], current[key]
            )
        except Refusal as refusal:
            problems[kind.field] = say(refusal)
    return problems


def _render_form(
    call_request: Request,
    me: User,
    values: dict[str, str],
    problems: dict[str, str] | None = None,
) -> str:
    session = db_session()
    codes = _codes(call_request)
    earlier = []
    if call_request.professional_id is not None:
        earlier = list(
            session.scalars(
                select(Request)
                .where(
                    Request.professional_id == call_request.professional_id,
                    Request.id != call_request.id,
                    Request.helpline_id.in_(visible_ids()),
                )
                .order_by(Request.opened_at.desc())
                .limit(10)
            )
        )
    professional = call_request.professional
    labels = {**EVENT_LABELS, **hooks.registries().event_labels}
    return render_template(
        "console/request.html",
        user=me,
        req=call_request,
        caller=caller_name(professional),
        profession=_(PROFESSIONS.get(professional.profession, professional.profession))
        if professional
        else "",
        number=national(call_request.caller_number),
        panels=render_panels(call_request, me, now()),
        event_labels=labels,
        story=told(session, call_request, labels),
        participant_role=participant_role,
        kinds=KINDS,
        options=reference_lists.options(session, call_request.helpline_id, codes),
        selected={
            kind.field: values[kind.field] if kind.field in values else codes[key]
            for key, kind in KINDS.items()
        },
        problems=problems or {},
        categories=reference_lists.labels(session, call_request.helpline_id, "category"),
        earlier=earlier,
        values=values,
        tz=settings().timezone,
        call_state=lifecycle.call_state(session, call_request, now()),
        status_label=_(STATUS_LABELS[call_request.status]),
    )


@bp.post("/requests/<int:request_id>")
@require_roles("nurse")
def save_request(request_id: int) -> Response | tuple[str, int]:
    """Save the nurse's log of the request; a follow-up date asks for a callback that day."""
    me = signed_in_user()
    call_request = request_or_404(request_id)
    fields = [kind.field for kind in KINDS.values()]
    values = {k: request.form.get(k, "").strip() for k in (*fields, "follow_up_on", "notes")}
    problems = _choice_problems(call_request, values)
    errors = list(problems.values())
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
    try:
        anonymity.check(values["notes"])
    except anonymity.IdentityRefusal as refusal:
        problems["notes"] = say(refusal)
        errors.append(problems["notes"])
    if any(ord(char) < 32 and char not in "\t\r\n" for char in "".join(values.values())):
        errors.append(_("Caractères de contrôle refusés (octet nul…) : retirez-les et réessayez."))
    if errors:
        for message in errors:
            flash(message, "error")
        return _render_form(call_request, me, values, problems), 400
    session = db_session()
    for field in fields:
        setattr(call_request, field, values[field] or None)
    call_request.notes = values["notes"] or None
    call_request.nurse_id = call_request.nurse_id or me.id
    if follow_up is not None and follow_up != call_request.follow_up_on:
        call_request.follow_up_on = follow_up
        due = datetime.combine(follow_up, time(9, 0), tzinfo=_tz())
        hooks.send(
            hooks.callback_wanted,
            session=session,
            now=now(),
            request=call_request,
            reason=CallbackReason.FOLLOW_UP,
            due_at=due,
            assignee_id=me.id,
        )
    log_event(
        session,
        call_request,
        "request_logged",
        now(),
        detail={"category": call_request.category, "outcome": call_request.outcome, "by": me.id},
    )
    codes = {field: getattr(call_request, field) for field in fields}
    audit.record(
        session,
        me,
        "update",
        "request",
        call_request.id,
        now(),
        **codes,
        follow_up_on=values["follow_up_on"] or None,
    )
    flash(_("Demande {reference} enregistrée.", reference=call_request.reference), "success")
    return redirect(url_for("console.request_form", request_id=call_request.id))
