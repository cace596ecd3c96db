"""The form of a budget line (the last day that ends one is ``interpreter_pool.forms.EndForm``)."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import DataRequired, ValidationError

from hotline.admin.forms import DateText, DecimalText, IntegerText, TextField, one_of
from hotline.i18n import gettext as _
from hotline.i18n import lazy_gettext
from hotline.inputs import parse_id
from interpreter_pool.budget import parse_thresholds
from interpreter_pool.budget_admin import POLICIES, SCOPES, LineFields

# What the funder line field suggests (a datalist: any other text is kept as typed).
FUNDER_LINES = ("ARS – FIR", "Conseil départemental", "CPAM", "Établissement", "Commune", "Autre")


class BudgetLineForm(FlaskForm):
    """A budget line: its funder line, period, amount and hours cap, alerts, policy, scope."""

    name = TextField(
        lazy_gettext("Nom de la ligne"), [DataRequired(lazy_gettext("Le nom est obligatoire."))]
    )
    funder_line = TextField(lazy_gettext("Ligne du financeur"))
    starts_on = DateText(lazy_gettext("Premier jour"))
    ends_on = DateText(lazy_gettext("Dernier jour"))
    amount = DecimalText(lazy_gettext("Montant (€)"), empty="", maximum=Decimal(100_000_000))
    hours_cap = IntegerText(lazy_gettext("Plafond d'heures"), empty=0)
    thresholds = TextField(lazy_gettext("Seuils d'alerte (%)"), default="50, 80, 100")
    policy = TextField(
        lazy_gettext("Une fois le budget épuisé"),
        [one_of(POLICIES, lazy_gettext("Choisissez : prévenir, ou attendre la validation."))],
        default="warn",
    )
    scope = TextField(
        lazy_gettext("Ce que la ligne finance"),
        [one_of(SCOPES, lazy_gettext("Choisissez ce que la ligne finance."))],
        default="all",
    )
    scope_helpline = TextField(lazy_gettext("Ligne d'écoute"))
    scope_structure = TextField(lazy_gettext("Structure"))
    scope_provider = TextField(lazy_gettext("Prestataire"))
    scope_language = TextField(lazy_gettext("Langue"))
    priority = IntegerText(lazy_gettext("Priorité"), empty=100, maximum=10_000)

    def validate_starts_on(self, field: Field) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(_("Indiquez le premier jour de la ligne."))

    def validate_ends_on(self, field: Field) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(_("Indiquez le dernier jour de la ligne."))
        start = self.starts_on.data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError(_("Le dernier jour vient avant le premier."))

    def validate_amount(self, field: Field) -> None:
        if not field.errors and (field.data is None or field.data <= 0):
            raise ValidationError(_("Indiquez le montant de la ligne, en euros."))

    def validate_thresholds(self, field: Field) -> None:
        try:
            parse_thresholds(field.data or "")
        except ValueError:
            raise ValidationError(
                _("Seuils d'alerte : des pourcentages entre 1 et 200 séparés par des virgules, "
                  "par exemple 50, 80, 100.")
            ) from None  # fmt: skip

    def scope_value(self) -> int | str | None:
        """The value of the chosen scope: an id, a language code, or None."""
        scope = self.scope.data
        if scope == "language":
            return self.scope_language.data or None
        field = {
            "helpline": self.scope_helpline,
            "structure": self.scope_structure,
            "provider": self.scope_provider,
        }.get(scope or "")
        return parse_id(field.data) if field is not None else None

    def fields(self) -> LineFields:
        """What a validated form says."""
        return LineFields(
            name=self.name.data or "",
            funder_line=self.funder_line.data or "",
            starts_on=self.starts_on.day(),
            ends_on=self.ends_on.day(),
            amount=self.amount.number(),
            hours_cap=self.hours_cap.data or None,
            thresholds=self.thresholds.data or "",
            policy=self.policy.data or "warn",
            scope=self.scope.data or "all",
            scope_value=self.scope_value(),
            priority=self.priority.data,
        )
