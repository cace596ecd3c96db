"""The admin's pages of console accounts: list, create, edit, new password.

A person's roles are memberships of helplines (a table of helplines × roles). A regional
administrator manages every account and every helpline, and alone names regional
administrators; a helpline's administrator manages the accounts of his helplines only, and only
their memberships of his helplines (the others are kept as they are and shown).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.admin import Page, bp, one_or_404, page, record, refuse
from hotline.admin.forms import ROLE_LABELS
from hotline.admin.user_forms import AccountForm, NewUserForm, PasswordForm, membership_boxes
from hotline.auth import require_roles, signed_in_user
from hotline.i18n import gettext as _
from hotline.models import Helpline, HelplineMembership, User
from hotline.refusals import Refusal
from hotline.scope import helplines_for, set_memberships
from hotline.services import all_helplines
from hotline.users import create_user, set_password
from hotline.web import db_session

Memberships = dict[int, set[str]]


def _administered(session: Session, me: User) -> list[Helpline]:
    """The helplines whose memberships ``me`` manages: all of them for a regional admin."""
    if me.is_regional_admin:
        return sorted(all_helplines(session), key=lambda h: (h.name, h.id))
    return helplines_for(session, me, "admin")


def _memberships_by_user(session: Session, user_ids: list[int]) -> dict[int, Memberships]:
    """Each user's roles by helpline id."""
    found: dict[int, Memberships] = {user_id: {} for user_id in user_ids}
    rows = session.execute(
        select(
            HelplineMembership.user_id, HelplineMembership.helpline_id, HelplineMembership.role
        ).where(HelplineMembership.user_id.in_(user_ids))
    )
    for user_id, helpline_id, role in rows.tuples():
        found[user_id].setdefault(helpline_id, set()).add(role)
    return found


def _users(session: Session, me: User) -> list[User]:
    """The accounts ``me`` manages: all for a regional admin, else his helplines' members
    (regional administrators excepted)."""
    query = select(User).order_by(User.display_name, User.id)
    if not me.is_regional_admin:
        ids = [h.id for h in _administered(session, me)]
        members = select(HelplineMembership.user_id).where(HelplineMembership.helpline_id.in_(ids))
        query = query.where(User.id.in_(members), User.is_regional_admin.is_(False))
    return list(session.scalars(query))


def _account_or_404(session: Session, user_id: int) -> User:
    """An account the signed-in admin manages (another programme's people are not confirmed)."""
    account: User = one_or_404(session, User, user_id)
    if account not in _users(session, signed_in_user()):
        abort(404)
    return account


def _users_page(session: Session, form: NewUserForm, status: int = 200) -> Page:
    me = signed_in_user()
    users = _users(session, me)
    return page(
        "admin/users.html",
        status,
        users=users,
        memberships=_memberships_by_user(session, [u.id for u in users]),
        names={h.id: h.name for h in all_helplines(session)},
        helplines=_administered(session, me),
        form=form,
        role_labels=ROLE_LABELS,
    )


def _chosen(
    session: Session, me: User, form: AccountForm, account: User | None
) -> tuple[Memberships, bool]:
    """The account's memberships and regional flag after this form; ValueError (a message for
    a person) when the admin may not grant them."""
    administered = {h.id for h in _administered(session, me)}
    chosen = {hid: roles for hid, roles in form.chosen_memberships().items() if roles}
    if set(chosen) - administered:
        raise ValueError(
            _(
                "Seul un administrateur régional donne des rôles dans une ligne que vous "
                "n'administrez pas."
            )
        )
    if form.is_regional_admin.data and not me.is_regional_admin:
        raise ValueError(
            _("Seul un administrateur régional peut nommer un administrateur régional.")
        )
    current = _memberships_by_user(session, [account.id])[account.id] if account else {}
    kept = {hid: roles for hid, roles in current.items() if hid not in administered}
    # A helpline admin never sees a regional admin's account: the flag is a regional admin's.
    regional = bool(form.is_regional_admin.data) and me.is_regional_admin
    result = {**kept, **chosen}
    if not result and not regional:
        raise ValueError(_("Choisissez au moins un rôle dans une ligne."))
    return result, regional


def _new_user_defaults(session: Session) -> dict[str, Any]:
    helplines = _administered(session, signed_in_user())
    first = {helplines[0].id: {"nurse"}} if helplines else {}
    return {"memberships": membership_boxes(first), "locale": "fr"}


@bp.get("/users")
@require_roles("admin")
def users() -> Page:
    """The console accounts the admin manages, and the form to create one."""
    session = db_session()
    return _users_page(session, NewUserForm(data=_new_user_defaults(session)))


