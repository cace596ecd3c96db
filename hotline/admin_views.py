"""Administration pages: users, the rota, hours and closures, interpreters and contracts, the
directory of professionals and the helpline's spoken texts; and the audit log.

Every page is for admins. A view reads the form, checks it (a French message for a person when
it is refused, the form shown again with what was typed, passwords excepted), calls the services,
writes the change to the audit log and commits once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from hotline import audit, directory
from hotline.auth import current_user, require_roles
from hotline.i18n import N_, current_locale
from hotline.i18n import gettext as _
from hotline.models import AuditEvent, Helpline, Professional, User
from hotline.passwords import password_problem
from hotline.phones import format_for_display, normalise_number
from hotline.services import helpline_for_number
from hotline.users import create_user, parse_roles, set_password
from hotline.web import commit, db_session, now, settings
from interpreter_pool.admin import (
    ACCESS_CODE_MESSAGES,
    add_contract,
    add_interpreter,
    parse_languages,
)
from interpreter_pool.dispatch import access_code_problem
from interpreter_pool.languages import language_name
from interpreter_pool.models import Contract, Interpreter
from routing.admin import add_closure, add_shift, parse_local, set_hours
from routing.hours import describe_hours_fr, parse_schedule
from routing.models import Closure, Shift
from routing.plan import RANKS

bp = Blueprint("admin", __name__, url_prefix="/admin")

Page = str | tuple[str, int] | Response
Values = dict[str, Any]

DAY_NAMES = (
    N_("Lundi"),
    N_("Mardi"),
    N_("Mercredi"),
    N_("Jeudi"),
    N_("Vendredi"),
    N_("Samedi"),
    N_("Dimanche"),
)
RANK_LABELS = {"on_duty": N_("de permanence"), "backup": N_("en renfort")}
ROLE_LABELS = {"nurse": N_("infirmière"), "finance": N_("finances"), "admin": N_("administration")}
HOLIDAY_SUBDIVISIONS = {
    "": N_("France métropolitaine"),
    "57": N_("Moselle"),
    "6AE": N_("Alsace"),
    "971": N_("Guadeloupe"),
    "972": N_("Martinique"),
    "973": N_("Guyane"),
    "974": N_("La Réunion"),
    "976": N_("Mayotte"),
}
MAX_GREETING = 1000
AUDIT_PAGE = 200
_WEEK = re.compile(r"(\d{4})-W(\d{1,2})")


# --- shared helpers ---------------------------------------------------------------------------


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    """Names and formats the admin templates share."""
    return {
        "national": _national,
        "language_names": _language_names,
        "role_labels": ROLE_LABELS,
        "rank_labels": RANK_LABELS,
        "day_names": DAY_NAMES,
    }


def _helpline(session: Session) -> Helpline:
    """The helpline of this deployment (the one on the configured number)."""
    number = settings().hotline_number
    return helpline_for_number(session, number, number)


def _page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, user=current_user(), **context), status


def _refuse(exc: ValueError) -> None:
    """Say why the form was refused; nothing of the attempt is kept (the page is shown again)."""
    db_session().rollback()
    flash(str(exc), "error")


def _audit(action: str, object_type: str, object_id: object, **detail: Any) -> None:
    audit.record(db_session(), current_user(), action, object_type, object_id, now(), **detail)


def _values() -> Values:
    """What was typed on the form, to show it again (never a password)."""
    values: Values = {k: v for k, v in request.form.items() if "password" not in k}
    values.pop("csrf_token", None)
    return values


def _text(form: Mapping[str, str], name: str) -> str:
    return form.get(name, "").strip()


def _checked(form: Mapping[str, str], name: str) -> bool:
    return form.get(name) in ("on", "1", "true")


def _int(form: Mapping[str, str], name: str, label: str, default: int, minimum: int = 0) -> int:
    text = _text(form, name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(_("{label} : un nombre entier est attendu.", label=label)) from None
    if value < minimum:
        raise ValueError(_("{label} : au moins {minimum}.", label=label, minimum=minimum))
    return value


def _decimal(form: Mapping[str, str], name: str, label: str, default: str = "0") -> Decimal:
    text = _text(form, name).replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(text or default)
    except InvalidOperation:
        raise ValueError(
            _("{label} : un nombre est attendu (par exemple 1,20).", label=label)
        ) from None
    if not value.is_finite() or value < 0:
        raise ValueError(_("{label} : un nombre positif est attendu.", label=label))
    return value


def _date(form: Mapping[str, str], name: str, label: str) -> date | None:
    text = _text(form, name)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(_("{label} : une date est attendue (jj/mm/aaaa).", label=label)) from None


def _phone(text: str) -> str | None:
    """A typed phone number as E.164; None when left empty."""
    if not text.strip():
        return None
    try:
        return normalise_number(text)
    except ValueError:
        raise ValueError(
            _("« {number} » n'est pas un numéro de téléphone valide.", number=text.strip())
        ) from None


def _national(e164: str | None) -> str:
    return format_for_display(e164) if e164 else ""


def _schedule_problem(exc: ValueError) -> ValueError:
    return ValueError(
        _(
            "Horaires illisibles ({detail}). Écrivez par exemple "
            "« mon-fri 09:00-12:30,13:30-18:00; sat 09:00-12:00 ».",
            detail=str(exc),
        )
    )


# --- index ------------------------------------------------------------------------------------


@bp.get("")
@require_roles("admin")
def index() -> Page:
    """The administration's sections."""
    return _page("admin/index.html")


