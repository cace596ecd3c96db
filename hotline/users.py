"""Console accounts: create them, set passwords, change roles (the CLI and the admin pages)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import User
from hotline.passwords import hash_password, password_problem
from hotline.phones import phone_e164
from hotline.refusals import N_, Refusal
from hotline.scope import ROLES, grant_roles_where_alone


def parse_roles(text: str) -> str:
    """ "nurse, admin" → "nurse,admin"; refuses unknown roles."""
    roles = [r.strip().lower() for r in text.split(",") if r.strip()]
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise Refusal(
            N_("Les rôles sont parmi {roles} ; pas {unknown}."),
            roles=", ".join(ROLES),
            unknown=", ".join(unknown) or "aucun",
        )
    return ",".join(dict.fromkeys(roles))


def create_user(
    session: Session,
    email: str,
    display_name: str,
    roles: str,
    password: str,
    *,
    phone: str | None = None,
    locale: str = "fr",
) -> User:
    """A new console account with a password; an email already in use is refused."""
    email = email.strip().lower()
    if "@" not in email or " " in email:
        raise Refusal(N_("« {email} » n'est pas une adresse e-mail."), email=email)
    if not display_name.strip():
        raise Refusal(N_("Un compte doit avoir un nom."))
    if session.scalars(select(User).where(User.email == email)).first() is not None:
        raise Refusal(N_("L'adresse {email} a déjà un compte."), email=email)
    problem = password_problem(password, name=display_name, email=email)
    if problem:
        raise problem
    if locale not in ("fr", "en"):
        raise Refusal(N_("La langue est fr ou en."))
    user = User(
        email=email,
        display_name=display_name.strip(),
        roles=parse_roles(roles),
        phone=phone_e164(phone) if phone else None,
        password_hash=hash_password(password),
        locale=locale,
    )
    session.add(user)
    session.flush()
    grant_roles_where_alone(session, user)
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Change a user's password: every console session of theirs ends."""
    problem = password_problem(password, name=user.display_name, email=user.email)
    if problem:
        raise problem
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 0) + 1
    session.flush()
