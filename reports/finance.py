"""Finance pages: budgets and spend (by month, language, provider, budget line, helpline), the
ledger a page at a time, interpreting and telephony costs apart, their exports (CSV or XLSX,
the page's filters and totals), and the provider invoice checks, kept. Every page and export
reads the same filters (``reports.finance_filters``) within the helplines the person may see."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response as BaseResponse

from hotline.auth import current_user, require_roles
from hotline.i18n import gettext as _
from hotline.i18n import say
from hotline.inputs import parse_id
from hotline.models import Helpline, User
from hotline.spreadsheet import NotTextError, clock_duration, decode_upload
from hotline.web import db_session, now, settings
from interpreter_pool import spending
from interpreter_pool.invoices import parse_invoice_csv
from interpreter_pool.models import Budget, BudgetAlert, Interpreter, InvoiceCheck
from reports import finance_exports, invoice_checks
from reports.budget_assignment import ledger_lines
from reports.finance_context import FinanceView, finance_scope, finance_view
from reports.finance_filters import problem_ids
from reports.finance_query import ledger_page, recent_entries, spend_summary
from reports.telephony_query import telephony_costs

bp = Blueprint("finance", __name__, url_prefix="/finance", template_folder="templates")
MAX_INVOICE_BYTES = 1024 * 1024
CHECKS_PAGE_SIZE = 50


def _common(view: FinanceView) -> dict[str, object]:
    """What every finance page's template reads: the filters' form and the names."""
    return {
        "user": current_user(),
        "filters": view.parsed.filters,
        "problems": [say(problem) for problem in view.parsed.problems],
        "problem_ids": problem_ids(view.parsed.problems),
        "typed": view.parsed.typed,
        "names": view.names,
        "tz": view.tz_name,
        "clock": clock_duration,
    }


def _budgets(view: FinanceView) -> list[spending.BudgetStatus]:
    filters = view.parsed.filters
    if filters.unfunded:
        return []
    ids = (
        [filters.budget_line_id] if filters.budget_line_id is not None else view.names.budget_lines
    )
    query = select(Budget).where(Budget.id.in_(list(ids))).order_by(Budget.starts_on.desc())
    if filters.budget_line_id is None:
        # The lines of the period read (the last twelve months unless asked): a region's
        # earlier years' lines are read by asking for their period or their line.
        if filters.date_from is not None:
            query = query.where(Budget.ends_on >= filters.date_from)
        if filters.date_to is not None:
            query = query.where(Budget.starts_on <= filters.date_to)
    session = db_session()
    return spending.budget_statuses(session, list(session.scalars(query)), now(), view.tz_name)


@bp.get("")
@require_roles("finance", "admin")
def overview() -> str:
    """Budgets with gauges and forecasts, alerts, spend by month, language, provider and budget
    line (and helpline, consolidated), the two costs apart, and the latest entries."""
    session = db_session()
    view = finance_view()
    filters, scope, tz = view.parsed.filters, view.scope, view.tz
    budgets = _budgets(view)
    alerts = session.scalars(
        select(BudgetAlert)
        .where(BudgetAlert.budget_id.in_([status.budget.id for status in budgets]))
        .order_by(BudgetAlert.fired_at.desc())
    ).all()
    spend, summed = spend_summary(
        session, filters, scope, tz, ("month", "language", "provider", "budget_line", "helpline")
    )
    telephony = telephony_costs(session, filters, scope, tz)
    by_month = {str(row.key): row.amount for row in spend["month"]}
    return render_template(
        "reports/finance.html",
        **_common(view),
        budgets=budgets,
        alerts=alerts,
        spend=spend,
        consolidated=view.is_consolidated,
        totals=summed,
        costs_by_month=finance_exports.costs_rows(by_month, telephony),
        telephony_totals=finance_exports.telephony_totals(telephony),
        recent=recent_entries(session, filters, scope, tz, size=20),
    )


@bp.get("/ledger")
@require_roles("finance", "admin")
def ledger() -> str:
    """The ledger the filters select, newest service first, a page at a time, with totals."""
    view = finance_view()
    session = db_session()
    page = ledger_page(session, view.parsed.filters, view.scope, view.tz)
    return render_template(
        "reports/ledger.html",
        **_common(view),
        page=page,
        entries=page.rows,
        budget_lines=ledger_lines(session, page.rows),
    )


def _ledger_download(fmt: str) -> Response:
    view = finance_view()
    sheet = finance_exports.ledger_sheet(db_session(), view)
    return finance_exports.download([sheet], fmt, f"grand-livre-{_today(view)}")


@bp.get("/ledger.csv")
@require_roles("finance", "admin")
def ledger_csv() -> Response:
    """The ledger the filters select (all pages) with its totals, as CSV (French number format
    unless ``numbers=intl``)."""
    return _ledger_download("csv")


@bp.get("/ledger.xlsx")
@require_roles("finance", "admin")
def ledger_xlsx() -> Response:
    """The ledger the filters select (all pages) with its totals, as XLSX."""
    return _ledger_download("xlsx")


@bp.get("/spend.<any(csv, xlsx):fmt>")
@require_roles("finance", "admin")
def spend_export(fmt: str) -> Response:
    """The spend summary the filters select (by month, language, provider, budget line, and
    the costs apart), with the page's totals, as CSV or XLSX."""
    view = finance_view()
    sheets = finance_exports.summary_sheets(db_session(), view)
    return finance_exports.download(sheets, fmt, f"depenses-{_today(view)}")


