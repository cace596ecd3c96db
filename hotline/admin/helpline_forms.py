"""The form of a helpline's own settings (the ground floor's part of its page): its name, its
number, its time zone, its greeting and whether it answers calls.

The features' parts of the same page (hours, dispatch…) are their own forms, registered with
``hooks.add_helpline_settings``.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from hotline.admin.forms import MAX_GREETING, PhoneField, TextField, plain_text
from hotline.i18n import gettext as _
from hotline.i18n import lazy_gettext

DEFAULT_TIMEZONE = "Europe/Paris"


@cache
def timezones() -> tuple[str, ...]:
    """The time zones a helpline may be in (IANA names of places, as the select offers them)."""
    return tuple(
        sorted(
            name
            for name in available_timezones()
            if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/"))
        )
    )


def _one_line(text: object) -> object:
    return " ".join(text.split()) if isinstance(text, str) else text


class HelplineForm(FlaskForm):
    """A helpline's own settings."""

    name = TextField(
        lazy_gettext("Nom de la ligne d'écoute"),
        [DataRequired(lazy_gettext("Le nom de la ligne est obligatoire."))],
    )
    phone_number = PhoneField(lazy_gettext("Numéro appelé par les professionnels"))
    timezone = TextField(lazy_gettext("Fuseau horaire"), default=DEFAULT_TIMEZONE, max_length=64)
    greeting = StringField(
        lazy_gettext("Message d'accueil"),
        [
            DataRequired(lazy_gettext("Le message d'accueil ne peut pas être vide.")),
            plain_text(),
            Length(
                max=MAX_GREETING,
                message=lazy_gettext(
                    "Le message d'accueil est trop long ({max} caractères au plus).",
                    max=MAX_GREETING,
                ),
            ),
        ],
        filters=[_one_line],
    )
    is_active = BooleanField(lazy_gettext("Ligne active (reçoit les appels de son numéro)"))

    def validate_phone_number(self, field: Field) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(_("Indiquez le numéro de la ligne."))

    def validate_timezone(self, field: Field) -> None:
        if field.data not in timezones():
            raise ValidationError(
                _(
                    "Fuseau horaire inconnu « {zone} » : choisissez-le dans la liste "
                    "(par exemple Europe/Paris).",
                    zone=field.data,
                )
            )
