"""Group C of the catalogue: interpreting (sessions, hours, languages, delays, failures).

Requested = an interpreting session asked in the period (GP at the menu, or nurse in the
console); connected = an interpreter joined the room.
"""

from __future__ import annotations

from reports.indicator_facts import (
    UNKNOWN,
    Facts,
    Period,
    SessionFact,
    count_by,
    in_intervals,
    median,
    p90,
    ratio,
)
from reports.indicator_spec import Indicator, Value

SHORT_SESSION_S = 5 * 60
TOP = 10
# How a session that did not connect ended, by the session's outcome (or status).
FAILURE_CAUSES = {
    "no_interpreter": "no_interpreter",
    "gp_hung_up": "gp_hung_up",
    "removed": "removed",
    "abandoned": "gp_hung_up",
}


def requested(facts: Facts, period: Period) -> list[SessionFact]:
    """The sessions asked in the period."""
    return [s for s in facts.sessions if s.requested_at in period]


def connected(facts: Facts, period: Period) -> list[SessionFact]:
    """The sessions asked in the period that connected an interpreter (C01's rows)."""
    return [s for s in requested(facts, period) if s.connected_at is not None]


def _hours(rows: list[SessionFact]) -> float:
    return sum(s.connected_s for s in rows) / 3600


def c01(facts: Facts, period: Period) -> Value:
    rows = connected(facts, period)
    return Value(len(rows), {"fast_lane": sum(1 for s in rows if s.requested_by == "gp")})


def c02(facts: Facts, period: Period) -> Value:
    rows = connected(facts, period)
    billable = sum(s.billable_s or 0 for s in rows) / 3600
    return Value(_hours(rows), {"billable_hours": billable})


def c03(facts: Facts, period: Period) -> Value:
    minutes = [s.connected_s / 60 for s in connected(facts, period)]
    short = sum(1 for m in minutes if m * 60 < SHORT_SESSION_S)
    return Value(median(minutes), {"p90": p90(minutes), "short_pct": ratio(short, len(minutes))})


def c04(facts: Facts, period: Period) -> Value:
    languages = sorted({s.keys.language or UNKNOWN for s in connected(facts, period)})
    return Value(len(languages), items=tuple(languages))


def c05(facts: Facts, period: Period) -> Value:
    rows = connected(facts, period)
    counts = count_by(rows, lambda s: s.keys.language)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    extra: dict[str, int | float | None] = {}
    total_hours = _hours(rows)
    for language, n in ranked[:TOP]:
        hours = _hours([s for s in rows if (s.keys.language or UNKNOWN) == language])
        extra[language] = n
        extra[f"{language}_pct"] = ratio(n, len(rows))
        extra[f"{language}_hours"] = hours
        extra[f"{language}_hours_pct"] = ratio(hours, total_hours)
    others = sum(n for _, n in ranked[TOP:])
    if others:
        extra["others"] = others
        extra["others_pct"] = ratio(others, len(rows))
    return Value(len(rows), extra, items=tuple(language for language, _ in ranked[:TOP]))


def c06(facts: Facts, period: Period) -> Value:
    asked = requested(facts, period)
    done = sum(1 for s in asked if s.connected_at is not None)
    return Value(ratio(done, len(asked)), {"connected": done, "requested": len(asked)})


def c07(facts: Facts, period: Period) -> Value:
    delays = [s.time_to_connect_s for s in connected(facts, period)]
    values = [d for d in delays if d is not None]
    return Value(median(values), {"p90": p90(values)})


def _within(threshold: int):  # type: ignore[no-untyped-def]
    def compute(facts: Facts, period: Period) -> Value:
        asked = requested(facts, period)
        fast = sum(
            1 for s in asked if s.time_to_connect_s is not None and s.time_to_connect_s <= threshold
        )
        return Value(ratio(fast, len(asked)), {"within": fast, "requested": len(asked)})

    return compute


def _failed(rows: list[SessionFact]) -> list[SessionFact]:
    return [s for s in rows if s.connected_at is None and s.status != "dispatching"]


def c10(facts: Facts, period: Period) -> Value:
    asked = requested(facts, period)
    failed = _failed(asked)
    extra: dict[str, int | float | None] = {"rate": ratio(len(failed), len(asked))}
    extra.update(count_by(failed, lambda s: FAILURE_CAUSES.get(s.outcome or s.status, "other")))
    return Value(len(failed), extra)


def c11(facts: Facts, period: Period) -> Value:
    rows = connected(facts, period)
    agency = [s for s in rows if s.provider_kind == "agency"]
    return Value(
        ratio(len(agency), len(rows)),
        {"sessions": len(agency), "hours_pct": ratio(_hours(agency), _hours(rows))},
    )


def c12(facts: Facts, period: Period) -> Value:
    rows = connected(facts, period)
    out = [
        s
        for s in rows
        if s.connected_at is not None
        and not in_intervals(s.connected_at, facts.opening, s.keys.helpline)
    ]
    return Value(len(out), {"rate": ratio(len(out), len(rows))})


def c13(facts: Facts, period: Period) -> Value:
    rows = connected(facts, period)
    legs = [float(s.legs) for s in rows]
    asked = requested(facts, period)
    rung = sum(s.legs for s in asked)
    unanswered = sum(s.legs_unanswered for s in asked)
    return Value(median(legs), {"legs": rung, "unanswered_pct": ratio(unanswered, rung)})


def c14(facts: Facts, period: Period) -> Value:
    rare = [s for s in requested(facts, period) if not s.is_pool_language]
    languages = sorted({s.keys.language or UNKNOWN for s in rare})
    return Value(len(rare), {"languages": len(languages)}, items=tuple(languages))


