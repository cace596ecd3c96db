"""Callbacks' lines in the request's story: the voicemail, the callback promised and when, one
line per attempt with who called and how it ended, a follow-up's outcome (a pure teller, see
``hotline.story``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from hotline.refusals import N_
from hotline.story import Facts, Line, Step, Words, duration

FOLLOW_UP_OUTCOMES = {
    "improved": N_("Situation améliorée"),
    "unchanged": N_("Situation inchangée"),
    "worsened": N_("Situation aggravée"),
    "lost_to_follow_up": N_("Perdu de vue"),
    "redirected": N_("Réorienté"),
}
# Why an attempt reached nobody, as the calling flow says it.
WHYS = {
    "no-answer": N_("pas de réponse"),
    "busy": N_("occupé"),
    "machine": N_("messagerie du professionnel"),
    "failed": N_("échec de l'appel"),
    "canceled": N_("appel annulé"),
    "no_nurse": N_("aucune infirmière joignable"),
    "no_number": N_("pas de numéro"),
    "deadline": N_("sans nouvelles de l'appel"),
    "nurse_no-answer": N_("l'infirmière n'a pas décroché"),
    "nurse_busy": N_("l'infirmière n'a pas décroché"),
    "nurse_canceled": N_("l'infirmière n'a pas décroché"),
    "nurse_completed": N_("l'infirmière a raccroché"),
    "nurse_failed": N_("appel de l'infirmière en échec"),
}
# Steps an attempt's line tells by saying nothing.
QUIET = frozenset({"callback_dialling", "callback_machine", "callback_step_deadline"})
ATTEMPT_ENDS = frozenset({"callback_reached", "callback_retry", "callback_failed"})


@dataclass
class Attempt:
    """The steps of one attempt of one callback."""

    number: int
    started_at: datetime
    nurse: str | None = None
    told: set[int] = field(default_factory=set)


def tell(facts: Facts, words: Words) -> Iterator[Line]:
    """Callbacks' steps, an attempt in one line (said when it ended)."""
    requested = {
        step.detail.get("callback_id") for step in facts.steps if step.kind == "callback_requested"
    }
    # The professional's legs of the attempts: their end is told by the attempt's line.
    called_back = {
        step.call_sid
        for step in facts.steps
        if step.kind in ("callback_reached", "callback_machine") and step.call_sid
    }
    attempts: dict[tuple[object, object], Attempt] = {}
    for step in facts.steps:
        only = frozenset({step.id})
        key = (step.detail.get("callback_id"), step.detail.get("attempt"))
        if step.kind == "gp_leg_ended" and step.call_sid in called_back:
            yield Line(step.at, "", only)
        elif step.kind == "menu_choice" and step.detail.get("choice") == "callback":
            yield Line(step.at, words.gettext("Choix au menu : rappel"), only, "callback")
        elif step.kind == "callback_requested":
            yield Line(step.at, _requested(step, words), only, "callback")
        elif step.kind == "callback_created":
            # The GP's own request already said when.
            said = step.detail.get("callback_id") in requested
            yield Line(step.at, "" if said else _created(step, words), only, "callback")
        elif step.kind == "voicemail_left":
            length = duration(step.detail.get("duration_s"))
            text = words.gettext("Message vocal laissé ({length})", length=length)
            yield Line(step.at, text, only, "callback")
        elif step.kind == "callback_started":
            attempt = attempts.setdefault(key, Attempt(_number(step), step.at))
            attempt.nurse = attempt.nurse or step.detail.get("nurse")
            attempt.told.add(step.id)
        elif step.kind in QUIET:
            attempts.setdefault(key, Attempt(_number(step), step.at)).told.add(step.id)
        elif step.kind in ATTEMPT_ENDS:
            attempt = attempts.pop(key) if key in attempts else Attempt(_number(step), step.at)
            attempt.told.add(step.id)
            yield Line(step.at, _attempt(attempt, step, words), frozenset(attempt.told), "callback")
        elif step.kind == "callback_resumed":
            yield Line(step.at, "", only)  # the attempt never rang: it is made again
        elif step.kind == "follow_up_recorded":
            yield Line(step.at, _outcome(step, facts, words), only, "callback")
    for attempt in attempts.values():  # under way
        text = words.gettext("Rappel n° {n} en cours", n=attempt.number)
        if attempt.nurse:
            text = f"{text} ({attempt.nurse})"
        yield Line(attempt.started_at, text, frozenset(attempt.told), "callback")


def _number(step: Step) -> int:
    found = step.detail.get("attempt")
    return found if isinstance(found, int) else 1


def _moment(words: Words, iso: object) -> str | None:
    try:
        return words.moment(datetime.fromisoformat(str(iso)))
    except ValueError:
        return None


def _requested(step: Step, words: Words) -> str:
    if step.detail.get("digits") == "0":
        return words.gettext("Le médecin demande à être rappelé dès que possible")
    moment = _moment(words, step.detail.get("due_at"))
    if moment is None:
        return words.gettext("Le médecin demande à être rappelé")
    return words.gettext("Le médecin demande à être rappelé le {moment}", moment=moment)


def _created(step: Step, words: Words) -> str:
    moment = _moment(words, step.detail.get("due_at"))
    if moment is None:
        return words.gettext("Rappel programmé")
    if step.detail.get("reason") == "follow_up":
        return words.gettext("Suivi programmé : rappel le {moment}", moment=moment)
    return words.gettext("Rappel programmé pour le {moment}", moment=moment)


def _attempt(attempt: Attempt, step: Step, words: Words) -> str:
    if attempt.nurse:
        head = words.gettext("Rappel n° {n} par {nurse}", n=attempt.number, nurse=attempt.nurse)
    else:
        head = words.gettext("Rappel n° {n}", n=attempt.number)
    if step.kind == "callback_reached":
        seconds = step.detail.get("duration_s")
        if seconds:
            return words.gettext(
                "{head} : médecin joint, appel de {length}", head=head, length=duration(seconds)
            )
        return words.gettext("{head} : médecin joint", head=head)
    why = str(step.detail.get("why") or "")
    said = words.gettext(WHYS[why]) if why in WHYS else why
    if step.kind == "callback_failed":
        return words.gettext(
            "{head} : {why} — rappel abandonné après {n} essais",
            head=head,
            why=said,
            n=attempt.number,
        )
    moment = _moment(words, step.detail.get("next_attempt_at"))
    if moment is None:
        return words.gettext("{head} : {why}", head=head, why=said)
    return words.gettext(
        "{head} : {why} — nouvel essai le {moment}", head=head, why=said, moment=moment
    )


def _outcome(step: Step, facts: Facts, words: Words) -> str:
    outcome = str(step.detail.get("outcome") or "")
    said = words.gettext(FOLLOW_UP_OUTCOMES[outcome]) if outcome in FOLLOW_UP_OUTCOMES else outcome
    said = said[:1].lower() + said[1:]  # inside a sentence
    nurse = facts.person(step.detail.get("by"))
    if nurse:
        return words.gettext("Issue du suivi : {outcome} ({nurse})", outcome=said, nurse=nurse)
    return words.gettext("Issue du suivi : {outcome}", outcome=said)
