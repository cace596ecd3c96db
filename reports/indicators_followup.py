"""Groups D and E of the catalogue: callbacks and follow-up; professionals and the network."""

from __future__ import annotations

import math

from reports.indicator_facts import (
    CALLBACK_GRACE,
    UNKNOWN,
    CallbackFact,
    Facts,
    Period,
    count_by,
    mean,
    median,
    p90,
    ratio,
)
from reports.indicator_spec import Indicator, Value
from reports.indicators_activity import inbound_gp, opened

MISSED = ("no_answer", "voicemail", "abandoned")
FOLLOW_UP = "follow_up"


def _on_time(task: CallbackFact) -> bool:
    return (
        task.first_contact_at is not None and task.first_contact_at <= task.due_at + CALLBACK_GRACE
    )


def _due(facts: Facts, period: Period) -> list[CallbackFact]:
    return [c for c in facts.callbacks if c.due_at in period and c.status != "cancelled"]


def d01(facts: Facts, period: Period) -> Value:
    rows = [c for c in facts.callbacks if c.created_at in period]
    return Value(len(rows), count_by(rows, lambda c: c.reason))


def d02(facts: Facts, period: Period) -> Value:
    due = _due(facts, period)
    on_time = sum(1 for c in due if _on_time(c))
    return Value(ratio(on_time, len(due)), {"on_time": on_time, "due": len(due)})


def d03(facts: Facts, period: Period) -> Value:
    delays = [
        (c.first_contact_at - c.created_at).total_seconds()
        for c in facts.callbacks
        if c.created_at in period and c.reason in MISSED and c.first_contact_at is not None
    ]
    return Value(median(delays), {"p90": p90(delays)})


def d04(facts: Facts, period: Period) -> Value:
    ended = [
        c
        for c in facts.callbacks
        if c.done_at is not None and c.done_at in period and c.status in ("done", "failed")
    ]
    reached = sum(1 for c in ended if c.outcome == "reached")
    return Value(
        ratio(reached, len(ended)),
        {
            "reached": reached,
            "ended": len(ended),
            "mean_attempts": mean([float(c.attempts) for c in ended]),
            "failed_pct": ratio(sum(1 for c in ended if c.status == "failed"), len(ended)),
        },
    )


def d05(facts: Facts, period: Period) -> Value:
    end = period.end
    late = [
        c
        for c in facts.callbacks
        if c.created_at < end
        and c.due_at + CALLBACK_GRACE < end
        and c.status != "cancelled"
        and (c.done_at is None or c.done_at >= end)
    ]
    worst = max(((end - c.due_at).total_seconds() / 3600 for c in late), default=None)
    return Value(len(late), {"worst_delay_hours": worst})


def d06(facts: Facts, period: Period) -> Value:
    due = [c for c in _due(facts, period) if c.reason == FOLLOW_UP]
    done = sum(1 for c in due if c.follow_up_outcome is not None)
    return Value(ratio(done, len(due)), {"completed": done, "due": len(due)})


def d07(facts: Facts, period: Period) -> Value:
    rows = [
        c for c in _due(facts, period) if c.reason == FOLLOW_UP and c.follow_up_outcome is not None
    ]
    counts = count_by(rows, lambda c: c.follow_up_outcome)
    extra: dict[str, int | float | None] = {}
    for key, n in counts.items():
        extra[key] = n
        extra[f"{key}_pct"] = ratio(n, len(rows))
    return Value(len(rows), extra)


def _requesting(facts: Facts, period: Period) -> dict[int, int]:
    counts: dict[int, int] = {}
    for r in opened(facts, period):
        if r.professional_id is not None:
            counts[r.professional_id] = counts.get(r.professional_id, 0) + 1
    return counts


def e01(facts: Facts, period: Period) -> Value:
    rows = opened(facts, period)
    unidentified = sum(1 for r in rows if r.professional_id is None)
    return Value(len(_requesting(facts, period)), {"unidentified_requests": unidentified})


def e02(facts: Facts, period: Period) -> Value:
    new = [p for p in facts.professionals if p.first_request_at and p.first_request_at in period]
    return Value(len(new))


def e03(facts: Facts, period: Period) -> Value:
    counts = _requesting(facts, period)
    first = {p.id: p.first_request_at for p in facts.professionals}
    returning = sum(1 for pid in counts if (at := first.get(pid)) is not None and at < period.start)
    return Value(
        ratio(returning, len(counts)),
        {"returning": returning, "two_or_more": sum(1 for n in counts.values() if n >= 2)},
    )


