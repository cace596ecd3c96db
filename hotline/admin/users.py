"""The admin's pages of console accounts: list, create, edit, new password."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.admin import Page, bp, one_or_404, page, record, refuse
from hotline.admin.forms import ROLE_LABELS, AccountForm, NewUserForm, PasswordForm
from hotline.auth import current_user, require_roles
from hotline.i18n import gettext as _
from hotline.models import User
from hotline.refusals import Refusal
from hotline.users import create_user, set_password
from hotline.web import db_session


def _users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.display_name, User.id)))


def _users_page(session: Session, form: NewUserForm, status: int = 200) -> Page:
    return page(
        "admin/users.html", status, users=_users(session), form=form, role_labels=ROLE_LABELS
    )


@bp.get("/users")
@require_roles("admin")
def users() -> Page:
    """Every console account, and the form to create one."""
    return _users_page(db_session(), NewUserForm(data={"roles": ["nurse"], "locale": "fr"}))


@bp.post("/users")
@require_roles("admin")
def user_create() -> Page:
    """Create a console account with its roles and initial password."""
    session, form = db_session(), NewUserForm()
    if not form.validate():
        refuse(form)
        return _users_page(session, form, 400)
    email = form.email.data.lower()
    if session.scalars(select(User.id).where(User.email == email)).first() is not None:
        refuse(
            form,
            ValueError(_("Un compte existe déjà pour l'adresse {email}.", email=email)),
            "email",
        )
        return _users_page(session, form, 400)
    try:
        user = create_user(
            session,
            email,
            form.display_name.data,
            form.chosen_roles(),
            form.password.data,
            phone=form.phone.data,
            locale=form.locale.data,
        )
    except ValueError as exc:
        refuse(form, exc)
        return _users_page(session, form, 400)
    record("user_created", "user", user.id, email=user.email, roles=user.roles)
    flash(_("Compte créé pour {name}.", name=user.display_name), "success")
    return redirect(url_for("admin.users"))


def _account_data(user: User) -> dict[str, Any]:
    return {
        "display_name": user.display_name,
        "roles": user.roles.split(","),
        "phone": user.phone,
        "locale": user.locale,
        "is_active": user.is_active,
    }


def _account_form(user: User) -> AccountForm:
    """The account's form as stored (not the page's posted form, which may be another one)."""
    return AccountForm(formdata=None, data=_account_data(user))


def _user_page(
    account: User, form: AccountForm, password: PasswordForm | None = None, status: int = 200
) -> Page:
    return page(
        "admin/user_edit.html",
        status,
        account=account,
        form=form,
        password_form=password or PasswordForm(formdata=None),
        role_labels=ROLE_LABELS,
    )


@bp.get("/users/<int:user_id>")
@require_roles("admin")
def user_edit(user_id: int) -> Page:
    """One account: its roles, phone, whether it may sign in; a new password."""
    account: User = one_or_404(db_session(), User, user_id)
    return _user_page(account, _account_form(account))


@bp.post("/users/<int:user_id>")
@require_roles("admin")
def user_update(user_id: int) -> Page:
    """Change an account's name, roles, phone, language and active flag."""
    session, form = db_session(), AccountForm()
    account: User = one_or_404(session, User, user_id)
    before = {"roles": account.roles, "phone": account.phone, "is_active": account.is_active}
    if not form.validate():
        refuse(form)
        return _user_page(account, form, status=400)
    roles = form.chosen_roles()
    if account.id == getattr(current_user(), "id", None) and (
        "admin" not in roles.split(",") or not form.is_active.data
    ):
        problem = _(
            "Vous ne pouvez ni retirer votre propre rôle d'administrateur "
            "ni désactiver votre compte."
        )
        refuse(form, ValueError(problem), "roles")
        return _user_page(account, form, status=400)
    account.phone = form.phone.data
    account.roles, account.is_active = roles, bool(form.is_active.data)
    account.display_name, account.locale = form.display_name.data, form.locale.data
    session.flush()
    after = {"roles": account.roles, "phone": account.phone, "is_active": account.is_active}
    record("user_updated", "user", account.id, before=before, after=after)
    flash(_("Compte de {name} enregistré.", name=account.display_name), "success")
    return redirect(url_for("admin.user_edit", user_id=account.id))


@bp.post("/users/<int:user_id>/password")
@require_roles("admin")
def user_password(user_id: int) -> Page:
    """Give an account a new password (the admin tells it to the person)."""
    session, form = db_session(), PasswordForm()
    account: User = one_or_404(session, User, user_id)
    if not form.validate():
        refuse(form)
        return _user_page(account, _account_form(account), form, 400)
    try:
        set_password(session, account, form.password.data)
    except Refusal as problem:  # the account's own name or address
        refuse(form, problem, "password")
        return _user_page(account, _account_form(account), form, 400)
    record("password_reset", "user", account.id)
    flash(_("Nouveau mot de passe enregistré pour {name}.", name=account.display_name), "success")
    return redirect(url_for("admin.user_edit", user_id=account.id))
