"""The forms of routing's admin pages: a shift on the rota, the opening hours, a closure."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field
from wtforms.validators import DataRequired, ValidationError

from hotline.admin.forms import DateText, IntegerText, TextField, one_of
from hotline.i18n import N_, lazy_gettext, say
from hotline.i18n import gettext as _
from routing.admin import parse_local
from routing.hours import parse_schedule
from routing.plan import RANKS

RANK_LABELS = {"on_duty": N_("de permanence"), "backup": N_("en renfort")}
HOLIDAY_SUBDIVISIONS = {
    "": N_("France métropolitaine"),
    "57": N_("Moselle"),
    "6AE": N_("Alsace"),
    "971": N_("Guadeloupe"),
    "972": N_("Martinique"),
    "973": N_("Guyane"),
    "974": N_("La Réunion"),
    "976": N_("Mayotte"),
}
MAX_SHIFT = timedelta(days=31)


def schedule_problem(exc: ValueError) -> str:
    """Why a weekly schedule could not be read, with an example to follow."""
    return _(
        "Horaires illisibles ({detail}). Écrivez par exemple "
        "« mon-fri 09:00-12:30,13:30-18:00; sat 09:00-12:00 ».",
        detail=say(exc),
    )


class ShiftForm(FlaskForm):
    """A nurse on the rota between two local times (the helpline's time zone)."""

    user_id = IntegerText(lazy_gettext("Infirmière"))
    rank = TextField(
        lazy_gettext("Rang"),
        [one_of(RANKS, lazy_gettext("Choisissez « de permanence » ou « en renfort »."))],
        default="on_duty",
    )
    starts = TextField(lazy_gettext("Début"))
    ends = TextField(lazy_gettext("Fin"))
    week = TextField()

    def __init__(self, tz_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tz_name = tz_name
        self.starts_at: datetime | None = None

    def _local(self, field: Field) -> datetime:
        if not field.data:
            raise ValidationError(
                _("{label} : indiquez la date et l'heure.", label=field.label.text)
            )
        try:
            return parse_local(field.data, self.tz_name)
        except ValueError:
            raise ValidationError(
                _("{label} : date et heure illisibles.", label=field.label.text)
            ) from None

    def validate_user_id(self, field: Field) -> None:
        if not field.data and not field.errors:
            raise ValidationError(_("Choisissez une infirmière dans la liste."))

    def validate_starts(self, field: Field) -> None:
        self.starts_at = self._local(field)

    def validate_ends(self, field: Field) -> None:
        ends = self._local(field)
        if self.starts_at is None:
            return
        if ends <= self.starts_at:
            raise ValidationError(_("La fin de la garde doit venir après son début."))
        if ends - self.starts_at > MAX_SHIFT:
            raise ValidationError(_("Une garde ne peut pas durer plus de 31 jours."))


class HoursForm(FlaskForm):
    """The weekly schedule and how public holidays are handled."""

    opening_hours = TextField(
        lazy_gettext("Semaine type"),
        [
            DataRequired(
                lazy_gettext(
                    "Indiquez les horaires, par exemple « mon-fri 09:00-18:00 » "
                    "(« mon-sun closed » pour fermer toute la semaine)."
                )
            )
        ],
        max_length=2000,
    )
    holiday_subdivision = TextField(
        lazy_gettext("Calendrier des jours fériés"),
        [
            one_of(
                list(HOLIDAY_SUBDIVISIONS),
                lazy_gettext("Choisissez le calendrier des jours fériés dans la liste."),
            )
        ],
        default="",
    )
    is_open_on_holidays = BooleanField(lazy_gettext("Ouvert les jours fériés"))

    def validate_opening_hours(self, field: Field) -> None:
        try:
            parse_schedule(field.data)
        except ValueError as exc:
            raise ValidationError(schedule_problem(exc)) from None


class ClosureForm(FlaskForm):
    """Whole local days closed (a bridge, a team day)."""

    first_day = DateText(lazy_gettext("Premier jour"))
    last_day = DateText(lazy_gettext("Dernier jour"))
    label = TextField(lazy_gettext("Motif annoncé aux appelants"))

    def validate_first_day(self, field: Field) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(_("Indiquez le premier jour de la fermeture."))

    def validate_last_day(self, field: Field) -> None:
        first = self.first_day.data
        if first is not None and field.data is not None and field.data < first:
            raise ValidationError(_("Le dernier jour de la fermeture vient avant le premier."))


class AfterCallForm(FlaskForm):
    """What the line tells people after a call: the GP's rating, the nurse's voicemail text."""

    is_rating_enabled = BooleanField(
        lazy_gettext("Demander au médecin de noter le service (1 à 5) après l'appel")
    )
    is_voicemail_sms_enabled = BooleanField(
        lazy_gettext("Prévenir par SMS l'infirmière de permanence d'un nouveau message vocal")
    )
