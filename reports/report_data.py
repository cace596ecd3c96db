"""What the yearly report is built from, read from the database for a period and a scope: the
registry's values (``reports.indicator_data.compute``) for the period with every breakdown and
for N−1, the names of the breakdowns' keys, and the period's requests without names or numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.models import Helpline, Professional, Request, Structure
from hotline.reference_lists import labels_by_kind
from interpreter_pool.languages import language_name
from interpreter_pool.models import Interpreter, InterpretingSession
from reports import indicator_data
from reports.indicator_data import Filters
from reports.indicator_facts import Period, iter_months, local
from reports.indicators import same_period_last_year
from reports.report_content import BREAKDOWN_SHEETS, Report, ReportInputs, build_report
from reports.report_requests import RequestRow

BREAKDOWN_KEYS = ("month", *(key for key, _base in BREAKDOWN_SHEETS))
# The loading steps a progress bar counts.
STEPS = 4
Progress = Callable[[int], None]


def _no_progress(_steps: int) -> None:
    return None


def request_rows(session: Session, scope: Sequence[int], period: Period) -> list[RequestRow]:
    """The requests opened in the period, oldest first, as the anonymised sheet shows them:
    only codes and days are selected (never the caller's number, a name or the notes)."""
    sessions = (
        select(func.count(InterpretingSession.id))
        .where(InterpretingSession.request_id == Request.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Request.reference,
            Request.opened_at,
            Request.closed_at,
            Request.channel,
            Request.category,
            Request.language,
            Request.outcome,
            Request.orientation,
            Professional.profession,
            Professional.territory,
            Structure.kind,
            sessions,
        )
        .outerjoin(Professional, Professional.id == Request.professional_id)
        .outerjoin(Structure, Structure.id == Request.structure_id)
        .where(
            Request.helpline_id.in_(list(scope)),
            Request.opened_at >= period.start,
            Request.opened_at < period.end,
        )
        .order_by(Request.opened_at, Request.id)
    )
    return [
        RequestRow(
            reference=reference,
            opened_on=local(opened).date(),
            closed_on=None if closed is None else local(closed).date(),
            channel=channel,
            category=category,
            language=language,
            outcome=outcome,
            orientation=orientation,
            profession=profession,
            territory=territory,
            structure=None if kind is None else str(kind),
            interpreting_sessions=int(count or 0),
        )
        for (
            reference,
            opened,
            closed,
            channel,
            category,
            language,
            outcome,
            orientation,
            profession,
            territory,
            kind,
            count,
        ) in rows
    ]


def key_names(
    session: Session, scope: Sequence[int], language_codes: Sequence[str], locale: str
) -> dict[str, dict[str, str]]:
    """The names the breakdown sheets show for helplines, providers, languages and the codes
    of the helplines' reference lists."""
    names: dict[str, dict[str, str]] = {
        "helpline": {
            str(h.id): h.name
            for h in session.scalars(select(Helpline).where(Helpline.id.in_(list(scope))))
        },
        "provider": {str(i.id): i.name for i in session.scalars(select(Interpreter))},
        "language": {code: language_name(code, locale, capitalise=True) for code in language_codes},
    }
    for helpline_id in scope:
        for kind, labels in labels_by_kind(session, helpline_id).items():
            names.setdefault(kind, {}).update(labels)
    return names


def report_inputs(
    session: Session,
    scope: Sequence[int],
    first: date,
    last: date,
    locale: str,
    filters: Filters | None = None,
    progress: Progress = _no_progress,
) -> ReportInputs:
    """Everything the report shows for the local days ``first`` to ``last`` and the scope."""
    period = Period.local(first, last)
    now = indicator_data.compute(session, period, scope, filters, BREAKDOWN_KEYS)
    progress(1)
    before = indicator_data.compute(session, same_period_last_year(period), scope, filters)
    progress(1)
    requests = request_rows(session, scope, period)
    progress(1)
    languages = sorted(
        {v for (_id, key), split in now.breakdowns.items() if key == "language" for v in split}
    )
    names = key_names(session, scope, languages, locale)
    title = ", ".join(sorted(names["helpline"].values())) or "—"
    return ReportInputs(
        title=title,
        first=first,
        last=last,
        values=now.values,
        previous=before.values,
        breakdowns=now.breakdowns,
        months=[label for label, _month in iter_months(period)],
        names=names,
        requests=requests,
    )


def yearly_report(
    session: Session,
    scope: Sequence[int],
    first: date,
    last: date,
    *,
    locale: str,
    external: bool,
    mask_below: int,
    now: datetime,
    filters: Filters | None = None,
    progress: Progress = _no_progress,
) -> Report:
    """The report of the period for the scope, built once for every format."""
    inputs = report_inputs(session, scope, first, last, locale, filters, progress)
    report = build_report(inputs, locale, external=external, mask_below=mask_below, now=now)
    progress(1)
    return report
