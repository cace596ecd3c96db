"""Every TwiML document the sandbox fetches is checked as Twilio checks it (12100, 12102, 12200)."""

from __future__ import annotations

import pytest

from hotline.sandbox import Leg
from hotline.sandbox.engine import APPLICATION_ERROR
from hotline.sandbox.twiml import parse
from hotline.sandbox.validate import validate
from tests.sandbox.conftest import GP, HOTLINE, Reply, World


def call_in(world: World, twiml: Reply) -> Leg:
    world.sandbox.add_number(HOTLINE, world.app.on("/incoming", twiml))
    leg = world.sandbox.place_call(GP, HOTLINE)
    world.settle()
    return leg


def test_a_document_that_is_not_xml_is_12100_and_the_caller_hears_the_application_error(
    world: World,
) -> None:
    gp = call_in(world, "<Response><Say>Bonjour</Sya></Response>")

    [event] = world.sandbox.debugger.events
    assert (event.code, event.call_sid, event.url) == (12100, gp.sid, world.app.url("/incoming"))
    assert gp.heard == [APPLICATION_ERROR]
    assert gp.status == "completed"


def test_a_document_whose_root_is_not_response_is_12102(world: World) -> None:
    gp = call_in(world, "<Reponse><Say>Bonjour</Say></Reponse>")

    assert world.sandbox.debugger.codes() == [12102]
    assert gp.heard == [APPLICATION_ERROR]


def test_a_parse_failure_goes_to_the_fallback_url_with_its_error_code(world: World) -> None:
    fallback = world.app.on("/fallback", "<Response><Say>Secours</Say></Response>")
    world.sandbox.add_number(
        HOTLINE, world.app.on("/incoming", "<Response><Say>"), fallback_url=fallback
    )
    gp = world.sandbox.place_call(GP, HOTLINE)
    world.settle()

    assert world.app.one("/fallback").params["ErrorCode"] == "12100"
    assert gp.heard[0] == "Secours"


def test_an_unknown_verb_is_a_12200_warning_and_the_next_verb_runs(world: World) -> None:
    gp = call_in(world, "<Response><Sya>Bonjour</Sya><Say>Au revoir</Say></Response>")

    [event] = world.sandbox.debugger.events
    assert event.code == 12200
    assert event.level == "WARNING"
    assert "'Sya'" in event.message
    assert gp.heard == ["Au revoir"]


def test_a_misspelled_attribute_is_a_12200_warning_and_its_default_applies(
    world: World,
) -> None:
    gp = call_in(
        world, "<Response><Gather numDigit='1' action='/g'><Say>Tapez</Say></Gather></Response>"
    )
    gp.press("12#")
    world.settle()

    [event] = world.sandbox.debugger.events
    assert event.message == "Attribute 'numDigit' is not allowed to appear in element 'Gather'."
    assert world.app.one("/g").params["Digits"] == "12"  # numDigits unlimited by default


def test_a_value_the_schema_does_not_accept_is_a_12200_warning(world: World) -> None:
    call_in(world, "<Response><Say loop='deux'>Bonjour</Say></Response>")

    [event] = world.sandbox.debugger.events
    assert event.code == 12200
    assert "'deux'" in event.message
    assert "'loop'" in event.message


def test_a_noun_nested_where_twilio_does_not_allow_it_is_a_12200_warning(world: World) -> None:
    gp = call_in(
        world,
        "<Response><Gather action='/g'><Dial>+33600000000</Dial><Say>Tapez</Say></Gather>"
        "</Response>",
    )

    assert world.sandbox.debugger.codes() == [12200]
    assert gp.heard == ["Tapez"]


def test_a_valid_document_leaves_the_debugger_empty(world: World) -> None:
    call_in(
        world,
        "<Response><Say voice='Polly.Lea' language='fr-FR'>Bonjour</Say>"
        "<Gather input='dtmf' numDigits='1' timeout='3' action='/g' method='POST'>"
        "<Say>Tapez 1</Say></Gather>"
        "<Dial timeout='20' action='/d' callerId='+33561000000'>"
        "<Conference participantLabel='gp' beep='onEnter' startConferenceOnEnter='true' "
        "endConferenceOnExit='false' statusCallback='/c' statusCallbackEvent='start end join leave'"
        " waitUrl=''>room</Conference></Dial></Response>",
    )

    assert world.sandbox.debugger.events == []


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("<Response><Say>x</Say></Response>", None),
        ("<Response><say>x</say></Response>", "'say'"),
        ("<Response><Pause length='0'/></Response>", "'length'"),
        ("<Response><Reject reason='no'/></Response>", "'reason'"),
        ("<Response><Gather finishOnKey='ab'/></Response>", "'finishOnKey'"),
        ("<Response><Gather input='voice'/></Response>", "'input'"),
        ("<Response><Redirect method='PUT'>/x</Redirect></Response>", "'method'"),
        ("<Response><Dial record='yes'>+336</Dial></Response>", "'record'"),
        ("<Response><Dial><Conference beep='maybe'>r</Conference></Dial></Response>", "'beep'"),
        (
            "<Response><Dial><Conference statusCallbackEvent='joined'>r</Conference></Dial>"
            "</Response>",
            "'statusCallbackEvent'",
        ),
        (
            "<Response><Dial><Number statusCallbackEvent='answered completed'>+336</Number>"
            "</Dial></Response>",
            None,
        ),
        (
            "<Response><Dial><Client><Identity>n</Identity><Parameter name='a' value='b'/>"
            "</Client></Dial></Response>",
            None,
        ),
        (
            "<Response><Dial><Number><Parameter name='a' value='b'/></Number></Dial></Response>",
            "'Parameter'",
        ),
        ("<Response><Record playBeep='yes'/></Response>", "'playBeep'"),
    ],
)
def test_the_schema_table_accepts_and_refuses_as_twilios_docs_say(
    document: str, problem: str | None
) -> None:
    _, issues = validate(parse(document))

    if problem is None:
        assert issues == []
    else:
        assert [issue.code for issue in issues] == [12200]
        assert problem in issues[0].message


def test_a_wait_url_document_that_is_not_xml_is_12100_too(world: World) -> None:
    world.app.on("/wait", "<Response><Say>Patientez</Response>")
    gp = call_in(
        world,
        "<Response><Dial><Conference waitUrl='/wait' startConferenceOnEnter='false'>r</Conference>"
        "</Dial></Response>",
    )

    [event] = world.sandbox.debugger.events
    assert (event.code, event.call_sid, event.url) == (12100, gp.sid, world.app.url("/wait"))
