"""TwiML of the nurse flow: the GP's wait in the room, the screened nurse leg, the voicemail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from twilio.twiml.voice_response import VoiceResponse

from hotline.telephony.twiml import say_fr
from hotline.telephony.urls import with_retries
from hotline.voice_twiml import GOODBYE, spoken_reference
from routing.hours import OpeningHours, describe_hours_fr, describe_moment_fr

MENU_PROMPT = "Pour parler à l'infirmière de permanence"  # the main menu adds ", tapez 2."
GP_WAITS = "Nous appelons l'infirmière de permanence. Merci de patienter quelques instants."
HOLD_MESSAGE = "Merci de patienter, l'infirmière de permanence va vous répondre."
# Twilio's public hold music; only Twilio fetches it, never this service.
HOLD_MUSIC_URL = "http://com.twilio.sounds.music.s3.amazonaws.com/MARKOVICHAMP-Borghestral.mp3"
SCREEN_TIMEOUT_S = 8
ALREADY_TAKEN = "Cet appel a déjà été pris par une collègue. Merci, au revoir."
NOT_ACCEPTED = "Appel non accepté. Au revoir."
VOICEMAIL_PROMPT = (
    "Après le bip, laissez votre nom, le numéro où vous joindre et l'objet de votre appel, "
    "sans nom de patient. Terminez par la touche dièse ou raccrochez. Nous vous rappellerons."
)
NO_NURSE = "L'infirmière de permanence n'est pas disponible pour le moment."
NO_MESSAGE = "Nous n'avons pas reçu de message. Nous vous rappellerons au numéro de cet appel."
CONFERENCE_EVENTS = "start end join leave"
RATING_QUESTION = (
    "Sur une échelle de 1 à 5, quelle note donnez-vous au service rendu ? "
    "Tapez un chiffre de 1 à 5."
)
RATING_AGAIN = "Merci de taper un chiffre de 1 à 5."
RATING_THANKS = "Merci pour votre note. Au revoir."
RATING_TIMEOUT_S = 6


@dataclass(frozen=True)
class NurseUrls:
    """Absolute public URLs of the nurse flow's webhooks (Twilio signs and calls these)."""

    root: str

    def _url(self, path: str, **query: object) -> str:
        shown = {k: v for k, v in query.items() if v is not None}
        return f"{self.root}{path}" + (f"?{urlencode(shown)}" if shown else "")

    def screen(self, routing_id: int, step: int, user_id: int, kind: str) -> str:
        """The TwiML of a ringing leg once answered (screening or joining)."""
        return self._url(
            "/twilio/nurse/screen", routing=routing_id, step=step, user=user_id, kind=kind
        )

    def accept(self, routing_id: int, step: int, user_id: int) -> str:
        """Where the screened nurse's key press goes."""
        return self._url("/twilio/nurse/accept", routing=routing_id, step=step, user=user_id)

    def leg_status(self, routing_id: int, step: int, user_id: int) -> str:
        """Call-progress callbacks of a ringing leg (retried by Twilio on connection failures)."""
        return with_retries(
            self._url("/twilio/nurse/leg-status", routing=routing_id, step=step, user=user_id)
        )

    def wait(self) -> str:
        """What the GP hears alone in the room."""
        return self._url("/twilio/nurse/wait")

    def voicemail(self, reason: str) -> str:
        """The voicemail prompt and <Record>."""
        return self._url("/twilio/nurse/voicemail", reason=reason)

    def voicemail_done(self, reason: str) -> str:
        """The <Record> action."""
        return self._url("/twilio/nurse/voicemail-done", reason=reason)

    def recording_status(self) -> str:
        """The recording status callback."""
        return with_retries(self._url("/twilio/nurse/recording"))

    def conference_events(self) -> str:
        """Conference and participant events of every room."""
        return with_retries(self._url("/twilio/voice/conference"))

    def after_call(self) -> str:
        """The GP still on the line once the room ended: a rating, or goodbye."""
        return self._url("/twilio/nurse/after-call")

    def rating(self, attempt: int) -> str:
        """The key the GP pressed to rate the service."""
        return self._url("/twilio/nurse/rating", attempt=attempt)


def room_name(request_id: int) -> str:
    """The conference of a request: its id only, never a name."""
    return f"req-{request_id}"


NURSE_LABEL_PREFIX = "nurse-"


def nurse_label(user_id: int | None, call_sid: str) -> str:
    """A nurse's participant label, unique in the room: ``nurse-<user id>``.

    Twilio refuses a second participant with a label already in the conference (error 16025),
    so two nurses (a transfer) must never share one; a leg without a known nurse is named by
    its CallSid.
    """
    return f"{NURSE_LABEL_PREFIX}{user_id if user_id is not None else call_sid}"


def is_nurse_label(label: str | None) -> bool:
    """Whether a participant label is a nurse's."""
    return bool(label) and str(label).startswith(NURSE_LABEL_PREFIX)