# --- users ------------------------------------------------------------------------------------


def _users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.display_name, User.id)))


def _roles_of(chosen: list[str]) -> str:
    if not chosen:
        raise ValueError(_("Choisissez au moins un rôle."))
    try:
        return parse_roles(",".join(chosen))
    except ValueError:
        raise ValueError(
            _("Rôle inconnu : les rôles sont infirmière, finances, administration.")
        ) from None


def _check_new_user(session: Session, form: Mapping[str, str]) -> None:
    email = _text(form, "email").lower()
    if "@" not in email or " " in email or email.startswith("@") or email.endswith("@"):
        raise ValueError(_("« {email} » n'est pas une adresse e-mail valide.", email=email))
    if session.scalars(select(User.id).where(User.email == email)).first() is not None:
        raise ValueError(_("Un compte existe déjà pour l'adresse {email}.", email=email))
    if not _text(form, "display_name"):
        raise ValueError(_("Le nom est obligatoire."))
    if form.get("locale", "fr") not in ("fr", "en"):
        raise ValueError(_("La langue de la console est le français ou l'anglais."))
    problem = password_problem(form.get("password", ""))
    if problem:
        raise ValueError(problem)


@bp.get("/users")
@require_roles("admin")
def users() -> Page:
    """Every console account, and the form to create one."""
    return _users_page(db_session(), {"roles": ["nurse"], "locale": "fr"})


def _users_page(session: Session, values: Values, status: int = 200) -> Page:
    return _page("admin/users.html", status, users=_users(session), values=values)


@bp.post("/users")
@require_roles("admin")
def user_create() -> Page:
    """Create a console account with its roles and initial password."""
    session, form = db_session(), request.form
    values = _values() | {"roles": form.getlist("roles")}
    try:
        roles = _roles_of(form.getlist("roles"))
        phone = _phone(_text(form, "phone"))
        _check_new_user(session, form)
        user = create_user(
            session,
            _text(form, "email"),
            _text(form, "display_name"),
            roles,
            form["password"],
            phone=phone,
            locale=form.get("locale", "fr"),
        )
    except ValueError as exc:
        _refuse(exc)
        return _users_page(session, values, 400)
    _audit("user_created", "user", user.id, email=user.email, roles=user.roles)
    commit()
    flash(_("Compte créé pour {name}.", name=user.display_name), "success")
    return redirect(url_for("admin.users"))


