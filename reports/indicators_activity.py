"""Group A of the catalogue: activity (requests, calls, categories, outcomes, open requests)."""

from __future__ import annotations

from datetime import timedelta

from reports.indicator_facts import (
    CallFact,
    Facts,
    Period,
    RequestFact,
    count_by,
    in_intervals,
    local,
    median,
    p90,
    ratio,
)
from reports.indicator_spec import Indicator, Value

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OPEN_TOO_LONG = timedelta(days=30)


def opened(facts: Facts, period: Period) -> list[RequestFact]:
    """The requests opened in the period (A01's rows)."""
    return [r for r in facts.requests if r.opened_at in period]


def inbound_gp(facts: Facts, period: Period) -> list[CallFact]:
    """The professionals' inbound legs started in the period (A02's rows)."""
    return [
        c
        for c in facts.calls
        if c.role == "gp" and c.direction == "inbound" and c.started_at in period
    ]


def closed(facts: Facts, period: Period) -> list[RequestFact]:
    """The requests closed in the period."""
    return [r for r in facts.requests if r.closed_at is not None and r.closed_at in period]


def _shares(counts: dict[str, int], total: int) -> dict[str, float | int | None]:
    out: dict[str, float | int | None] = {}
    for key, n in counts.items():
        out[key] = n
        out[f"{key}_pct"] = ratio(n, total)
    return out


def a01(facts: Facts, period: Period) -> Value:
    return Value(len(opened(facts, period)))


def a02(facts: Facts, period: Period) -> Value:
    calls = len(inbound_gp(facts, period))
    return Value(calls, {"calls_per_request": ratio(calls, len(opened(facts, period)))})


def a03(facts: Facts, period: Period) -> Value:
    rows = opened(facts, period)
    return Value(len(rows), _shares(count_by(rows, lambda r: r.keys.category), len(rows)))


def a04(facts: Facts, period: Period) -> Value:
    rows = opened(facts, period)
    return Value(len(rows), _shares(count_by(rows, lambda r: r.channel), len(rows)))


def a05(facts: Facts, period: Period) -> Value:
    calls = inbound_gp(facts, period)
    out = [c for c in calls if not in_intervals(c.started_at, facts.opening, c.keys.helpline)]
    return Value(len(out), {"rate": ratio(len(out), len(calls))})


def a06(facts: Facts, period: Period) -> Value:
    calls = inbound_gp(facts, period)
    cells: dict[str, int | float | None] = {}
    for call in calls:
        at = local(call.started_at)
        key = f"{WEEKDAYS[at.weekday()]}-{at.hour:02d}"
        cells[key] = int(cells.get(key) or 0) + 1
    return Value(len(calls), dict(sorted(cells.items())))


def a07(facts: Facts, period: Period) -> Value:
    rows = opened(facts, period)
    with_interpreting = sum(1 for r in rows if r.has_connected_session)
    return Value(with_interpreting, {"rate": ratio(with_interpreting, len(rows))})


def a08(facts: Facts, period: Period) -> Value:
    rows = opened(facts, period)
    fast = sum(1 for r in rows if r.interpreter_by_gp and not r.nurse_answered)
    nurse = sum(1 for r in rows if r.nurse_answered and not r.interpreter_by_gp)
    both = sum(1 for r in rows if r.nurse_answered and r.interpreter_by_gp)
    return Value(
        ratio(fast, len(rows)),
        {
            "fast_lane": fast,
            "nurse": nurse,
            "both": both,
            "fast_lane_pct": ratio(fast, len(rows)),
            "nurse_pct": ratio(nurse, len(rows)),
            "both_pct": ratio(both, len(rows)),
        },
    )


def a09(facts: Facts, period: Period) -> Value:
    seconds = [float(r.nurse_seconds) for r in opened(facts, period) if r.nurse_seconds > 0]
    return Value(median(seconds), {"p90": p90(seconds), "requests": len(seconds)})


def a10(facts: Facts, period: Period) -> Value:
    seconds = [
        (r.closed_at - r.opened_at).total_seconds()
        for r in closed(facts, period)
        if r.closed_at is not None
    ]
    return Value(median(seconds), {"p90": p90(seconds), "requests": len(seconds)})


def a11(facts: Facts, period: Period) -> Value:
    rows = closed(facts, period)
    extra = _shares(count_by(rows, lambda r: r.outcome), len(rows))
    for key, n in count_by(rows, lambda r: r.orientation).items():
        extra[f"orientation:{key}"] = n
    return Value(len(rows), extra)


def a12(facts: Facts, period: Period) -> Value:
    end = period.end
    still_open = [
        r
        for r in facts.requests
        if r.opened_at < end and (r.closed_at is None or r.closed_at >= end)
    ]
    old = sum(1 for r in still_open if end - r.opened_at > OPEN_TOO_LONG)
    return Value(len(still_open), {"open_over_30_days": old})


