"""The forms of a structure: its commune (shared with the network's partners), its details."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import DataRequired, ValidationError

from hotline import directory, structures
from hotline.admin.forms import TextField, one_of
from hotline.finess import clean_finess
from hotline.i18n import gettext as _
from hotline.i18n import lazy_gettext, say


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
    """A structure: an establishment where professionals work, or a partner of the network."""

    name = TextField(
        lazy_gettext("Nom de la structure"),
        [DataRequired(lazy_gettext("Le nom de la structure est obligatoire."))],
        max_length=160,
    )
    kind = TextField(
        lazy_gettext("Type de structure"),
        [
            one_of(
                tuple(structures.STRUCTURE_KINDS),
                lazy_gettext("Choisissez le type de structure dans la liste."),
            )
        ],
        default="other",
    )
    finess = TextField(lazy_gettext("FINESS (facultatif, 9 caractères)"), max_length=20)

    def validate_finess(self, field: Field) -> None:
        try:
            clean_finess(field.data)
        except ValueError as exc:
            raise ValidationError(say(exc)) from None

    def details(self) -> structures.StructureDetails:
        """What the form says, for ``structures.save_structure``."""
        return structures.StructureDetails(
            name=self.name.data or "",
            kind=self.kind.data or "other",
            finess=self.finess.data or "",
            commune=self.commune.data or "",
            insee_code=self.insee_code.data or "",
        )
