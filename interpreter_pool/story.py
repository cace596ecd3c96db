"""Interpreting's lines in the request's story: the language chosen, the interpreters rung, who
came on the line and how fast, how long they stayed (a pure teller, see ``hotline.story``)."""

from __future__ import annotations

from collections.abc import Iterator

from hotline.story import Facts, Line, Round, Step, Words, duration
from interpreter_pool.languages import language_name

# Steps the story tells by saying nothing: the ringing's own bookkeeping, and the ledger.
QUIET = frozenset({"interpreter_step_deadline", "charge_posted", "charge_not_priced"})


def tell(facts: Facts, words: Words) -> Iterator[Line]:
    """Interpreting's steps: the menu choice with its language, one round of ringing a session,
    then the steps that say something."""
    languages = _languages(facts.steps)
    rounds: dict[object, Round] = {}
    connected: dict[object, Step] = {}
    menu: Step | None = None
    for step in facts.steps:
        only = frozenset({step.id})
        session_id = step.detail.get("session_id")
        language = languages.get(session_id) or step.detail.get("language")
        if step.kind == "menu_choice" and step.detail.get("choice") == "interpreter":
            menu = step
        elif step.kind == "language_chosen" and menu is not None:
            name = language_name(str(step.detail.get("language")), words.locale)
            text = words.gettext("Choix au menu : interprète ({language})", language=name)
            yield Line(menu.at, text, frozenset({menu.id, step.id}), "interpreter")
            menu = None
        elif step.kind == "language_chosen":
            name = language_name(str(step.detail.get("language")), words.locale)
            text = words.gettext("Langue choisie : {language}", language=name)
            yield Line(step.at, text, only, "interpreter")
        elif step.kind == "language_said":
            understood = step.detail.get("understood")
            text = "" if understood else words.gettext("Langue dite non reconnue")
            yield Line(step.at, text, only, "interpreter")
        elif step.kind == "interpreter_requested":
            yield _requested(step, language, words)
        elif step.kind == "interpreter_ringing":
            rounds.setdefault(session_id, Round(step.at)).ring(step, step.detail.get("interpreter"))
        elif step.kind == "interpreter_connected":
            connected[session_id] = step
            yield from _connected(rounds.pop(session_id, None), step, language, words)
        elif step.kind == "interpreter_not_found":
            yield from _not_found(rounds.pop(session_id, None), step, language, words)
        elif step.kind == "interpreter_left":
            yield _left(connected.get(session_id), step, words)
        elif step.kind == "interpreter_removed":
            yield Line(step.at, words.gettext("Interprète retiré par l'infirmière"), only)
        elif step.kind == "interpreter_abandoned":
            rung = rounds.pop(session_id, None)
            if rung is not None:
                yield _summary(rung, words, answered=False)
            text = words.gettext("Le médecin a raccroché pendant la recherche d'un interprète")
            yield Line(step.at, text, only, "interpreter")
        elif step.kind == "interpreter_needs_approval":
            text = words.gettext("Budget d'interprétariat épuisé : l'infirmière doit valider")
            yield Line(step.at, text, only, "interpreter")
        elif step.kind == "interpreter_approved":
            text = words.gettext("Interprète validé malgré le budget épuisé")
            yield Line(step.at, text, only, "interpreter")
        elif step.kind in QUIET:
            yield Line(step.at, "", only)
    if menu is not None:  # the GP chose interpreting and no language yet
        text = words.gettext("Choix au menu : interprète")
        yield Line(menu.at, text, frozenset({menu.id}), "interpreter")
    for rung in rounds.values():  # still ringing
        text = words.ngettext("{n} interprète sollicité", "{n} interprètes sollicités", rung.count)
        yield Line(rung.started_at, text, frozenset(rung.told), "interpreter")


def _languages(steps: tuple[Step, ...]) -> dict[object, str]:
    return {
        step.detail.get("session_id"): str(step.detail.get("language"))
        for step in steps
        if step.kind == "interpreter_requested" and step.detail.get("language")
    }


def _requested(step: Step, language: object, words: Words) -> Line:
    """Said when the nurse adds an interpreter; the GP's own request is his menu choice."""
    only = frozenset({step.id})
    if step.detail.get("by") != "nurse":
        return Line(step.at, "", only)
    name = language_name(str(language), words.locale)
    text = words.gettext("L'infirmière demande un interprète en {language}", language=name)
    return Line(step.at, text, only, "interpreter")


def _summary(rung: Round, words: Words, answered: bool) -> Line:
    if answered:
        text = words.ngettext(
            "{n} interprète sollicité, il a répondu",
            "{n} interprètes sollicités, 1 a répondu",
            rung.count,
        )
    else:
        text = words.ngettext(
            "{n} interprète sollicité, pas de réponse",
            "{n} interprètes sollicités, aucun n'a répondu",
            rung.count,
        )
    return Line(rung.started_at, text, frozenset(rung.told), "interpreter")


def _connected(rung: Round | None, step: Step, language: object, words: Words) -> Iterator[Line]:
    if rung is not None and len(rung.rung) > 1:
        yield _summary(rung, words, answered=True)
    elif rung is not None:
        yield Line(rung.started_at, "", frozenset(rung.told))
    seconds = step.detail.get("time_to_connect_s")
    if seconds is None and rung is not None:
        seconds = rung.wait(step.at)
    name = language_name(str(language), words.locale) if language else None
    values = {"language": name, "wait": duration(seconds)}
    if name and seconds is not None:
        text = words.gettext("Interprète en {language} en ligne après {wait}", **values)
    elif name:
        text = words.gettext("Interprète en {language} en ligne", language=name)
    else:
        text = words.gettext("Interprète en ligne")
    who = step.detail.get("interpreter")
    if who:
        text = f"{text} ({who})"
    yield Line(step.at, text, frozenset({step.id}), "interpreter")


def _not_found(rung: Round | None, step: Step, language: object, words: Words) -> Iterator[Line]:
    if rung is not None:
        yield _summary(rung, words, answered=False)
    name = language_name(str(language), words.locale) if language else "?"
    text = words.gettext("Aucun interprète en {language} trouvé", language=name)
    yield Line(step.at, text, frozenset({step.id}), "interpreter")


def _left(connected: Step | None, step: Step, words: Words) -> Line:
    only = frozenset({step.id})
    if connected is None:
        return Line(step.at, words.gettext("L'interprète a quitté l'appel"), only, "interpreter")
    length = duration((step.at - connected.at).total_seconds())
    text = words.gettext("L'interprète a quitté l'appel après {length} en ligne", length=length)
    return Line(step.at, text, only, "interpreter")
