"""The console's requests list: search, filters, sort, pages, and the same list as CSV for the
nurse's own use (``hotline.request_list`` owns the query)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from flask import Response, flash, render_template, request, stream_with_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import audit, hooks, reference_lists
from hotline.auth import require_roles, signed_in_user
from hotline.console import bp
from hotline.console.board import PROFESSIONS, caller_name, national
from hotline.console.scoping import READERS, helpline_names, visible_ids
from hotline.i18n import current_locale, say, when
from hotline.i18n import gettext as _
from hotline.lifecycle import STATUS_LABELS
from hotline.models import HelplineMembership, Request, RequestStatus, User
from hotline.refusals import Refusal
from hotline.request_list import (
    BAD_CHOICE,
    RequestFilters,
    all_requests,
    codes_in_use,
    count_requests,
    parse_filters,
    request_page,
)
from hotline.spreadsheet import csv_text
from hotline.web import db_session, now, settings

# The CSV is sent as it is read, this many rows at a time.
CSV_ROWS_PER_CHUNK = 500


def _choices(session: Session, helpline_ids: list[int]) -> dict[str, Any]:
    """The values the filters offer: categories and languages in use, nurses, helplines (only
    those of the helplines the reader sees)."""
    helplines = helpline_names(helpline_ids)
    # Each helpline's reference lists (retired values included, to name stored codes).
    lists = {
        helpline_id: reference_lists.labels_by_kind(session, helpline_id)
        for helpline_id in helplines
    }
    categories: dict[str, str] = {}
    for by_kind in lists.values():
        for key, label in by_kind.get("category", {}).items():
            categories.setdefault(key, _(label))
    for code in sorted(codes_in_use(session, "category", helpline_ids)):
        categories.setdefault(code, code)
    locale = current_locale()
    languages = dict(
        sorted(
            (
                (code, hooks.language_name(code, locale))
                for code in codes_in_use(session, "language", helpline_ids)
            ),
            key=lambda item: item[1],
        )
    )
    nurses = dict(
        session.execute(
            select(User.id, User.display_name)
            .join(HelplineMembership, HelplineMembership.user_id == User.id)
            .where(
                HelplineMembership.helpline_id.in_(helpline_ids),
                HelplineMembership.role == "nurse",
            )
            .distinct()
            .order_by(User.display_name, User.id)
        )
        .tuples()
        .all()
    )
    # Who logged each request, named even when no longer a nurse of these helplines.
    names = dict(session.execute(select(User.id, User.display_name)).tuples().all())
    return {
        "categories": categories,
        "languages": languages,
        "nurses": nurses,
        "names": names,
        "helplines": helplines,
        "lists": lists,
        "statuses": {status.value: _(label) for status, label in STATUS_LABELS.items()},
    }


def _filters(choices: dict[str, Any]) -> tuple[RequestFilters, list[Refusal]]:
    parsed = parse_filters(request.args)
    filters, problems = parsed.filters, list(parsed.problems)
    if filters.nurse_id and filters.nurse_id not in choices["nurses"]:
        problems.append(Refusal(BAD_CHOICE, value=filters.nurse_id, name=_("Infirmière")))
        filters = replace(filters, nurse_id=None)
    if filters.helpline_id and filters.helpline_id not in choices["helplines"]:
        problems.append(Refusal(BAD_CHOICE, value=filters.helpline_id, name=_("Ligne")))
        filters = replace(filters, helpline_id=None)
    return filters, problems


def _label(lists: dict[int, dict[str, dict[str, str]]], call_request: Request, kind: str) -> str:
    """A stored code's label in its helpline's list (retired values too), else the code."""
    code = getattr(call_request, kind)
    if not code:
        return ""
    label = lists.get(call_request.helpline_id, {}).get(kind, {}).get(code)
    return _(label) if label else code


def _row(
    call_request: Request,
    nurses: dict[int, str],
    lists: dict[int, dict[str, dict[str, str]]],
    tz: str,
) -> dict[str, str]:
    professional = call_request.professional
    return {
        "reference": call_request.reference,
        "opened_at": when(call_request.opened_at, tz),
        "status": _(STATUS_LABELS[call_request.status]),
        "caller": caller_name(professional),
        "profession": _(PROFESSIONS.get(professional.profession, professional.profession))
        if professional
        else "",
        "number": national(call_request.caller_number),
        "language": hooks.language_name(call_request.language, current_locale())
        if call_request.language
        else "",
        "category": _label(lists, call_request, "category"),
        "outcome": _label(lists, call_request, "outcome"),
        "nurse": nurses.get(call_request.nurse_id or 0, ""),
        "helpline": call_request.helpline.name,
        "closed_at": when(call_request.closed_at, tz) if call_request.closed_at else "",
    }


@bp.get("/requests")
@require_roles(*READERS)
def requests_list() -> tuple[str, int] | str:
    """Every request of the reader's helplines, found by reference, professional or number,
    filtered, sorted, paged."""
    me = signed_in_user()
    session = db_session()
    seen = visible_ids()
    choices = _choices(session, seen)
    filters, problems = _filters(choices)
    tz = settings().timezone
    page = request_page(session, filters, tz, seen)
    for problem in problems:
        flash(say(problem), "error")
    audit.record(session, me, "list", "request", None, now(), **filters.args())
    rows = [(found.id, _row(found, choices["names"], choices["lists"], tz)) for found in page.rows]
    html = render_template(
        "console/requests.html",
        user=me,
        filters=filters,
        page=page,
        rows=rows,
        to_complete=RequestStatus.TO_COMPLETE.value,
        **choices,
    )
    return (html, 400) if problems else html


@bp.get("/requests.csv")
@require_roles(*READERS)
def requests_csv() -> Response:
    """The same filtered list as CSV (every page), each text cell neutralised."""
    me = signed_in_user()
    session = db_session()
    seen = visible_ids()
    choices = _choices(session, seen)
    filters, problems = _filters(choices)
    if problems:
        text = "\n".join(say(problem) for problem in problems)
        return Response(text, status=400, mimetype="text/plain")
    tz = settings().timezone
    count = count_requests(session, filters, tz, seen)
    audit.record(session, me, "export", "request", None, now(), rows=count, **filters.args())
    header = [
        _("Référence"),
        _("Reçue le"),
        _("État"),
        _("Appelant"),
        _("Profession"),
        _("Numéro"),
        _("Langue"),
        _("Catégorie"),
        _("Issue"),
        _("Infirmière"),
        _("Ligne"),
        _("Clôturée le"),
    ]

    def body() -> Iterator[str]:
        yield "\ufeff" + csv_text([header])
        rows: list[list[str]] = []
        for each in all_requests(session, filters, tz, seen):
            rows.append(list(_row(each, choices["names"], choices["lists"], tz).values()))
            if len(rows) == CSV_ROWS_PER_CHUNK:
                yield csv_text(rows)
                rows = []
        yield csv_text(rows)

    day = now().date().isoformat()
    return Response(
        stream_with_context(body()),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=demandes-{day}.csv"},
    )
