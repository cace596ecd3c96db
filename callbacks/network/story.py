"""The network's lines in the request's story (a pure teller, see ``hotline.story``): an
orientation with its partner or service and its appointment, an appointment's follow-up result,
the patient's consent, the situation put on a meeting's agenda, the meeting's decision.

Each line says who (the nurse, the coordinator) and never the patient: the summaries, decisions
and notes stay on their pages; only names of the network's professionals, dates and codes are
told.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from hotline.refusals import N_
from hotline.story import Facts, Line, Step, Words

ORIENTATION_RECORDED = "orientation_recorded"
FOLLOW_UP_RECORDED = "appointment_follow_up_recorded"
CONSENT_RECORDED = "consent_recorded"
PUT_ON_AGENDA = "put_on_agenda"
MEETING_DECISION = "meeting_decision"
# An appointment's follow-up result, as a line of the story says it.
RESULT_LINES = {
    "honoured": N_("Rendez-vous honoré"),
    "not_honoured": N_("Rendez-vous non honoré"),
    "postponed": N_("Rendez-vous reporté"),
    "unknown": N_("Rendez-vous : on ne sait pas s'il a été honoré"),
}


def tell(facts: Facts, words: Words) -> Iterator[Line]:
    """The network's steps, one line each."""
    for step in facts.steps:
        only = frozenset({step.id})
        if step.kind == ORIENTATION_RECORDED:
            yield Line(step.at, _by(_orientation(step, words), step, facts, words), only, "network")
        elif step.kind == FOLLOW_UP_RECORDED:
            result = str(step.detail.get("result") or "")
            text = words.gettext(RESULT_LINES[result]) if result in RESULT_LINES else result
            yield Line(step.at, _by(text, step, facts, words), only, "network")
        elif step.kind == CONSENT_RECORDED:
            yield Line(step.at, _by(_consent(step, words), step, facts, words), only, "network")
        elif step.kind == PUT_ON_AGENDA:
            yield Line(step.at, _by(_agenda(step, words), step, facts, words), only, "network")
        elif step.kind == MEETING_DECISION:
            yield Line(step.at, _by(_decision(step, words), step, facts, words), only, "network")


def _by(text: str, step: Step, facts: Facts, words: Words) -> str:
    """The line with who did it: a console user by id ("by"), or a name kept in the detail."""
    who = facts.person(step.detail.get("by")) or step.detail.get("nurse")
    return f"{text} ({who})" if isinstance(who, str) and who else text


def _moment(words: Words, iso: object) -> str | None:
    try:
        return words.moment(datetime.fromisoformat(str(iso)))
    except ValueError:
        return None


def _day(iso: object) -> str | None:
    """ "2026-12-15" → "15/12/2026"."""
    try:
        return date.fromisoformat(str(iso)).strftime("%d/%m/%Y")
    except ValueError:
        return None


def _inside(text: str) -> str:
    """A label inside a sentence: "Médecin généraliste" → "médecin généraliste"."""
    return text[:1].lower() + text[1:]


def _orientation(step: Step, words: Words) -> str:
    """ "Orientation vers Dr X (médecin généraliste, Toulouse) — rendez-vous le 4 décembre à
    10 h"; a service by its label ("Orientation vers PASS")."""
    detail = step.detail
    partner = detail.get("partner")
    service = detail.get("service_label") or detail.get("service")
    if isinstance(partner, str) and partner:
        about = [
            _inside(words.gettext(str(label)))
            for label in (detail.get("profession_label"),)
            if label
        ]
        if detail.get("commune"):
            about.append(str(detail["commune"]))
        target = f"{partner} ({', '.join(about)})" if about else partner
        if service:
            target = f"{target}, {_inside(words.gettext(str(service)))}"
    elif service:
        target = words.gettext(str(service))
    else:
        target = ""
    text = (
        words.gettext("Orientation vers {target}", target=target)
        if target
        else words.gettext("Orientation enregistrée")
    )
    moment = _moment(words, detail["appointment_at"]) if detail.get("appointment_at") else None
    if moment:
        return words.gettext("{what} — rendez-vous le {moment}", what=text, moment=moment)
    return text


def _consent(step: Step, words: Words) -> str:
    given = bool(step.detail.get("given"))
    day = _day(step.detail.get("on"))
    if given:
        if day:
            return words.gettext("Consentement du patient donné le {day}", day=day)
        return words.gettext("Consentement du patient donné")
    if day:
        return words.gettext("Consentement du patient refusé le {day}", day=day)
    return words.gettext("Consentement du patient refusé")


def _agenda(step: Step, words: Words) -> str:
    moment = _moment(words, step.detail["meeting_at"]) if step.detail.get("meeting_at") else None
    if moment:
        return words.gettext(
            "Situation mise à l'ordre du jour de la réunion du {moment}", moment=moment
        )
    return words.gettext("Situation mise à l'ordre du jour d'une réunion de concertation")


def _decision(step: Step, words: Words) -> str:
    moment = _moment(words, step.detail["meeting_at"]) if step.detail.get("meeting_at") else None
    text = (
        words.gettext("Décision de la réunion du {moment}", moment=moment)
        if moment
        else words.gettext("Décision de la réunion de concertation")
    )
    day = _day(step.detail.get("follow_up_on"))
    if day:
        return words.gettext("{what} — suivi le {day}", what=text, day=day)
    return text