def _user_or_404(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _user_values(user: User) -> Values:
    return {
        "display_name": user.display_name,
        "roles": user.roles.split(","),
        "phone": _national(user.phone),
        "locale": user.locale,
        "is_active": "on" if user.is_active else "",
    }


def _user_page(account: User, values: Values, status: int = 200) -> Page:
    return _page("admin/user_edit.html", status, account=account, values=values)


@bp.get("/users/<int:user_id>")
@require_roles("admin")
def user_edit(user_id: int) -> Page:
    """One account: its roles, phone, whether it may sign in; a new password."""
    account = _user_or_404(db_session(), user_id)
    return _user_page(account, _user_values(account))


@bp.post("/users/<int:user_id>")
@require_roles("admin")
def user_update(user_id: int) -> Page:
    """Change an account's name, roles, phone, language and active flag."""
    session, form = db_session(), request.form
    account = _user_or_404(session, user_id)
    values = _values() | {"roles": form.getlist("roles")}
    before = {"roles": account.roles, "phone": account.phone, "is_active": account.is_active}
    try:
        roles = _roles_of(form.getlist("roles"))
        is_active = _checked(form, "is_active")
        if account.id == getattr(current_user(), "id", None) and (
            "admin" not in roles.split(",") or not is_active
        ):
            raise ValueError(
                _(
                    "Vous ne pouvez ni retirer votre propre rôle d'administrateur "
                    "ni désactiver votre compte."
                )
            )
        if not _text(form, "display_name"):
            raise ValueError(_("Le nom est obligatoire."))
        if form.get("locale", "fr") not in ("fr", "en"):
            raise ValueError(_("La langue de la console est le français ou l'anglais."))
        account.phone = _phone(_text(form, "phone"))
        account.roles, account.is_active = roles, is_active
        account.display_name, account.locale = _text(form, "display_name"), form.get("locale", "fr")
        session.flush()
    except ValueError as exc:
        _refuse(exc)
        return _user_page(account, values, 400)
    after = {"roles": account.roles, "phone": account.phone, "is_active": account.is_active}
    _audit("user_updated", "user", account.id, before=before, after=after)
    commit()
    flash(_("Compte de {name} enregistré.", name=account.display_name), "success")
    return redirect(url_for("admin.user_edit", user_id=account.id))


@bp.post("/users/<int:user_id>/password")
@require_roles("admin")
def user_password(user_id: int) -> Page:
    """Give an account a new password (the admin tells it to the person)."""
    session = db_session()
    account = _user_or_404(session, user_id)
    try:
        problem = password_problem(request.form.get("password", ""))
        if problem:
            raise ValueError(problem)
        set_password(session, account, request.form["password"])
    except ValueError as exc:
        _refuse(exc)
        return _user_page(account, _user_values(account), 400)
    _audit("password_reset", "user", account.id)
    commit()
    flash(_("Nouveau mot de passe enregistré pour {name}.", name=account.display_name), "success")
    return redirect(url_for("admin.user_edit", user_id=account.id))


# --- rota -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RotaEntry:
    """A shift as one day of the week view shows it."""

    shift_id: int
    nurse: str
    rank: str  # on_duty | backup
    starts: str
    ends: str


@dataclass(frozen=True)
class RotaDay:
    """One local day of the week view."""

    day: date
    entries: list[RotaEntry]


def _week_start(text: str | None, today: date) -> date:
    """Monday of an ISO week such as "2026-W48", or of this week."""
    found = _WEEK.fullmatch((text or "").strip())
    if found:
        try:
            return date.fromisocalendar(int(found.group(1)), int(found.group(2)), 1)
        except ValueError:
            pass
    if text:
        flash(_("Semaine inconnue « {week} » : voici la semaine en cours.", week=text), "error")
    return today - timedelta(days=today.weekday())


def _iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def _clock(moment: datetime, day: date) -> str:
    """A shift's bound as read on one day: "08:00", "24:00", or "24/11 08:00" on another day."""
    if moment.date() == day:
        return moment.strftime("%H:%M")
    if moment.date() == day + timedelta(days=1) and moment.time() == time(0):
        return "24:00"
    return moment.strftime("%d/%m %H:%M")


def _week(session: Session, helpline: Helpline, monday: date) -> list[RotaDay]:
    tz = ZoneInfo(helpline.timezone)
    start = datetime.combine(monday, time(0), tzinfo=tz)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz)
    shifts = session.scalars(
        select(Shift)
        .options(selectinload(Shift.user))
        .where(Shift.helpline_id == helpline.id, Shift.starts_at < end, Shift.ends_at > start)
        .order_by(Shift.starts_at, Shift.rank, Shift.id)
    ).all()
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        day_start = datetime.combine(day, time(0), tzinfo=tz)
        day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
        entries = [
            RotaEntry(
                shift.id,
                shift.user.display_name,
                shift.rank,
                _clock(shift.starts_at.astimezone(tz), day),
                _clock(shift.ends_at.astimezone(tz), day),
            )
            for shift in shifts
            if shift.starts_at < day_end and shift.ends_at > day_start
        ]
        days.append(RotaDay(day, entries))
    return days


def _nurses(session: Session) -> list[User]:
    users = session.scalars(select(User).where(User.is_active).order_by(User.display_name))
    return [u for u in users if u.has_role("nurse")]


def _rota_page(session: Session, monday: date, values: Values, status: int = 200) -> Page:
    helpline = _helpline(session)
    return _page(
        "admin/rota.html",
        status,
        helpline=helpline,
        week=_iso_week(monday),
        previous_week=_iso_week(monday - timedelta(days=7)),
        next_week=_iso_week(monday + timedelta(days=7)),
        days=_week(session, helpline, monday),
        nurses=_nurses(session),
        values=values,
    )


@bp.get("/rota")
@require_roles("admin")
def rota() -> Page:
    """A week of the rota in the helpline's time zone, and the form to add a shift."""
    session = db_session()
    tz = ZoneInfo(_helpline(session).timezone)
    monday = _week_start(request.args.get("week"), now().astimezone(tz).date())
    return _rota_page(session, monday, {"rank": "on_duty"})


def _local(text: str, tz_name: str, label: str) -> datetime:
    if not text:
        raise ValueError(_("{label} : indiquez la date et l'heure.", label=label))
    try:
        return parse_local(text, tz_name)
    except ValueError:
        raise ValueError(_("{label} : date et heure illisibles.", label=label)) from None


