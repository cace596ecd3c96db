"""The request page's history of its callbacks (every attempt, who, when, how it ended, the
voicemail, a follow-up's outcome), and the form where the nurse records that outcome."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from callbacks import attempts
from callbacks.console import REASONS, STATUSES, task_or_404
from callbacks.models import AttemptResult, CallbackTask
from callbacks.story import FOLLOW_UP_OUTCOMES, WHYS
from hotline import audit
from hotline.auth import require_roles, signed_in_user
from hotline.console.requests import back_to_request
from hotline.hooks import MergeHandler, Panel
from hotline.i18n import N_, say
from hotline.i18n import gettext as _
from hotline.models import Request, User
from hotline.refusals import Refusal
from hotline.web import db_session, now, settings

bp = Blueprint("callbacks_history", __name__, url_prefix="/console", template_folder="templates")

RESULTS = {
    AttemptResult.REACHED: N_("Joint"),
    AttemptResult.NO_ANSWER: N_("Pas de réponse"),
    AttemptResult.BUSY: N_("Occupé"),
    AttemptResult.VOICEMAIL: N_("Messagerie"),
    AttemptResult.FAILED: N_("Échec"),
}


def history_panel(
    session: Session, call_request: Request, user: User, now: datetime
) -> Panel | None:
    """Every callback of the request, done ones too, with their attempts."""
    tasks = list(
        session.scalars(
            select(CallbackTask)
            .where(CallbackTask.request_id == call_request.id)
            .order_by(CallbackTask.created_at, CallbackTask.id)
        )
    )
    if not tasks:
        return None
    by_task = attempts.attempts_of(session, [task.id for task in tasks])
    user_ids = {a.user_id for found in by_task.values() for a in found if a.user_id}
    user_ids |= {task.follow_up_recorded_by for task in tasks if task.follow_up_recorded_by}
    names = {
        found.id: found.display_name
        for found in session.scalars(select(User).where(User.id.in_(user_ids)))
    }
    return Panel(
        "callbacks/history.html",
        {
            "callbacks": [(task, by_task[task.id]) for task in tasks],
            "names": names,
            "awaits_outcome": attempts.awaits_outcome,
            **labels(),
        },
        place="main",
        order=50,
    )


def labels() -> dict[str, object]:
    """The vocabularies the history's templates show."""
    return {
        "reasons": REASONS,
        "statuses": STATUSES,
        "results": RESULTS,
        "whys": WHYS,
        "follow_up_outcomes": FOLLOW_UP_OUTCOMES,
        "tz": settings().timezone,
    }


@bp.route("/callbacks/<int:task_id>/outcome", methods=["GET", "POST"])
@require_roles("nurse")
def follow_up_outcome(task_id: int) -> Response | str | tuple[str, int]:
    """Record how a reached follow-up found the situation, with a note."""
    me = signed_in_user()
    session = db_session()
    task = task_or_404(task_id)
    values = {
        "outcome": (task.follow_up_outcome or "") if request.method == "GET" else "",
        "note": (task.follow_up_note or "") if request.method == "GET" else "",
    }
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("outcome", "note")}
        try:
            attempts.record_outcome(session, task, me, values["outcome"], values["note"], now())
        except Refusal as refusal:
            flash(say(refusal), "error")
            return _outcome_page(session, task, me, values), 400
        audit.record(
            session, me, "follow_up_outcome", "request", task.request_id, now(),
            callback_id=task.id, outcome=values["outcome"],
        )  # fmt: skip
        flash(_("Issue du suivi enregistrée."), "success")
        return back_to_request(task.request_id)
    audit.record(session, me, "view", "request", task.request_id, now(), callback_id=task.id)
    return _outcome_page(session, task, me, values)


def _outcome_page(session: Session, task: CallbackTask, me: User, values: dict[str, str]) -> str:
    call_request = session.get(Request, task.request_id)
    return render_template(
        "callbacks/outcome.html", user=me, task=task, req=call_request, values=values, **labels()
    )


def callbacks_of_professional(session: Session, professional_id: int) -> int:
    """How many callbacks hang on a professional's requests (they follow his requests on a
    merge of two directory records: ``hotline.merge``)."""
    found = session.scalar(
        select(func.count(CallbackTask.id))
        .join(Request, Request.id == CallbackTask.request_id)
        .where(Request.professional_id == professional_id)
    )
    return found or 0


MERGE_HANDLER = MergeHandler("callbacks", N_("Rappels"), callbacks_of_professional)