def _today(view: FinanceView) -> date:
    return now().astimezone(view.tz).date()


def _check_helplines() -> list[Helpline]:
    scope = finance_scope()
    query = select(Helpline).where(Helpline.is_active).order_by(Helpline.name)
    if scope.helpline_ids is not None:
        query = query.where(Helpline.id.in_(scope.helpline_ids))
    return list(db_session().scalars(query))


def _read_month(text: str) -> date | None:
    try:
        month = datetime.strptime(text, "%Y-%m").date()  # noqa: DTZ007 - a month
    except ValueError:
        return None
    return month if 2000 <= month.year <= 2100 else None


def _invoice_text(errors: list[str]) -> str | None:
    upload = request.files.get("invoice")
    if upload is None or not upload.filename:
        errors.append(_("Joignez la facture au format CSV."))
        return None
    raw = upload.read(MAX_INVOICE_BYTES + 1)
    if len(raw) > MAX_INVOICE_BYTES:
        errors.append(_("Fichier trop volumineux (1 Mo au plus)."))
        return None
    try:
        return decode_upload(raw)
    except NotTextError:
        errors.append(
            _("Ce fichier n'est pas un CSV lisible : enregistrez la facture au format "
              "CSV (séparateur ; ou ,) et joignez-la de nouveau.")
        )  # fmt: skip
        return None


@bp.route("/invoice-check", methods=["GET", "POST"])
@require_roles("finance", "admin")
def invoice_check() -> str | BaseResponse | tuple[str, int]:
    """Upload a provider's monthly invoice (CSV): the check is kept and shown; below the form,
    the checks kept before."""
    session = db_session()
    scope = finance_scope()
    providers = session.scalars(select(Interpreter).order_by(Interpreter.name)).all()
    helplines = _check_helplines()
    errors: list[str] = []
    chosen = {name: request.form.get(name, "").strip()[:40] for name in ("provider", "month")}
    chosen["helpline"] = request.form.get("helpline", "").strip()[:40]
    if request.method == "POST":
        provider = next((p for p in providers if p.id == parse_id(chosen["provider"])), None)
        month = _read_month(chosen["month"])
        helpline_id = parse_id(chosen["helpline"]) if chosen["helpline"] else None
        if not chosen["helpline"] and scope.helpline_ids is not None and len(helplines) == 1:
            helpline_id = helplines[0].id  # his only helpline
        if provider is None or month is None:
            errors.append(_("Choisissez un prestataire et un mois."))
        if not scope.allows(helpline_id) or (
            helpline_id is not None and helpline_id not in {h.id for h in helplines}
        ):
            errors.append(_("Choisissez une de vos permanences."))
        text = _invoice_text(errors) if not errors else None
        if text is not None and provider is not None and month is not None:
            lines, unread = parse_invoice_csv(text, settings().timezone)
            user = current_user()
            check = invoice_checks.run_check(
                session,
                provider_id=provider.id,
                helpline_id=helpline_id,
                month=month,
                filename=(request.files["invoice"].filename or "")[:200],
                lines=lines,
                unread=unread,
                tz_name=settings().timezone,
                user_id=user.id if user else None,
                now=now(),
            )
            return redirect(url_for("finance.invoice_check_page", check_id=check.id))
    view = finance_view()
    filters = view.parsed.filters
    query = invoice_checks.visible_checks(scope, filters)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-count // CHECKS_PAGE_SIZE))
    page = min(filters.page, pages)
    checks = session.scalars(
        query.limit(CHECKS_PAGE_SIZE).offset((page - 1) * CHECKS_PAGE_SIZE)
    ).all()
    body = render_template(
        "reports/invoice_check.html",
        **_common(view),
        providers=providers,
        provider_names={p.id: p.name for p in providers},
        helplines=helplines,
        helpline_names=view.names.helplines,
        may_check_all=scope.helpline_ids is None,
        errors=errors,
        chosen=chosen,
        checks=checks,
        page=page,
        pages=pages,
    )
    return (body, 400) if errors else body


def _visible_check(check_id: int) -> tuple[InvoiceCheck, str]:
    session = db_session()
    check = invoice_checks.check_for(session, check_id, finance_scope())
    if check is None:
        abort(404)
    provider = session.get(Interpreter, check.interpreter_id)
    return check, provider.name if provider else "—"


@bp.get("/invoice-checks/<int:check_id>")
@require_roles("finance", "admin")
def invoice_check_page(check_id: int) -> str:
    """A kept check: its totals on each side and their difference, and its findings."""
    check, provider = _visible_check(check_id)
    session = db_session()
    helpline = session.get(Helpline, check.helpline_id) if check.helpline_id else None
    checker = session.get(User, check.checked_by_id) if check.checked_by_id else None
    return render_template(
        "reports/invoice_check_result.html",
        user=current_user(),
        check=check,
        provider=provider,
        helpline=helpline,
        checker=checker,
        totals=invoice_checks.totals_of(check),
        labels=invoice_checks.FINDING_LABELS,
        clock=clock_duration,
        tz=settings().timezone,
    )


@bp.get("/invoice-checks/<int:check_id>.<any(csv, xlsx):fmt>")
@require_roles("finance", "admin")
def invoice_check_export(check_id: int, fmt: str) -> Response:
    """A kept check (findings and totals) as CSV or XLSX."""
    check, provider = _visible_check(check_id)
    sheets = invoice_checks.check_sheets(check, provider, settings().timezone)
    return finance_exports.download(sheets, fmt, f"controle-facture-{check.id}")
