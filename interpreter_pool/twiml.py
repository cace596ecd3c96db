"""TwiML of interpreting: the language menu, speech, confirmation, the screened interpreter leg."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.twiml.voice_response import VoiceResponse

from hotline.telephony.twiml import FRENCH, say_fr
from hotline.telephony.urls import with_retries
from hotline.voice_twiml import GOODBYE, spoken_reference
from interpreter_pool.languages import keypad_prompt_fr, language_name, with_article_fr
from routing.twiml import CONFERENCE_EVENTS, HOLD_MUSIC_URL, NurseUrls

MENU_PROMPT = "Pour obtenir un interprète"  # the main menu adds ", tapez 1."
LANGUAGE_TIMEOUT_S = 6
SPEECH_TIMEOUT_S = 5
SCREEN_TIMEOUT_S = 8
SAY_LANGUAGE = "Dites le nom de la langue du patient, par exemple : arabe, dari ou tigrigna."
NOT_UNDERSTOOD = "Je n'ai pas compris la langue."
TO_NURSE = "Je vous mets en relation avec l'infirmière de permanence."
ALREADY_TAKEN = "Merci, cet appel a déjà été pris par un collègue. Au revoir."
NOT_ACCEPTED = "Appel non accepté. Au revoir."
AGENCY_REACHED = (
    "Nous joignons l'agence d'interprétariat : vous allez entendre son accueil, "
    "puis un interprète prendra la ligne. Merci de patienter."
)
BUDGET_EXHAUSTED = (
    "Le budget d'interprétariat de la plateforme est épuisé : "
    "l'infirmière de permanence va valider votre demande."
)


@dataclass(frozen=True)
class InterpretingUrls:
    """Absolute public URLs of the interpreting webhooks."""

    root: str

    def _url(self, path: str, **query: object) -> str:
        shown = {k: v for k, v in query.items() if v is not None}
        return f"{self.root}/twilio/interpreting{path}" + (f"?{urlencode(shown)}" if shown else "")

    def language_menu(self, attempt: int = 1) -> str:
        """The keypad menu of languages."""
        return self._url("/language", attempt=attempt)

    def language_choice(self, attempt: int, menu: Sequence[tuple[str, str]] = ()) -> str:
        """The key pressed in the language menu, with the menu the GP heard pinned in the URL."""
        return self._url("/language-choice", attempt=attempt, menu=pin_menu(menu) or None)

    def speech(self, attempt: int) -> str:
        """The language said aloud."""
        return self._url("/speech", attempt=attempt)

    def confirm(self, language: str) -> str:
        """The confirmation of a language understood from speech."""
        return self._url("/confirm", language=language)

    def wait(self, language: str) -> str:
        """What the GP hears while interpreters are rung."""
        return self._url("/wait", language=language)

    def screen(self, session_id: int, step: int, interpreter_id: int) -> str:
        """The TwiML of an interpreter's leg once answered."""
        return self._url("/screen", session=session_id, step=step, interpreter=interpreter_id)

    def agency(self, session_id: int, step: int, interpreter_id: int) -> str:
        """The TwiML of an agency's leg once its line answers (a machine: no screening)."""
        return self._url("/agency", session=session_id, step=step, interpreter=interpreter_id)

    def agency_reached(self, session_id: int) -> str:
        """What the GP hears when the agency's line joins the room."""
        return self._url("/agency-reached", session=session_id)

    def accept(self, session_id: int, step: int, interpreter_id: int) -> str:
        """Where the interpreter's key press goes."""
        return self._url("/accept", session=session_id, step=step, interpreter=interpreter_id)

    def leg_status(self, session_id: int, step: int, interpreter_id: int) -> str:
        """Call-progress callbacks of an interpreter's leg (retried by Twilio on failures)."""
        return with_retries(
            self._url("/leg-status", session=session_id, step=step, interpreter=interpreter_id)
        )

    def none_found(self, session_id: int) -> str:
        """The GP's leg, redirected when nobody answered within the budget."""
        return self._url("/none", session=session_id)

    def none_choice(self, session_id: int) -> str:
        """The GP's choice after no interpreter was found."""
        return self._url("/none-choice", session=session_id)

    def conference_events(self) -> str:
        """Conference and participant events of every room (retried by Twilio on failures)."""
        return with_retries(f"{self.root}/twilio/voice/conference")


