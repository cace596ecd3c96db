"""TwiML of the helpline's voice flow: greeting and main menu (pure builders)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from twilio.twiml.voice_response import VoiceResponse

from hotline.telephony.twiml import FRENCH, say_fr


class Named(Protocol):
    """Whom a voice greets: a professional, or the incoming call's copy of one."""

    @property
    def title(self) -> str | None: ...

    @property
    def last_name(self) -> str | None: ...


MENU_TIMEOUT_S = 6
MAX_MENU_ATTEMPTS = 3
NO_CHOICE = "Nous n'avons pas reçu votre choix."
INVALID_CHOICE = "Ce choix n'est pas valide."
GOODBYE = "Merci de votre appel. Au revoir."
TECHNICAL_PROBLEM = (
    "Nous rencontrons un problème technique. Nous vous mettons en relation avec la permanence."
)
TECHNICAL_PROBLEM_NO_FALLBACK = (
    "Nous rencontrons un problème technique. Merci de rappeler dans quelques minutes. Au revoir."
)

BROWSER_OUTGOING_UNAVAILABLE = (
    "Le téléphone de la console reçoit les appels mais n'en passe pas. Au revoir."
)
_SPOKEN_TITLES = {"dr": "docteur", "pr": "professeur", "mme": "madame", "m.": "monsieur"}


@dataclass(frozen=True)
class MenuUrls:
    """Where the menu's answers go (absolute public URLs)."""

    menu: str


def menu_prompt(options: Iterable[tuple[str, str]]) -> str:
    """What the menu says: each branch's prompt and its key, as in "…, tapez 1."."""
    return " ".join(f"{prompt}, tapez {key}." for key, prompt in options)


def greeting_and_menu(
    greeting: str, caller_name: str | None, urls: MenuUrls, prompt: str
) -> VoiceResponse:
    """The helpline's greeting, a personal hello when the caller is known, then the menu."""
    response = VoiceResponse()
    say_fr(response, greeting)
    if caller_name:
        say_fr(response, f"Bonjour {caller_name}.")
    _append_menu(response, urls, attempt=1, prompt=prompt)
    return response


def menu_again(urls: MenuUrls, attempt: int, reason: str, prompt: str) -> VoiceResponse:
    """The menu once more after no key or a wrong key, or a goodbye after too many tries."""
    response = VoiceResponse()
    say_fr(response, reason)
    if attempt > MAX_MENU_ATTEMPTS:
        say_fr(response, GOODBYE)
        response.hangup()
        return response
    _append_menu(response, urls, attempt, prompt)
    return response


def _append_menu(response: VoiceResponse, urls: MenuUrls, attempt: int, prompt: str) -> None:
    gather = response.gather(
        input="dtmf",
        num_digits=1,
        timeout=MENU_TIMEOUT_S,
        action=f"{urls.menu}?attempt={attempt}",
        method="POST",
        language=FRENCH,
    )
    say_fr(gather, prompt)
    # No key within the timeout: Twilio continues here, and the menu counts one more attempt.
    response.redirect(f"{urls.menu}?attempt={attempt + 1}&silent=1", method="POST")


def not_yet_available(service: str, reference: str) -> VoiceResponse:
    """A polite end for a branch that this helpline does not offer yet."""
    response = VoiceResponse()
    say_fr(
        response,
        f"Le service {service} n'est pas encore disponible sur cette ligne. "
        f"Votre appel est enregistré sous la référence {spoken_reference(reference)}.",
    )
    say_fr(response, GOODBYE)
    response.hangup()
    return response


def technical_problem(fallback_number: str | None) -> VoiceResponse:
    """Safe TwiML when the service fails: put the caller through to the fallback number."""
    response = VoiceResponse()
    if fallback_number:
        say_fr(response, TECHNICAL_PROBLEM)
        response.dial(fallback_number, timeout=30)
    else:
        say_fr(response, TECHNICAL_PROBLEM_NO_FALLBACK)
        response.hangup()
    return response


def browser_outgoing_unavailable() -> VoiceResponse:
    """The browser phone's TwiML app: the console places no call of its own, so say so."""
    response = VoiceResponse()
    say_fr(response, BROWSER_OUTGOING_UNAVAILABLE)
    response.hangup()
    return response


def spoken_reference(reference: str) -> str:
    """A reference such as 2026-00042 as a voice reads it: "2026, numéro 42"."""
    year, _, number = reference.partition("-")
    return f"{year}, numéro {int(number)}" if number.isdigit() else reference


def spoken_name(professional: Named | None) -> str | None:
    """How a voice names a professional: "docteur Martin"; None when unknown."""
    if professional is None:
        return None
    title = _SPOKEN_TITLES.get((professional.title or "").lower(), professional.title or "")
    return " ".join(p for p in (title, professional.last_name) if p) or None
