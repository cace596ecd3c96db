"""The reports page: the programme's indicators for a period beside the same dates one year
earlier (N−1), per helpline or consolidated over the helplines the person follows, filtered by
category, profession, territory, language or provider; the catalogue's groups as tiles and
tables, and the charts a manager reads at a glance.

The page asks ``reports.indicator_data.compute`` once per period (never a table scan of its own,
``reports.report_warm.page_values``): the period's values with the breakdowns its charts and
tables show (``report_figures.SHOWN``), and N−1's with the months of its line; a period whose
days are all built is read from its snapshot once computed (``reports.indicator_cache``).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from sqlalchemy import select

from callbacks.story import FOLLOW_UP_OUTCOMES
from hotline import reference_lists
from hotline.auth import current_user, require_roles, visible_helpline_ids
from hotline.directory import PROFESSIONS
from hotline.i18n import current_locale, say
from hotline.i18n import gettext as _
from hotline.models import Helpline, Professional
from hotline.web import db_session, now
from interpreter_pool.languages import language_name
from interpreter_pool.models import Interpreter, InterpreterLanguage
from reports import report_figures, report_groups
from reports.finance_context import finance_scope
from reports.finance_filters import problem_ids
from reports.finance_query import languages_in
from reports.indicator_data import Filters
from reports.indicator_facts import PARIS, Period
from reports.indicators import same_period_last_year
from reports.report_filters import ReportChoices, parse_report
from reports.report_warm import page_values

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")
# Programme manager (coordinator), finance officer, administrator.
ROLES = ("coordinator", "finance", "admin")


def _helplines() -> dict[int, str]:
    """The helplines whose figures the signed-in person may read, by name."""
    ids = {hid for role in ROLES for hid in visible_helpline_ids(role)}
    rows = db_session().execute(
        select(Helpline.id, Helpline.name).where(Helpline.id.in_(ids)).order_by(Helpline.name)
    )
    return dict(rows.tuples().all())


def _names(helplines: dict[int, str]) -> dict[str, dict[str, str]]:
    """The filters' choices, each value with the name a person reads."""
    session, locale = db_session(), current_locale()
    categories: dict[str, str] = {}
    for helpline_id in helplines:
        for code, label in reference_lists.labels(session, helpline_id, "category").items():
            categories.setdefault(code, label)
    territories = session.scalars(
        select(Professional.territory).where(Professional.territory.is_not(None)).distinct()
    )
    codes = set(session.scalars(select(InterpreterLanguage.language).distinct()))
    codes |= set(languages_in(db_session(), finance_scope()))
    providers = session.execute(select(Interpreter.id, Interpreter.name).order_by(Interpreter.name))
    return {
        "helpline": {str(k): v for k, v in helplines.items()},
        "category": dict(sorted(categories.items(), key=lambda kv: kv[1])),
        "profession": {code: _(label) for code, label in PROFESSIONS.items()},
        "territory": {t: t for t in sorted(t for t in territories if t)},
        "language": dict(
            sorted(
                ((c, language_name(c, locale, capitalise=True)) for c in codes if c),
                key=lambda kv: kv[1],
            )
        ),
        "provider": {str(pid): name for pid, name in providers.tuples()},
    }


@bp.get("")
@require_roles(*ROLES)
def index() -> str:
    """The period's indicators beside N−1's, as tiles, tables and charts."""
    session = db_session()
    helplines = _helplines()
    names = _names(helplines)
    today = now().astimezone(PARIS).date()
    parsed = parse_report(
        request.args, ReportChoices(**{k: set(v) for k, v in names.items()}), today
    )
    chosen = parsed.filters
    scope = [chosen.helpline] if chosen.helpline is not None else list(helplines)
    filters = Filters(
        category=chosen.category,
        profession=chosen.profession,
        territory=chosen.territory,
        language=chosen.language,
        provider=chosen.provider,
    )
    period = Period.local(chosen.first, chosen.last)
    last_year = same_period_last_year(period)
    consolidated = chosen.helpline is None and len(helplines) > 1
    values, before = page_values(session, period, scope, filters, consolidated, now())
    last_first = last_year.start.astimezone(PARIS).date()
    last_last = _day_before(last_year.end.astimezone(PARIS).date())
    outcomes = {code: _(label) for code, label in FOLLOW_UP_OUTCOMES.items()}
    charts = {
        "activity": report_figures.activity_chart(values, before, names["category"]),
        "hours": report_figures.heatmap_chart(values),
        "waits": report_figures.waits_chart(values),
        "interpreter_delay": report_figures.interpreter_delay_chart(values),
        "languages": report_figures.languages_chart(values),
        "budget": report_figures.burn_up(values, chosen.first, chosen.last),
        "professionals": report_figures.professionals_chart(values),
        "callbacks": report_figures.callbacks_chart(values),
        "outcomes": report_figures.outcomes_chart(values, lambda k: outcomes.get(k, k)),
    }
    return render_template(
        "reports/report.html",
        user=current_user(),
        filters=chosen,
        problems=[say(problem) for problem in parsed.problems],
        problem_ids=problem_ids(parsed.problems),
        typed=parsed.typed,
        names=names,
        consolidated=consolidated,
        per_helpline=report_groups.per_helpline(values, helplines) if consolidated else None,
        scope_names=[helplines[h] for h in scope if h in helplines],
        last_period=(last_first, last_last),
        groups=report_groups.groups(values, before),
        charts=charts,
    )


def _day_before(day: date) -> date:
    return date.fromordinal(day.toordinal() - 1)
