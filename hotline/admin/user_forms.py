"""The forms of console accounts: an account with its memberships of helplines, a new account,
a new password."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, PasswordField, SelectMultipleField
from wtforms.validators import DataRequired, ValidationError

from hotline.admin.forms import (
    LOCALES,
    ROLE_LABELS,
    PhoneField,
    TextField,
    new_password,
    one_of,
)
from hotline.i18n import gettext as _
from hotline.i18n import lazy_gettext

# Made before the account's fields: a form's fields (and its messages) follow the order they were
# made in, and the new account's page asks for the address first.
_EMAIL = TextField(lazy_gettext("Adresse e-mail"), max_length=254)


class AccountForm(FlaskForm):
    """What an admin changes on a console account: its roles are memberships of helplines (the
    page's table of helplines × roles, each box "<helpline id>:<role>")."""

    display_name = TextField(
        lazy_gettext("Nom affiché"),
        [DataRequired(lazy_gettext("Le nom est obligatoire."))],
    )
    memberships = SelectMultipleField(lazy_gettext("Rôles par ligne"), validate_choice=False)
    is_regional_admin = BooleanField(
        lazy_gettext("Administrateur régional (toutes les lignes, crée les lignes)")
    )
    phone = PhoneField(lazy_gettext("Téléphone"))
    locale = TextField(
        lazy_gettext("Langue de la console"),
        [one_of(LOCALES, lazy_gettext("La langue de la console est le français ou l'anglais."))],
        default="fr",
    )
    is_active = BooleanField(lazy_gettext("Compte actif (peut se connecter)"))
    chosen: dict[int, set[str]]

    def validate_memberships(self, field: Field) -> None:
        chosen: dict[int, set[str]] = {}
        for box in field.data or []:
            helpline_id, _colon, role = str(box).partition(":")
            if not helpline_id.isdigit() or role not in ROLE_LABELS:
                raise ValidationError(
                    _(
                        "Rôle inconnu : les rôles sont infirmière, coordination du réseau, "
                        "finances, administration."
                    )
                )
            chosen.setdefault(int(helpline_id), set()).add(role)
        self.chosen = chosen

    def chosen_memberships(self) -> dict[int, set[str]]:
        """The ticked roles, by helpline id (a validated form)."""
        return {helpline_id: set(roles) for helpline_id, roles in self.chosen.items()}


def membership_boxes(memberships: dict[int, set[str]]) -> list[str]:
    """The table's ticked boxes for these memberships ("3:nurse")."""
    return [f"{hid}:{role}" for hid, roles in sorted(memberships.items()) for role in sorted(roles)]


class NewUserForm(AccountForm):
    """A new console account."""

    email = _EMAIL
    password = PasswordField(lazy_gettext("Mot de passe initial"), [new_password])

    def validate_email(self, field: Field) -> None:
        email = (field.data or "").lower()
        if "@" not in email or " " in email or email.startswith("@") or email.endswith("@"):
            raise ValidationError(
                _("« {email} » n'est pas une adresse e-mail valide.", email=email)
            )


class PasswordForm(FlaskForm):
    """A new password for an account."""

    password = PasswordField(lazy_gettext("Mot de passe"), [new_password])
