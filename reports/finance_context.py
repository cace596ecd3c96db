"""What every finance page and export starts from: the helplines the signed-in person may see,
the filters read from the query string, and the names the ledger's ids are shown with."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import request
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.auth import current_user, visible_helpline_ids
from hotline.i18n import current_locale
from hotline.i18n import gettext as _
from hotline.models import Helpline, Structure
from hotline.web import db_session, now, settings
from interpreter_pool.languages import language_name
from interpreter_pool.models import Budget, Interpreter
from reports.finance_filters import (
    FilterChoices,
    ParsedFinanceFilters,
    parse_finance_filters,
    with_default_period,
)
from reports.finance_query import Dimension, Scope, languages_in

# Roles that open the finance pages, in a helpline.
FINANCE_ROLES = ("finance", "admin")


def finance_scope() -> Scope:
    """The helplines whose money the signed-in person may see: every one for a regional
    administrator, else those where he is finance officer or administrator."""
    user = current_user()
    if user is not None and user.is_regional_admin:
        return Scope(None)
    ids: set[int] = set()
    for role in FINANCE_ROLES:
        ids.update(visible_helpline_ids(role))
    return Scope(tuple(sorted(ids)))


@dataclass(frozen=True)
class Names:
    """The names of what the ledger records by id (helplines, budget lines, providers,
    structures) and of languages, in the reader's language."""

    helplines: dict[int, str]
    budget_lines: dict[int, str]
    providers: dict[int, str]
    structures: dict[int, str]
    languages: dict[str, str]

    def of(self, dimension: Dimension, key: str | int | None) -> str:
        """The label of a spend row's key."""
        if dimension == "month":
            return str(key or "—")
        if dimension == "budget_line" and key is None:
            return _("Non financé")
        if key is None:
            return "—"
        if dimension == "language":
            return self.languages.get(str(key), str(key))
        found = {
            "provider": self.providers,
            "budget_line": self.budget_lines,
            "helpline": self.helplines,
            "structure": self.structures,
        }[dimension]
        return found.get(int(key), "—")


@dataclass(frozen=True)
class FinanceView:
    """The scope, the filters and the names of one finance page or export."""

    scope: Scope
    parsed: ParsedFinanceFilters
    names: Names
    tz_name: str

    @property
    def tz(self) -> ZoneInfo:
        """The time zone months and days are counted in."""
        return ZoneInfo(self.tz_name)

    @property
    def is_consolidated(self) -> bool:
        """Several helplines at once (a regional administrator, or a person of several)."""
        return self.parsed.filters.helpline_id is None and len(self.names.helplines) > 1


def _visible_budgets(session: Session, scope: Scope) -> list[Budget]:
    query = select(Budget).order_by(Budget.starts_on.desc(), Budget.name)
    if scope.helpline_ids is not None:
        query = query.where(
            or_(Budget.scope != "helpline", Budget.scope_helpline_id.in_(scope.helpline_ids))
        )
    return list(session.scalars(query))


def finance_view() -> FinanceView:
    """The finance page's scope, filters (from the query string) and names."""
    session = db_session()
    scope = finance_scope()
    helpline_query = select(Helpline.id, Helpline.name, Helpline.timezone).order_by(Helpline.name)
    if scope.helpline_ids is not None:
        helpline_query = helpline_query.where(Helpline.id.in_(scope.helpline_ids))
    helplines = session.execute(helpline_query).tuples().all()
    budgets = _visible_budgets(session, scope)
    providers = dict(
        session.execute(select(Interpreter.id, Interpreter.name).order_by(Interpreter.name))
        .tuples()
        .all()
    )
    structures = dict(
        session.execute(select(Structure.id, Structure.name).order_by(Structure.name))
        .tuples()
        .all()
    )
    locale = current_locale()
    languages = {
        code: language_name(code, locale, capitalise=True) for code in languages_in(session, scope)
    }
    names = Names(
        helplines={helpline_id: name for helpline_id, name, _tz in helplines},
        budget_lines={budget.id: budget.name for budget in budgets},
        providers=providers,
        structures=structures,
        languages=dict(sorted(languages.items(), key=lambda item: item[1])),
    )
    parsed = parse_finance_filters(
        request.args,
        FilterChoices(
            helpline_ids=set(names.helplines),
            budget_line_ids=set(names.budget_lines),
            provider_ids=set(providers),
            structure_ids=set(structures),
            languages=set(languages),
        ),
    )
    zones = {helpline_id: zone for helpline_id, _name, zone in helplines}
    chosen = parsed.filters.helpline_id
    tz_name = zones[chosen] if chosen in zones else settings().timezone
    parsed = with_default_period(parsed, now().astimezone(ZoneInfo(tz_name)).date())
    return FinanceView(scope, parsed, names, tz_name)
