"""Group G of the catalogue: quality of the service and of the records."""

from __future__ import annotations

from datetime import timedelta

from reports.indicator_facts import Facts, Period, count_by, mean, ratio
from reports.indicator_spec import Indicator, Value
from reports.indicators_activity import closed, opened

LATE_RECORDING = timedelta(hours=48)


def g01(facts: Facts, period: Period) -> Value:
    scores = [r.score for r in facts.ratings if r.opened_at in period]
    eligible = [
        r
        for r in opened(facts, period)
        if r.keys.helpline in facts.rating_helplines
        and (r.nurse_answered or r.has_connected_session)
    ]
    extra: dict[str, float | int | None] = {"response_rate": ratio(len(scores), len(eligible))}
    extra.update(count_by(scores, lambda s: s))
    return Value(mean([float(s) for s in scores]), extra)


def g03(facts: Facts, period: Period) -> Value:
    calls = [c for c in facts.calls if c.started_at in period]
    failed = sum(1 for c in calls if c.status == "failed")
    return Value(ratio(failed, len(calls)), {"failed": failed, "calls": len(calls)})


def g04(facts: Facts, period: Period) -> Value:
    rows = closed(facts, period)
    complete = sum(
        1
        for r in rows
        if r.keys.category
        and r.outcome
        and (r.has_language or not r.has_connected_session)
        and (r.professional_id is not None or not r.is_caller_known)
    )
    hangups = sum(1 for r in opened(facts, period) if r.is_menu_hangup)
    return Value(ratio(complete, len(rows)), {"complete": complete, "menu_hangups": hangups})


def g05(facts: Facts, period: Period) -> Value:
    rows = closed(facts, period)
    late = sum(
        1
        for r in rows
        if r.closed_at is not None
        and r.last_call_ended_at is not None
        and r.closed_at - r.last_call_ended_at > LATE_RECORDING
    )
    return Value(ratio(late, len(rows)), {"late": late})


QUALITY = (
    Indicator(
        "G01",
        "Satisfaction des professionnels",
        "Professional satisfaction",
        "score",
        "Note moyenne (1 à 5) donnée au clavier après l'appel pour les demandes de la période, "
        "et sa répartition ; taux de réponse = demandes notées / demandes où quelqu'un a parlé "
        "au médecin, sur les lignes qui posent la question.",
        "Mean one-key rating (1 to 5) after the call for the period's requests, and its "
        "distribution; response rate = rated requests / requests in which someone talked with "
        "the GP, on helplines that ask.",
        ("month", "helpline", "category", "profession"),
        compute=g01,
    ),
    Indicator(
        "G02",
        "Qualité perçue de l'interprétariat",
        "Perceived interpreting quality",
        "score",
        "Saisie manuelle : note de l'aide de l'interprète et taux de réponse ; aucune note "
        "d'interprétariat n'est recueillie par la plateforme.",
        "Manual input: rating of the interpreter's help and response rate; the platform "
        "collects no interpreting rating.",
        ("language", "provider"),
        manual=True,
    ),
    Indicator(
        "G03",
        "Incidents techniques",
        "Technical incidents",
        "rate",
        "Appels en échec technique (statut Twilio « failed ») / appels commencés dans la période.",
        'Legs that failed technically (Twilio status "failed") / legs started in the period.',
        ("month", "helpline"),
        compute=g03,
    ),
    Indicator(
        "G04",
        "Complétude de la saisie",
        "Record completeness",
        "rate",
        "Demandes clôturées dans la période avec motif et issue (+ langue si interprétariat, "
        "+ professionnel si l'appelant était connu) / demandes clôturées ; aussi le nombre de "
        "raccrochés au menu (exclus des mesures de service).",
        "Requests closed in the period with category and outcome (+ language if "
        "interpreting, + professional if the caller was known) / closed requests; also the "
        "count of menu hang-ups (left out of the service measures).",
        ("month", "helpline"),
        compute=g04,
    ),
    Indicator(
        "G05",
        "Délai de saisie",
        "Timeliness of recording",
        "rate",
        "Demandes clôturées dans la période plus de 48 h après la fin de leur dernier appel / "
        "demandes clôturées.",
        "Requests closed in the period more than 48 h after their last call ended / closed "
        "requests.",
        ("month", "helpline"),
        compute=g05,
    ),
    Indicator(
        "G06",
        "Continuité de service",
        "Service continuity",
        "count",
        "Saisie manuelle : appels traités par le numéro de secours pendant une panne et "
        "minutes de panne ; la réponse de secours n'écrit rien en base.",
        "Manual input: calls handled by the fallback number during an outage and minutes of "
        "outage; the fallback answer writes nothing to the database.",
        ("month",),
        manual=True,
    ),
)
