"""Routing's section of a helpline's settings page: opening hours, public holidays, how long a
nurse's phone rings and how long a voicemail may last."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hotline.admin.forms import IntegerText
from hotline.hooks import HelplineSettings
from hotline.i18n import N_, lazy_gettext
from hotline.models import DEFAULT_OPENING_HOURS, Helpline
from routing.admin import set_hours
from routing.forms import HOLIDAY_SUBDIVISIONS, HoursForm

KEY = "routing"


class HelplineRoutingForm(HoursForm):
    """The hours form of the routing admin page, with the nurse's ringing and the voicemail."""

    class Meta:
        csrf = False  # the page's own form carries the token

    subdivisions = HOLIDAY_SUBDIVISIONS

    ring_timeout_s = IntegerText(
        lazy_gettext("Sonnerie de l'infirmière (secondes)"), empty=20, minimum=5, maximum=120
    )
    voicemail_max_s = IntegerText(
        lazy_gettext("Durée maximale d'un message vocal (secondes)"),
        empty=120,
        minimum=10,
        maximum=600,
    )


def _data(helpline: Helpline | None) -> dict[str, Any]:
    if helpline is None:
        return {
            "opening_hours": DEFAULT_OPENING_HOURS,
            "holiday_subdivision": "",
            "is_open_on_holidays": False,
            "ring_timeout_s": 20,
            "voicemail_max_s": 120,
        }
    return {
        "opening_hours": helpline.opening_hours,
        "holiday_subdivision": helpline.holiday_subdivision or "",
        "is_open_on_holidays": helpline.is_open_on_holidays,
        "ring_timeout_s": helpline.ring_timeout_s,
        "voicemail_max_s": helpline.voicemail_max_s,
    }


def form(helpline: Helpline | None, posted: bool) -> HelplineRoutingForm:
    """The section's form: as posted, or the helpline's stored values (defaults when new)."""
    if posted:
        return HelplineRoutingForm(prefix=KEY)
    return HelplineRoutingForm(formdata=None, prefix=KEY, data=_data(helpline))


def apply(
    session: Session, helpline: Helpline, form: Any, now: datetime, created: bool
) -> Mapping[str, Any]:
    """Save the hours (routing's rules) and the ringing settings; what they were and are."""
    before = _data(helpline)
    set_hours(
        session,
        helpline,
        form.opening_hours.data,
        form.holiday_subdivision.data,
        bool(form.is_open_on_holidays.data),
    )
    helpline.ring_timeout_s = form.ring_timeout_s.data
    helpline.voicemail_max_s = form.voicemail_max_s.data
    session.flush()
    after = _data(helpline)
    return after if created else {"before": before, "after": after}


SETTINGS = HelplineSettings(
    key=KEY,
    title=N_("Horaires et appel de l'infirmière"),
    template="routing/helpline_settings.html",
    form=form,
    apply=apply,
    order=20,
)
