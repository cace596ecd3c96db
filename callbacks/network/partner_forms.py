"""The forms of the network's pages: a structure, a partner."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, StringField
from wtforms.validators import DataRequired, ValidationError

from callbacks.network import partners
from hotline import directory
from hotline.admin.forms import DateText, TextField, one_of, plain_text
from hotline.i18n import gettext as _
from hotline.i18n import lazy_gettext, say
from hotline.inputs import parse_id


class CommuneFields(FlaskForm):
    """A commune and its INSEE code, checked as the directory checks them."""

    commune = TextField(lazy_gettext("Commune"), max_length=80)
    insee_code = TextField(lazy_gettext("Code INSEE de la commune"), max_length=10)

    def validate_commune(self, field: Field) -> None:
        if self.insee_code.data and not field.data:
            raise ValidationError(_("Indiquez le nom de la commune avec son code INSEE."))

    def validate_insee_code(self, field: Field) -> None:
        try:
            directory.check_commune("-", field.data)  # the name is the commune field's own check
        except ValueError as exc:
            raise ValidationError(say(exc)) from None


class StructureForm(CommuneFields):
    """A structure of the network."""

    name = TextField(
        lazy_gettext("Nom de la structure"),
        [DataRequired(lazy_gettext("Le nom de la structure est obligatoire."))],
        max_length=160,
    )
    kind = TextField(
        lazy_gettext("Type de structure"),
        [
            one_of(
                tuple(partners.STRUCTURE_KINDS),
                lazy_gettext("Choisissez le type de structure dans la liste."),
            )
        ],
        default="other",
    )
    finess = TextField(lazy_gettext("FINESS (facultatif, 9 caractères)"), max_length=20)

    def validate_finess(self, field: Field) -> None:
        try:
            partners.clean_finess(field.data)
        except ValueError as exc:
            raise ValidationError(say(exc)) from None

    def details(self) -> partners.StructureDetails:
        """What the form says, for ``partners.save_structure``."""
        return partners.StructureDetails(
            name=self.name.data or "",
            kind=self.kind.data or "other",
            finess=self.finess.data or "",
            commune=self.commune.data or "",
            insee_code=self.insee_code.data or "",
        )


class PartnerForm(CommuneFields):
    """A partner of the network: a practitioner, or a structure oriented to as a whole."""

    name = TextField(
        lazy_gettext("Nom"),
        [DataRequired(lazy_gettext("Le nom du partenaire est obligatoire."))],
        max_length=160,
    )
    profession = TextField(
        lazy_gettext("Profession"),
        [
            one_of(
                tuple(partners.PARTNER_PROFESSIONS),
                lazy_gettext("Choisissez la profession dans la liste."),
            )
        ],
        default="gp",
    )
    specialty = TextField(lazy_gettext("Spécialité (facultatif)"))
    structure_id = TextField(lazy_gettext("Structure (facultatif)"), max_length=12)
    phones = StringField(lazy_gettext("Téléphones"), [plain_text(2000)])
    email = TextField(lazy_gettext("Adresse électronique (facultatif)"), max_length=254)
    languages = TextField(lazy_gettext("Langues parlées"), max_length=500)
    is_accepting_patients = BooleanField(lazy_gettext("Accepte de nouveaux patients"), default=True)
    has_third_party_payment = BooleanField(lazy_gettext("Pratique le tiers payant"))
    charter_signed_on = DateText(lazy_gettext("Charte signée le"))
    phone_entries: Sequence[directory.PhoneEntry] = ()
    language_codes: Sequence[str] = ()

    def validate_phones(self, field: Field) -> None:
        try:
            self.phone_entries = directory.parse_phones(field.data or "")
        except ValueError as exc:
            raise ValidationError(say(exc)) from None

    def validate_email(self, field: Field) -> None:
        try:
            partners.clean_email(field.data)
        except ValueError as exc:
            raise ValidationError(say(exc)) from None

    def validate_languages(self, field: Field) -> None:
        try:
            self.language_codes = partners.check_languages(field.data or "")
        except ValueError as exc:
            raise ValidationError(say(exc)) from None

    def validate_structure_id(self, field: Field) -> None:
        if field.data and parse_id(field.data) is None:
            raise ValidationError(_("Choisissez la structure dans la liste."))

    def details(self) -> partners.PartnerDetails:
        """What the form says, for ``partners.save_partner``."""
        return partners.PartnerDetails(
            name=self.name.data or "",
            profession=self.profession.data or "gp",
            specialty=self.specialty.data or "",
            structure_id=parse_id(self.structure_id.data),
            commune=self.commune.data or "",
            insee_code=self.insee_code.data or "",
            phones=self.phone_entries,
            languages=self.language_codes,
            is_accepting_patients=bool(self.is_accepting_patients.data),
            has_third_party_payment=bool(self.has_third_party_payment.data),
            charter_signed_on=self.charter_signed_on.data,
            email=self.email.data or "",
        )