def pin_menu(menu: Sequence[tuple[str, str]]) -> str:
    """The keypad menu as the GP heard it, for the action URL: ``1:ar,2:ti``.

    The key is read against this menu, not one recomputed when it arrives: a retried or late
    key press (an interpreter went busy meanwhile) still means the language the GP chose.
    """
    return ",".join(f"{key}:{code}" for key, code in menu)


def pinned_menu(text: str | None) -> list[tuple[str, str]] | None:
    """The menu pinned by :func:`pin_menu`, or None when absent or malformed."""
    if not text:
        return None
    menu = []
    for item in text.split(","):
        key, sep, code = item.partition(":")
        if not sep or len(key) != 1 or not key.isdigit() or not code or len(code) > 16:
            return None
        menu.append((key, code))
    return menu


def spoken_language(code: str) -> str:
    """ "arabe", "tigrigna"… as a voice reads it."""
    return language_name(code, "fr")


def language_menu(
    menu: list[tuple[str, str]], urls: InterpretingUrls, attempt: int
) -> VoiceResponse:
    """The keypad menu: the most used languages, 9 for another language, 0 for the nurse."""
    response = VoiceResponse()
    gather = response.gather(
        input="dtmf",
        num_digits=1,
        timeout=LANGUAGE_TIMEOUT_S,
        action=urls.language_choice(attempt, menu),
        method="POST",
        language=FRENCH,
    )
    say_fr(gather, "Quelle langue parle le patient ? " + keypad_prompt_fr(menu))
    response.redirect(urls.language_choice(attempt, menu) + "&silent=1", method="POST")
    return response


def ask_language_by_speech(hints: str, urls: InterpretingUrls, attempt: int) -> VoiceResponse:
    """Say the language: French speech recognition with the pool's names as hints."""
    response = VoiceResponse()
    if attempt > 1:
        say_fr(response, NOT_UNDERSTOOD)
    gather = response.gather(
        input="speech",
        language=FRENCH,
        hints=hints,
        speech_timeout="auto",
        timeout=SPEECH_TIMEOUT_S,
        action=urls.speech(attempt),
        method="POST",
    )
    say_fr(gather, SAY_LANGUAGE)
    response.redirect(urls.speech(attempt), method="POST")
    return response


def confirm_language(code: str, urls: InterpretingUrls) -> VoiceResponse:
    """Read back the language understood; 1 (or no key) confirms, 2 chooses again."""
    response = VoiceResponse()
    gather = response.gather(
        input="dtmf", num_digits=1, timeout=5, action=urls.confirm(code), method="POST"
    )
    say_fr(
        gather,
        f"Vous avez demandé un interprète en {spoken_language(code)}. "
        "Pour confirmer, tapez 1. Pour choisir une autre langue, tapez 2.",
    )
    response.redirect(urls.confirm(code), method="POST")
    return response


def no_interpreter_for(code: str) -> str:
    """The pool has nobody for this language."""
    return f"Nous n'avons pas d'interprète en {spoken_language(code)} disponible."


def gp_waits_for_interpreter(room: str, code: str, urls: InterpretingUrls) -> VoiceResponse:
    """The GP enters the request's room while interpreters are rung."""
    response = VoiceResponse()
    say_fr(
        response,
        f"Nous recherchons un interprète en {spoken_language(code)}. "
        "Merci de patienter, cela prend en général moins d'une minute.",
    )
    dial = response.dial()
    dial.conference(
        room,
        participant_label="gp",
        start_conference_on_enter=False,
        end_conference_on_exit=True,
        beep=False,
        wait_url=urls.wait(code),
        wait_method="POST",
        status_callback=urls.conference_events(),
        status_callback_method="POST",
        status_callback_event=CONFERENCE_EVENTS,
    )
    # The room ended (the nurse of a three-way call left) with the GP on the line: after-call.
    response.redirect(NurseUrls(urls.root).after_call(), method="POST")
    return response