def e04(facts: Facts, period: Period) -> Value:
    rows = opened(facts, period)
    extra: dict[str, int | float | None] = {}
    for key, n in count_by(rows, lambda r: r.keys.profession).items():
        extra[key] = n
        extra[f"{key}_pct"] = ratio(n, len(rows))
    people: dict[str, set[int]] = {}
    for r in rows:
        if r.professional_id is not None:
            people.setdefault(r.keys.profession or UNKNOWN, set()).add(r.professional_id)
    for key, ids in sorted(people.items()):
        extra[f"{key}_professionals"] = len(ids)
    return Value(len(rows), extra)


def e05(facts: Facts, period: Period) -> Value:
    rows = opened(facts, period)
    extra: dict[str, int | float | None] = {}
    for key, n in count_by(rows, lambda r: r.keys.structure).items():
        extra[key] = n
        extra[f"{key}_pct"] = ratio(n, len(rows))
    return Value(len(rows), extra)


def _department(insee: str) -> str:
    return insee[:3] if insee.startswith("97") else insee[:2]


def e06(facts: Facts, period: Period) -> Value:
    rows = [r for r in opened(facts, period) if r.professional_id is not None]
    communes = sorted({r.insee_code for r in rows if r.insee_code})
    extra: dict[str, int | float | None] = {}
    for r in rows:
        key = f"dep:{_department(r.insee_code)}" if r.insee_code else f"dep:{UNKNOWN}"
        extra[key] = int(extra.get(key) or 0) + 1
    return Value(len(communes), dict(sorted(extra.items())), items=tuple(communes))


def e07(facts: Facts, period: Period) -> Value:
    registered = [p for p in facts.professionals if p.is_active and p.created_at < period.end]
    counts = _requesting(facts, period)
    users = sum(1 for p in registered if p.id in counts)
    return Value(ratio(users, len(registered)), {"users": users, "registered": len(registered)})


def e08(facts: Facts, period: Period) -> Value:
    calls = inbound_gp(facts, period)
    unknown = sum(1 for c in calls if not c.is_caller_known)
    linked = sum(1 for r in opened(facts, period) if not r.is_caller_known and r.is_caller_linked)
    return Value(ratio(unknown, len(calls)), {"unidentified_calls": unknown, "linked": linked})


def e09(facts: Facts, period: Period) -> Value:
    counts = sorted(_requesting(facts, period).values(), reverse=True)
    top = math.ceil(len(counts) / 10)
    total = len(opened(facts, period))
    return Value(
        median([float(n) for n in counts]), {"top_decile_share": ratio(sum(counts[:top]), total)}
    )