@bp.post("/rota/shifts")
@require_roles("admin")
def shift_create() -> Page:
    """Put a nurse on the rota between two local times; routing rings her from then on."""
    session, form = db_session(), request.form
    helpline = _helpline(session)
    tz = ZoneInfo(helpline.timezone)
    values = _values()
    try:
        nurse = session.get(User, _int(form, "user_id", _("Infirmière"), 0))
        if nurse is None or not nurse.has_role("nurse") or not nurse.is_active:
            raise ValueError(_("Choisissez une infirmière dans la liste."))
        starts = _local(_text(form, "starts"), helpline.timezone, _("Début"))
        ends = _local(_text(form, "ends"), helpline.timezone, _("Fin"))
        if ends <= starts:
            raise ValueError(_("La fin de la garde doit venir après son début."))
        if ends - starts > timedelta(days=31):
            raise ValueError(_("Une garde ne peut pas durer plus de 31 jours."))
        rank = form.get("rank", "")
        if rank not in RANKS:
            raise ValueError(_("Choisissez « de permanence » ou « en renfort »."))
        shift = add_shift(
            session, helpline, nurse, _text(form, "starts"), _text(form, "ends"), rank
        )
    except ValueError as exc:
        _refuse(exc)
        monday = _week_start(form.get("week"), now().astimezone(tz).date())
        return _rota_page(session, monday, values, 400)
    _audit(
        "shift_added",
        "shift",
        shift.id,
        user_id=nurse.id,
        rank=rank,
        starts_at=shift.starts_at.isoformat(),
        ends_at=shift.ends_at.isoformat(),
    )
    commit()
    flash(_("Garde ajoutée pour {name}.", name=nurse.display_name), "success")
    if not nurse.phone and not nurse.browser_identity:
        flash(
            _(
                "Attention : {name} n'a ni téléphone ni console : elle ne sera pas appelée.",
                name=nurse.display_name,
            ),
            "warning",
        )
    return redirect(url_for("admin.rota", week=_iso_week(starts.astimezone(tz).date())))


@bp.post("/rota/shifts/<int:shift_id>/delete")
@require_roles("admin")
def shift_delete(shift_id: int) -> Response:
    """Take a shift off the rota."""
    session = db_session()
    shift = session.get(Shift, shift_id)
    if shift is None:
        abort(404)
    week = _iso_week(shift.starts_at.astimezone(ZoneInfo(_helpline(session).timezone)).date())
    detail = {
        "user_id": shift.user_id,
        "rank": shift.rank,
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
    }
    session.delete(shift)
    session.flush()
    _audit("shift_deleted", "shift", shift_id, **detail)
    commit()
    flash(_("Garde supprimée."), "success")
    return redirect(url_for("admin.rota", week=request.form.get("week") or week))


# --- opening hours and closures ---------------------------------------------------------------


@dataclass(frozen=True)
class ClosureRow:
    """A closure as the page lists it, in local days."""

    id: int
    first_day: date
    last_day: date
    label: str


def _closures(session: Session, helpline: Helpline) -> list[ClosureRow]:
    tz = ZoneInfo(helpline.timezone)
    rows = session.scalars(
        select(Closure).where(Closure.helpline_id == helpline.id).order_by(Closure.starts_at)
    )
    return [
        ClosureRow(
            c.id,
            c.starts_at.astimezone(tz).date(),
            (c.ends_at.astimezone(tz) - timedelta(microseconds=1)).date(),
            c.label,
        )
        for c in rows
    ]


def _hours_page(session: Session, values: Values, status: int = 200) -> Page:
    helpline = _helpline(session)
    try:
        spoken = describe_hours_fr(parse_schedule(helpline.opening_hours))
    except ValueError:
        spoken = _("horaires illisibles")
    return _page(
        "admin/hours.html",
        status,
        helpline=helpline,
        spoken=spoken,
        closures=_closures(session, helpline),
        subdivisions=HOLIDAY_SUBDIVISIONS,
        values=values,
    )


def _hours_values(helpline: Helpline) -> Values:
    return {
        "opening_hours": helpline.opening_hours,
        "holiday_subdivision": helpline.holiday_subdivision or "",
        "is_open_on_holidays": "on" if helpline.is_open_on_holidays else "",
    }


@bp.get("/hours")
@require_roles("admin")
def hours() -> Page:
    """The weekly schedule, how the voice says it, public holidays and closures."""
    session = db_session()
    return _hours_page(session, _hours_values(_helpline(session)))


@bp.post("/hours")
@require_roles("admin")
def hours_update() -> Page:
    """Change the weekly schedule and how public holidays are handled."""
    session, form = db_session(), request.form
    helpline = _helpline(session)
    values = _hours_values(helpline) | _values()
    before = _hours_values(helpline)
    try:
        text = _text(form, "opening_hours")
        if not text:
            raise ValueError(
                _(
                    "Indiquez les horaires, par exemple « mon-fri 09:00-18:00 » "
                    "(« mon-sun closed » pour fermer toute la semaine)."
                )
            )
        try:
            parse_schedule(text)
        except ValueError as exc:
            raise _schedule_problem(exc) from None
        subdivision = _text(form, "holiday_subdivision")
        if subdivision not in HOLIDAY_SUBDIVISIONS:
            raise ValueError(_("Choisissez le calendrier des jours fériés dans la liste."))
        try:
            spoken = set_hours(
                session, helpline, text, subdivision, _checked(form, "is_open_on_holidays")
            )
        except ValueError:
            raise ValueError(_("Ce calendrier de jours fériés n'est pas connu.")) from None
    except ValueError as exc:
        _refuse(exc)
        return _hours_page(session, values, 400)
    _audit("hours_changed", "helpline", helpline.id, before=before, after=_hours_values(helpline))
    commit()
    flash(_("Horaires enregistrés : ouvert {spoken}.", spoken=spoken), "success")
    return redirect(url_for("admin.hours"))


