"""Setting up the pool: interpreters and agencies with their languages (CLI now, console later).

Functions validate their input and raise a ``Refusal`` (a French text, translated where a page
shows it) with a message for a person; they flush, never commit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, time
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.models import Helpline, Structure
from hotline.phones import phone_e164
from hotline.refusals import N_, Refusal
from interpreter_pool.budget_admin import LineFields, save_budget_line
from interpreter_pool.dispatch import STRATEGIES, AccessCodeProblem, access_code_problem
from interpreter_pool.finance import to_billing
from interpreter_pool.language_names import UnknownLanguage, resolve_language
from interpreter_pool.languages import base_code
from interpreter_pool.models import (
    Budget,
    Contract,
    Interpreter,
    InterpreterKind,
    InterpreterLanguage,
    LanguageMenuEntry,
)
from routing.hours import parse_schedule

ACCESS_CODE_MESSAGES: dict[AccessCodeProblem, str] = {
    "characters": N_(
        "Code d'accès invalide : seuls les chiffres 0 à 9, les lettres A à D, # et *, "
        "et les pauses w (une demi-seconde) et W (une seconde) sont permis."
    ),
    "length": N_(
        "Code d'accès trop long : avec un code de langue de l'agence, les touches à composer "
        "dépassent 32 caractères."
    ),
}


NIGHT_HOURS = N_("« {hours} » : les heures de nuit s'écrivent par exemple 20:00-08:00.")


def check_access_code(access_code: str | None, agency_codes: Sequence[str]) -> None:
    """Refuse (a Refusal, in French) keys Twilio could not send to the agency's menu."""
    problem = access_code_problem(access_code, list(agency_codes))
    if problem is not None:
        raise Refusal(ACCESS_CODE_MESSAGES[problem])


def parse_languages(text: str) -> list[str]:
    """ "bambara, Tigrigna, prs" → base codes: names in French or English, aliases or codes."""
    codes: list[str] = []
    for raw in re.split(r"[,;]", text):
        if not raw.strip():
            continue
        try:
            codes.append(resolve_language(raw))
        except UnknownLanguage as exc:
            if exc.suggestions:
                raise Refusal(
                    N_("« {word} » : langue inconnue. Vouliez-vous dire : {suggestions} ?"),
                    word=exc.word,
                    suggestions=", ".join(exc.suggestions),
                ) from None
            raise Refusal(
                N_(
                    "« {word} » : langue inconnue. Écrivez son nom en français ou en anglais, "
                    "ou son code (par exemple bambara, tigrigna, prs)."
                ),
                word=exc.word,
            ) from None
    if not codes:
        raise Refusal(N_("Indiquez au moins une langue, par exemple bambara ou ar."))
    return list(dict.fromkeys(codes))


