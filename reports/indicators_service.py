"""Group B of the catalogue: reachability and service level of the nurse queue.

Queue entry = a GP routed to the nurses during opening hours (a routing of kind "gp").
Offered (B01) = queue entries minus short abandons. A callback chosen while waiting is not an
abandon; a hang-up at the greeting or menu never enters the queue (§2.1).
"""

from __future__ import annotations

from reports.indicator_facts import (
    Facts,
    Period,
    QueueFact,
    median,
    overlap_s,
    p90,
    ratio,
)
from reports.indicator_spec import Indicator, Value

BUCKETS = ((0, 15), (16, 30), (31, 45), (46, 60), (61, 90))


def offered(facts: Facts, period: Period) -> list[QueueFact]:
    """Queue entries of the period, short abandons left out (B01's rows)."""
    return [q for q in facts.queues if q.entered_at in period and not q.is_short_abandon]


def _answered(rows: list[QueueFact]) -> list[QueueFact]:
    return [q for q in rows if q.answered_at is not None]


def _waits(rows: list[QueueFact]) -> list[float]:
    return [q.wait_s for q in rows if q.wait_s is not None]


def b01(facts: Facts, period: Period) -> Value:
    entries = [q for q in facts.queues if q.entered_at in period]
    rows = offered(facts, period)
    return Value(len(rows), {"short_abandons": len(entries) - len(rows)})


def b02(facts: Facts, period: Period) -> Value:
    rows = offered(facts, period)
    answered = len(_answered(rows))
    return Value(ratio(answered, len(rows)), {"answered": answered, "offered": len(rows)})


def _service_level(threshold: int):  # type: ignore[no-untyped-def]
    def compute(facts: Facts, period: Period) -> Value:
        rows = offered(facts, period)
        answered = _answered(rows)
        within = sum(1 for w in _waits(answered) if w <= threshold)
        return Value(
            ratio(within, len(rows)),
            {"within": within, "of_answered": ratio(within, len(answered))},
        )

    return compute


def b05(facts: Facts, period: Period) -> Value:
    waits = _waits(_answered(offered(facts, period)))
    extra: dict[str, int | float | None] = {"p90": p90(waits)}
    for low, high in BUCKETS:
        extra[f"{low}-{high}"] = sum(1 for w in waits if low <= round(w) <= high)
    extra["91+"] = sum(1 for w in waits if round(w) > 90)
    return Value(median(waits), extra)


def b06(facts: Facts, period: Period) -> Value:
    rows = offered(facts, period)
    abandons = [q for q in rows if q.is_abandon]
    return Value(
        ratio(len(abandons), len(rows)),
        {"abandons": len(abandons), "median_wait_s": median(_waits(abandons))},
    )


def b07(facts: Facts, period: Period) -> Value:
    rows = offered(facts, period)
    to_voicemail = sum(1 for q in rows if q.status == "voicemail")
    closed_attempts = [r for r in facts.requests if r.opened_at in period and r.nurse_not_rung]
    messages = sum(1 for r in facts.requests if r.opened_at in period and r.has_voicemail)
    calls = to_voicemail + len(closed_attempts)
    return Value(
        ratio(calls, len(rows) + len(closed_attempts)),
        {"to_voicemail": calls, "messages": messages},
    )


def b08(facts: Facts, period: Period) -> Value:
    lost = [
        r
        for r in facts.requests
        if r.opened_at in period
        and r.has_gp_inbound
        and not r.is_menu_hangup
        and not r.nurse_answered
        and not r.has_voicemail
        and not r.has_callback
        and not r.has_connected_session
    ]
    return Value(len(lost), items=tuple(sorted(r.reference for r in lost)))


def b09(facts: Facts, period: Period) -> Value:
    answered = _answered(offered(facts, period))
    backup = sum(1 for q in answered if q.answered_rank == "backup")
    rows = offered(facts, period)
    voicemail = sum(1 for q in rows if q.status == "voicemail")
    return Value(
        ratio(backup, len(answered)),
        {
            "by_backup": backup,
            "answered": len(answered),
            "voicemail_pct": ratio(voicemail, len(rows)),
        },
    )


def b10(facts: Facts, period: Period) -> Value:
    helplines = {i.helpline for i in facts.opening}
    open_s = covered_s = backed_s = 0.0
    for helpline in helplines:
        opening = [(i.start, i.end) for i in facts.opening if i.helpline == helpline]
        open_s += overlap_s(opening, period)
        for rank in ("on_duty", "backup"):
            shifts = [
                (i.start, i.end) for i in facts.shifts if i.helpline == helpline and i.rank == rank
            ]
            both = [
                (max(o[0], s[0]), min(o[1], s[1]))
                for o in opening
                for s in shifts
                if s[0] < o[1] and o[0] < s[1]
            ]
            if rank == "on_duty":
                covered_s += overlap_s(both, period)
            else:
                backed_s += overlap_s(both, period)
    return Value(
        ratio(covered_s, open_s),
        {
            "opening_hours": open_s / 3600,
            "covered_hours": covered_s / 3600,
            "hours_without_backup": (open_s - backed_s) / 3600,
        },
    )


