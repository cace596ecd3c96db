"""The forms of the recurring rota: a pattern, its end, an absence or a swap."""

from __future__ import annotations

import re
from datetime import time

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import ValidationError

from hotline.admin.forms import DateText, IntegerText, TextField, one_of
from hotline.i18n import N_, lazy_gettext
from hotline.i18n import gettext as _
from routing.plan import RANKS

EVERY_WEEKS_LABELS = {"1": N_("chaque semaine"), "2": N_("une semaine sur deux")}
EXCEPTION_LABELS = {"absence": N_("absence"), "swap": N_("échange")}
WEEKDAY_CHOICES = [
    (0, N_("lundi")),
    (1, N_("mardi")),
    (2, N_("mercredi")),
    (3, N_("jeudi")),
    (4, N_("vendredi")),
    (5, N_("samedi")),
    (6, N_("dimanche")),
]
_CLOCK = re.compile(r"(\d{1,2})[:hH](\d{2})")


def read_clock(text: str) -> time:
    """A wall time typed "09:00", "9h00" or "24:00" (midnight, at the end of a day)."""
    found = _CLOCK.fullmatch(text.strip())
    if not found:
        raise ValueError(text)
    hour, minute = int(found.group(1)), int(found.group(2))
    if (hour, minute) == (24, 0):
        return time(0)
    return time(hour, minute)


class Weekdays(Field):
    """Weekdays as checkboxes (the page draws them), Monday = 0."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            self.data = [int(value) for value in valuelist]
        except ValueError:
            self.data = []
            raise ValueError(_("Jours : cochez des jours de la semaine.")) from None

    def pre_validate(self, form: FlaskForm) -> None:
        if any(day not in range(7) for day in self.data or []):
            raise ValidationError(_("Jours : cochez des jours de la semaine."))


def _nurse_chosen(_form: FlaskForm, field: Field) -> None:
    if not field.data and not field.errors:
        raise ValidationError(_("Choisissez une infirmière dans la liste."))


class PatternForm(FlaskForm):
    """A nurse's recurring shift: weekdays, local times, from a day, every week or every other."""

    user_id = IntegerText(lazy_gettext("Infirmière"), [_nurse_chosen])
    rank = TextField(
        lazy_gettext("Rang"),
        [one_of(RANKS, lazy_gettext("Choisissez « de permanence » ou « en renfort »."))],
        default="on_duty",
    )
    weekdays = Weekdays(lazy_gettext("Jours"), default=())
    starts = TextField(lazy_gettext("De (heure locale)"), default="09:00")
    ends = TextField(lazy_gettext("À (heure locale)"), default="17:00")
    every_weeks = TextField(
        lazy_gettext("Répétition"),
        [one_of(list(EVERY_WEEKS_LABELS), lazy_gettext("Choisissez la répétition dans la liste."))],
        default="1",
    )
    first_day = DateText(lazy_gettext("Premier jour"))
    last_day = DateText(lazy_gettext("Dernier jour (facultatif)"))
    week = TextField()

    def validate_weekdays(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(_("Cochez au moins un jour de la semaine."))

    def _clock(self, field: Field) -> time:
        try:
            return read_clock(field.data or "")
        except ValueError:
            raise ValidationError(
                _("{label} : une heure est attendue, par exemple 09:00.", label=field.label.text)
            ) from None

    def validate_starts(self, field: Field) -> None:
        self._clock(field)

    def validate_ends(self, field: Field) -> None:
        self._clock(field)

    def validate_first_day(self, field: Field) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(_("Indiquez le premier jour."))

    def validate_last_day(self, field: Field) -> None:
        first = self.first_day.data
        if first is not None and field.data is not None and field.data < first:
            raise ValidationError(_("Le dernier jour vient avant le premier."))

    def clocks(self) -> tuple[time, time]:
        """The start and end read from a validated form."""
        return read_clock(self.starts.data), read_clock(self.ends.data)


class PatternEndForm(FlaskForm):
    """The last day of a pattern."""

    last_day = DateText(lazy_gettext("Dernier jour"))
    week = TextField()

    def validate_last_day(self, field: Field) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(_("Indiquez le dernier jour."))


class ExceptionForm(FlaskForm):
    """An absence of a nurse over days, or a swap: a colleague takes her shifts."""

    kind = TextField(
        lazy_gettext("Exception"),
        [one_of(list(EXCEPTION_LABELS), lazy_gettext("Choisissez une absence ou un échange."))],
        default="absence",
    )
    user_id = IntegerText(lazy_gettext("Infirmière"), [_nurse_chosen])
    replacement_id = IntegerText(lazy_gettext("Remplacée par (échange)"))
    first_day = DateText(lazy_gettext("Du"))
    last_day = DateText(lazy_gettext("Au (inclus)"))
    week = TextField()

    def validate_first_day(self, field: Field) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(_("Indiquez le premier jour."))

    def validate_last_day(self, field: Field) -> None:
        first = self.first_day.data
        if first is not None and field.data is not None and field.data < first:
            raise ValidationError(_("Le dernier jour vient avant le premier."))

    def validate_replacement_id(self, field: Field) -> None:
        if self.kind.data != "swap" or field.errors:
            return
        if not field.data:
            raise ValidationError(_("Choisissez l'infirmière qui prend la garde."))
        if field.data == self.user_id.data:
            raise ValidationError(
                _("Une infirmière ne peut pas échanger une garde avec elle-même.")
            )
