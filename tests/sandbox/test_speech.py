"""Speech takes time: a <Say> lasts as long as its text, a key press comes after the prompt."""

from __future__ import annotations

from hotline.sandbox import Answer, Leg
from hotline.sandbox.speech import REACTION_S, SPEECH_CHARS_PER_S, say_seconds
from tests.sandbox.conftest import GP, HOTLINE, NURSE, Reply, World

LONG = "Bonjour, vous êtes bien à la permanence infirmière du réseau de santé."  # 71 chars
MENU = (
    "<Response><Gather numDigits='1' action='/choice' timeout='5'>"
    f"<Say>{LONG}</Say><Say>Tapez 1 pour l'infirmière.</Say></Gather>"
    "<Say>Nous n'avons pas reçu votre choix.</Say></Response>"
)


def call_in(world: World, twiml: Reply) -> Leg:
    world.sandbox.add_number(HOTLINE, world.app.on("/incoming", twiml))
    leg = world.sandbox.place_call(GP, HOTLINE)
    world.settle()
    return leg


def test_a_say_lasts_in_proportion_to_its_text(world: World) -> None:
    gp = call_in(world, f"<Response><Say>{LONG}</Say><Say>Fin</Say></Response>")
    seconds = say_seconds(LONG)
    assert seconds == len(LONG) / SPEECH_CHARS_PER_S

    world.advance(seconds - 0.5, step=0.5)
    assert gp.heard == [LONG]
    world.advance(1)

    assert gp.heard == [LONG, "Fin"]


def test_a_looped_say_lasts_as_many_times(world: World) -> None:
    gp = call_in(world, "<Response><Say loop='2'>Bonjour docteur</Say><Say>Fin</Say></Response>")

    world.advance(1.5)
    assert gp.heard == ["Bonjour docteur", "Bonjour docteur"]
    world.advance(1)

    assert gp.heard[-1] == "Fin"


def test_the_gather_timeout_starts_once_its_whole_prompt_is_said(world: World) -> None:
    gp = call_in(world, MENU)
    prompt = say_seconds(LONG) + say_seconds("Tapez 1 pour l'infirmière.")

    world.advance(prompt + 4.5, step=0.5)
    assert gp.heard == [LONG, "Tapez 1 pour l'infirmière."]
    world.advance(1)

    assert gp.heard[-1] == "Nous n'avons pas reçu votre choix."
    assert world.app.to("/choice") == []


def test_a_key_pressed_during_the_prompt_interrupts_it(world: World) -> None:
    world.app.on("/choice", "<Response><Say>Merci</Say></Response>")
    gp = call_in(world, MENU)
    world.advance(1)

    gp.press("1")
    world.settle()

    assert world.app.one("/choice").params["Digits"] == "1"
    assert gp.heard == [LONG, "Merci"]  # the second prompt is never said


def test_hash_before_any_digit_skips_the_action_and_runs_the_next_verb(world: World) -> None:
    gp = call_in(
        world,
        "<Response><Gather action='/code'><Say>Code</Say></Gather>"
        "<Say>Aucune saisie</Say></Response>",
    )

    gp.press("#")
    world.settle()

    assert world.app.to("/code") == []
    assert gp.heard == ["Code", "Aucune saisie"]


def test_hash_before_any_digit_posts_an_empty_result_with_action_on_empty_result(
    world: World,
) -> None:
    world.app.on("/code", "<Response/>")
    gp = call_in(
        world,
        "<Response><Gather action='/code' actionOnEmptyResult='true'><Say>Code</Say></Gather>"
        "</Response>",
    )

    gp.press("#")
    world.settle()

    assert "Digits" not in world.app.one("/code").params


def test_a_simulated_person_presses_after_the_prompt_and_a_reaction_time(world: World) -> None:
    world.sandbox.person(NURSE, Answer(press="1"))
    world.app.on("/choice", "<Response/>")
    world.client.calls.create(to=NURSE, from_=HOTLINE, url=world.app.on("/offer", MENU))
    world.settle()
    prompt = say_seconds(LONG) + say_seconds("Tapez 1 pour l'infirmière.")

    world.advance(prompt + REACTION_S - 0.25, step=0.25)
    assert world.app.to("/choice") == []
    world.advance(0.5, step=0.25)

    assert world.app.one("/choice").params["Digits"] == "1"
    nurse = world.sandbox.person(NURSE).legs[0]
    assert nurse.heard[:2] == [LONG, "Tapez 1 pour l'infirmière."]
