"""Budget lines in the console: the list with what each consumed, a line's page with its charts,
and the forms that create, edit, end or delete a line (rules: ``interpreter_pool.budget_admin``).

A finance officer sees the lines of the helplines he holds the finance (or admin) role in, and
the lines not tied to a helpline (all, a structure, a provider, a language); a regional admin
sees them all. Another helpline's line is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, url_for
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from hotline.admin import Page, page, record, refuse
from hotline.auth import require_roles, signed_in_user, visible_helpline_ids
from hotline.i18n import current_locale
from hotline.i18n import gettext as _
from hotline.models import Helpline, Structure
from hotline.refusals import Refusal
from hotline.scope import helplines_for
from hotline.web import db_session, now, settings
from interpreter_pool.budget import crossed, forecast, parse_thresholds, percent
from interpreter_pool.budget_admin import (
    ScopeRefusal,
    delete_budget_line,
    end_budget_line,
    line_usage,
    save_budget_line,
)
from interpreter_pool.forms import EndForm
from interpreter_pool.languages import language_name
from interpreter_pool.models import Budget, Interpreter, InterpreterLanguage, LedgerEntry
from reports.budget_forms import FUNDER_LINES, BudgetLineForm
from reports.line_charts import line_charts
from reports.line_figures import Consumed, consumed_by_line, line_spend

bp = Blueprint("budget_lines", __name__, url_prefix="/finance/lines", template_folder="templates")
ROLES = ("finance", "admin")
SCOPE_FIELDS = {
    "helpline": "scope_helpline",
    "structure": "scope_structure",
    "provider": "scope_provider",
    "language": "scope_language",
}


def _helpline_ids() -> set[int]:
    """The helplines whose lines the signed-in person keeps."""
    return {hid for role in ROLES for hid in visible_helpline_ids(role)}


def _visible() -> ColumnElement[bool]:
    """The lines the signed-in person sees (a helpline's line: his helplines only)."""
    return or_(Budget.scope != "helpline", Budget.scope_helpline_id.in_(_helpline_ids()))


def _line_or_404(session: Session, line_id: int) -> Budget:
    line = session.scalar(select(Budget).where(Budget.id == line_id, _visible()))
    if line is None:
        abort(404)
    return line


@dataclass(frozen=True)
class LineRow:
    """A line as the list shows it."""

    line: Budget
    consumed: Consumed
    pct: Decimal
    crossed: list[int]
    scope: str


def scope_words(session: Session, line: Budget) -> str:
    """What the line funds, in words ("Structure : Maison de santé des Izards")."""
    if line.scope == "helpline":
        helpline = session.get(Helpline, line.scope_helpline_id)
        return _("Ligne d'écoute : {name}", name=helpline.name if helpline else "—")
    if line.scope == "structure":
        structure = session.get(Structure, line.scope_structure_id)
        return _("Structure : {name}", name=structure.name if structure else "—")
    if line.scope == "provider":
        provider = session.get(Interpreter, line.scope_interpreter_id)
        return _("Prestataire : {name}", name=provider.name if provider else "—")
    if line.scope == "language" and line.scope_language:
        name = language_name(line.scope_language, current_locale(), capitalise=True)
        return _("Langue : {name}", name=name)
    return _("Tout l'interprétariat")


def _row(session: Session, line: Budget, consumed: Consumed) -> LineRow:
    return LineRow(
        line=line,
        consumed=consumed,
        pct=percent(consumed.amount, Decimal(line.amount)),
        crossed=crossed(parse_thresholds(line.thresholds), consumed.amount, line.amount),
        scope=scope_words(session, line),
    )


@bp.get("")
@require_roles(*ROLES)
def index() -> Page:
    """Every budget line the person keeps, newest period first, with what it consumed."""
    session = db_session()
    lines = list(
        session.scalars(
            select(Budget).where(_visible()).order_by(Budget.ends_on.desc(), Budget.name)
        )
    )
    consumed = consumed_by_line(session, (line.id for line in lines))
    rows = [_row(session, line, consumed.get(line.id, Consumed())) for line in lines]
    return page("reports/budget_lines.html", rows=rows, today=now().date())


def _choices(session: Session, line: Budget | None) -> dict[str, Any]:
    """What the scope's selects offer: the person's helplines, structures, providers, and the
    languages of the pool and of the ledger (by name)."""
    codes = set(session.scalars(select(InterpreterLanguage.language).distinct()))
    codes |= set(c for c in session.scalars(select(LedgerEntry.language).distinct()) if c)
    if line is not None and line.scope_language:
        codes.add(line.scope_language)
    locale = current_locale()
    languages = sorted(
        ((code, language_name(code, locale, capitalise=True)) for code in codes),
        key=lambda pair: pair[1],
    )
    user = signed_in_user()
    helplines = {h.id: h for role in ROLES for h in helplines_for(session, user, role)}
    return {
        "helplines": sorted(helplines.values(), key=lambda h: (h.name, h.id)),
        "structures": session.scalars(select(Structure).order_by(Structure.name)).all(),
        "providers": session.scalars(select(Interpreter).order_by(Interpreter.name)).all(),
        "languages": languages,
        "funder_lines": FUNDER_LINES,
    }


def _form_page(session: Session, form: BudgetLineForm, line: Budget | None, status: int) -> Page:
    return page(
        "reports/budget_line_form.html", status, form=form, line=line, **_choices(session, line)
    )


def _stored(line: Budget) -> dict[str, Any]:
    return {
        "name": line.name,
        "funder_line": line.funder_line,
        "starts_on": line.starts_on,
        "ends_on": line.ends_on,
        "amount": Decimal(line.amount),
        "hours_cap": line.hours_cap or None,
        "thresholds": line.thresholds.replace(",", ", "),
        "policy": line.policy,
        "scope": line.scope,
        "scope_helpline": str(line.scope_helpline_id or ""),
        "scope_structure": str(line.scope_structure_id or ""),
        "scope_provider": str(line.scope_interpreter_id or ""),
        "scope_language": line.scope_language or "",
        "priority": line.priority,
    }


def summary(line: Budget) -> dict[str, Any]:
    """A line's values for the audit log."""
    values = _stored(line)
    values.update(
        starts_on=line.starts_on.isoformat(),
        ends_on=line.ends_on.isoformat(),
        amount=str(line.amount),
        thresholds=line.thresholds,
    )
    return values


def _save(session: Session, form: BudgetLineForm, line: Budget | None) -> Budget | None:
    """The line saved from a valid form; None (the form refused, nothing kept) otherwise."""
    if not form.validate():
        refuse(form)
        return None
    fields = form.fields()
    if fields.scope == "helpline" and fields.scope_value not in _helpline_ids():
        refuse(
            form,
            ValueError(_("Choisissez une ligne d'écoute où vous avez le rôle finances.")),
            "scope_helpline",
        )
        return None
    try:
        return save_budget_line(session, fields, line, settings().timezone)
    except ScopeRefusal as exc:
        refuse(form, exc, SCOPE_FIELDS.get(fields.scope))
        return None
    except Refusal as exc:
        refuse(form, exc)
        return None


@bp.get("/new")
@require_roles(*ROLES)
def new() -> Page:
    """The form of a new budget line."""
    today = now().date()
    data = {"starts_on": today, "thresholds": "50, 80, 100", "policy": "warn", "scope": "all",
            "priority": 100}  # fmt: skip
    return _form_page(db_session(), BudgetLineForm(data=data), None, 200)


@bp.post("/new")
@require_roles(*ROLES)
def create() -> Page:
    """Create a budget line."""
    session, form = db_session(), BudgetLineForm()
    line = _save(session, form, None)
    if line is None:
        return _form_page(session, form, None, 400)
    record("budget_line_added", "budget_line", line.id, **summary(line))
    flash(_("Ligne budgétaire « {name} » créée.", name=line.name), "success")
    return redirect(url_for("budget_lines.show", line_id=line.id))


@bp.get("/<int:line_id>")
@require_roles(*ROLES)
def show(line_id: int) -> Page:
    """A line: what it funds, what it consumed, its burn-up and spend by month and language."""
    session = db_session()
    line = _line_or_404(session, line_id)
    tz_name = settings().timezone
    consumed = consumed_by_line(session, [line.id]).get(line.id, Consumed())
    spend = line_spend(session, line.id, tz_name)
    today = now().astimezone(ZoneInfo(tz_name)).date()
    remaining = Decimal(line.amount) - consumed.amount
    outlook = forecast(spend.by_day.items(), remaining, today, line.starts_on, line.ends_on)
    usage = line_usage(session, line, tz_name)
    return page(
        "reports/budget_line.html",
        row=_row(session, line, consumed),
        remaining=remaining,
        forecast=outlook,
        charts=line_charts(line, spend, outlook, today),
        is_used=usage.is_used,
        end_form=EndForm(formdata=None, data={"last_day": min(today, line.ends_on)}),
    )


@bp.get("/<int:line_id>/edit")
@require_roles(*ROLES)
def edit(line_id: int) -> Page:
    """The form of a line, filled with what it says."""
    session = db_session()
    line = _line_or_404(session, line_id)
    return _form_page(session, BudgetLineForm(formdata=None, data=_stored(line)), line, 200)


@bp.post("/<int:line_id>/edit")
@require_roles(*ROLES)
def update(line_id: int) -> Page:
    """Change a line (a used one keeps its scope and first day)."""
    session, form = db_session(), BudgetLineForm()
    line = _line_or_404(session, line_id)
    before = summary(line)
    if _save(session, form, line) is None:
        return _form_page(session, form, _line_or_404(session, line_id), 400)
    record("budget_line_updated", "budget_line", line.id, before=before, after=summary(line))
    flash(_("Ligne budgétaire « {name} » enregistrée.", name=line.name), "success")
    return redirect(url_for("budget_lines.show", line_id=line.id))


@bp.post("/<int:line_id>/end")
@require_roles(*ROLES)
def end(line_id: int) -> Page:
    """End a line on the chosen day."""
    session, form = db_session(), EndForm()
    line = _line_or_404(session, line_id)
    before = line.ends_on.isoformat()
    if not form.validate():
        refuse(form)
        return redirect(url_for("budget_lines.show", line_id=line_id))
    try:
        end_budget_line(session, line, form.last_day.day(), settings().timezone)
    except Refusal as exc:
        refuse(form, exc)
        return redirect(url_for("budget_lines.show", line_id=line_id))
    record(
        "budget_line_ended", "budget_line", line.id, before=before, after=line.ends_on.isoformat()
    )
    flash(
        _("La ligne « {name} » finit le {day}.", name=line.name,
          day=line.ends_on.strftime("%d/%m/%Y")),
        "success",
    )  # fmt: skip
    return redirect(url_for("budget_lines.show", line_id=line.id))


@bp.post("/<int:line_id>/delete")
@require_roles(*ROLES)
def remove(line_id: int) -> Page:
    """Delete a line nothing was charged to."""
    session = db_session()
    line = _line_or_404(session, line_id)
    values, name = summary(line), line.name
    try:
        delete_budget_line(session, line, settings().timezone)
    except Refusal as exc:
        refuse(EndForm(formdata=None), exc)
        return redirect(url_for("budget_lines.show", line_id=line_id))
    record("budget_line_deleted", "budget_line", line_id, **values)
    flash(_("Ligne budgétaire « {name} » supprimée.", name=name), "success")
    return redirect(url_for("budget_lines.index"))