ACTIVITY = (
    Indicator(
        "A01",
        "Nombre de demandes",
        "Requests",
        "count",
        "Demandes ouvertes dans la période (tous canaux), comptées à leur ouverture.",
        "Requests opened in the period (all channels), counted when opened.",
        ("month", "helpline", "category", "profession", "territory", "structure"),
        additive=True,
        compute=a01,
    ),
    Indicator(
        "A02",
        "Appels entrants",
        "Inbound calls",
        "count",
        "Appels entrants des professionnels commencés dans la période (une demande peut en "
        "compter plusieurs) ; aussi appels par demande = A02 / A01.",
        "Professionals' inbound call legs started in the period (a request may have several); "
        "also calls per request = A02 / A01.",
        ("month", "helpline", "category", "profession"),
        additive=True,
        compute=a02,
    ),
    Indicator(
        "A03",
        "Répartition des demandes par motif",
        "Requests by category",
        "count",
        "Demandes ouvertes dans la période par motif, en nombre et en part de A01.",
        "Requests opened in the period per category, as counts and shares of A01.",
        ("month", "helpline", "profession", "territory"),
        additive=True,
        compute=a03,
    ),
    Indicator(
        "A04",
        "Répartition par canal",
        "Requests by channel",
        "count",
        "Demandes ouvertes dans la période par canal, en nombre et en part de A01.",
        "Requests opened in the period per channel, as counts and shares of A01.",
        ("month", "helpline"),
        additive=True,
        compute=a04,
    ),
    Indicator(
        "A05",
        "Sollicitations hors horaires d'ouverture",
        "Out-of-hours contacts",
        "count",
        "Appels entrants reçus hors des horaires d'ouverture de la ligne (jours fériés et "
        "fermetures compris) ; taux = ces appels / A02.",
        "Inbound calls received outside the helpline's opening hours (public holidays and "
        "closures included); rate = these calls / A02.",
        ("month", "helpline"),
        additive=True,
        compute=a05,
    ),
    Indicator(
        "A06",
        "Carte horaire des appels",
        "Calls by weekday × hour",
        "count",
        "Appels entrants (A02) par jour de la semaine et heure, heure de Paris.",
        "Inbound calls (A02) by weekday and hour, Paris time.",
        ("helpline",),
        additive=True,
        compute=a06,
    ),
    Indicator(
        "A07",
        "Demandes avec interprétariat",
        "Requests involving interpreting",
        "count",
        "Demandes ouvertes dans la période avec au moins un interprète mis en relation ; "
        "taux = ces demandes / A01.",
        "Requests opened in the period with at least one interpreter connected; "
        "rate = these requests / A01.",
        ("month", "helpline", "category", "profession"),
        additive=True,
        compute=a07,
    ),
    Indicator(
        "A08",
        "Voie rapide vs infirmière",
        "Fast lane vs nurse path",
        "rate",
        "Part des demandes de la période traitées par la voie rapide (interprète demandé au "
        "menu, sans infirmière), par l'infirmière seule, ou les deux ; dénominateur A01.",
        "Share of the period's requests handled on the fast lane (interpreter asked at the "
        "menu, no nurse), by the nurse only, or both; denominator A01.",
        ("month", "helpline", "profession"),
        compute=a08,
    ),
    Indicator(
        "A09",
        "Temps infirmier par demande",
        "Nurse handling time per request",
        "seconds",
        "Médiane (et P90) du temps total de présence des infirmières dans les conférences de "
        "la demande, sur les demandes de la période qu'une infirmière a traitées.",
        "Median (and P90) of the nurses' total connected time in the request's conferences, "
        "over the period's requests a nurse handled.",
        ("month", "helpline", "category"),
        compute=a09,
    ),
    Indicator(
        "A10",
        "Délai de clôture des demandes",
        "Time to close",
        "seconds",
        "Médiane (et P90) de clôture − ouverture, sur les demandes clôturées dans la période.",
        "Median (and P90) of closing − opening, over requests closed in the period.",
        ("month", "helpline", "category"),
        compute=a10,
    ),
    Indicator(
        "A11",
        "Issue / orientation des demandes",
        "Outcome of requests",
        "count",
        "Demandes clôturées dans la période par issue (codes de la liste de la ligne), en "
        "nombre et en part ; aussi par orientation structurée.",
        "Requests closed in the period per outcome (the helpline's list codes), as counts and "
        "shares; also per structured orientation.",
        ("month", "helpline", "category", "profession", "territory"),
        additive=True,
        compute=a11,
    ),
    Indicator(
        "A12",
        "Demandes en cours",
        "Open requests",
        "count",
        "Demandes ouvertes avant la fin de la période et non clôturées à cette date ; aussi "
        "celles ouvertes depuis plus de 30 jours.",
        "Requests opened before the end of the period and not closed by then; also those open "
        "for more than 30 days.",
        ("helpline", "category"),
        compute=a12,
    ),
)
