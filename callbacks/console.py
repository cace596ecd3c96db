"""The nurse's callbacks in the console: what is due, the voicemail to listen to, "Rappeler"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import requests
from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response as WerkzeugResponse

from callbacks import calling
from callbacks.attempts import awaits_outcome
from callbacks.models import CallbackStatus, CallbackTask
from callbacks.twiml import CallbackUrls
from hotline import audit
from hotline.auth import current_user, require_roles
from hotline.console.board import caller_name, national
from hotline.console.scoping import READERS, in_scope_or_404, list_scope
from hotline.hooks import CallbackReason, SummaryItem
from hotline.i18n import N_, say
from hotline.i18n import gettext as _
from hotline.models import Request
from hotline.web import db_session, now, settings

# The events this package logs, as the request page's story names them.
EVENT_LABELS = {
    "voicemail_left": N_("Message laissé"),
    "callback_created": N_("Rappel programmé"),
    "callback_requested": N_("Rappel demandé par le médecin"),
    "callback_started": N_("Rappel : l'infirmière sonne"),
    "callback_dialling": N_("Rappel : appel du médecin"),
    "callback_reached": N_("Rappel abouti"),
    "callback_retry": N_("Rappel sans réponse, nouvel essai prévu"),
    "callback_failed": N_("Rappel en échec"),
    "callback_resumed": N_("Rappel relancé"),
    "callback_step_deadline": N_("Rappel sans nouvelles : essai arrêté"),
    "callback_machine": N_("Rappel : messagerie du professionnel"),
    "follow_up_recorded": N_("Issue du suivi enregistrée"),
}

bp = Blueprint("callbacks_console", __name__, url_prefix="/console", template_folder="templates")

REASONS = {
    CallbackReason.VOICEMAIL: N_("Message vocal"),
    CallbackReason.NO_ANSWER: N_("Appel sans réponse"),
    CallbackReason.OUT_OF_HOURS: N_("Appel hors horaires"),
    CallbackReason.ABANDONED: N_("Appel interrompu"),
    CallbackReason.REQUESTED: N_("Rappel demandé"),
    CallbackReason.FOLLOW_UP: N_("Suivi"),
    CallbackReason.NO_INTERPRETER: N_("Pas d'interprète trouvé"),
}
STATUSES = {
    CallbackStatus.PENDING: N_("À rappeler"),
    CallbackStatus.CALLING: N_("Appel en cours"),
    CallbackStatus.DONE: N_("Fait"),
    CallbackStatus.FAILED: N_("Échec après plusieurs essais"),
    CallbackStatus.CANCELLED: N_("Annulé"),
}


def board_summary(
    session: Session,
    day_start: datetime,
    day_end: datetime,
    now: datetime,
    helpline_ids: Sequence[int],
) -> list[SummaryItem]:
    """The board's figure: callbacks of these helplines due by the end of the day, not made."""
    due = session.scalar(
        select(func.count())
        .select_from(CallbackTask)
        .join(Request, CallbackTask.request_id == Request.id)
        .where(
            CallbackTask.status.in_((CallbackStatus.PENDING, CallbackStatus.CALLING)),
            CallbackTask.due_at < day_end,
            Request.helpline_id.in_(helpline_ids),
        )
    )
    url = url_for("callbacks_console.callbacks")
    return [SummaryItem("callbacks_due", _("Rappels à faire"), due or 0, url)]


def task_or_404(task_id: int) -> CallbackTask:
    """The callback of a console URL, or a 404 when there is none or its request belongs to a
    helpline the nurse does not see."""
    session = db_session()
    task = session.get(CallbackTask, task_id)
    if task is None:
        abort(404)
    call_request = session.get(Request, task.request_id)
    assert call_request is not None
    in_scope_or_404(call_request.helpline_id)
    return task


@bp.get("/callbacks")
@require_roles(*READERS)
def callbacks() -> str | tuple[str, int]:
    """Callbacks of the reader's helplines to make (and those that failed), the earliest due
    first, and the reached follow-ups whose outcome is still to record."""
    session = db_session()
    scope = list_scope()
    if scope.problem is not None:
        flash(say(scope.problem), "error")
    rows = session.execute(
        select(CallbackTask, Request)
        .join(Request, CallbackTask.request_id == Request.id)
        .where(
            Request.helpline_id.in_(scope.ids),
            or_(
                CallbackTask.status.in_(
                    (CallbackStatus.PENDING, CallbackStatus.CALLING, CallbackStatus.FAILED)
                ),
                and_(
                    CallbackTask.reason == CallbackReason.FOLLOW_UP,
                    CallbackTask.status == CallbackStatus.DONE,
                    CallbackTask.outcome == "reached",
                    CallbackTask.follow_up_outcome.is_(None),
                ),
            ),
        )
        .order_by(CallbackTask.due_at)
        .limit(200)
        # The callers in one more statement, not one a row.
        .options(selectinload(Request.professional))
    ).tuples()
    items = [
        {
            "task": task,
            "request": request,
            "caller": caller_name(request.professional),
            "number": national(task.phone),
        }
        for task, request in rows
    ]
    html = render_template(
        "callbacks/callbacks.html",
        user=current_user(),
        items=items,
        scope=scope,
        reasons=REASONS,
        statuses=STATUSES,
        awaits_outcome=awaits_outcome,
        tz=settings().timezone,
    )
    return (html, 400) if scope.problem is not None else html


@bp.post("/callbacks/<int:task_id>/call")
@require_roles("nurse")
def call_back(task_id: int) -> WerkzeugResponse:
    """ "Rappeler": the nurse's phone (or browser) rings, then the professional's."""
    me = current_user()
    assert me is not None
    session = db_session()
    task = task_or_404(task_id)
    if task.status != CallbackStatus.PENDING:
        flash(_("Ce rappel est déjà en cours ou terminé."), "error")
        return redirect(url_for("callbacks_console.callbacks"))
    started = calling.start_now(session, task, me, now(), CallbackUrls(settings().public_root))
    audit.record(session, me, "call_back", "request", task.request_id, now(), callback_id=task.id)
    if started:
        flash(_("Votre téléphone va sonner : décrochez pour appeler le professionnel."), "success")
    else:
        flash(_("Impossible de vous joindre : vérifiez votre téléphone ou votre console."), "error")
    return redirect(url_for("callbacks_console.callbacks"))


@bp.get("/callbacks/<int:task_id>/recording")
@require_roles("nurse")
def recording(task_id: int) -> Response:
    """The voicemail, fetched from Twilio with the account's credentials (never public)."""
    me = current_user()
    task = task_or_404(task_id)
    if not task.recording_url:
        abort(404)
    config = settings()
    fetched = requests.get(
        task.recording_url + ".wav",
        auth=(config.twilio_account_sid, config.twilio_auth_token),
        timeout=10,
    )
    if fetched.status_code != 200:
        abort(502, _("Enregistrement indisponible chez Twilio."))
    audit.record(db_session(), me, "listen", "request", task.request_id, now(), callback_id=task.id)
    return Response(fetched.content, mimetype="audio/wav")