@bp.post("/closures")
@require_roles("admin")
def closure_create() -> Page:
    """Close whole local days (a bridge, a team day)."""
    session, form = db_session(), request.form
    helpline = _helpline(session)
    values = _hours_values(helpline) | _values()
    try:
        first_day = _date(form, "first_day", _("Premier jour"))
        last_day = _date(form, "last_day", _("Dernier jour")) or first_day
        if first_day is None or last_day is None:
            raise ValueError(_("Indiquez le premier jour de la fermeture."))
        if last_day < first_day:
            raise ValueError(_("Le dernier jour de la fermeture vient avant le premier."))
        label = _text(form, "label") or "fermeture exceptionnelle"
        closure = add_closure(session, helpline, first_day, last_day, label)
    except ValueError as exc:
        _refuse(exc)
        return _hours_page(session, values, 400)
    _audit(
        "closure_added",
        "closure",
        closure.id,
        first_day=first_day.isoformat(),
        last_day=last_day.isoformat(),
        label=closure.label,
    )
    commit()
    flash(_("Fermeture enregistrée."), "success")
    return redirect(url_for("admin.hours"))


@bp.post("/closures/<int:closure_id>/delete")
@require_roles("admin")
def closure_delete(closure_id: int) -> Response:
    """Cancel a closure."""
    session = db_session()
    closure = session.get(Closure, closure_id)
    if closure is None:
        abort(404)
    detail = {
        "label": closure.label,
        "starts_at": closure.starts_at.isoformat(),
        "ends_at": closure.ends_at.isoformat(),
    }
    session.delete(closure)
    session.flush()
    _audit("closure_deleted", "closure", closure_id, **detail)
    commit()
    flash(_("Fermeture supprimée."), "success")
    return redirect(url_for("admin.hours"))


# --- interpreters and contracts ---------------------------------------------------------------


def _language_names(codes: list[str]) -> str:
    return ", ".join(language_name(code, current_locale(), capitalise=True) for code in codes)


def _interpreters(session: Session) -> list[Interpreter]:
    query = (
        select(Interpreter)
        .options(selectinload(Interpreter.languages))
        .order_by(Interpreter.kind.desc(), Interpreter.priority, Interpreter.name)
    )
    return list(session.scalars(query))


def _languages_of(text: str) -> list[str]:
    codes: list[str] = []
    for raw in text.split(","):
        if not raw.strip():
            continue
        try:
            codes.extend(parse_languages(raw))
        except ValueError:
            raise ValueError(
                _(
                    "« {code} » n'est pas un code de langue connu (par exemple ar, ti, prs).",
                    code=raw.strip(),
                )
            ) from None
    if not codes:
        raise ValueError(_("Indiquez au moins une langue, par exemple « ar, ti »."))
    return list(dict.fromkeys(codes))


def _agency_codes(text: str, languages: list[str]) -> dict[str, str]:
    """ "ar=1, ti=2" → the digits an agency's menu expects for each language."""
    codes: dict[str, str] = {}
    for raw in text.split(","):
        if not raw.strip():
            continue
        language, sep, digits = raw.partition("=")
        if not sep or not digits.strip().isdigit():
            raise ValueError(
                _("Codes de l'agence : écrivez « langue=chiffres », par exemple « ar=1, ti=2 ».")
            )
        code = _languages_of(language)[0]
        if code not in languages:
            raise ValueError(
                _("Code de l'agence pour « {code} », une langue qu'elle ne couvre pas.", code=code)
            )
        codes[code] = digits.strip()
    return codes


def _save_interpreter(
    session: Session, form: Mapping[str, str], existing: Interpreter | None
) -> Interpreter:
    name = _text(form, "name")
    if not name:
        raise ValueError(_("Le nom est obligatoire."))
    kind = form.get("kind", "individual")
    if kind not in ("individual", "agency"):
        raise ValueError(_("Choisissez interprète ou agence."))
    phone = _phone(_text(form, "phone"))
    if phone is None:
        raise ValueError(_("Le numéro de téléphone est obligatoire."))
    holder = session.scalars(select(Interpreter).where(Interpreter.phone == phone)).first()
    if holder is not None and holder is not existing:
        raise ValueError(
            _(
                "Le numéro {number} est déjà celui de {name}.",
                number=_national(phone),
                name=holder.name,
            )
        )
    languages = _languages_of(_text(form, "languages"))
    availability = _text(form, "availability")
    if availability:
        try:
            parse_schedule(availability)
        except ValueError as exc:
            raise _schedule_problem(exc) from None
    access_code = _text(form, "access_code") or None
    agency_codes = _agency_codes(_text(form, "agency_codes"), languages)
    problem = access_code_problem(access_code, list(agency_codes.values()))
    if problem is not None:
        raise ValueError(_(ACCESS_CODE_MESSAGES[problem]))
    priority = _int(form, "priority", _("Priorité"), 100)
    max_concurrent = _int(form, "max_concurrent", _("Appels simultanés"), 1, minimum=1)
    interpreter = add_interpreter(
        session,
        name,
        phone,
        languages,
        kind=kind,
        priority=priority,
        max_concurrent=max_concurrent,
        availability=availability,
        access_code=access_code,
        agency_codes=agency_codes,
        is_active=_checked(form, "is_active"),
        existing=existing,
    )
    return interpreter