_BY = ("month", "helpline", "language", "provider", "profession", "territory")

INTERPRETING = (
    Indicator(
        "C01",
        "Interprétariats réalisés",
        "Interpreting sessions",
        "count",
        "Séances demandées dans la période où un interprète a rejoint la conférence ; aussi "
        "celles demandées par la voie rapide.",
        "Sessions asked in the period in which an interpreter joined the room; also those "
        "asked on the fast lane.",
        _BY,
        additive=True,
        compute=c01,
    ),
    Indicator(
        "C02",
        "Heures d'interprétariat",
        "Interpreting hours",
        "hours",
        "Somme des temps de présence des interprètes (arrivée → départ), en heures, à côté "
        "des heures facturables selon les contrats (l'écart est F02).",
        "Sum of the interpreters' connected time (join → leave), in hours, next to the "
        "billable hours by the contracts (the gap is F02).",
        _BY,
        additive=True,
        compute=c02,
    ),
    Indicator(
        "C03",
        "Durée des interprétariats",
        "Session length",
        "minutes",
        "Médiane (et P90) des minutes de présence par séance réalisée ; aussi la part de "
        "séances de moins de 5 min.",
        "Median (and P90) connected minutes per connected session; also the share under 5 min.",
        ("month", "helpline", "language", "category"),
        compute=c03,
    ),
    Indicator(
        "C04",
        "Langues servies",
        "Distinct languages",
        "count",
        "Nombre de langues distinctes avec au moins une séance réalisée.",
        "Count of distinct languages with at least one connected session.",
        ("month", "helpline"),
        compute=c04,
    ),
    Indicator(
        "C05",
        "Principales langues",
        "Top languages",
        "count",
        "Séances et heures par langue, 10 premières langues + « autres », en part de C01 et "
        "de C02.",
        'Sessions and hours per language, top 10 + "others", as shares of C01 and C02.',
        ("month", "helpline", "territory", "profession"),
        additive=True,
        compute=c05,
    ),
    Indicator(
        "C06",
        "Taux de mise en relation",
        "Interpreter connection rate",
        "rate",
        "Demandes d'interprète de la période mises en relation / demandes d'interprète.",
        "Interpreter requests of the period that connected / interpreter requests.",
        ("month", "helpline", "language", "provider"),
        compute=c06,
    ),
    Indicator(
        "C07",
        "Délai de mise en relation",
        "Time to interpreter",
        "seconds",
        "Médiane (et P90) de mise en relation − demande (langue choisie → interprète dans la "
        "conférence), sur les séances réalisées.",
        "Median (and P90) of connection − request (language chosen → interpreter in the "
        "room), over connected sessions.",
        ("month", "helpline", "language", "provider"),
        compute=c07,
    ),
    Indicator(
        "C08",
        "Interprète en ≤ 60 s",
        "Connected within 60 s",
        "rate",
        "Séances mises en relation en 60 s ou moins / demandes d'interprète (échecs compris).",
        "Sessions connected within 60 s / interpreter requests (failures included).",
        ("month", "helpline", "language"),
        compute=_within(60),
    ),
    Indicator(
        "C09",
        "Interprète en ≤ 120 s",
        "Connected within 120 s",
        "rate",
        "Séances mises en relation en 120 s ou moins / demandes d'interprète (échecs compris).",
        "Sessions connected within 120 s / interpreter requests (failures included).",
        ("month", "helpline", "language"),
        compute=_within(120),
    ),
    Indicator(
        "C10",
        "Échecs de mise en relation",
        "Failed interpreter requests",
        "count",
        "Demandes d'interprète terminées sans mise en relation, en nombre et en part, par "
        "cause : aucun interprète, le médecin a raccroché, retiré par l'infirmière.",
        "Interpreter requests that ended without a connection, as a count and a share, by "
        "cause: no interpreter, the GP hung up, removed by the nurse.",
        ("month", "helpline", "language", "provider"),
        additive=True,
        compute=c10,
    ),
    Indicator(
        "C11",
        "Part prestataire de repli",
        "Agency share",
        "rate",
        "Séances réalisées par une agence / C01 ; de même pour les heures.",
        "Sessions served by an agency line / C01; hours likewise.",
        ("month", "helpline", "language"),
        compute=c11,
    ),
    Indicator(
        "C12",
        "Interprétariats hors heures ouvrées",
        "Out-of-hours interpreting",
        "count",
        "Séances réalisées commencées hors des horaires d'ouverture de la ligne (nuit, "
        "week-end, jour férié) ; taux = ces séances / C01.",
        "Connected sessions starting outside the helpline's opening hours (night, weekend, "
        "public holiday); rate = these sessions / C01.",
        ("month", "helpline", "language"),
        additive=True,
        compute=c12,
    ),
    Indicator(
        "C13",
        "Sollicitations d'interprètes par session",
        "Interpreter legs per session",
        "count",
        "Médiane du nombre d'appels d'interprètes par séance réalisée ; part des appels non "
        "décrochés ou refusés (agrégée, jamais par personne).",
        "Median number of interpreter legs rung per connected session; share of legs not "
        "answered or declined (aggregated, never per person).",
        ("helpline", "language", "provider"),
        compute=c13,
    ),
    Indicator(
        "C14",
        "Langues rares",
        "Rare-language requests",
        "count",
        "Demandes d'interprète dans une langue qu'aucun interprète actif du pool ne parle ; "
        "nombre et liste des langues.",
        "Interpreter requests for a language no active pool interpreter speaks; count and "
        "list of languages.",
        ("month", "helpline"),
        additive=True,
        compute=c14,
    ),
)