FOLLOWUP = (
    Indicator(
        "D01",
        "Rappels programmés",
        "Callbacks created",
        "count",
        "Rappels créés dans la période, par motif (appel manqué, message vocal, hors horaires, "
        "rappel demandé, suivi…).",
        "Callback tasks created in the period, by reason (missed call, voicemail, out of "
        "hours, callback asked, follow-up…).",
        ("month", "helpline", "category"),
        additive=True,
        compute=d01,
    ),
    Indicator(
        "D02",
        "Rappels dans le délai promis",
        "Callbacks on time",
        "rate",
        "Rappels dus dans la période (annulés exclus) dont le premier contact réussi a lieu "
        "au plus tard 2 h après l'échéance / rappels dus dans la période.",
        "Callbacks due in the period (cancelled ones excluded) first reached at most 2 h "
        "after their due time / callbacks due in the period.",
        ("month", "helpline"),
        compute=d02,
    ),
    Indicator(
        "D03",
        "Délai de rappel",
        "Time to call back",
        "seconds",
        "Médiane (et P90) de premier contact réussi − création, pour les rappels créés dans "
        "la période après un appel manqué, un abandon ou un message vocal.",
        "Median (and P90) of first successful contact − creation, for callbacks created in "
        "the period after a missed call, an abandon or a voicemail.",
        ("month", "helpline"),
        compute=d03,
    ),
    Indicator(
        "D04",
        "Rappels aboutis",
        "Callback reach rate",
        "rate",
        "Rappels terminés dans la période avec un contact réussi / rappels terminés dans la "
        "période ; nombre moyen de tentatives ; part close après le maximum de tentatives.",
        "Callbacks ended in the period with a successful contact / callbacks ended in the "
        "period; mean attempts; share closed after the maximum attempts.",
        ("month", "helpline"),
        compute=d04,
    ),
    Indicator(
        "D05",
        "Rappels en retard",
        "Overdue callbacks",
        "count",
        "Rappels créés avant la fin de la période, dont l'échéance + 2 h est dépassée à cette "
        "date et qui n'étaient pas faits ; aussi le plus grand retard en heures.",
        "Callbacks created before the end of the period, more than 2 h past due by then and "
        "not done; also the worst delay in hours.",
        ("helpline",),
        compute=d05,
    ),
    Indicator(
        "D06",
        "Suivis de situation réalisés",
        "Follow-ups completed",
        "rate",
        "Rappels de suivi dus dans la période avec une issue enregistrée / rappels de suivi "
        "dus dans la période.",
        "Follow-up callbacks due in the period with an outcome recorded / follow-up callbacks "
        "due in the period.",
        ("month", "helpline", "category"),
        compute=d06,
    ),
    Indicator(
        "D07",
        "Issue des suivis",
        "Follow-up outcomes",
        "count",
        "Suivis dus dans la période par issue enregistrée, en nombre et en part.",
        "Follow-ups due in the period per recorded outcome, as counts and shares.",
        ("month", "helpline", "category", "territory"),
        additive=True,
        compute=d07,
    ),
    Indicator(
        "E01",
        "Professionnels sollicitant la plateforme",
        "Distinct requesting professionals",
        "count",
        "Professionnels distincts du répertoire avec au moins une demande ouverte dans la "
        "période ; les demandes d'appelants non identifiés sont comptées à part.",
        "Distinct professionals of the directory with at least one request opened in the "
        "period; requests from unidentified callers are counted apart.",
        ("month", "helpline", "profession", "territory", "structure"),
        compute=e01,
    ),
    Indicator(
        "E02",
        "Nouveaux professionnels",
        "New professionals",
        "count",
        "Professionnels dont la toute première demande (sur les lignes du périmètre) tombe "
        "dans la période.",
        "Professionals whose very first request (on the helplines in scope) falls in the period.",
        ("month", "profession", "territory"),
        additive=True,
        compute=e02,
    ),
    Indicator(
        "E03",
        "Professionnels fidélisés",
        "Returning professionals",
        "rate",
        "Professionnels ayant une demande dans la période et une avant elle / E01 ; aussi "
        "ceux ayant au moins 2 demandes dans la période.",
        "Professionals with a request in the period and one before it / E01; also those "
        "with at least 2 requests in the period.",
        ("profession",),
        compute=e03,
    ),
    Indicator(
        "E04",
        "Répartition par profession",
        "Requests by profession",
        "count",
        "Demandes de la période par profession, en nombre et en part de A01 ; aussi les "
        "professionnels distincts par profession.",
        "The period's requests per profession, as counts and shares of A01; also the distinct "
        "professionals per profession.",
        ("month", "helpline", "category"),
        additive=True,
        compute=e04,
    ),
    Indicator(
        "E05",
        "Répartition par type de structure",
        "By type of practice",
        "count",
        "Demandes de la période par type de la structure pour laquelle le professionnel "
        "appelle, en nombre et en part de A01.",
        "The period's requests per kind of the structure the professional called for, as "
        "counts and shares of A01.",
        ("month", "helpline", "profession"),
        additive=True,
        compute=e05,
    ),
    Indicator(
        "E06",
        "Territoires couverts",
        "Territories covered",
        "count",
        "Communes (INSEE) distinctes des professionnels demandeurs ; demandes par "
        "département. La part en QPV est une saisie manuelle (pas d'indicateur QPV stocké).",
        "Distinct communes (INSEE) of requesting professionals; requests per département. The "
        "QPV share is a manual input (no QPV flag is stored).",
        ("month", "helpline"),
        compute=e06,
    ),
    Indicator(
        "E07",
        "Taux d'utilisation des inscrits",
        "Uptake among registered",
        "rate",
        "Professionnels actifs du répertoire, inscrits avant la fin de la période, ayant au "
        "moins une demande dans la période / ces professionnels inscrits.",
        "Active professionals of the directory, registered before the end of the period, "
        "with at least one request in the period / those registered.",
        ("profession", "territory"),
        compute=e07,
    ),
    Indicator(
        "E08",
        "Appelants non identifiés",
        "Unidentified callers",
        "rate",
        "Appels entrants dont le numéro ne correspondait à aucun professionnel / A02 ; aussi "
        "les demandes dont l'appelant a été identifié en cours d'appel.",
        "Inbound calls whose number matched no professional / A02; also the requests whose "
        "caller was identified during the call.",
        ("month", "helpline"),
        compute=e08,
    ),
    Indicator(
        "E09",
        "Concentration de l'usage",
        "Concentration of use",
        "count",
        "Nombre médian de demandes par professionnel demandeur ; part de A01 venant des 10 % "
        "de professionnels les plus demandeurs.",
        "Median requests per requesting professional; share of A01 from the top 10 % of "
        "professionals.",
        ("helpline",),
        compute=e09,
    ),
)