SERVICE = (
    Indicator(
        "B01",
        "Appels présentés à l'infirmière",
        "Calls offered to the nurse",
        "count",
        "Entrées dans la file infirmière pendant les horaires d'ouverture, moins les abandons "
        "courts (raccroché en moins de 5 s). Les raccrochés au menu n'y entrent jamais.",
        "Entries to the nurse queue during opening hours, minus short abandons (hung up "
        "within 5 s). Hang-ups at the menu never enter it.",
        ("month", "helpline", "category", "profession"),
        additive=True,
        compute=b01,
    ),
    Indicator(
        "B02",
        "Taux de décroché",
        "Answered rate",
        "rate",
        "Appels décrochés par une infirmière / B01.",
        "Calls answered by a nurse / B01.",
        ("month", "helpline"),
        compute=b02,
    ),
    Indicator(
        "B03",
        "Réponse en 30 s",
        "Service level 30 s",
        "rate",
        "Appels décrochés en 30 s ou moins / B01 (abandons compris) ; en colonne secondaire, "
        "la même part des seuls appels décrochés.",
        "Calls answered within 30 s / B01 (abandons included); as a secondary column, the same "
        "share of answered calls only.",
        ("month", "helpline"),
        compute=_service_level(30),
    ),
    Indicator(
        "B04",
        "Réponse en 60 s",
        "Service level 60 s",
        "rate",
        "Appels décrochés en 60 s ou moins / B01 (abandons compris) ; en colonne secondaire, "
        "la même part des seuls appels décrochés.",
        "Calls answered within 60 s / B01 (abandons included); as a secondary column, the same "
        "share of answered calls only.",
        ("month", "helpline"),
        compute=_service_level(60),
    ),
    Indicator(
        "B05",
        "Délai d'attente avant réponse",
        "Wait before answer",
        "seconds",
        "Médiane (et P90) de l'attente (décroché − entrée en file) des appels décrochés ; "
        "répartition 0–15, 16–30, 31–45, 46–60, 61–90, > 90 s.",
        "Median (and P90) of the wait (answer − queue entry) of answered calls; distribution "
        "0–15, 16–30, 31–45, 46–60, 61–90, > 90 s.",
        ("month", "helpline"),
        compute=b05,
    ),
    Indicator(
        "B06",
        "Taux d'abandon",
        "Abandonment rate",
        "rate",
        "Appelants qui ont raccroché dans la file après 5 s et avant toute réponse, sans "
        "demander de rappel / B01 ; aussi l'attente médiane avant abandon.",
        "Callers who hung up in the queue after 5 s and before any answer, without asking for "
        "a callback / B01; also the median wait before abandoning.",
        ("month", "helpline"),
        compute=b06,
    ),
    Indicator(
        "B07",
        "Appels vers messagerie",
        "Calls to voicemail",
        "rate",
        "Appels terminés sur la messagerie (personne n'a décroché, ou permanence fermée) / "
        "(B01 + appels à l'infirmière hors horaires) ; avec le nombre de messages laissés.",
        "Calls that ended on voicemail (nobody answered, or the service was closed) / (B01 + "
        "out-of-hours nurse attempts); with the count of messages left.",
        ("month", "helpline"),
        compute=b07,
    ),
    Indicator(
        "B08",
        "Appels perdus",
        "Lost calls",
        "count",
        "Demandes par téléphone dont l'appelant a fait un choix au menu et qui n'ont eu ni "
        "réponse, ni message, ni rappel programmé, ni interprète (objectif : 0) ; avec la liste "
        "des références.",
        "Phone requests whose caller made a menu choice and that got no answer, no message, no "
        "callback task and no interpreter (target 0); with the list of references.",
        ("month", "helpline"),
        additive=True,
        compute=b08,
    ),
    Indicator(
        "B09",
        "Recours au renfort",
        "Escalation to backup",
        "rate",
        "Appels décrochés par l'infirmière de renfort / appels décrochés ; aussi la part des "
        "appels présentés terminés sur la messagerie. Jamais par personne.",
        "Calls answered by the backup nurse / calls answered; also the share of offered calls "
        "that ended on voicemail. Never per person.",
        ("month", "helpline"),
        compute=b09,
    ),
    Indicator(
        "B10",
        "Couverture du planning",
        "Rota coverage",
        "rate",
        "Heures d'ouverture couvertes par au moins une infirmière d'astreinte / heures "
        "d'ouverture de la période ; aussi les heures sans renfort.",
        "Opening hours with at least one on-duty nurse / opening hours in the period; also the "
        "hours with no backup.",
        ("month", "helpline"),
        compute=b10,
    ),
)