def _interpreter_values(interpreter: Interpreter) -> Values:
    return {
        "name": interpreter.name,
        "kind": interpreter.kind,
        "phone": _national(interpreter.phone),
        "languages": ", ".join(entry.language for entry in interpreter.languages),
        "priority": str(interpreter.priority),
        "max_concurrent": str(interpreter.max_concurrent),
        "availability": interpreter.availability,
        "access_code": interpreter.access_code or "",
        "agency_codes": ", ".join(
            f"{entry.language}={entry.agency_code}"
            for entry in interpreter.languages
            if entry.agency_code
        ),
        "is_active": "on" if interpreter.is_active else "",
    }


def _interpreter_summary(interpreter: Interpreter) -> dict[str, Any]:
    return {k: v for k, v in _interpreter_values(interpreter).items() if k != "phone"} | {
        "phone": interpreter.phone
    }


@bp.get("/interpreters")
@require_roles("admin")
def interpreters() -> Page:
    """Interpreters and agencies with their languages, and the form to add one."""
    values = {"kind": "individual", "priority": "100", "max_concurrent": "1", "is_active": "on"}
    return _interpreters_page(db_session(), values)


def _interpreters_page(session: Session, values: Values, status: int = 200) -> Page:
    return _page(
        "admin/interpreters.html",
        status,
        interpreters=_interpreters(session),
        values=values,
    )


@bp.post("/interpreters")
@require_roles("admin")
def interpreter_create() -> Page:
    """Add an interpreter or an agency."""
    session = db_session()
    try:
        interpreter = _save_interpreter(session, request.form, None)
    except ValueError as exc:
        _refuse(exc)
        return _interpreters_page(session, _values(), 400)
    _audit("interpreter_added", "interpreter", interpreter.id, **_interpreter_summary(interpreter))
    commit()
    flash(_("{name} fait maintenant partie du vivier.", name=interpreter.name), "success")
    return redirect(url_for("admin.interpreter_edit", interpreter_id=interpreter.id))


def _interpreter_or_404(session: Session, interpreter_id: int) -> Interpreter:
    interpreter = session.get(Interpreter, interpreter_id)
    if interpreter is None:
        abort(404)
    return interpreter


def _interpreter_page(
    session: Session, interpreter: Interpreter, values: Values, contract: Values, status: int = 200
) -> Page:
    contracts = session.scalars(
        select(Contract)
        .where(Contract.interpreter_id == interpreter.id)
        .order_by(Contract.valid_from.desc(), Contract.id.desc())
    ).all()
    return _page(
        "admin/interpreter_edit.html",
        status,
        interpreter=interpreter,
        contracts=contracts,
        values=values,
        contract=contract,
    )


CONTRACT_DEFAULTS: Values = {
    "unit": "minute",
    "block_s": "60",
    "minimum_s": "0",
    "connection_fee": "0",
    "surcharge_rule": "highest",
}


@bp.get("/interpreters/<int:interpreter_id>")
@require_roles("admin")
def interpreter_edit(interpreter_id: int) -> Page:
    """One interpreter or agency, its contracts, and the form to add a contract."""
    session = db_session()
    interpreter = _interpreter_or_404(session, interpreter_id)
    defaults = CONTRACT_DEFAULTS | {"valid_from": now().date().isoformat()}
    return _interpreter_page(session, interpreter, _interpreter_values(interpreter), defaults)


@bp.post("/interpreters/<int:interpreter_id>")
@require_roles("admin")
def interpreter_update(interpreter_id: int) -> Page:
    """Change an interpreter's or agency's details, languages and availability."""
    session = db_session()
    interpreter = _interpreter_or_404(session, interpreter_id)
    before = _interpreter_summary(interpreter)
    try:
        _save_interpreter(session, request.form, interpreter)
    except ValueError as exc:
        _refuse(exc)
        return _interpreter_page(session, interpreter, _values(), CONTRACT_DEFAULTS, 400)
    after = _interpreter_summary(interpreter)
    _audit("interpreter_updated", "interpreter", interpreter.id, before=before, after=after)
    commit()
    flash(_("Fiche de {name} enregistrée.", name=interpreter.name), "success")
    return redirect(url_for("admin.interpreter_edit", interpreter_id=interpreter.id))