@bp.post("/users")
@require_roles("admin")
def user_create() -> Page:
    """Create a console account with its memberships and initial password."""
    session, form, me = db_session(), NewUserForm(), signed_in_user()
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
        memberships, regional = _chosen(session, me, form, None)
        roles = sorted({role for held in memberships.values() for role in held}) or ["admin"]
        user = create_user(
            session,
            email,
            form.display_name.data,
            ",".join(roles),
            form.password.data,
            phone=form.phone.data,
            locale=form.locale.data,
        )
    except ValueError as exc:
        refuse(form, exc, "memberships" if not isinstance(exc, Refusal) else None)
        return _users_page(session, form, 400)
    user.is_regional_admin = regional
    set_memberships(session, user, memberships)
    record(
        "user_created", "user", user.id,
        email=user.email, roles=user.roles, is_regional_admin=regional,
        memberships={str(hid): sorted(held) for hid, held in memberships.items()},
    )  # fmt: skip
    flash(_("Compte créé pour {name}.", name=user.display_name), "success")
    return redirect(url_for("admin.users"))


def _account_data(session: Session, user: User) -> dict[str, Any]:
    return {
        "display_name": user.display_name,
        "memberships": membership_boxes(_memberships_by_user(session, [user.id])[user.id]),
        "is_regional_admin": user.is_regional_admin,
        "phone": user.phone,
        "locale": user.locale,
        "is_active": user.is_active,
    }


def _account_form(session: Session, user: User) -> AccountForm:
    """The account's form as stored (not the page's posted form, which may be another one)."""
    return AccountForm(formdata=None, data=_account_data(session, user))


def _user_page(
    account: User, form: AccountForm, password: PasswordForm | None = None, status: int = 200
) -> Page:
    session, me = db_session(), signed_in_user()
    administered = _administered(session, me)
    held = _memberships_by_user(session, [account.id])[account.id]
    ids = {h.id for h in administered}
    return page(
        "admin/user_edit.html",
        status,
        account=account,
        form=form,
        password_form=password or PasswordForm(formdata=None),
        role_labels=ROLE_LABELS,
        helplines=administered,
        elsewhere=[
            (h.name, sorted(held[h.id]))
            for h in all_helplines(session)
            if h.id in held and h.id not in ids
        ],
    )


def _own_admin_kept(session: Session, me: User, memberships: Memberships, regional: bool) -> bool:
    """Whether the admin keeps, on his own account, what makes him one."""
    if me.is_regional_admin:
        return regional
    mine = _memberships_by_user(session, [me.id])[me.id]
    return all(
        "admin" in memberships.get(hid, set()) for hid, roles in mine.items() if "admin" in roles
    )


@bp.get("/users/<int:user_id>")
@require_roles("admin")
def user_edit(user_id: int) -> Page:
    """One account: its memberships, phone, whether it may sign in; a new password."""
    session = db_session()
    account = _account_or_404(session, user_id)
    return _user_page(account, _account_form(session, account))


@bp.post("/users/<int:user_id>")
@require_roles("admin")
def user_update(user_id: int) -> Page:
    """Change an account's name, memberships, phone, language and active flag."""
    session, form, me = db_session(), AccountForm(), signed_in_user()
    account = _account_or_404(session, user_id)
    before = _account_data(session, account)
    if not form.validate():
        refuse(form)
        return _user_page(account, form, status=400)
    try:
        memberships, regional = _chosen(session, me, form, account)
    except ValueError as exc:
        refuse(form, exc, "memberships")
        return _user_page(account, form, status=400)
    if account.id == me.id and (
        not _own_admin_kept(session, me, memberships, regional) or not form.is_active.data
    ):
        problem = _(
            "Vous ne pouvez ni retirer votre propre rôle d'administrateur "
            "ni désactiver votre compte."
        )
        refuse(form, ValueError(problem), "memberships")
        return _user_page(account, form, status=400)
    account.phone = form.phone.data
    account.is_active, account.is_regional_admin = bool(form.is_active.data), regional
    account.display_name, account.locale = form.display_name.data, form.locale.data
    set_memberships(session, account, memberships)
    session.flush()
    record("user_updated", "user", account.id, before=before, after=_account_data(session, account))
    flash(_("Compte de {name} enregistré.", name=account.display_name), "success")
    return redirect(url_for("admin.user_edit", user_id=account.id))


@bp.post("/users/<int:user_id>/password")
@require_roles("admin")
def user_password(user_id: int) -> Page:
    """Give an account a new password (the admin tells it to the person)."""
    session, form = db_session(), PasswordForm()
    account = _account_or_404(session, user_id)
    if not form.validate():
        refuse(form)
        return _user_page(account, _account_form(session, account), form, 400)
    try:
        set_password(session, account, form.password.data)
    except Refusal as problem:  # the account's own name or address
        refuse(form, problem, "password")
        return _user_page(account, _account_form(session, account), form, 400)
    record("password_reset", "user", account.id)
    flash(_("Nouveau mot de passe enregistré pour {name}.", name=account.display_name), "success")
    return redirect(url_for("admin.user_edit", user_id=account.id))
