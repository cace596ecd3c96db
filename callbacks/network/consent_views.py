"""The request page's panel of a complex situation: the patient's consent recorded by the nurse
(given or refused, to whom, when; audited) and the situation proposed for a coming meeting."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, flash, request
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from callbacks.network import meetings
from callbacks.network.meeting_models import AgendaItem
from callbacks.network.meeting_views import KIND_LABELS, refuse, tz
from hotline import audit
from hotline.auth import require_roles, signed_in_user
from hotline.console.requests import back_to_request, request_or_404
from hotline.hooks import Panel
from hotline.i18n import N_
from hotline.i18n import gettext as _
from hotline.models import Request, User
from hotline.refusals import Refusal
from hotline.web import db_session, now, settings

bp = Blueprint("network_consent", __name__, url_prefix="/console")


def consent_panel(
    session: Session, call_request: Request, user: User, at: datetime
) -> Panel | None:
    """On a complex situation's page: its consent, and the meetings it can be proposed to."""
    if call_request.category != meetings.COMPLEX_SITUATION:
        return None
    items = session.scalars(select(AgendaItem).where(AgendaItem.request_id == call_request.id))
    return Panel(
        "callbacks/network/consent_panel.html",
        {
            "consent": meetings.consent_of(session, call_request),
            "coming": meetings.coming_meetings(session, call_request.helpline_id, at),
            "on_agenda": {item.meeting_id: item.summary for item in items},
            "kinds": KIND_LABELS,
            "tz": settings().timezone,
            "today": at.astimezone(tz()).date().isoformat(),
        },
        place="main",
        order=40,
    )


@bp.post("/requests/<int:request_id>/consent")
@require_roles("nurse", "coordinator", "admin")
def record_consent(request_id: int) -> Response:
    """The nurse records the patient's answer: given or refused, to whom, when."""
    me = signed_in_user()
    call_request = request_or_404(request_id)
    answer = request.form.get("answer", "")
    given_to = request.form.get("given_to", "")
    session = db_session()
    try:
        if answer not in ("given", "refused"):
            raise Refusal(N_("Dites si le patient a donné ou refusé son consentement."))
        try:
            given_on = date.fromisoformat(request.form.get("given_on", "").strip())
        except ValueError:
            raise Refusal(N_("Date du consentement illisible.")) from None
        meetings.record_consent(
            session, call_request, me, is_given=answer == "given", given_to=given_to,
            given_on=given_on, now=now(), tz=tz(),
        )  # fmt: skip
    except Refusal as problem:
        refuse(problem)
        return back_to_request(call_request.id)
    audit.record(session, me, "record_consent", "request", call_request.id, now(), answer=answer,
                 given_on=given_on.isoformat())  # fmt: skip
    flash(_("Consentement enregistré."), "success")
    return back_to_request(call_request.id)