def _save_contract(session: Session, interpreter: Interpreter, form: Mapping[str, str]) -> Contract:
    unit = form.get("unit", "")
    if unit not in ("minute", "block"):
        raise ValueError(_("Choisissez une facturation à la minute ou au forfait."))
    unit_price = _decimal(form, "unit_price", _("Prix unitaire"), default="")
    block_s = _int(form, "block_s", _("Durée du forfait"), 60, minimum=1)
    increment_s = _int(form, "increment_s", _("Pas de facturation"), 0, minimum=0) or None
    if unit == "block" and increment_s not in (None, block_s):
        raise ValueError(
            _("Un forfait se facture par forfait commencé : le pas est la durée du forfait.")
        )
    valid_from = _date(form, "valid_from", _("Valable du"))
    if valid_from is None:
        raise ValueError(_("Indiquez le premier jour de validité du contrat."))
    valid_to = _date(form, "valid_to", _("Valable jusqu'au"))
    if valid_to is not None and valid_to < valid_from:
        raise ValueError(_("Le contrat finit avant de commencer."))
    night_hours = _text(form, "night_hours") or None
    if night_hours is not None and not re.fullmatch(r"\d{2}:\d{2}-\d{2}:\d{2}", night_hours):
        raise ValueError(_("Heures de nuit : écrivez par exemple « 20:00-08:00 »."))
    if _decimal(form, "night_pct", _("Majoration de nuit")) and night_hours is None:
        raise ValueError(
            _("Une majoration de nuit demande ses heures, par exemple « 20:00-08:00 ».")
        )
    try:
        return add_contract(
            session,
            interpreter,
            _text(form, "name"),
            unit=unit,
            unit_price=unit_price,
            valid_from=valid_from,
            valid_to=valid_to,
            block_s=block_s,
            increment_s=increment_s,
            minimum_s=_int(form, "minimum_s", _("Minimum facturé"), 0),
            connection_fee=_decimal(form, "connection_fee", _("Frais de connexion")),
            night_pct=_decimal(form, "night_pct", _("Majoration de nuit")),
            night_hours=night_hours,
            saturday_pct=_decimal(form, "saturday_pct", _("Majoration du samedi")),
            sunday_pct=_decimal(form, "sunday_pct", _("Majoration du dimanche")),
            holiday_pct=_decimal(form, "holiday_pct", _("Majoration des jours fériés")),
            urgent_pct=_decimal(form, "urgent_pct", _("Majoration d'urgence")),
            surcharge_mode="pro_rata" if _checked(form, "pro_rata") else "start",
            surcharge_rule=form.get("surcharge_rule", "highest"),
        )
    except ValueError as exc:
        raise ValueError(_("Contrat refusé : {detail}", detail=str(exc))) from None


@bp.post("/interpreters/<int:interpreter_id>/contracts")
@require_roles("admin")
def contract_create(interpreter_id: int) -> Page:
    """Add a rate card to an interpreter or agency."""
    session = db_session()
    interpreter = _interpreter_or_404(session, interpreter_id)
    try:
        contract = _save_contract(session, interpreter, request.form)
    except ValueError as exc:
        _refuse(exc)
        values = _interpreter_values(interpreter)
        return _interpreter_page(session, interpreter, values, _values(), 400)
    _audit(
        "contract_added",
        "contract",
        contract.id,
        interpreter_id=interpreter.id,
        name=contract.name,
        unit=contract.unit,
        unit_price=str(contract.unit_price),
        valid_from=contract.valid_from.isoformat(),
        valid_to=contract.valid_to.isoformat() if contract.valid_to else None,
    )
    commit()
    flash(_("Contrat « {name} » ajouté.", name=contract.name), "success")
    return redirect(url_for("admin.interpreter_edit", interpreter_id=interpreter.id))


# --- directory of professionals ---------------------------------------------------------------


def _details(form: Mapping[str, str]) -> directory.ProfessionalDetails:
    return directory.ProfessionalDetails(
        title=_text(form, "title"),
        first_name=_text(form, "first_name"),
        last_name=_text(form, "last_name"),
        profession=form.get("profession", "gp"),
        organisation=_text(form, "organisation"),
        territory=_text(form, "territory"),
        rpps=_text(form, "rpps"),
        phones=directory.parse_phones(form.get("phones", "")),
        is_active=_checked(form, "is_active"),
    )


def _professional_values(professional: Professional) -> Values:
    return {
        "title": professional.title or "",
        "first_name": professional.first_name,
        "last_name": professional.last_name,
        "profession": professional.profession,
        "organisation": professional.organisation or "",
        "territory": professional.territory or "",
        "rpps": professional.rpps or "",
        "phones": "\n".join(
            f"{p.label} : {directory.national(p.number)}"
            if p.label
            else directory.national(p.number)
            for p in professional.phones
        ),
        "is_active": "on" if professional.is_active else "",
    }


def _professional_summary(professional: Professional) -> dict[str, Any]:
    return {
        "name": professional.display_name,
        "profession": professional.profession,
        "organisation": professional.organisation,
        "rpps": professional.rpps,
        "phones": [p.number for p in professional.phones],
        "is_active": professional.is_active,
    }


def _directory_page(session: Session, values: Values, status: int = 200) -> Page:
    query = request.args.get("q", "")
    return _page(
        "admin/directory.html",
        status,
        professionals=directory.search_professionals(session, query),
        flags=directory.duplicate_flags(session),
        professions=directory.PROFESSIONS,
        query=query,
        values=values,
    )