def _join_room(
    response: VoiceResponse, room: str, label: str, urls: NurseUrls, *, starts: bool
) -> None:
    dial = response.dial()
    dial.conference(
        room,
        participant_label=label,
        start_conference_on_enter=starts,
        end_conference_on_exit=True,
        beep=False,
        wait_url=urls.wait(),
        wait_method="POST",
        status_callback=urls.conference_events(),
        status_callback_method="POST",
        status_callback_event=CONFERENCE_EVENTS,
    )


def gp_waits_for_nurse(room: str, urls: NurseUrls) -> VoiceResponse:
    """The GP enters the request's room and hears music until a nurse joins; when the room
    ends (the nurse left) and he is still on the line, he goes on to the after-call."""
    response = VoiceResponse()
    say_fr(response, GP_WAITS)
    _join_room(response, room, "gp", urls, starts=False)
    response.redirect(urls.after_call(), method="POST")
    return response


def ask_rating(urls: NurseUrls, attempt: int) -> VoiceResponse:
    """One key from 1 to 5 rates the service; no answer is a polite goodbye."""
    response = VoiceResponse()
    gather = response.gather(
        input="dtmf", num_digits=1, timeout=RATING_TIMEOUT_S,
        action=urls.rating(attempt), method="POST",
    )  # fmt: skip
    say_fr(gather, RATING_QUESTION if attempt == 1 else RATING_AGAIN)
    say_fr(response, GOODBYE)
    response.hangup()
    return response


def goodbye(text: str = GOODBYE) -> VoiceResponse:
    """A polite goodbye, then the hang-up."""
    response = VoiceResponse()
    say_fr(response, text)
    response.hangup()
    return response


def hold_music() -> VoiceResponse:
    """The room's waiting message and music."""
    response = VoiceResponse()
    say_fr(response, HOLD_MESSAGE)
    response.play(HOLD_MUSIC_URL, loop=0)
    return response


def screen_nurse(
    helpline_name: str, caller: str | None, reference: str, accept_url: str
) -> VoiceResponse:
    """A nurse's phone leg, answered: who calls, and press 1 to take it (voicemail never does)."""
    response = VoiceResponse()
    who = f"appel de {caller}" if caller else "appel d'un professionnel"
    gather = response.gather(
        input="dtmf", num_digits=1, timeout=SCREEN_TIMEOUT_S, action=accept_url, method="POST"
    )
    say_fr(
        gather,
        f"{helpline_name} : {who}, demande {spoken_reference(reference)}. "
        "Pour accepter l'appel, tapez 1.",
    )
    say_fr(response, NOT_ACCEPTED)
    response.hangup()
    return response


def nurse_joins(room: str, caller: str | None, label: str, urls: NurseUrls) -> VoiceResponse:
    """The nurse who took the call enters the room under her own label; the conference starts."""
    response = VoiceResponse()
    say_fr(
        response, f"Vous êtes en relation avec {caller}." if caller else "Vous êtes en relation."
    )
    _join_room(response, room, label, urls, starts=True)
    return response


def already_taken() -> VoiceResponse:
    """A nurse answered too late: somebody else has the call."""
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


def closed_intro(
    reason: str | None, hours: OpeningHours, opens_at: datetime | None, now: datetime
) -> list[str]:
    """What a GP hears when the nurse line is closed: why, the hours, when it reopens."""
    intro = [f"La permanence infirmière est actuellement fermée : {reason}."]
    intro.append(f"Elle est ouverte {describe_hours_fr(hours.schedule)}.")
    if opens_at is not None:
        intro.append(f"Elle rouvrira {describe_moment_fr(opens_at, hours, now)}.")
    return intro


def voicemail(intro: list[str], reason: str, max_length_s: int, urls: NurseUrls) -> VoiceResponse:
    """Why the nurse cannot answer, then a message after the beep."""
    response = VoiceResponse()
    for text in intro:
        say_fr(response, text)
    say_fr(response, VOICEMAIL_PROMPT)
    response.record(
        action=urls.voicemail_done(reason),
        method="POST",
        max_length=max_length_s,
        timeout=5,
        finish_on_key="#",
        play_beep=True,
        recording_status_callback=urls.recording_status(),
        recording_status_callback_method="POST",
    )
    # Reached only when nothing was recorded: the callback is promised all the same.
    say_fr(response, NO_MESSAGE)
    say_fr(response, GOODBYE)
    response.hangup()
    return response


def message_recorded(reference: str) -> VoiceResponse:
    """After the message: its reference, and goodbye."""
    response = VoiceResponse()
    say_fr(
        response,
        "Votre message est enregistré sous la référence "
        f"{spoken_reference(reference)}. Nous vous rappellerons.",
    )
    say_fr(response, GOODBYE)
    response.hangup()
    return response
