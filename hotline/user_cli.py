"""`hotline user …`: console accounts from the command line (the first admin, above all)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.commands import in_transaction
from hotline.models import User
from hotline.users import create_user, set_password
from hotline.web import app_state

# A help text, not a password.
CREDENTIAL_RULES_HELP = (
    "At least 12 characters, not a commonly used password, without the person's name or address "
    "(asked when not given)."
)


@click.group("user", cls=AppGroup)
def user() -> None:
    """Console accounts."""


@user.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.password_option(help=CREDENTIAL_RULES_HELP)
def create_admin(email: str, display_name: str, password: str) -> None:
    """Create a regional administrator (the first account of a new deployment: he creates the
    helplines in the console and gives people their roles there)."""

    def create(session: Session) -> User:
        admin = create_user(session, email, display_name, "admin", password)
        admin.is_regional_admin = True
        return admin

    made = in_transaction(create)
    click.echo(f"Admin {made.id}: {made.email} (administrateur régional / regional administrator)")


@user.command("add")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--roles", required=True, help="Among nurse, coordinator, finance, admin, e.g. nurse")
@click.option("--phone", default=None, help="A nurse's phone, rung for calls.")
@click.option("--locale", type=click.Choice(["fr", "en"]), default="fr")
@click.password_option(help=CREDENTIAL_RULES_HELP)
def add(
    email: str, display_name: str, roles: str, phone: str | None, locale: str, password: str
) -> None:
    """Create a console account."""
    made = in_transaction(
        lambda s: create_user(s, email, display_name, roles, password, phone=phone, locale=locale)
    )
    click.echo(f"User {made.id}: {made.email} ({made.roles})")


@user.command("set-password")
@click.option("--email", required=True)
@click.password_option(help=CREDENTIAL_RULES_HELP)
def change_password(email: str, password: str) -> None:
    """Set a user's password."""

    def change(session: Session) -> User:
        found = session.scalars(select(User).where(User.email == email.strip().lower())).first()
        if found is None:
            raise ValueError(f"no user with email {email!r}")
        set_password(session, found, password)
        return found

    changed = in_transaction(change)
    click.echo(f"Password of {changed.email} changed.")


@user.command("list")
def list_users() -> None:
    """Every account."""
    with app_state().database.session() as session:
        for row in session.scalars(select(User).order_by(User.id)):
            state = "" if row.is_active else " (inactive)"
            click.echo(f"{row.id}\t{row.email}\t{row.display_name}\t{row.roles}{state}")


COMMANDS = (user,)
