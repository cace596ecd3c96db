"""The requests list: its filters read from a query string, and the one query behind the page and
its CSV (indexed filters, a page at a time, callers and nurses loaded in one go)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, or_, select, text
from sqlalchemy.orm import Session, selectinload

from hotline.inputs import parse_id
from hotline.models import Professional, ProfessionalPhone, Request, RequestStatus
from hotline.phones import normalise_number
from hotline.refusals import N_, Refusal

PAGE_SIZE = 50
# The list counts this many matching requests at most (and pages through them).
COUNT_CAP = 10_000
SORTS = ("date", "reference")
DIRECTIONS = ("desc", "asc")
SEARCH_MAX = 80
# Enough digits to be a telephone number rather than a part of a reference ("2026-00042").
PHONE_LIKE = re.compile(r"^[\s+().\-\d]{6,}$")
REFERENCE_LIKE = re.compile(r"^\d{4}-\d+$")

BAD_DATE = N_("Date « {value} » illisible : écrivez-la JJ/MM/AAAA ou AAAA-MM-JJ.")
BAD_PERIOD = N_("La période commence après sa fin : vérifiez les dates « du » et « au ».")
BAD_STATE = N_("État « {value} » inconnu.")
BAD_CHOICE = N_("Choix « {value} » inconnu pour « {name} ».")
BAD_SEARCH = N_("Recherche trop longue ({max} caractères au plus) ou illisible.")


@dataclass(frozen=True)
class RequestFilters:
    """What the nurse asked the list for."""

    search: str = ""
    date_from: date | None = None
    date_to: date | None = None
    status: RequestStatus | None = None
    category: str | None = None
    language: str | None = None
    nurse_id: int | None = None
    helpline_id: int | None = None
    sort: str = "date"
    direction: str = "desc"
    page: int = 1

    def args(self, **changes: object) -> dict[str, str]:
        """The query string of these filters (with ``changes``), empty values left out."""
        shown = replace(self, **changes)  # type: ignore[arg-type]
        values = {
            "q": shown.search,
            "from": shown.date_from.isoformat() if shown.date_from else "",
            "to": shown.date_to.isoformat() if shown.date_to else "",
            "state": shown.status.value if shown.status else "",
            "category": shown.category or "",
            "language": shown.language or "",
            "nurse": str(shown.nurse_id or ""),
            "helpline": str(shown.helpline_id or ""),
            "sort": shown.sort if shown.sort != "date" else "",
            "dir": shown.direction if shown.direction != "desc" else "",
            "page": str(shown.page) if shown.page > 1 else "",
        }
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class ParsedFilters:
    """The filters understood, and what could not be (each a refusal to show)."""

    filters: RequestFilters
    problems: list[Refusal] = field(default_factory=list)


def parse_date(text: str) -> date:
    """A date as a French person or a date field writes it (2026-11-23, 23/11/2026)."""
    value = text.strip()
    found = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", value)
    if found:
        day, month, year = (int(part) for part in found.groups())
        return date(year, month, day)
    return date.fromisoformat(value)


def _choice(args: Mapping[str, str], name: str, allowed: Sequence[str], label: str) -> str | None:
    value = args.get(name, "").strip()
    if not value:
        return None
    if value not in allowed:
        raise Refusal(BAD_CHOICE, value=value[:40], name=label)
    return value


def parse_filters(args: Mapping[str, str]) -> ParsedFilters:
    """The list's filters from its query string; what is unreadable is left out and said."""
    problems: list[Refusal] = []
    values: dict[str, Any] = {}
    search = args.get("q", "").strip()
    if len(search) > SEARCH_MAX or any(ord(char) < 32 for char in search):
        problems.append(Refusal(BAD_SEARCH, max=SEARCH_MAX))
    else:
        values["search"] = search
    for name, attribute in (("from", "date_from"), ("to", "date_to")):
        text = args.get(name, "").strip()
        if not text:
            continue
        try:
            values[attribute] = parse_date(text)
        except ValueError:
            problems.append(Refusal(BAD_DATE, value=text[:40]))
    if (
        values.get("date_from")
        and values.get("date_to")
        and values["date_from"] > values["date_to"]
    ):
        problems.append(Refusal(BAD_PERIOD))
        del values["date_from"], values["date_to"]
    state = args.get("state", "").strip()
    if state:
        try:
            values["status"] = RequestStatus(state)
        except ValueError:
            problems.append(Refusal(BAD_STATE, value=state[:40]))
    for name, attribute, allowed, label in (
        ("sort", "sort", SORTS, N_("tri")),
        ("dir", "direction", DIRECTIONS, N_("ordre")),
    ):
        try:
            value = _choice(args, name, allowed, label)
        except Refusal as problem:
            problems.append(problem)
        else:
            if value:
                values[attribute] = value
    for name, attribute in (("nurse", "nurse_id"), ("helpline", "helpline_id")):
        text = args.get(name, "").strip()
        if text:
            found = parse_id(text)
            if found is None:
                problems.append(Refusal(BAD_CHOICE, value=text[:40], name=name))
            else:
                values[attribute] = found
    for name in ("category", "language"):
        text = args.get(name, "").strip()
        if text:
            if len(text) > 32 or any(ord(char) < 32 for char in text):
                problems.append(Refusal(BAD_CHOICE, value=text[:40], name=name))
            else:
                values[name] = text
    page = parse_id(args.get("page")) if args.get("page", "").strip() else 1
    values["page"] = min(page or 1, 100_000)
    return ParsedFilters(RequestFilters(**values), problems)


