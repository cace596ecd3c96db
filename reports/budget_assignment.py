"""The budget line of each ledger entry in the console: the unfunded entries and their total,
charging them to the lines that now cover them, and reassigning an entry (an adjustment pair
with its reason, never an edit; the rules are ``interpreter_pool.funding``)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms.validators import DataRequired

from hotline.admin.forms import TextField, one_of
from hotline.auth import current_user, require_roles, visible_helpline_ids
from hotline.i18n import N_, lazy_gettext, ngettext, say
from hotline.i18n import gettext as _
from hotline.refusals import Refusal
from hotline.web import db_session, now, settings
from interpreter_pool import funding
from interpreter_pool.models import Budget, Interpreter, LedgerEntry, LedgerKind

bp = Blueprint("budget_assignment", __name__, url_prefix="/finance", template_folder="templates")

# The form's value for "no line" (the entry is then listed as unfunded).
UNFUNDED = "none"

# Why an entry sits on its line, as the ledger says it (``budget_rule`` of the entry's detail).
RULES = {
    "only_line": N_("seule ligne qui couvre l'écriture"),
    "most_specific": N_("périmètre le plus précis"),
    "priority": N_("priorité la plus forte à périmètre égal"),
    "oldest": N_("ligne la plus ancienne à périmètre et priorité égaux"),
    "unfunded": N_("aucune ligne ne couvre l'écriture"),
    "follows_charge": N_("suit la ligne de la séance"),
}


def helpline_scope(role: str | None = None) -> Collection[int] | None:
    """The helplines whose entries the signed-in user sees (None: all, a regional admin)."""
    user = current_user()
    if user is not None and user.is_regional_admin:
        return None
    roles = (role,) if role else ("finance", "admin")
    return {helpline_id for r in roles for helpline_id in visible_helpline_ids(r)}


def rule_of(entry: LedgerEntry) -> str:
    """Why the entry sits on its line, in the reader's language ("" when not recorded)."""
    rule = (entry.detail or {}).get("budget_rule")
    return _(RULES[rule]) if rule in RULES else ""


class ReassignForm(FlaskForm):
    """The line an entry moves to, and why."""

    line = TextField(lazy_gettext("Nouvelle ligne budgétaire"))
    reason = TextField(
        lazy_gettext("Motif"),
        [DataRequired(lazy_gettext("Indiquez le motif de la réaffectation."))],
        max_length=funding.MAX_REASON,
    )


def _entry_or_404(session: Session, entry_id: int, scope: Collection[int] | None) -> LedgerEntry:
    entry = session.get(LedgerEntry, entry_id)
    if entry is None or (scope is not None and entry.helpline_id not in scope):
        abort(404)
    return entry


def _targets(session: Session, entry: LedgerEntry, scope: Collection[int] | None) -> list[Budget]:
    """Lines the entry may move to: their period holds its date; not another programme's."""
    return [
        line
        for line in funding.covering_lines_for(session, entry)
        if line.scope != "helpline" or scope is None or line.scope_helpline_id in scope
    ]


@bp.get("/unfunded")
@require_roles("finance", "admin")
def unfunded() -> str:
    """Entries no line covers, with their total."""
    session = db_session()
    scope = helpline_scope()
    entries = funding.unfunded_entries(session, scope)
    total = funding.line_totals(session, scope).get(None)
    return render_template(
        "reports/unfunded.html",
        user=current_user(),
        entries=entries,
        total=total.amount if total is not None else 0,
        providers=dict(session.execute(select(Interpreter.id, Interpreter.name)).tuples().all()),
        rule_of=rule_of,
        tz=settings().timezone,
    )


@bp.post("/unfunded/charge")
@require_roles("finance")
def charge_unfunded() -> Response:
    """Charge the unfunded entries to the lines that now cover them."""
    moved = funding.charge_unfunded(db_session(), now(), helpline_scope("finance"))
    if moved:
        flash(
            ngettext(
                "{n} écriture imputée à la ligne qui la couvre désormais.",
                "{n} écritures imputées aux lignes qui les couvrent désormais.",
                moved,
            ),
            "success",
        )
    else:
        flash(_("Aucune ligne ne couvre ces écritures pour l'instant."), "info")
    return redirect(url_for("budget_assignment.unfunded"))


@bp.route("/ledger/<int:entry_id>/reassign", methods=["GET", "POST"])
@require_roles("finance")
def reassign(entry_id: int) -> str | Response | tuple[str, int]:
    """Move an entry to another line (or to none), with a reason: an adjustment pair."""
    session = db_session()
    scope = helpline_scope("finance")
    entry = _entry_or_404(session, entry_id, scope)
    if entry.kind == LedgerKind.REASSIGNMENT:
        abort(404)
    targets = _targets(session, entry, scope)
    current = funding.current_line_ids(session, [entry])[entry.id]
    form = ReassignForm()
    form.line.validators = [
        DataRequired(lazy_gettext("Choisissez une ligne budgétaire.")),
        one_of(
            [UNFUNDED, *(str(line.id) for line in targets)],
            lazy_gettext("Choisissez une ligne budgétaire."),
        ),
    ]
    status = 200
    if form.is_submitted():
        if form.validate():
            line = None if form.line.data == UNFUNDED else session.get(Budget, int(form.line.data))
            try:
                posted = funding.reassign_entry(
                    session, entry, line, form.reason.data or "", _user_id(), now()
                )
            except Refusal as problem:
                session.rollback()
                form.line.errors = [*form.line.errors, say(problem)]
            else:
                if posted is None:  # another move of this entry was posted meanwhile
                    flash(_("L'écriture vient d'être réaffectée : vérifiez sa ligne."), "error")
                    return redirect(url_for("finance.ledger"))
                flash(
                    _("Écriture réaffectée à « {line} ».", line=_line_name(line)),
                    "success",
                )
                return redirect(url_for("finance.ledger"))
        for field in form:
            for message in field.errors:
                flash(str(message), "error")
        status = 400
    return render_template(
        "reports/reassign.html",
        user=current_user(),
        entry=entry,
        form=form,
        targets=targets,
        current=_line_name(session.get(Budget, current) if current is not None else None),
        unfunded_value=UNFUNDED,
        rule_of=rule_of,
        tz=settings().timezone,
    ), status


def _line_name(line: Budget | None) -> str:
    return line.name if line is not None else _("Non financé")


def _user_id() -> int | None:
    user = current_user()
    return user.id if user is not None else None


def ledger_lines(session: Session, entries: list[LedgerEntry]) -> dict[str, Any]:
    """What the ledger's entries need to show their line: names by id, and where each entry
    sits now (after any reassignment)."""
    names = dict(session.execute(select(Budget.id, Budget.name)).tuples().all())
    return {"names": names, "current": funding.current_line_ids(session, entries)}
