"""The interpreting admin pages: interpreters and agencies with their languages (their contracts
are kept on the finance pages: ``interpreter_pool.contract_views``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hotline.admin import Page, national, one_or_404, page, record, refuse
from hotline.auth import chosen_helpline, require_roles
from hotline.i18n import current_locale
from hotline.i18n import gettext as _
from hotline.web import db_session, now
from interpreter_pool.admin import add_interpreter, set_dispatch
from interpreter_pool.forms import InterpreterForm, LanguageMenuForm
from interpreter_pool.language_names import NamedLanguage, choices, labelled
from interpreter_pool.languages import language_name
from interpreter_pool.menu import computed_at, language_menu, recompute
from interpreter_pool.models import Contract, Interpreter, InterpreterKind

bp = Blueprint("interpreter_admin", __name__, url_prefix="/admin", template_folder="templates")


def language_names(codes: list[str]) -> str:
    """Language codes as names in the page's language ("Arabe, Tigrigna")."""
    return ", ".join(language_name(code, current_locale(), capitalise=True) for code in codes)


def language_labels(codes: list[str]) -> str:
    """Language codes as names with their code ("Bambara (bm), Tigrigna (ti)")."""
    return ", ".join(
        NamedLanguage(code, language_name(code, current_locale(), capitalise=True)).label
        for code in codes
    )


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    return {
        "language_names": language_names,
        "language_labels": language_labels,
        "language_choices": lambda: choices(current_locale()),
    }


def _interpreters(session: Session) -> list[Interpreter]:
    query = (
        select(Interpreter)
        .options(selectinload(Interpreter.languages))
        .order_by(Interpreter.kind.desc(), Interpreter.priority, Interpreter.name)
    )
    return list(session.scalars(query))


def _interpreter_data(interpreter: Interpreter) -> dict[str, Any]:
    return {
        "name": interpreter.name,
        "kind": interpreter.kind,
        "phone": interpreter.phone,
        "languages": ", ".join(entry.language for entry in interpreter.languages),
        "priority": interpreter.priority,
        "max_concurrent": interpreter.max_concurrent,
        "availability": interpreter.availability,
        "access_code": interpreter.access_code or "",
        "agency_codes": ", ".join(
            f"{entry.language}={entry.agency_code}"
            for entry in interpreter.languages
            if entry.agency_code
        ),
        "is_active": interpreter.is_active,
    }


def _interpreter_summary(interpreter: Interpreter) -> dict[str, Any]:
    summary = _interpreter_data(interpreter)
    summary["priority"] = str(interpreter.priority)
    summary["max_concurrent"] = str(interpreter.max_concurrent)
    summary["is_active"] = "on" if interpreter.is_active else ""
    return summary


def _save_interpreter(
    session: Session, form: InterpreterForm, existing: Interpreter | None
) -> Interpreter | None:
    """The interpreter saved from a valid form; None (the form refused) when it is not."""
    if not form.validate():
        refuse(form)
        return None
    holder = session.scalars(
        select(Interpreter).where(Interpreter.phone == form.phone.data)
    ).first()
    if holder is not None and holder is not existing:
        problem = _(
            "Le numéro {number} est déjà celui de {name}.",
            number=national(form.phone.data),
            name=holder.name,
        )
        refuse(form, ValueError(problem), "phone")
        return None
    try:
        return add_interpreter(
            session,
            form.name.data,
            form.phone.e164(),
            form.codes,
            kind=form.kind.data,
            priority=form.priority.data,
            max_concurrent=form.max_concurrent.data,
            availability=form.availability.data or "",
            access_code=form.access_code.data or None,
            agency_codes=form.menu_codes,
            is_active=bool(form.is_active.data),
            existing=existing,
        )
    except ValueError as exc:
        refuse(form, exc)
        return None


def _interpreters_page(
    session: Session,
    form: InterpreterForm,
    status: int = 200,
    menu_form: LanguageMenuForm | None = None,
) -> Page:
    helpline = chosen_helpline("admin")
    stored = language_menu(session, helpline, now())
    return page(
        "interpreter_pool/interpreters.html",
        status,
        interpreters=_interpreters(session),
        form=form,
        keypad=stored,
        keypad_computed_at=computed_at(session, helpline.id),
        menu_form=menu_form
        or LanguageMenuForm(
            formdata=None,
            data={
                "pinned": helpline.language_menu_pinned,
                "recompute_days": helpline.language_menu_recompute_days,
            },
        ),
    )


