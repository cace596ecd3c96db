"""What the network's members read and the programme reports: the published anonymised cases
(page and CSV), the network's activities (trainings, newsletters, meetings held), and the demo's
kept e-mails."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from callbacks.network import mail, meetings
from callbacks.network.meeting_models import ActivityKind, Meeting, MeetingKind, NetworkActivity
from callbacks.network.meeting_views import KIND_LABELS, RUNS, refuse, tz
from hotline import audit, mailbox, reference_lists
from hotline.auth import require_roles, signed_in_user
from hotline.console.scoping import helpline_names, list_scope, visible_ids, working_helpline_id
from hotline.i18n import N_, say
from hotline.i18n import gettext as _
from hotline.refusals import Refusal
from hotline.spreadsheet import csv_text
from hotline.web import db_session, now, settings

bp = Blueprint("network_activities", __name__, url_prefix="/console/network")

MEMBERS = ("nurse", "coordinator", "admin")
FIGURE_LABELS = {
    "meetings_held": N_("Réunions de concertation tenues"),
    "situations_presented": N_("Situations présentées"),
    "trainings": N_("Formations"),
    "training_participants": N_("Participants aux formations"),
    "newsletters": N_("Lettres d'information"),
    "newsletter_recipients": N_("Destinataires des lettres d'information"),
}
ACTIVITY_LABELS = {
    ActivityKind.TRAINING: N_("Formation"),
    ActivityKind.NEWSLETTER: N_("Lettre d'information"),
}


def _cases(helpline_ids: list[int]) -> list[dict[str, str]]:
    """The published cases of these helplines (each named in its own helpline's list)."""
    rows = []
    for helpline_id in helpline_ids:
        rows += _cases_of(helpline_id)
    return sorted(rows, key=lambda row: row["meeting_on"], reverse=True)


def _cases_of(helpline_id: int) -> list[dict[str, str]]:
    session = db_session()
    names = reference_lists.labels(session, helpline_id, "orientation")
    rows = []
    published = meetings.published_cases(session, helpline_id)
    named = meetings.proposed_partners(session, [item.id for item, _meeting in published])
    for item, meeting in published:
        codes = [c for c in (item.orientation_codes or "").split(",") if c]
        rows.append(
            {
                "meeting_on": meeting.starts_at.astimezone(tz()).date().isoformat(),
                "helpline_id": str(helpline_id),
                "kind": str(meeting.kind),
                "summary": item.summary,
                "decision": item.decision or "",
                "orientations": "; ".join(
                    [_(names.get(code, code)) for code in codes]
                    + [partner.name for partner in named[item.id]]
                    + ([item.orientations] if item.orientations else [])
                ),
            }
        )
    return rows


@bp.get("/cases")
@require_roles(*MEMBERS)
def cases() -> str | tuple[str, int]:
    """The published anonymised cases with their proposed orientations."""
    me = signed_in_user()
    scope = list_scope(*MEMBERS)
    if scope.problem is not None:
        flash(say(scope.problem), "error")
    audit.record(db_session(), me, "view", "published_cases", None, now())
    html = render_template(
        "callbacks/network/cases.html",
        user=me,
        cases=_cases(scope.ids),
        kinds=KIND_LABELS,
        scope=scope,
    )
    return (html, 400) if scope.problem is not None else html


@bp.get("/cases.csv")
@require_roles(*MEMBERS)
def cases_csv() -> Response:
    """The published cases as a spreadsheet (CSV)."""
    me = signed_in_user()
    scope = list_scope(*MEMBERS)
    if scope.problem is not None:
        return Response(say(scope.problem), status=400, mimetype="text/plain")
    audit.record(db_session(), me, "export", "published_cases", None, now())
    header = [
        _("Date de la réunion"),
        _("Type"),
        _("Résumé anonymisé"),
        _("Décision"),
        _("Orientations proposées"),
    ]
    body = [
        [
            c["meeting_on"],
            _(KIND_LABELS[MeetingKind(c["kind"])]),
            c["summary"],
            c["decision"],
            c["orientations"],
            *([scope.name(int(c["helpline_id"]))] if scope.consolidated else []),
        ]
        for c in _cases(scope.ids)
    ]
    if scope.consolidated:
        header.append(_("Ligne"))
    return Response(
        csv_text([header, *body]),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=cas-anonymises.csv"},
    )


def _activities_page(values: dict[str, str], status: int = 200) -> tuple[str, int]:
    """The activities of the helplines the user runs meetings in; the meetings held and the
    year's figures of the one he works on."""
    session = db_session()
    helpline_id = working_helpline_id(*RUNS)
    seen = visible_ids(*RUNS)
    rows = session.scalars(
        select(NetworkActivity)
        .where(NetworkActivity.helpline_id.in_(seen))
        .order_by(NetworkActivity.held_on.desc(), NetworkActivity.id.desc())
    ).all()
    return render_template(
        "callbacks/network/activities.html",
        user=signed_in_user(),
        activities=rows,
        held=meetings.meetings_held(session, helpline_id, now()),
        year=now().astimezone(tz()).year,
        figures=meetings.year_figures(
            session, helpline_id, now().astimezone(tz()).year, tz(), now()
        ),
        figure_labels=FIGURE_LABELS,
        labels=ACTIVITY_LABELS,
        kinds=KIND_LABELS,
        lines=helpline_names(seen),  # each activity's helpline, for a reader of several
        working=helpline_id,
        values=values,
        tz=settings().timezone,
    ), status


@bp.get("/activities")
@require_roles(*RUNS)
def activities() -> tuple[str, int]:
    """Trainings, newsletters and the meetings held."""
    return _activities_page({})


@bp.post("/activities")
@require_roles(*RUNS)
def add_activity() -> BaseResponse | tuple[str, int]:
    """Enter a training or a newsletter."""
    me = signed_in_user()
    values = {k: request.form.get(k, "").strip() for k in ("kind", "held_on", "theme", "count")}
    session = db_session()
    try:
        try:
            kind = ActivityKind(values["kind"])
        except ValueError:
            raise Refusal(N_("Type d'activité inconnu.")) from None
        try:
            held_on = date.fromisoformat(values["held_on"])
        except ValueError:
            raise Refusal(N_("Date illisible.")) from None
        if not values["count"].isdigit() or int(values["count"]) > 1_000_000:
            raise Refusal(N_("Le nombre de participants ou de destinataires est un nombre entier."))
        if not meetings.clean_text(values["theme"], 200):
            raise Refusal(N_("Donnez le thème (200 caractères au plus)."))
    except Refusal as problem:
        refuse(problem)
        return _activities_page(values, 400)
    activity = NetworkActivity(
        helpline_id=working_helpline_id(*RUNS), kind=kind, held_on=held_on,
        theme=values["theme"], count=int(values["count"]), created_by=me.id, created_at=now(),
    )  # fmt: skip
    session.add(activity)
    session.flush()
    audit.record(session, me, "create", "network_activity", activity.id, now())
    flash(_("Activité enregistrée."), "success")
    return redirect(url_for("network_activities.activities"))


@bp.get("/mails")
@require_roles(*RUNS)
def mails() -> str:
    """The e-mails the demo's local SMTP server kept: those of the meetings of the reader's
    helplines (every one for a regional administrator)."""
    box = mailbox.attached()
    kept = box.messages() if box is not None else []
    me = signed_in_user()
    if not me.is_regional_admin:
        meeting_ids = db_session().scalars(
            select(Meeting.id).where(Meeting.helpline_id.in_(visible_ids(*RUNS)))
        )
        tags = {mail.meeting_tag(meeting_id) for meeting_id in meeting_ids}
        kept = [message for message in kept if message.tag in tags]
    return render_template(
        "callbacks/network/mails.html",
        user=me,
        running=box is not None,
        messages=kept,
        tz=settings().timezone,
    )
