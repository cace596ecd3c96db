"""The admin's forms: fields that parse what a person types (with a message next to the field when
it cannot be read), and the forms of the shell's own pages (users, professionals, greeting).

Messages are French msgids, translated when shown (``lazy_gettext``) or when the value they quote
is known (``gettext``). A field keeps what was typed, so a refused form is shown again as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, StringField
from wtforms.validators import AnyOf, DataRequired, Length, StopValidation, ValidationError
from wtforms.widgets import TextInput

from hotline import directory
from hotline.i18n import N_, lazy_gettext, say
from hotline.i18n import gettext as _
from hotline.passwords import password_problem
from hotline.phones import format_for_display, normalise_number

ROLE_LABELS = {
    "nurse": N_("infirmière"),
    "coordinator": N_("coordination du réseau"),
    "finance": N_("finances"),
    "admin": N_("administration"),
}
LOCALES = ("fr", "en")
MAX_GREETING = 1000
# What a text field holds unless it says otherwise (most text columns are 120 characters), what a
# number, a date or a phone field may be typed with, and the largest whole number a column holds.
MAX_TEXT = 120
MAX_TYPED = 64
MAX_INTEGER = 2**31 - 1
MAX_DECIMAL = Decimal(1_000_000)


def text_problem(label: Any, text: str, max_length: int) -> str | None:
    """Why a typed text cannot be kept: a control character (a NUL byte…) or too long."""
    if any(ord(char) < 32 and char not in "\t\r\n" for char in text):
        return _("{label} : caractères de contrôle refusés (octet nul…).", label=label)
    if len(text) > max_length:
        return _("{label} : {max} caractères au plus.", label=label, max=max_length)
    return None


def plain_text(max_length: int | None = None) -> Any:
    """A validator: no control character (and at most ``max_length`` characters, when given)."""

    def check(_form: FlaskForm, field: Field) -> None:
        text = field.data or ""
        problem = text_problem(field.label.text, text, max_length or len(text))
        if problem:
            raise ValidationError(problem)

    return check


def strip(value: Any) -> Any:
    """What was typed, without the spaces around it."""
    return value.strip() if isinstance(value, str) else value


class TypedField(Field):
    """A text input whose value is parsed; shows back what was typed, as it was typed."""

    widget = TextInput()

    def _value(self) -> str:
        if self.raw_data is not None:  # posted: exactly what was typed
            return str(self.raw_data[0]) if self.raw_data else ""
        return self.shown(self.data) if self.data is not None else ""

    def shown(self, value: Any) -> str:
        """A stored value as the input shows it."""
        return str(value)

    def typed(self, valuelist: Sequence[str]) -> str:
        text = str(valuelist[0]).strip() if valuelist else ""
        problem = text_problem(self.label.text, text, MAX_TYPED)
        if problem:
            raise ValueError(problem)
        return text


class TextField(StringField):
    """A line of text, spaces around it dropped; no control character, ``max_length`` at most."""

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        *,
        max_length: int = MAX_TEXT,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, filters=[strip], **kwargs)
        self.max_length = max_length

    def pre_validate(self, form: FlaskForm) -> None:
        problem = text_problem(self.label.text, self.data or "", self.max_length)
        if problem:
            raise StopValidation(problem)


class IntegerText(TypedField):
    """A whole number; empty gives ``empty``; below ``minimum`` is refused."""

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        *,
        empty: int = 0,
        minimum: int = 0,
        maximum: int = MAX_INTEGER,
        **kw: Any,
    ) -> None:
        super().__init__(label, validators, **kw)
        self.empty, self.minimum, self.maximum = empty, minimum, maximum

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = self.typed(valuelist)
        self.data = self.empty
        if not text:
            return
        try:
            value = int(text)
        except ValueError:
            raise ValueError(
                _("{label} : un nombre entier est attendu.", label=self.label.text)
            ) from None
        if value < self.minimum:
            raise ValueError(
                _("{label} : au moins {minimum}.", label=self.label.text, minimum=self.minimum)
            )
        if value > self.maximum:
            raise ValueError(
                _("{label} : au plus {maximum}.", label=self.label.text, maximum=self.maximum)
            )
        self.data = value


class DecimalText(TypedField):
    """A positive number written the French way ("1,20", "1 200"); empty gives ``empty``."""

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        *,
        empty: str = "0",
        maximum: Decimal = MAX_DECIMAL,
        **kw: Any,
    ) -> None:
        super().__init__(label, validators, **kw)
        self.empty, self.maximum = empty, maximum

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = self.typed(valuelist).replace("\u00a0", "").replace(" ", "").replace(",", ".")
        self.data = None
        try:
            value = Decimal(text or self.empty)
        except InvalidOperation:
            raise ValueError(
                _("{label} : un nombre est attendu (par exemple 1,20).", label=self.label.text)
            ) from None
        if not value.is_finite() or value < 0:
            raise ValueError(_("{label} : un nombre positif est attendu.", label=self.label.text))
        if value > self.maximum or value != value.quantize(Decimal("0.0001")):
            raise ValueError(
                _(
                    "{label} : au plus {maximum}, avec quatre décimales au plus.",
                    label=self.label.text,
                    maximum=f"{self.maximum:,}".replace(",", " "),
                )
            )
        self.data = value

    def number(self) -> Decimal:
        """The number read from a validated form."""
        assert isinstance(self.data, Decimal)
        return self.data


class DateText(TypedField):
    """A day (an ``<input type="date">``: 2026-12-24); empty gives None."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = self.typed(valuelist)
        self.data = None
        if not text:
            return
        try:
            self.data = date.fromisoformat(text)
        except ValueError:
            raise ValueError(
                _("{label} : une date est attendue (jj/mm/aaaa).", label=self.label.text)
            ) from None

    def shown(self, value: Any) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)

    def day(self) -> date:
        """The day read from a validated form where it is required."""
        assert isinstance(self.data, date)
        return self.data