def add_interpreter(
    session: Session,
    name: str,
    phone: str,
    languages: Sequence[str],
    *,
    kind: str = InterpreterKind.INDIVIDUAL,
    priority: int = 100,
    max_concurrent: int = 1,
    availability: str = "",
    access_code: str | None = None,
    agency_codes: Mapping[str, str] | None = None,
    is_active: bool = True,
    existing: Interpreter | None = None,
) -> Interpreter:
    """Create an interpreter or agency, or update one.

    Without ``existing`` the one with the same phone is updated and languages are added to
    hers (the CLI). With ``existing`` (an edit form) that one is updated, its languages become
    exactly ``languages``, and a number another interpreter already has is refused.
    """
    if kind not in tuple(InterpreterKind):
        raise Refusal(N_("Choisissez interprète ou agence."))
    if not name.strip():
        raise Refusal(N_("Un interprète doit avoir un nom."))
    if max_concurrent < 1:
        raise Refusal(N_("Le nombre d'appels simultanés doit être d'au moins 1."))
    if availability.strip():
        parse_schedule(availability)
    number = phone_e164(phone)
    codes = parse_languages(",".join(languages))
    agency_codes = {base_code(k): v for k, v in (agency_codes or {}).items()}
    for code, digits in agency_codes.items():
        if not digits.isdigit():
            raise Refusal(
                N_("Le code d'agence de {language} s'écrit en chiffres, pas « {digits} »."),
                language=code,
                digits=digits,
            )
    access_code = (access_code or "").strip() or None
    check_access_code(access_code, list(agency_codes.values()))
    holder = session.scalars(select(Interpreter).where(Interpreter.phone == number)).first()
    if existing is not None and holder is not None and holder is not existing:
        raise Refusal(
            N_("Le numéro {number} est déjà celui de {name}."), number=number, name=holder.name
        )
    interpreter = existing or holder
    if interpreter is None:
        interpreter = Interpreter(phone=number, name=name.strip())
        session.add(interpreter)
    interpreter.phone, interpreter.is_active = number, is_active
    if existing is not None:
        for entry in list(interpreter.languages):
            if entry.language not in codes:
                interpreter.languages.remove(entry)
    interpreter.name, interpreter.kind = name.strip(), InterpreterKind(kind)
    interpreter.priority, interpreter.max_concurrent = priority, max_concurrent
    interpreter.availability = availability.strip()
    interpreter.access_code = access_code
    known = {lang.language: lang for lang in interpreter.languages}
    for code in codes:
        covered = known.get(code)
        if covered is None:
            covered = InterpreterLanguage(language=code)
            interpreter.languages.append(covered)
        covered.agency_code = agency_codes.get(code)
    session.flush()
    return interpreter


def set_dispatch(
    session: Session,
    helpline_id: int,
    strategy: str | None = None,
    budget_s: int | None = None,
    agency_delay_s: int | None = None,
    pinned: str | None = None,
    menu_recompute_days: int | None = None,
) -> None:
    """Dispatch settings of a helpline (new pinned languages make the keypad menu anew)."""
    helpline = session.get(Helpline, helpline_id)
    if helpline is None:
        raise Refusal(N_("Aucune ligne d'écoute n'a ce numéro d'identifiant."))
    if strategy is not None:
        if strategy not in STRATEGIES:
            raise Refusal(
                N_("La stratégie est l'une de {strategies}."), strategies=", ".join(STRATEGIES)
            )
        helpline.dispatch_strategy = strategy
    if budget_s is not None:
        if budget_s < 20:
            raise Refusal(N_("Le temps accordé doit être d'au moins 20 secondes."))
        helpline.interpreter_budget_s = budget_s
    if agency_delay_s is not None:
        if agency_delay_s < 5:
            raise Refusal(N_("Le délai avant l'agence doit être d'au moins 5 secondes."))
        helpline.agency_delay_s = agency_delay_s
    if pinned is not None:
        new_pinned = ",".join(parse_languages(pinned)) if pinned.strip() else ""
        if new_pinned != helpline.language_menu_pinned:
            helpline.language_menu_pinned = new_pinned
            # The stored menu is recomputed at its next use, pinned languages first.
            session.execute(
                delete(LanguageMenuEntry).where(LanguageMenuEntry.helpline_id == helpline.id)
            )
    if menu_recompute_days is not None:
        if not 1 <= menu_recompute_days <= 366:
            raise Refusal(N_("Le menu est recalculé tous les 1 à 366 jours."))
        helpline.language_menu_recompute_days = menu_recompute_days
    session.flush()


def interpreter_by_phone(session: Session, phone: str) -> Interpreter:
    """The interpreter or agency on this number."""
    number = phone_e164(phone)
    found = session.scalars(select(Interpreter).where(Interpreter.phone == number)).first()
    if found is None:
        raise Refusal(N_("Aucun interprète ni agence au numéro {number}."), number=number)
    return found


def structure_by_reference(session: Session, reference: str) -> Structure:
    """The structure of this id or FINESS number."""
    reference = reference.strip()
    found = None
    if len(reference) == 9:
        found = session.scalars(select(Structure).where(Structure.finess == reference)).first()
    if found is None and reference.isdigit():
        found = session.get(Structure, int(reference))
    if found is None:
        raise Refusal(
            N_("Aucune structure d'identifiant ou de FINESS « {reference} »."), reference=reference
        )
    return found