@bp.get("/directory")
@require_roles("admin")
def professionals() -> Page:
    """The directory, searched by name or number, with likely duplicates flagged."""
    return _directory_page(db_session(), {"profession": "gp", "is_active": "on"})


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        flash(warning, "warning")


@bp.post("/directory")
@require_roles("admin")
def professional_create() -> Page:
    """Add a professional; a number already in the directory is refused."""
    session = db_session()
    try:
        saved = directory.save_professional(session, _details(request.form))
    except ValueError as exc:
        _refuse(exc)
        return _directory_page(session, _values(), 400)
    professional = saved.professional
    _audit(
        "professional_added",
        "professional",
        professional.id,
        **_professional_summary(professional),
        warnings=saved.warnings,
    )
    commit()
    flash(_("{name} figure maintenant dans l'annuaire.", name=professional.display_name), "success")
    _warn(saved.warnings)
    return redirect(url_for("admin.professional_edit", professional_id=professional.id))


def _professional_or_404(session: Session, professional_id: int) -> Professional:
    professional = session.get(Professional, professional_id)
    if professional is None:
        abort(404)
    return professional


def _professional_page(
    session: Session, professional: Professional, values: Values, status: int = 200
) -> Page:
    return _page(
        "admin/professional_edit.html",
        status,
        professional=professional,
        namesakes=directory.namesakes(
            session, professional.first_name, professional.last_name, professional.id
        ),
        flags=directory.duplicate_flags(session).get(professional.id, []),
        professions=directory.PROFESSIONS,
        values=values,
    )


@bp.get("/directory/<int:professional_id>")
@require_roles("admin")
def professional_edit(professional_id: int) -> Page:
    """One professional of the directory."""
    session = db_session()
    professional = _professional_or_404(session, professional_id)
    return _professional_page(session, professional, _professional_values(professional))


@bp.post("/directory/<int:professional_id>")
@require_roles("admin")
def professional_update(professional_id: int) -> Page:
    """Change a professional's details and numbers."""
    session = db_session()
    professional = _professional_or_404(session, professional_id)
    before = _professional_summary(professional)
    try:
        saved = directory.save_professional(session, _details(request.form), professional)
    except ValueError as exc:
        _refuse(exc)
        return _professional_page(session, professional, _values(), 400)
    after = _professional_summary(professional)
    _audit(
        "professional_updated",
        "professional",
        professional.id,
        before=before,
        after=after,
        warnings=saved.warnings,
    )
    commit()
    flash(_("Fiche de {name} enregistrée.", name=professional.display_name), "success")
    _warn(saved.warnings)
    return redirect(url_for("admin.professional_edit", professional_id=professional.id))


# --- the helpline's spoken texts --------------------------------------------------------------


@bp.get("/greeting")
@require_roles("admin")
def greeting() -> Page:
    """The greeting callers hear first."""
    helpline = _helpline(db_session())
    return _greeting_page(helpline, {"greeting": helpline.greeting})


def _greeting_page(helpline: Helpline, values: Values, status: int = 200) -> Page:
    return _page(
        "admin/greeting.html", status, helpline=helpline, values=values, max_greeting=MAX_GREETING
    )


@bp.post("/greeting")
@require_roles("admin")
def greeting_update() -> Page:
    """Change the greeting; an empty one is refused (callers would hear silence)."""
    session = db_session()
    helpline = _helpline(session)
    text = " ".join(request.form.get("greeting", "").split())
    before = helpline.greeting
    try:
        if not text:
            raise ValueError(_("Le message d'accueil ne peut pas être vide."))
        if len(text) > MAX_GREETING:
            raise ValueError(
                _(
                    "Le message d'accueil est trop long ({max} caractères au plus).",
                    max=MAX_GREETING,
                )
            )
    except ValueError as exc:
        _refuse(exc)
        return _greeting_page(_helpline(session), _values(), 400)
    helpline.greeting = text
    session.flush()
    _audit("greeting_changed", "helpline", helpline.id, before=before, after=text)
    commit()
    flash(_("Message d'accueil enregistré."), "success")
    return redirect(url_for("admin.greeting"))


# --- audit log --------------------------------------------------------------------------------


@bp.get("/audit")
@require_roles("admin")
def audit_log() -> Page:
    """The most recent audit events, filtered by the type and id of the object."""
    session = db_session()
    object_type = request.args.get("object_type", "").strip()
    object_id = request.args.get("object_id", "").strip()
    query = (
        select(AuditEvent, User.display_name)
        .outerjoin(User, AuditEvent.user_id == User.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(AUDIT_PAGE)
    )
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id:
        query = query.where(AuditEvent.object_id == object_id)
    types = session.scalars(
        select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)
    )
    return _page(
        "admin/audit.html",
        events=list(session.execute(query).tuples()),
        object_types=list(types),
        object_type=object_type,
        object_id=object_id,
        tz=_helpline(session).timezone,
    )