def interpreter_hold(code: str) -> VoiceResponse:
    """The room's waiting message while interpreters are rung."""
    response = VoiceResponse()
    say_fr(response, f"Recherche d'un interprète en {spoken_language(code)} en cours.")
    response.play(HOLD_MUSIC_URL, loop=0)
    return response


def screen_interpreter(
    code: str, helpline_name: str, reference: str, accept_url: str
) -> VoiceResponse:
    """An interpreter's leg, answered: which language, for whom, and press 1 to take it."""
    response = VoiceResponse()
    gather = response.gather(
        input="dtmf", num_digits=1, timeout=SCREEN_TIMEOUT_S, action=accept_url, method="POST"
    )
    say_fr(
        gather,
        f"Interprétariat en {spoken_language(code)} pour {helpline_name}, "
        f"demande {spoken_reference(reference)}. Pour accepter, tapez 1.",
    )
    say_fr(response, NOT_ACCEPTED)
    response.hangup()
    return response


def interpreter_joins(room: str, label: str, urls: InterpretingUrls) -> VoiceResponse:
    """The interpreter who took the call enters the room (and may leave it without ending it)."""
    response = VoiceResponse()
    say_fr(response, "Merci. Vous êtes en relation avec le professionnel de santé.")
    dial = response.dial()
    dial.conference(
        room,
        participant_label=label,
        start_conference_on_enter=True,
        end_conference_on_exit=False,
        beep=False,
        status_callback=urls.conference_events(),
        status_callback_method="POST",
        status_callback_event=CONFERENCE_EVENTS,
    )
    return response


def agency_joins(room: str, label: str, urls: InterpretingUrls) -> VoiceResponse:
    """An agency's line, answered by its phone menu: straight into the room, no screening.

    Its access code and language code are keyed by Twilio itself (``SendDigits`` of the
    REST call, "the string of keys to dial after connecting to the number"); a menu never
    presses 1, so the session connects when this leg joins the room, not on a key press.
    """
    response = VoiceResponse()
    dial = response.dial()
    dial.conference(
        room,
        participant_label=label,
        start_conference_on_enter=True,
        end_conference_on_exit=False,
        beep=False,
        status_callback=urls.conference_events(),
        status_callback_method="POST",
        status_callback_event=CONFERENCE_EVENTS,
    )
    return response


def agency_reached() -> VoiceResponse:
    """Announced to the GP when the agency's line joins the room."""
    response = VoiceResponse()
    say_fr(response, AGENCY_REACHED)
    return response


def hang_up() -> VoiceResponse:
    """A leg no longer wanted (a machine: nothing to say)."""
    response = VoiceResponse()
    response.hangup()
    return response


def taken() -> VoiceResponse:
    """An interpreter who pressed 1 too late."""
    response = VoiceResponse()
    say_fr(response, ALREADY_TAKEN)
    response.hangup()
    return response


def not_accepted() -> VoiceResponse:
    """A screened leg that did not press 1."""
    response = VoiceResponse()
    say_fr(response, NOT_ACCEPTED)
    response.hangup()
    return response


def none_found(code: str, urls: InterpretingUrls, session_id: int) -> VoiceResponse:
    """Nobody answered within the budget: offer the nurse or a callback."""
    response = VoiceResponse()
    gather = response.gather(
        input="dtmf", num_digits=1, timeout=8, action=urls.none_choice(session_id), method="POST"
    )
    say_fr(
        gather,
        f"Aucun interprète en {spoken_language(code)} n'est disponible pour le moment. "
        "Pour parler à l'infirmière de permanence, tapez 2. Pour être rappelé, tapez 3.",
    )
    response.redirect(urls.none_choice(session_id), method="POST")
    return response


def callback_promised(reference: str) -> VoiceResponse:
    """The GP chose to be called back."""
    response = VoiceResponse()
    say_fr(
        response,
        "C'est noté, nous vous rappellerons dès que possible. "
        f"Votre demande porte la référence {spoken_reference(reference)}.",
    )
    say_fr(response, GOODBYE)
    response.hangup()
    return response


def article(code: str) -> str:
    """ "l'arabe", "le dari": for sentences of the console."""
    return with_article_fr(spoken_language(code))