def add_contract(
    session: Session,
    interpreter: Interpreter,
    name: str,
    *,
    unit: str,
    unit_price: Decimal,
    valid_from: date,
    valid_to: date | None = None,
    block_s: int = 60,
    increment_s: int | None = None,
    minimum_s: int = 0,
    connection_fee: Decimal = Decimal("0.00"),
    night_pct: Decimal = Decimal(0),
    night_hours: str | None = None,
    saturday_pct: Decimal = Decimal(0),
    sunday_pct: Decimal = Decimal(0),
    holiday_pct: Decimal = Decimal(0),
    urgent_pct: Decimal = Decimal(0),
    surcharge_mode: str = "start",
    surcharge_rule: str = "highest",
    language_prices: Mapping[str, Decimal] | None = None,
    keep: bool = True,
) -> Contract:
    """A rate card for an interpreter or agency; refused when the pricing rules cannot apply.
    With ``keep=False`` the checked rate card is returned without being added (to compare it
    with a contract, or to copy it onto one: ``interpreter_pool.budget_admin``)."""
    night_start = night_end = None
    if night_hours:
        start_text, sep, end_text = night_hours.partition("-")
        try:
            night_start, night_end = time.fromisoformat(start_text), time.fromisoformat(end_text)
        except ValueError:
            raise Refusal(NIGHT_HOURS, hours=night_hours) from None
        if not sep:
            raise Refusal(NIGHT_HOURS, hours=night_hours)
    if unit == "minute":
        block_s = 60
    row = Contract(
        interpreter_id=interpreter.id,
        name=name.strip() or "Contrat",
        unit=unit,
        unit_price=unit_price,
        valid_from=valid_from,
        valid_to=valid_to,
        block_s=block_s,
        increment_s=increment_s or block_s,
        minimum_s=minimum_s,
        connection_fee=connection_fee,
        night_pct=night_pct,
        night_start=night_start,
        night_end=night_end,
        saturday_pct=saturday_pct,
        sunday_pct=sunday_pct,
        holiday_pct=holiday_pct,
        urgent_pct=urgent_pct,
        surcharge_mode=surcharge_mode,
        surcharge_rule=surcharge_rule,
        language_overrides={
            base_code(code): str(price) for code, price in (language_prices or {}).items()
        },
    )
    to_billing(row)  # the pure rate card refuses what it could not price (ContractError)
    if surcharge_mode not in ("start", "pro_rata") or surcharge_rule not in ("highest", "sum"):
        raise Refusal(
            N_(
                "Une majoration s'applique au début ou au prorata, et se cumule "
                "(somme) ou non (la plus haute)."
            )
        )
    if keep:
        session.add(row)
        session.flush()
    return row


def add_budget(
    session: Session,
    name: str,
    starts_on: date,
    ends_on: date,
    amount: Decimal,
    *,
    funder_line: str = "",
    hours_cap: int | None = None,
    thresholds: str = "50,80,100",
    policy: str = "warn",
    scope: str = "all",
    scope_id: int | None = None,
    scope_language: str | None = None,
    priority: int = 100,
) -> Budget:
    """A funder's grant for interpreting over a period, with what it funds (``scope``: all,
    or the helpline, structure or provider ``scope_id``, or ``scope_language``) and its
    priority among equally specific lines (``interpreter_pool.budget_lines``); the checks are
    ``budget_admin.save_budget_line``'s, as on the finance pages."""
    fields = LineFields(
        name=name.strip() or "Budget",
        starts_on=starts_on,
        ends_on=ends_on,
        amount=amount,
        funder_line=funder_line,
        hours_cap=hours_cap,
        thresholds=thresholds,
        policy=policy,
        scope=scope,
        scope_value=scope_language if scope == "language" else scope_id,
        priority=priority,
    )
    return save_budget_line(session, fields)
