"""The admin's page of the helpline's spoken texts: the greeting callers hear first."""

from __future__ import annotations

from flask import flash, redirect, url_for

from hotline.admin import Page, bp, page, record, refuse
from hotline.admin.forms import MAX_GREETING, GreetingForm
from hotline.auth import chosen_helpline, require_roles
from hotline.i18n import gettext as _
from hotline.models import Helpline
from hotline.web import db_session


def _greeting_page(helpline: Helpline, form: GreetingForm, status: int = 200) -> Page:
    return page(
        "admin/greeting.html", status, helpline=helpline, form=form, max_greeting=MAX_GREETING
    )


@bp.get("/greeting")
@require_roles("admin")
def greeting() -> Page:
    """The greeting callers hear first."""
    helpline = chosen_helpline("admin")
    return _greeting_page(helpline, GreetingForm(data={"greeting": helpline.greeting}))


@bp.post("/greeting")
@require_roles("admin")
def greeting_update() -> Page:
    """Change the greeting; an empty one is refused (callers would hear silence)."""
    session, form = db_session(), GreetingForm()
    helpline = chosen_helpline("admin")
    if not form.validate():
        refuse(form)
        return _greeting_page(chosen_helpline("admin"), form, 400)
    before = helpline.greeting
    helpline.greeting = form.greeting.data
    session.flush()
    record("greeting_changed", "helpline", helpline.id, before=before, after=helpline.greeting)
    flash(_("Message d'accueil enregistré."), "success")
    return redirect(url_for("admin.greeting"))
