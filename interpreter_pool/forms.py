"""The forms of the interpreting admin pages: an interpreter or agency, a contract (rate card)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field
from wtforms.validators import DataRequired, ValidationError

from hotline.admin.forms import (
    DateText,
    DecimalText,
    IntegerText,
    PhoneField,
    TextField,
    TypedField,
    one_of,
)
from hotline.i18n import gettext as _
from hotline.i18n import lazy_gettext, say
from hotline.refusals import Refusal
from interpreter_pool.admin import ACCESS_CODE_MESSAGES, parse_languages
from interpreter_pool.dispatch import access_code_problem
from interpreter_pool.models import InterpreterKind
from routing.forms import schedule_problem
from routing.hours import parse_schedule

_NIGHT_HOURS = re.compile(r"\d{2}:\d{2}-\d{2}:\d{2}")
_MINUTES_SECONDS = re.compile(r"(\d{1,6}):([0-5]\d)")
MAX_MINUTES = 24 * 60


def minutes_shown(seconds: int) -> str:
    """Seconds as a contract form shows them: 900 -> "15", 90 -> "1:30" (minutes:seconds)."""
    minutes, rest = divmod(seconds, 60)
    return str(minutes) if rest == 0 else f"{minutes}:{rest:02d}"


def seconds_typed(text: str) -> int:
    """Minutes as typed ("15", "1,5", "1:30") -> seconds; ValueError if not whole seconds."""
    clock = _MINUTES_SECONDS.fullmatch(text)
    if clock is not None:
        return int(clock[1]) * 60 + int(clock[2])
    try:
        minutes = Decimal(text.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise ValueError(text) from None
    seconds = minutes * 60
    if not seconds.is_finite() or seconds < 0 or seconds != seconds.to_integral_value():
        raise ValueError(text)
    return int(seconds)


class MinutesText(TypedField):
    """A duration typed in minutes ("15", "1,5" or "1:30"), held in seconds (``data``)."""

    def __init__(
        self, label: Any = None, validators: Any = None, *, empty: int = 0, minimum: int = 0,
        **kw: Any,
    ) -> None:  # fmt: skip
        super().__init__(label, validators, **kw)
        self.empty, self.minimum = empty, minimum

    def shown(self, value: Any) -> str:
        return minutes_shown(int(value))

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = self.typed(valuelist)
        self.data = self.empty
        if not text:
            return
        try:
            seconds = seconds_typed(text)
        except ValueError:
            raise ValueError(
                _(
                    "{label} : une durée en minutes est attendue (par exemple 15, 1,5 ou 1:30).",
                    label=self.label.text,
                )
            ) from None
        if seconds < self.minimum or seconds > MAX_MINUTES * 60:
            raise ValueError(
                _(
                    "{label} : entre {low} et {high} minutes.",
                    label=self.label.text,
                    low=minutes_shown(self.minimum),
                    high=MAX_MINUTES,
                )
            )
        self.data = seconds


def language_codes(text: str) -> list[str]:
    """ "bambara, ti" → the base codes, each one known; a message for a person otherwise."""
    try:
        return parse_languages(text)
    except Refusal as exc:
        raise ValueError(say(exc)) from None


class InterpreterForm(FlaskForm):
    """An interpreter or an agency: who, which languages, when, and an agency's menu codes."""

    name = TextField(lazy_gettext("Nom"), [DataRequired(lazy_gettext("Le nom est obligatoire."))])
    kind = TextField(
        lazy_gettext("Type"),
        [one_of(tuple(InterpreterKind), lazy_gettext("Choisissez interprète ou agence."))],
        default=InterpreterKind.INDIVIDUAL,
    )
    phone = PhoneField(lazy_gettext("Téléphone"))
    languages = TextField(lazy_gettext("Langues"), max_length=2000)
    add_language = TextField(lazy_gettext("Ajouter une langue"))
    priority = IntegerText(lazy_gettext("Priorité"), empty=100)
    max_concurrent = IntegerText(lazy_gettext("Appels simultanés"), empty=1, minimum=1)
    availability = TextField(lazy_gettext("Disponibilités"), max_length=2000)
    access_code = TextField(lazy_gettext("Agence : code d'accès composé après l'accueil"))
    agency_codes = TextField(lazy_gettext("Agence : code de chaque langue"), max_length=2000)
    is_active = BooleanField(lazy_gettext("Actif (peut être appelé)"), default=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.codes: list[str] = []
        self.menu_codes: dict[str, str] = {}

    def validate(self, extra_validators: Any = None) -> bool:
        """Every field checked; the access code last (it depends on the agency's codes)."""
        valid = super().validate(extra_validators)
        return valid and not self.access_code.errors

    def validate_phone(self, field: Field) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(_("Le numéro de téléphone est obligatoire."))

    def validate_languages(self, field: Field) -> None:
        try:
            typed = ", ".join(t for t in (field.data, self.add_language.data) if t)
            self.codes = language_codes(typed)
        except ValueError as exc:
            raise ValidationError(say(exc)) from None

    def validate_availability(self, field: Field) -> None:
        if field.data:
            try:
                parse_schedule(field.data)
            except ValueError as exc:
                raise ValidationError(schedule_problem(exc)) from None

    def validate_agency_codes(self, field: Field) -> None:
        """ "ar=1, ti=2" → the digits an agency's menu expects for each of its languages."""
        codes: dict[str, str] = {}
        for raw in (field.data or "").split(","):
            if not raw.strip():
                continue
            language, sep, digits = raw.partition("=")
            if not sep or not digits.strip().isdigit():
                raise ValidationError(
                    _(
                        "Codes de l'agence : écrivez « langue=chiffres », "
                        "par exemple « ar=1, ti=2 »."
                    )
                )
            try:
                code = language_codes(language)[0]
            except ValueError as exc:
                raise ValidationError(say(exc)) from None
            if self.codes and code not in self.codes:
                raise ValidationError(
                    _(
                        "Code de l'agence pour « {code} », une langue qu'elle ne couvre pas.",
                        code=code,
                    )
                )
            codes[code] = digits.strip()
        self.menu_codes = codes
        problem = access_code_problem(self.access_code.data or None, list(codes.values()))
        if problem is not None:
            self.access_code.errors.append(_(ACCESS_CODE_MESSAGES[problem]))


class ContractForm(FlaskForm):
    """A rate card: the unit and its price, the steps, the surcharges, the validity."""

    name = TextField(lazy_gettext("Nom du contrat"))
    unit = TextField(
        lazy_gettext("Unité"),
        [
            one_of(
                ("minute", "block"),
                lazy_gettext("Choisissez une facturation à la minute ou au forfait."),
            )
        ],
        default="minute",
    )
    unit_price = DecimalText(lazy_gettext("Prix unitaire"), empty="")
    # Typed in minutes, held in seconds like the columns (block_s, increment_s, minimum_s).
    block_min = MinutesText(lazy_gettext("Durée du forfait"), empty=60, minimum=1)
    increment_min = MinutesText(lazy_gettext("Pas de facturation"), empty=0)
    minimum_min = MinutesText(lazy_gettext("Minimum facturé"), empty=0)
    connection_fee = DecimalText(lazy_gettext("Frais de connexion"))
    night_pct = DecimalText(lazy_gettext("Majoration de nuit"))
    night_hours = TextField(lazy_gettext("Heures de nuit"))
    saturday_pct = DecimalText(lazy_gettext("Majoration du samedi"))
    sunday_pct = DecimalText(lazy_gettext("Majoration du dimanche"))
    holiday_pct = DecimalText(lazy_gettext("Majoration des jours fériés"))
    urgent_pct = DecimalText(lazy_gettext("Majoration d'urgence"))
    pro_rata = BooleanField(lazy_gettext("Majoration au prorata du temps passé dans la plage"))
    surcharge_rule = TextField(lazy_gettext("Plusieurs majorations à la fois"), default="highest")
    valid_from = DateText(lazy_gettext("Valable du"))
    valid_to = DateText(lazy_gettext("Valable jusqu'au"))

    def validate_increment_min(self, field: Field) -> None:
        if self.unit.data == "block" and field.data not in (0, self.block_min.data):
            raise ValidationError(
                _("Un forfait se facture par forfait commencé : le pas est la durée du forfait.")
            )

    def validate_night_hours(self, field: Field) -> None:
        if field.data and not _NIGHT_HOURS.fullmatch(field.data):
            raise ValidationError(_("Heures de nuit : écrivez par exemple « 20:00-08:00 »."))
        if self.night_pct.data and not field.data:
            raise ValidationError(
                _("Une majoration de nuit demande ses heures, par exemple « 20:00-08:00 ».")
            )

    def validate_valid_from(self, field: Field) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(_("Indiquez le premier jour de validité du contrat."))

    def validate_valid_to(self, field: Field) -> None:
        start = self.valid_from.data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError(_("Le contrat finit avant de commencer."))


class EndForm(FlaskForm):
    """The last day of a contract or a budget line."""

    last_day = DateText(lazy_gettext("Dernier jour"))

    def validate_last_day(self, field: Field) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(_("Indiquez le dernier jour."))


class LanguageMenuForm(FlaskForm):
    """The keypad menu: the languages always first, and how often the order by use is redone."""

    pinned = TextField(lazy_gettext("Langues toujours en tête du menu"), max_length=120)
    recompute_days = IntegerText(
        lazy_gettext("Ordre par usage recalculé tous les (jours)"), empty=30, minimum=1, maximum=366
    )

    def validate_pinned(self, field: Field) -> None:
        if field.data and field.data.strip():
            try:
                language_codes(field.data)
            except ValueError as exc:
                raise ValidationError(str(exc)) from None