def _search_condition(text: str) -> ColumnElement[bool]:
    """A reference, a professional's name, or a caller's number written any way."""
    conditions: list[ColumnElement[bool]] = []
    if PHONE_LIKE.match(text) and not REFERENCE_LIKE.match(text):
        try:
            e164 = normalise_number(text)
        except ValueError:
            e164 = None
        if e164 is not None:
            owners = select(ProfessionalPhone.professional_id).where(
                ProfessionalPhone.number == e164
            )
            conditions += [Request.caller_number == e164, Request.professional_id.in_(owners)]
    conditions.append(Request.reference.icontains(text, autoescape=True))
    names = select(Professional.id).where(
        or_(
            Professional.last_name.icontains(text, autoescape=True),
            Professional.first_name.icontains(text, autoescape=True),
            (Professional.first_name + " " + Professional.last_name).icontains(
                text, autoescape=True
            ),
        )
    )
    conditions.append(Request.professional_id.in_(names))
    return or_(*conditions)


def filtered(
    filters: RequestFilters, tz_name: str, helpline_ids: Sequence[int]
) -> Select[tuple[Request]]:
    """The requests of these helplines (those the reader sees) that these filters select, in
    their order (not paged)."""
    query = select(Request).where(Request.helpline_id.in_(helpline_ids))
    tz = ZoneInfo(tz_name)
    if filters.search:
        query = query.where(_search_condition(filters.search))
    if filters.date_from:
        query = query.where(Request.opened_at >= datetime.combine(filters.date_from, time(), tz))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), tz)
        query = query.where(Request.opened_at < end)
    if filters.status:
        query = query.where(Request.status == filters.status)
    if filters.category:
        query = query.where(Request.category == filters.category)
    if filters.language:
        query = query.where(Request.language == filters.language)
    if filters.nurse_id:
        query = query.where(Request.nurse_id == filters.nurse_id)
    if filters.helpline_id:
        query = query.where(Request.helpline_id == filters.helpline_id)
    column = Request.reference if filters.sort == "reference" else Request.opened_at
    ordered = column.asc() if filters.direction == "asc" else column.desc()
    tie = Request.id.asc() if filters.direction == "asc" else Request.id.desc()
    return query.order_by(ordered, tie)


@dataclass(frozen=True)
class RequestPage:
    """One page of the list."""

    rows: list[Request]
    total: int
    page: int
    pages: int
    # More than COUNT_CAP requests match: ``total`` is COUNT_CAP and the pages stop there.
    is_capped: bool = False


def request_page(
    session: Session,
    filters: RequestFilters,
    tz_name: str,
    helpline_ids: Sequence[int],
    size: int = PAGE_SIZE,
) -> RequestPage:
    """The page of the list the filters ask for (the last one if they ask past it), among the
    requests of these helplines."""
    query = filtered(filters, tz_name, helpline_ids)
    # Counted up to the cap: a region's years of requests are not counted at each visit.
    capped = query.order_by(None).with_only_columns(Request.id).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    is_capped = total > COUNT_CAP
    total = min(total, COUNT_CAP)
    pages = max(1, -(-total // size))
    page = min(filters.page, pages)
    rows = session.scalars(
        query.options(
            selectinload(Request.professional),
            selectinload(Request.helpline),
        )
        .limit(size)
        .offset((page - 1) * size)
    ).all()
    return RequestPage(list(rows), total, page, pages, is_capped)


def all_requests(
    session: Session, filters: RequestFilters, tz_name: str, helpline_ids: Sequence[int]
) -> Iterator[Request]:
    """Every request of these helplines the filters select (the CSV), read in batches as they
    are written, the callers of each batch loaded in one go."""
    query = filtered(filters, tz_name, helpline_ids).options(
        selectinload(Request.professional), selectinload(Request.helpline)
    )
    yield from session.scalars(query.execution_options(yield_per=500))


def count_requests(
    session: Session, filters: RequestFilters, tz_name: str, helpline_ids: Sequence[int]
) -> int:
    """How many requests ``all_requests`` gives (one SQL count)."""
    query = filtered(filters, tz_name, helpline_ids).order_by(None).subquery()
    return session.scalar(select(func.count()).select_from(query)) or 0


# The codes a column of ``requests`` holds in a helpline, by a loose scan of the index on
# (helpline_id, column): one index step a code, not a read of the helpline's every request.
_CODES_IN_USE = """
WITH RECURSIVE found(code) AS (
    SELECT min({column}) FROM requests WHERE helpline_id = :helpline_id
    UNION ALL
    SELECT (SELECT min(r.{column}) FROM requests r
            WHERE r.helpline_id = :helpline_id AND r.{column} > found.code)
    FROM found WHERE found.code IS NOT NULL
)
SELECT code FROM found WHERE code IS NOT NULL
"""


def codes_in_use(session: Session, column: str, helpline_ids: Sequence[int]) -> set[str]:
    """The codes of ``column`` ("category" or "language") the requests of these helplines hold."""
    if column not in ("category", "language"):
        raise ValueError(column)
    statement = text(_CODES_IN_USE.format(column=column))
    found: set[str] = set()
    for helpline_id in helpline_ids:
        found.update(session.scalars(statement, {"helpline_id": helpline_id}))
    return found


def to_complete_count(session: Session, helpline_ids: Sequence[int]) -> int:
    """How many requests of these helplines wait to be completed (calls ended, not closed)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Request)
            .where(
                Request.status == RequestStatus.TO_COMPLETE,
                Request.helpline_id.in_(helpline_ids),
            )
        )
        or 0
    )