class PhoneField(TypedField):
    """A phone number typed any usual way, E.164 in ``data``; empty gives None."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = self.typed(valuelist)
        self.data = None
        if not text:
            return
        try:
            self.data = normalise_number(text)
        except ValueError:
            raise ValueError(
                _("« {number} » n'est pas un numéro de téléphone valide.", number=text)
            ) from None

    def shown(self, value: Any) -> str:
        return format_for_display(value) if value else ""

    def e164(self) -> str:
        """The number read from a validated form where it is required."""
        assert isinstance(self.data, str)
        return self.data


def new_password(form: FlaskForm, field: Field) -> None:
    """A password long enough, without spaces around it, not a common one, nor containing the
    name or address typed in the same form (the account's own are checked by the service)."""
    name = form["display_name"].data if "display_name" in form else ""
    email = form["email"].data if "email" in form else ""
    problem = password_problem(field.data or "", name=name or "", email=email or "")
    if problem:
        raise ValidationError(say(problem))


def one_of(values: Sequence[str], message: str) -> AnyOf:
    """A choice among ``values`` (a select's options), ``message`` (lazy) otherwise."""
    return AnyOf(list(values), message=message)


# --- the shell's forms ------------------------------------------------------------------------


class ProfessionalForm(FlaskForm):
    """A professional of the directory."""

    title = TextField(lazy_gettext("Civilité ou titre"), max_length=20)
    first_name = TextField(lazy_gettext("Prénom"), max_length=80)
    last_name = TextField(lazy_gettext("Nom"), max_length=80)
    profession = TextField(lazy_gettext("Profession"), default="gp", max_length=30)
    organisation = TextField(lazy_gettext("Structure d'exercice"), max_length=160)
    territory = TextField(lazy_gettext("Territoire"), max_length=80)
    commune = TextField(lazy_gettext("Commune d'exercice"), max_length=80)
    insee_code = TextField(lazy_gettext("Code INSEE de la commune"), max_length=10)
    rpps = TextField(lazy_gettext("RPPS (facultatif, 11 chiffres)"), max_length=20)
    phones = StringField(lazy_gettext("Téléphones"), [plain_text(2000)])
    is_active = BooleanField(lazy_gettext("Actif (reconnu à l'appel)"), default=True)
    phone_entries: Sequence[directory.PhoneEntry] = ()

    def validate_phones(self, field: Field) -> None:
        try:
            self.phone_entries = directory.parse_phones(field.data or "")
        except ValueError as exc:
            raise ValidationError(say(exc)) from None

    def validate_last_name(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(_("Le nom de famille est obligatoire."))

    def validate_rpps(self, field: Field) -> None:
        try:
            directory.check_rpps(field.data)
        except ValueError as exc:
            raise ValidationError(say(exc)) from None

    def validate_commune(self, field: Field) -> None:
        if self.insee_code.data and not field.data:
            raise ValidationError(_("Indiquez le nom de la commune avec son code INSEE."))

    def validate_insee_code(self, field: Field) -> None:
        try:
            directory.check_commune("-", field.data)  # the name is the commune field's own check
        except ValueError as exc:
            raise ValidationError(say(exc)) from None

    def details(self) -> directory.ProfessionalDetails:
        """What the form says, for ``directory.save_professional``."""
        return directory.ProfessionalDetails(
            title=self.title.data or "",
            first_name=self.first_name.data or "",
            last_name=self.last_name.data or "",
            profession=self.profession.data or "gp",
            organisation=self.organisation.data or "",
            territory=self.territory.data or "" if "territory" in self else "",
            commune=self.commune.data or "",
            insee_code=self.insee_code.data or "",
            rpps=self.rpps.data or "",
            phones=self.phone_entries,
            # a form without the box (the nurse's) adds an active professional
            is_active=bool(self.is_active.data) if "is_active" in self else True,
        )


class GreetingForm(FlaskForm):
    """The greeting callers hear first."""

    greeting = StringField(
        lazy_gettext("Nouveau message d'accueil"),
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
        filters=[lambda text: " ".join(text.split()) if isinstance(text, str) else text],
    )


class ReferenceValueForm(FlaskForm):
    """A new value of a reference list: its label, and its code when the admin chooses it."""

    label = TextField(
        lazy_gettext("Libellé"), [DataRequired(lazy_gettext("Le libellé est obligatoire."))]
    )
    code = TextField(
        lazy_gettext("Code (facultatif : fait à partir du libellé)"), max_length=MAX_TYPED
    )


class ReferenceLabelForm(FlaskForm):
    """A new label for a value of a reference list (its code does not change)."""

    label = TextField(
        lazy_gettext("Libellé"), [DataRequired(lazy_gettext("Le libellé est obligatoire."))]
    )


class MoveForm(FlaskForm):
    """One place up or down in a list."""

    direction = TextField(
        lazy_gettext("Sens"),
        [one_of(("up", "down"), lazy_gettext("Une valeur monte ou descend d'une place."))],
    )
