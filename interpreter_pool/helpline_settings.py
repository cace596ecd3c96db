"""Interpreting's section of a helpline's settings page: how interpreters are rung (strategy,
ringing, the agency's delay, the time the GP waits) and the keypad menu of languages; a new
helpline gets its keypad menu at once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from hotline.admin.forms import IntegerText, TextField, one_of
from hotline.hooks import HelplineSettings
from hotline.i18n import N_, lazy_gettext
from hotline.models import Helpline
from interpreter_pool.admin import set_dispatch
from interpreter_pool.dispatch import STRATEGIES
from interpreter_pool.forms import LanguageMenuForm
from interpreter_pool.menu import recompute

KEY = "dispatch"
STRATEGY_LABELS = {
    "all": N_("tous les interprètes disponibles à la fois"),
    "priority": N_("un par un, par priorité"),
}


class DispatchForm(LanguageMenuForm):
    """The dispatch settings, with the keypad menu's (pinned languages, recompute days)."""

    class Meta:
        csrf = False  # the page's own form carries the token

    strategy_labels = STRATEGY_LABELS

    dispatch_strategy = TextField(
        lazy_gettext("Stratégie d'appel des interprètes"),
        [one_of(STRATEGIES, lazy_gettext("Choisissez une stratégie dans la liste."))],
        default="all",
    )
    interpreter_ring_timeout_s = IntegerText(
        lazy_gettext("Sonnerie d'un interprète (secondes)"), empty=25, minimum=5, maximum=120
    )
    agency_delay_s = IntegerText(
        lazy_gettext("Délai avant l'appel de l'agence (secondes)"), empty=30, minimum=5, maximum=600
    )
    interpreter_budget_s = IntegerText(
        lazy_gettext("Attente maximale du médecin pour un interprète (secondes)"),
        empty=120,
        minimum=20,
        maximum=1800,
    )
    language_menu_days = IntegerText(
        lazy_gettext("Menu du clavier : usage compté sur (jours)"), empty=90, minimum=1, maximum=366
    )


def _data(helpline: Helpline | None) -> dict[str, Any]:
    if helpline is None:
        return {
            "dispatch_strategy": "all",
            "interpreter_ring_timeout_s": 25,
            "agency_delay_s": 30,
            "interpreter_budget_s": 120,
            "language_menu_days": 90,
            "pinned": "",
            "recompute_days": 30,
        }
    return {
        "dispatch_strategy": helpline.dispatch_strategy,
        "interpreter_ring_timeout_s": helpline.interpreter_ring_timeout_s,
        "agency_delay_s": helpline.agency_delay_s,
        "interpreter_budget_s": helpline.interpreter_budget_s,
        "language_menu_days": helpline.language_menu_days,
        "pinned": helpline.language_menu_pinned,
        "recompute_days": helpline.language_menu_recompute_days,
    }


def form(helpline: Helpline | None, posted: bool) -> FlaskForm:
    """The section's form: as posted, or the helpline's stored values (defaults when new)."""
    if posted:
        return DispatchForm(prefix=KEY)
    return DispatchForm(formdata=None, prefix=KEY, data=_data(helpline))


def apply(
    session: Session, helpline: Helpline, form: Any, now: datetime, created: bool
) -> Mapping[str, Any]:
    """Save the dispatch settings (interpreting's rules); a new helpline's keypad menu is made."""
    before = _data(helpline)
    set_dispatch(
        session,
        helpline.id,
        strategy=form.dispatch_strategy.data,
        budget_s=form.interpreter_budget_s.data,
        agency_delay_s=form.agency_delay_s.data,
        pinned=form.pinned.data or "",
        menu_recompute_days=form.recompute_days.data,
    )
    helpline.interpreter_ring_timeout_s = form.interpreter_ring_timeout_s.data
    helpline.language_menu_days = form.language_menu_days.data
    session.flush()
    after = _data(helpline)
    if created:
        menu = recompute(session, helpline, now)
        return {**after, "menu": menu}
    return {"before": before, "after": after}


SETTINGS = HelplineSettings(
    key=KEY,
    title=N_("Interprétariat"),
    template="interpreter_pool/helpline_settings.html",
    form=form,
    apply=apply,
    order=40,
)
