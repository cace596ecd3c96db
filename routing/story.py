"""Routing's lines in the request's story: the nurses rung, who answered and how fast, the
voicemail, holds and transfers (a pure teller, see ``hotline.story``)."""

from __future__ import annotations

from collections.abc import Iterator

from hotline.story import Facts, Line, Round, Step, Words, duration

# A round of nurses being rung ends with one of these.
ENDS = frozenset(
    {"nurse_answered", "nurse_voicemail", "gp_abandoned", "transfer_done", "transfer_failed"}
)
# Steps a round's summary tells by saying nothing.
QUIET = frozenset({"nurse_no_answer", "nurse_step_deadline"})


def tell(facts: Facts, words: Words) -> Iterator[Line]:
    """Routing's steps: one line per round of ringing, then the steps that say something."""
    current: Round | None = None
    held = False
    for step in facts.steps:
        only = frozenset({step.id})
        if step.kind == "menu_choice" and step.detail.get("choice") == "nurse":
            yield Line(step.at, words.gettext("Choix au menu : infirmière"), only, "nurse")
        elif step.kind == "nurse_ringing":
            if current is None:
                current = Round(step.at)
            current.ring(step, step.detail.get("nurse"))
        elif step.kind in QUIET:
            yield Line(step.at, "", only)
        elif step.kind == "transfer_requested":
            who = step.detail.get("nurse") or facts.person(step.detail.get("to")) or "?"
            yield Line(step.at, words.gettext("Transfert à {nurse}", nurse=who), only, "nurse")
            current = Round(step.at)
        elif step.kind in ENDS:
            yield from _round_over(current, step, facts, words)
            current = None
        elif step.kind == "sms_sent":
            yield Line(step.at, _sms(step, words), only)
        elif step.kind == "nurse_closed":
            yield Line(step.at, words.gettext("Permanence infirmière fermée"), only, "nurse")
        elif step.kind == "nurse_unreachable":
            text = words.gettext("Aucune infirmière joignable")
            yield Line(step.at, text, only, "nurse")
        elif step.kind in ("gp_on_hold", "gp_resumed"):
            # A second "on hold" without a resume between them says nothing new.
            if (step.kind == "gp_on_hold") != held:
                held = step.kind == "gp_on_hold"
                yield Line(step.at, _hold(step, facts, words), only, "nurse")
            else:
                yield Line(step.at, "", only)
    if current is not None and current.told:  # still ringing
        yield _summary(current, words, answered=None, still=True)


def _sms(step: Step, words: Words) -> str:
    """A text sent about the request (its reference and a time only)."""
    if step.detail.get("kind") == "voicemail_alert":
        return words.gettext("SMS à l'infirmière de permanence : message vocal reçu")
    return words.gettext("SMS de confirmation du rappel envoyé au professionnel")


def _hold(step: Step, facts: Facts, words: Words) -> str:
    nurse = facts.person(step.detail.get("user_id"))
    if step.kind == "gp_resumed":
        return words.gettext("Médecin repris en ligne")
    if nurse:
        return words.gettext("Médecin mis en attente par {nurse}", nurse=nurse)
    return words.gettext("Médecin mis en attente")


def _summary(rung: Round, words: Words, answered: str | None, still: bool = False) -> Line:
    if still:
        text = words.ngettext(
            "{n} infirmière sollicitée", "{n} infirmières sollicitées", rung.count
        )
    elif answered:
        text = words.ngettext(
            "{n} infirmière sollicitée, elle a répondu",
            "{n} infirmières sollicitées, 1 a répondu",
            rung.count,
        )
    else:
        text = words.ngettext(
            "{n} infirmière sollicitée, pas de réponse",
            "{n} infirmières sollicitées, aucune n'a répondu",
            rung.count,
        )
    return Line(rung.started_at, text, frozenset(rung.told), "nurse")


def _round_over(current: Round | None, step: Step, facts: Facts, words: Words) -> Iterator[Line]:
    only = frozenset({step.id})
    answered = None
    if step.kind == "nurse_answered":
        answered = step.detail.get("nurse") or facts.person(step.detail.get("user_id"))
    elif step.kind == "transfer_done":
        answered = facts.person(step.detail.get("to"))
    if current is not None and current.told and (answered is None or len(current.rung) > 1):
        yield _summary(current, words, answered)
    elif current is not None:
        yield Line(current.started_at, "", frozenset(current.told))
    wait = duration(current.wait(step.at)) if current is not None else None
    if step.kind == "nurse_answered":
        who = answered or words.gettext("Une infirmière")
        if wait:
            text = words.gettext("{nurse} a répondu après {wait}", nurse=who, wait=wait)
        else:
            text = words.gettext("{nurse} a répondu", nurse=who)
        yield Line(step.at, text, only, "nurse")
    elif step.kind == "transfer_done":
        who = answered or words.gettext("La collègue")
        yield Line(step.at, words.gettext("{nurse} a pris l'appel", nurse=who), only, "nurse")
    elif step.kind == "transfer_failed":
        yield Line(step.at, words.gettext("Transfert sans réponse"), only, "nurse")
    elif step.kind == "nurse_voicemail":
        text = words.gettext("Aucune réponse : le médecin est orienté vers la messagerie")
        yield Line(step.at, text, only, "nurse")
    elif step.kind == "gp_abandoned":
        if wait:
            text = words.gettext("Le médecin a raccroché après {wait} d'attente", wait=wait)
        else:
            text = words.gettext("Le médecin a raccroché en attente")
        yield Line(step.at, text, only, "nurse")
