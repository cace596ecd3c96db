"""The forms of orientations: orient a request's patient (with an appointment), and the result of
an appointment's follow-up."""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import ValidationError

from callbacks.network.appointments import (
    AppointmentError,
    AppointmentProblem,
    FollowUpResult,
    parse_appointment,
)
from callbacks.network.orientations import MAX_NOTE
from hotline.admin.forms import TextField, one_of
from hotline.i18n import N_, lazy_gettext
from hotline.i18n import gettext as _
from hotline.inputs import parse_id

APPOINTMENT_MESSAGES = {
    AppointmentProblem.NO_DAY: N_("Indiquez le jour du rendez-vous avec son heure."),
    AppointmentProblem.NOT_A_DAY: N_("Le jour du rendez-vous n'est pas une date (jj/mm/aaaa)."),
    AppointmentProblem.NOT_A_TIME: N_("L'heure du rendez-vous n'est pas une heure (hh:mm)."),
    AppointmentProblem.IN_THE_PAST: N_(
        "Le rendez-vous doit être à venir : vérifiez le jour et l'heure."
    ),
    AppointmentProblem.TOO_FAR: N_("Le rendez-vous est à plus d'un an : vérifiez l'année."),
}


class OrientationForm(FlaskForm):
    """Where the patient is oriented: a partner, a kind of service, or both; an appointment."""

    partner_id = TextField(lazy_gettext("Partenaire"), max_length=12)
    service = TextField(lazy_gettext("Type de service"), max_length=64)
    appointment_day = TextField(lazy_gettext("Jour du rendez-vous (facultatif)"), max_length=20)
    appointment_time = TextField(lazy_gettext("Heure du rendez-vous"), max_length=10)
    appointment_at: datetime | None = None

    def validate_partner_id(self, field: Field) -> None:
        if field.data and parse_id(field.data) is None:
            raise ValidationError(_("Choisissez un partenaire dans la recherche."))

    def check_appointment(self, tz_name: str, now: datetime) -> bool:
        """Read the appointment in the helpline's zone; a message next to the day otherwise."""
        try:
            self.appointment_at = parse_appointment(
                self.appointment_day.data or "", self.appointment_time.data or "", tz_name, now
            )
        except AppointmentError as exc:
            self.appointment_day.errors = [
                *self.appointment_day.errors,
                _(APPOINTMENT_MESSAGES[exc.problem]),
            ]
            return False
        return True

    def partner(self) -> int | None:
        """The chosen partner's id, if any."""
        return parse_id(self.partner_id.data)


class FollowUpForm(FlaskForm):
    """The answer to "Le rendez-vous a-t-il été honoré ?"."""

    result = TextField(
        lazy_gettext("Le rendez-vous a-t-il été honoré ?"),
        [
            one_of(
                tuple(FollowUpResult),
                lazy_gettext("Choisissez : honoré, non honoré, reporté ou inconnu."),
            )
        ],
        max_length=20,
    )
    note = TextField(lazy_gettext("Note (facultatif)"), max_length=MAX_NOTE)

    def chosen(self) -> FollowUpResult:
        """The result read from a validated form."""
        return FollowUpResult(self.result.data)
