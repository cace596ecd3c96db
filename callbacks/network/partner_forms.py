"""The form of a partner of the network (a structure's is the directory's:
``hotline.admin.structure_forms``)."""

from __future__ import annotations

from collections.abc import Sequence

from wtforms import BooleanField, Field, StringField
from wtforms.validators import DataRequired, ValidationError

from callbacks.network import partners
from hotline import directory
from hotline.admin.forms import DateText, TextField, one_of, plain_text
from hotline.admin.structure_forms import CommuneFields
from hotline.i18n import gettext as _
from hotline.i18n import lazy_gettext, say
from hotline.inputs import parse_id


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
