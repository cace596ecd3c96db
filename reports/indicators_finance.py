"""Group F of the catalogue: finance (spend, budget consumption and forecast, unit costs)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from reports.indicator_facts import (
    BudgetFact,
    Facts,
    LedgerFact,
    Period,
    local,
    ratio,
)
from reports.indicator_spec import Indicator, Value
from reports.indicators_activity import opened
from reports.indicators_interpreting import connected

# Reassignment pairs move an entry between budget lines: they never change the spend.
SPEND_KINDS = ("charge", "adjustment", "invoice_correction")
FORECAST_WINDOW = timedelta(days=90)


def spend_rows(facts: Facts, period: Period) -> list[LedgerFact]:
    """Ledger entries of the period's services that count as spend (F01's rows)."""
    return [e for e in facts.ledger if e.kind in SPEND_KINDS and e.service_at in period]


def _sum(rows: list[LedgerFact]) -> Decimal:
    return sum((e.amount for e in rows), Decimal("0"))


def _telecom(facts: Facts, period: Period) -> Decimal:
    return sum(
        (c.price for c in facts.calls if c.price is not None and c.started_at in period),
        Decimal("0"),
    )


def f01(facts: Facts, period: Period) -> Value:
    return Value(_sum(spend_rows(facts, period)))


def f02(facts: Facts, period: Period) -> Value:
    charges = [e for e in spend_rows(facts, period) if e.kind == "charge"]
    billable = sum(e.billable_s for e in charges)
    actual = sum(e.duration_s for e in charges)
    return Value(
        ratio(billable - actual, actual),
        {"billable_minutes": billable / 60, "connected_minutes": actual / 60},
    )


def _line_spend(facts: Facts, line: BudgetFact, until: datetime) -> Decimal:
    return _sum([e for e in facts.ledger if e.budget_line_id == line.id and e.service_at < until])


def _line_hours(facts: Facts, line: BudgetFact, until: datetime) -> float:
    return (
        sum(
            e.billable_s
            for e in facts.ledger
            if e.budget_line_id == line.id and e.service_at < until and e.kind == "charge"
        )
        / 3600
    )


def _open_lines(facts: Facts, period: Period) -> list[BudgetFact]:
    first, last = local(period.start).date(), local(period.end - timedelta(seconds=1)).date()
    return [b for b in facts.budgets if b.starts_on <= last and b.ends_on >= first]


def f03(facts: Facts, period: Period) -> Value:
    lines = _open_lines(facts, period)
    extra: dict[str, float | Decimal | None] = {}
    spent_total, amount_total = Decimal("0"), Decimal("0")
    for line in lines:
        spent = _line_spend(facts, line, period.end)
        spent_total += spent
        amount_total += line.amount
        extra[f"{line.name}"] = ratio(spent, line.amount)
        if line.hours_cap:
            extra[f"{line.name}:hours"] = ratio(
                _line_hours(facts, line, period.end), line.hours_cap
            )
    extra["spent"] = spent_total
    extra["amount"] = amount_total
    return Value(ratio(spent_total, amount_total), extra)


def working_days(first: date, last: date) -> int:
    """Monday-to-Friday days from ``first`` to ``last`` included."""
    if last < first:
        return 0
    days = (last - first).days + 1
    full, rest = divmod(days, 7)
    count = full * 5
    for offset in range(rest):
        if (first + timedelta(days=full * 7 + offset)).weekday() < 5:
            count += 1
    return count


def f04(facts: Facts, period: Period) -> Value:
    """Spend to date + remaining working days × mean daily spend of the last 90 days."""
    today = local(period.end - timedelta(seconds=1)).date()
    window_start = period.end - FORECAST_WINDOW
    extra: dict[str, Decimal | float | None] = {}
    projected_total, amount_total = Decimal("0"), Decimal("0")
    for line in _open_lines(facts, period):
        spent = _line_spend(facts, line, period.end)
        recent = _sum(
            [
                e
                for e in facts.ledger
                if e.budget_line_id == line.id and window_start <= e.service_at < period.end
            ]
        )
        window_days = working_days(local(window_start).date(), today)
        daily = recent / window_days if window_days else Decimal("0")
        remaining = working_days(today + timedelta(days=1), line.ends_on)
        projected = (spent + daily * remaining).quantize(Decimal("0.01"))
        extra[line.name] = projected
        extra[f"{line.name}:balance"] = line.amount - projected
        projected_total += projected
        amount_total += line.amount
    extra["balance"] = amount_total - projected_total
    return Value(projected_total, extra)


def f05(facts: Facts, period: Period) -> Value:
    spend = _sum(spend_rows(facts, period))
    sessions = connected(facts, period)
    hours = sum(s.connected_s for s in sessions) / 3600
    requests = len({s.request_id for s in sessions})
    return Value(
        ratio(spend, len(sessions)),
        {"per_hour": ratio(spend, hours), "per_request": ratio(spend, requests)},
    )


def f06(facts: Facts, period: Period) -> Value:
    rows = spend_rows(facts, period)
    surcharges = sum((e.surcharge for e in rows), Decimal("0"))
    return Value(surcharges, {"share": ratio(surcharges, _sum(rows))})


def f08(facts: Facts, period: Period) -> Value:
    total = _telecom(facts, period)
    extra: dict[str, Decimal | float | None] = {
        "per_request": ratio(total, len(opened(facts, period)))
    }
    calls = [c for c in facts.calls if c.started_at in period]
    for role in sorted({c.role for c in calls}):
        extra[role] = sum(
            (c.price for c in calls if c.role == role and c.price is not None), Decimal("0")
        )
    return Value(total, extra)


def f09(facts: Facts, period: Period) -> Value:
    names = {b.id: b.name for b in facts.budgets}
    extra: dict[str, Decimal | float | None] = {}
    for entry in (e for e in facts.ledger if e.service_at in period):
        key = names.get(entry.budget_line_id or 0, "unfunded")
        extra[key] = Decimal(extra.get(key) or 0) + entry.amount
    telecom = _telecom(facts, period)
    extra["telephony"] = telecom
    return Value(_sum(spend_rows(facts, period)) + telecom, dict(sorted(extra.items())))


FINANCE = (
    Indicator(
        "F01",
        "Dépense d'interprétariat",
        "Interpreting spend",
        "eur",
        "Somme des charges de séances du grand livre dont le service a eu lieu dans la "
        "période, nettes des ajustements et corrections de facture.",
        "Sum of the ledger's session charges whose service fell in the period, net of "
        "adjustments and invoice corrections.",
        ("month", "helpline", "provider", "language", "territory", "profession"),
        additive=True,
        compute=f01,
    ),
    Indicator(
        "F02",
        "Écart facturé / réel",
        "Billing overhead",
        "ratio",
        "(minutes facturables − minutes de présence) / minutes de présence des charges de la "
        "période : le coût des minimums et des arrondis.",
        "(billable minutes − connected minutes) / connected minutes of the period's charges: "
        "the cost of minimums and rounding increments.",
        ("month", "helpline", "provider"),
        compute=f02,
    ),
    Indicator(
        "F03",
        "Consommation de l'enveloppe",
        "Budget consumption",
        "rate",
        "Dépense cumulée imputée aux lignes budgétaires ouvertes dans la période, jusqu'à sa "
        "fin / montant de ces lignes ; aussi heures facturables / plafond d'heures.",
        "Cumulative spend charged to the budget lines open in the period, up to its end / "
        "their amount; also billable hours / hours cap.",
        (),
        compute=f03,
    ),
    Indicator(
        "F04",
        "Prévision de fin d'exercice",
        "Year-end forecast",
        "eur",
        "Dépense à la fin de la période + jours ouvrés restants jusqu'à la fin de chaque ligne "
        "× dépense moyenne par jour ouvré des 90 derniers jours ; écart au budget.",
        "Spend at the end of the period + working days left to each line's end × mean spend "
        "per working day over the last 90 days; balance against the budget.",
        (),
        compute=f04,
    ),
    Indicator(
        "F05",
        "Coût moyen",
        "Unit costs",
        "eur",
        "F01 / séances réalisées (C01) ; aussi par heure de présence et par demande avec "
        "interprétariat.",
        "F01 / connected sessions (C01); also per connected hour and per request with "
        "interpreting.",
        ("month", "helpline", "provider", "language"),
        compute=f05,
    ),
    Indicator(
        "F06",
        "Majorations",
        "Surcharges",
        "eur",
        "Somme des majorations (nuit, samedi, dimanche, jour férié, urgence) détaillées dans "
        "les charges de la période ; part de F01. Les minimums sont dans F02.",
        "Sum of the surcharges (night, Saturday, Sunday, holiday, urgent) detailed in the "
        "period's charges; share of F01. Minimums are in F02.",
        ("month", "helpline", "provider"),
        additive=True,
        compute=f06,
    ),
    Indicator(
        "F07",
        "Rapprochement des factures prestataires",
        "Invoice reconciliation",
        "rate",
        "Saisie manuelle : lignes de facture rapprochées de nos séances / lignes de facture ; "
        "écart facturé − calculé. Les factures importées ne sont pas conservées.",
        "Manual input: invoice lines matched to our sessions / invoice lines; invoiced − "
        "computed. Imported invoices are not stored.",
        ("provider", "month"),
        manual=True,
    ),
    Indicator(
        "F08",
        "Coût télécom",
        "Telephony cost",
        "eur",
        "Somme des prix Twilio des appels commencés dans la période ; par demande ; par rôle "
        "(médecin, infirmière, interprète).",
        "Sum of Twilio's prices of the legs started in the period; per request; per role (GP, "
        "nurse, interpreter).",
        ("month", "helpline"),
        additive=True,
        compute=f08,
    ),
    Indicator(
        "F09",
        "Ventilation par ligne de financement",
        "Spend by funding line",
        "eur",
        "F01 + F08, avec la dépense d'interprétariat par ligne budgétaire imputée (ou non "
        "financée) et la téléphonie à part.",
        "F01 + F08, with the interpreting spend per budget line charged (or unfunded) and "
        "telephony apart.",
        ("month", "helpline"),
        additive=True,
        compute=f09,
    ),
)
