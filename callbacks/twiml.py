"""TwiML of callbacks: the GP keys a time; the nurse is rung first, then the professional."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.twiml.voice_response import VoiceResponse

from hotline.telephony.twiml import say_fr
from hotline.telephony.urls import with_retries
from hotline.voice_twiml import GOODBYE, spoken_reference
from routing.twiml import CONFERENCE_EVENTS

MENU_PROMPT = "Pour être rappelé"  # the main menu adds ", tapez 3."
ASK_TIME = (
    "Tapez l'heure à laquelle vous souhaitez être rappelé, en quatre chiffres : "
    "par exemple 1 4 2 0 pour 14 heures 20. Pour être rappelé dès que possible, tapez 0."
)
BAD_TIME = "Cette heure n'est pas valide."
WITHHELD = (
    "Votre numéro est masqué : nous ne pourrons pas vous rappeler. "
    "Merci de rappeler la plateforme sans masquer votre numéro."
)
STALE = "Ce rappel n'est plus d'actualité. Merci, au revoir."


@dataclass(frozen=True)
class CallbackUrls:
    """Absolute public URLs of the callback webhooks."""

    root: str

    def _url(self, path: str, **query: object) -> str:
        shown = {k: v for k, v in query.items() if v is not None}
        return f"{self.root}/twilio/callback{path}" + (f"?{urlencode(shown)}" if shown else "")

    def time_choice(self, attempt: int) -> str:
        """The GP's keyed time."""
        return self._url("/time", attempt=attempt)

    def nurse(self, task_id: int, attempt: int, kind: str) -> str:
        """The nurse's leg, answered."""
        return self._url("/nurse", task=task_id, attempt=attempt, kind=kind)

    def nurse_accept(self, task_id: int, attempt: int) -> str:
        """The nurse's key press."""
        return self._url("/nurse-accept", task=task_id, attempt=attempt)

    def nurse_status(self, task_id: int, attempt: int) -> str:
        """Progress of the nurse's leg."""
        return with_retries(self._url("/nurse-status", task=task_id, attempt=attempt))

    def gp(self, task_id: int, attempt: int) -> str:
        """The professional's leg, answered."""
        return self._url("/gp", task=task_id, attempt=attempt)

    def gp_amd(self, task_id: int, attempt: int) -> str:
        """The answering machine detection's verdict on the professional's leg."""
        return with_retries(self._url("/gp-amd", task=task_id, attempt=attempt))

    def gp_status(self, task_id: int, attempt: int) -> str:
        """Progress of the professional's leg."""
        return with_retries(self._url("/gp-status", task=task_id, attempt=attempt))

    def conference_events(self) -> str:
        """Conference and participant events of every room."""
        return with_retries(f"{self.root}/twilio/voice/conference")


def ask_time(urls: CallbackUrls, attempt: int, again: bool = False) -> VoiceResponse:
    """When should we call back? Four digits, or 0 for as soon as possible."""
    response = VoiceResponse()
    if again:
        say_fr(response, BAD_TIME)
    gather = response.gather(
        input="dtmf", num_digits=4, finish_on_key="#", timeout=8,
        action=urls.time_choice(attempt), method="POST",
    )  # fmt: skip
    say_fr(gather, ASK_TIME)
    response.redirect(urls.time_choice(attempt) + "&silent=1", method="POST")
    return response


def callback_booked(when_said: str, number_said: str, reference: str) -> VoiceResponse:
    """The promise, read back."""
    response = VoiceResponse()
    say_fr(
        response,
        f"C'est noté : nous vous rappellerons {when_said} au {number_said}. "
        f"Votre demande porte la référence {spoken_reference(reference)}.",
    )
    say_fr(response, GOODBYE)
    response.hangup()
    return response


def withheld() -> VoiceResponse:
    """No number to call back."""
    response = VoiceResponse()
    say_fr(response, WITHHELD)
    say_fr(response, GOODBYE)
    response.hangup()
    return response


def _room(response: VoiceResponse, room: str, label: str, urls: CallbackUrls) -> None:
    dial = response.dial()
    dial.conference(
        room,
        participant_label=label,
        start_conference_on_enter=True,
        end_conference_on_exit=True,
        beep=False,
        status_callback=urls.conference_events(),
        status_callback_method="POST",
        status_callback_event=CONFERENCE_EVENTS,
    )


def nurse_screen(about: str, accept_url: str) -> VoiceResponse:
    """The nurse hears whom she calls back; 1 dials the professional."""
    response = VoiceResponse()
    gather = response.gather(
        input="dtmf", num_digits=1, timeout=8, action=accept_url, method="POST"
    )
    say_fr(gather, f"{about} Pour lancer l'appel, tapez 1.")
    say_fr(response, "Rappel non lancé. Au revoir.")
    response.hangup()
    return response


def nurse_waits(room: str, caller: str | None, label: str, urls: CallbackUrls) -> VoiceResponse:
    """The nurse in the room (under her own label) while the professional's phone rings."""
    response = VoiceResponse()
    say_fr(response, f"Nous appelons {caller or 'le professionnel'}. Restez en ligne.")
    _room(response, room, label, urls)
    return response


def gp_joins(helpline_name: str, reference: str, room: str, urls: CallbackUrls) -> VoiceResponse:
    """The professional picks up: who calls him back and why, then the nurse."""
    response = VoiceResponse()
    say_fr(
        response,
        f"Bonjour, ici {helpline_name}. Nous vous rappelons au sujet de votre demande "
        f"{spoken_reference(reference)}. Je vous passe l'infirmière.",
    )
    _room(response, room, "gp", urls)
    return response


def stale() -> VoiceResponse:
    """A leg of an attempt that is over."""
    response = VoiceResponse()
    say_fr(response, STALE)
    response.hangup()
    return response


MACHINE_MESSAGE = (
    "Bonjour. Nous avons essayé de vous rappeler au sujet de votre demande {reference}. "
    "Nous vous rappellerons."
)
NURSE_TOLD_MACHINE = "Messagerie du professionnel : un nouvel essai de rappel est prévu. Au revoir."


def machine_message(reference: str) -> VoiceResponse:
    """Left on a professional's voicemail: the request's reference only, never a name."""
    response = VoiceResponse()
    say_fr(response, MACHINE_MESSAGE.format(reference=spoken_reference(reference)))
    response.hangup()
    return response


def nurse_told_machine() -> VoiceResponse:
    """The nurse waiting in the room: a voicemail answered, the callback will be tried again."""
    response = VoiceResponse()
    say_fr(response, NURSE_TOLD_MACHINE)
    response.hangup()
    return response


def hang_up() -> VoiceResponse:
    """End a leg without a word (a fax)."""
    response = VoiceResponse()
    response.hangup()
    return response