@bp.post("/language-menu")
@require_roles("admin")
def language_menu_update() -> Page:
    """Change the pinned languages and the schedule, and recompute the keypad menu now."""
    session, form = db_session(), LanguageMenuForm()
    helpline = chosen_helpline("admin")
    if not form.validate():
        refuse(form)
        return _interpreters_page(session, InterpreterForm(formdata=None), 400, form)
    before = {
        "pinned": helpline.language_menu_pinned,
        "menu": language_menu(session, helpline, now()),
    }
    set_dispatch(
        session, helpline.id, pinned=form.pinned.data or "",
        menu_recompute_days=form.recompute_days.data,
    )  # fmt: skip
    menu = recompute(session, helpline, now())
    record(
        "language_menu_recomputed", "helpline", helpline.id,
        before=before, after={"pinned": helpline.language_menu_pinned, "menu": menu},
    )  # fmt: skip
    flash(_("Menu du clavier recalculé."), "success")
    return redirect(url_for("interpreter_admin.interpreters"))


@bp.get("/interpreters")
@require_roles("admin")
def interpreters() -> Page:
    """Interpreters and agencies with their languages, and the form to add one."""
    defaults = {
        "kind": InterpreterKind.INDIVIDUAL,
        "priority": 100,
        "max_concurrent": 1,
        "is_active": True,
    }
    return _interpreters_page(db_session(), InterpreterForm(data=defaults))


@bp.post("/interpreters")
@require_roles("admin")
def interpreter_create() -> Page:
    """Add an interpreter or an agency."""
    session, form = db_session(), InterpreterForm()
    interpreter = _save_interpreter(session, form, None)
    if interpreter is None:
        return _interpreters_page(session, form, 400)
    record("interpreter_added", "interpreter", interpreter.id, **_interpreter_summary(interpreter))
    flash(_("{name} fait maintenant partie du vivier.", name=interpreter.name), "success")
    return redirect(url_for("interpreter_admin.interpreter_edit", interpreter_id=interpreter.id))


def _interpreter_page(
    session: Session,
    interpreter: Interpreter,
    form: InterpreterForm,
    status: int = 200,
) -> Page:
    contracts = session.scalars(
        select(Contract)
        .where(Contract.interpreter_id == interpreter.id)
        .order_by(Contract.valid_from.desc(), Contract.id.desc())
    ).all()
    return page(
        "interpreter_pool/interpreter_edit.html",
        status,
        interpreter=interpreter,
        contracts=contracts,
        form=form,
    )


def _stored_form(interpreter: Interpreter) -> InterpreterForm:
    data = _interpreter_data(interpreter)
    data["languages"] = labelled([e.language for e in interpreter.languages], current_locale())
    return InterpreterForm(formdata=None, data=data)


@bp.get("/interpreters/<int:interpreter_id>")
@require_roles("admin")
def interpreter_edit(interpreter_id: int) -> Page:
    """One interpreter or agency and its contracts (kept on the finance pages)."""
    session = db_session()
    interpreter: Interpreter = one_or_404(session, Interpreter, interpreter_id)
    return _interpreter_page(session, interpreter, _stored_form(interpreter))


@bp.post("/interpreters/<int:interpreter_id>")
@require_roles("admin")
def interpreter_update(interpreter_id: int) -> Page:
    """Change an interpreter's or agency's details, languages and availability."""
    session, form = db_session(), InterpreterForm()
    interpreter: Interpreter = one_or_404(session, Interpreter, interpreter_id)
    before = _interpreter_summary(interpreter)
    if _save_interpreter(session, form, interpreter) is None:
        return _interpreter_page(session, interpreter, form, 400)
    after = _interpreter_summary(interpreter)
    record("interpreter_updated", "interpreter", interpreter.id, before=before, after=after)
    flash(_("Fiche de {name} enregistrée.", name=interpreter.name), "success")
    return redirect(url_for("interpreter_admin.interpreter_edit", interpreter_id=interpreter.id))
