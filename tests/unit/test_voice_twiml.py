"""The helpline's TwiML, read as Twilio reads it: parsed XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hotline import voice_twiml
from hotline.telephony.twiml import to_xml

URLS = voice_twiml.MenuUrls(menu="https://h.example.org/twilio/voice/menu")
PROMPT = voice_twiml.menu_prompt(
    [
        ("1", "Pour obtenir un interprète"),
        ("2", "Pour parler à l'infirmière de permanence"),
        ("3", "Pour être rappelé"),
    ]
)


def parse(response: object) -> ET.Element:
    return ET.fromstring(to_xml(response))  # type: ignore[arg-type]


def test_greeting_says_hello_by_name_then_gathers_one_digit() -> None:
    root = parse(
        voice_twiml.greeting_and_menu("Bonjour, plateforme.", "docteur Martin", URLS, PROMPT)
    )
    says = [s.text for s in root.findall("Say")]
    assert says == ["Bonjour, plateforme.", "Bonjour docteur Martin."]
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("numDigits") == "1"
    assert gather.get("action") == URLS.menu + "?attempt=1"
    prompt = gather.find("Say")
    assert prompt is not None
    assert prompt.get("language") == "fr-FR"
    assert "tapez 1" in (prompt.text or "")
    assert "tapez 2" in (prompt.text or "")
    assert "tapez 3" in (prompt.text or "")
    redirect = root.find("Redirect")
    assert redirect is not None
    assert redirect.text == URLS.menu + "?attempt=2&silent=1"


def test_the_menu_reads_each_branch_then_its_key() -> None:
    assert PROMPT == (
        "Pour obtenir un interprète, tapez 1. "
        "Pour parler à l'infirmière de permanence, tapez 2. "
        "Pour être rappelé, tapez 3."
    )


def test_after_the_last_attempt_the_caller_hears_goodbye_and_the_call_ends() -> None:
    root = parse(
        voice_twiml.menu_again(URLS, voice_twiml.MAX_MENU_ATTEMPTS + 1, "Rien reçu.", PROMPT)
    )
    assert root.find("Gather") is None
    assert root.find("Hangup") is not None


def test_a_technical_problem_dials_the_fallback_number() -> None:
    root = parse(voice_twiml.technical_problem("+33561999999"))
    dial = root.find("Dial")
    assert dial is not None
    assert (dial.text or "").strip() == "+33561999999"


def test_references_are_read_out_as_year_and_number() -> None:
    assert voice_twiml.spoken_reference("2026-00042") == "2026, numéro 42"
