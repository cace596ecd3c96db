"""REST contract of Messages: the real twilio client against the sandbox, checked on the spec
(every request and 2xx answer goes through ``ContractHttpClient``), and the status callbacks."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from twilio.base.exceptions import TwilioRestException

from tests.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.sandbox.conftest import GP, HOTLINE, World

LANDLINE = "+33561000001"


@pytest.fixture
def texting(world: World) -> World:
    """The world, with the helpline number on the account (a verified caller ID cannot text)."""
    world.sandbox.add_number(HOTLINE, voice_url=world.app.url("/voice"))
    return world


def test_create_message_answers_queued_with_the_resource_of_the_spec(texting: World) -> None:
    sent = texting.client.messages.create(to=GP, from_=HOTLINE, body="Rappel prévu à 14 h 30")

    assert sent.sid is not None and sent.sid.startswith("SM") and len(sent.sid) == 34
    assert sent.status == "queued"
    assert sent.direction == "outbound-api"
    assert (sent.to, sent.from_, sent.account_sid) == (GP, HOTLINE, ACCOUNT_SID)
    assert sent.body == "Rappel prévu à 14 h 30"
    assert sent.api_version == "2010-04-01"
    assert sent.num_segments == "1"
    assert texting.client.messages(sent.sid).fetch().status == "queued"
    assert [m.sid for m in texting.client.messages.list(to=GP)] == [sent.sid]


def test_status_callbacks_say_sent_then_delivered_signed_and_the_phone_receives_it(
    texting: World,
) -> None:
    callback = texting.app.on("/sms-status", "")
    sent = texting.client.messages.create(
        to=GP, from_=HOTLINE, body="Demande 2026-00042", status_callback=callback
    )
    texting.settle()
    assert texting.app.to("/sms-status") == []  # no callback for the initial "queued"
    assert texting.sandbox.texts_to(GP) == []

    texting.advance(4)

    hits = texting.app.to("/sms-status")
    assert [h.form["MessageStatus"] for h in hits] == ["sent", "delivered"]
    first = hits[0].form
    assert first["MessageSid"] == sent.sid and first["SmsSid"] == sent.sid
    assert first["AccountSid"] == ACCOUNT_SID and first["ApiVersion"] == "2010-04-01"
    assert (first["From"], first["To"]) == (HOTLINE, GP)
    assert "ErrorCode" not in first
    assert all(h.signature_valid for h in hits)
    assert [m.body for m in texting.sandbox.texts_to(GP)] == ["Demande 2026-00042"]
    fetched = texting.client.messages(sent.sid).fetch()
    assert fetched.status == "delivered" and fetched.date_sent is not None


def test_an_unreachable_handset_ends_undelivered_with_its_error_code(texting: World) -> None:
    callback = texting.app.on("/sms-status", "")
    texting.sandbox.unreachable_handsets.add(GP)
    texting.client.messages.create(to=GP, from_=HOTLINE, body="x", status_callback=callback)
    texting.advance(4)

    last = texting.app.to("/sms-status")[-1].form
    assert (last["MessageStatus"], last["ErrorCode"]) == ("undelivered", "30006")
    assert texting.sandbox.texts_to(GP) == []


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"From": HOTLINE, "Body": "x"}, 21604),
        ({"To": GP, "Body": "x"}, 21603),
        ({"To": GP, "From": HOTLINE}, 21602),
        ({"To": GP, "From": HOTLINE, "Body": "x" * 1601}, 21617),
        ({"To": "+3361", "From": HOTLINE, "Body": "x"}, 21211),
        ({"To": LANDLINE, "From": HOTLINE, "Body": "x"}, 21614),
        ({"To": "+14155552671", "From": HOTLINE, "Body": "x"}, 21408),
        ({"To": GP, "From": "+33699999999", "Body": "x"}, 21659),
    ],
)
def test_create_message_refuses_what_twilio_refuses(
    texting: World, form: dict[str, str], code: int
) -> None:
    # Posted as is: the twilio client would not send a message without its `to`.
    answer = requests.post(
        f"{texting.sandbox.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
        data=form,
        auth=(ACCOUNT_SID, AUTH_TOKEN),
        timeout=5,
    )
    assert (answer.status_code, answer.json()["code"]) == (400, code)
    assert answer.json()["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert texting.sandbox.messages == {}


def test_a_number_that_cannot_text_is_refused_as_not_message_capable(texting: World) -> None:
    texting.sandbox.sms_incapable.add(HOTLINE)
    with pytest.raises(TwilioRestException) as refused:
        texting.client.messages.create(to=GP, from_=HOTLINE, body="x")
    assert refused.value.code == 21606


def test_fetching_an_unknown_message_is_a_404(texting: World) -> None:
    with pytest.raises(TwilioRestException) as missing:
        texting.client.messages("SM" + "0" * 32).fetch()
    assert (missing.value.status, missing.value.code) == (404, 20404)


def test_list_messages_is_newest_first_in_pages_filtered_by_to_and_from(texting: World) -> None:
    sent = []
    for n in range(5):
        sent.append(texting.client.messages.create(to=GP, from_=HOTLINE, body=f"n{n}").sid)
        texting.advance(10)
    texting.client.messages.create(to="+33698765432", from_=HOTLINE, body="other")

    page = texting.client.messages.page(to=GP, from_=HOTLINE, page_size=2)
    listed: list[str] = []
    while page is not None:
        listed.extend(m.sid for m in page)
        page = page.next_page()
    assert listed == list(reversed(sent))
    assert [m.sid for m in texting.client.messages.list(to=GP, from_="+33561999999")] == []


def test_list_messages_filters_on_the_gmt_date_sent_and_skips_what_is_not_sent_yet(
    texting: World,
) -> None:
    old = texting.client.messages.create(to=GP, from_=HOTLINE, body="old").sid
    texting.advance(4)
    texting.clock.advance(2 * 86400)
    new = texting.client.messages.create(to=GP, from_=HOTLINE, body="new").sid
    texting.advance(4)
    queued = texting.client.messages.create(to=GP, from_=HOTLINE, body="queued").sid
    today = texting.clock.now().date()

    def listed(**filters: object) -> list[str]:
        return [m.sid for m in texting.client.messages.list(to=GP, **filters)]

    assert listed() == [queued, new, old]
    assert listed(date_sent=today) == [new]
    assert listed(date_sent_after=today) == [new]
    assert listed(date_sent_before=today - timedelta(days=1)) == [old]
    assert listed(date_sent_after=texting.clock.now() - timedelta(hours=1)) == [new]


def test_list_messages_refuses_a_date_sent_it_cannot_read(texting: World) -> None:
    answer = requests.get(
        f"{texting.sandbox.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
        params={"DateSent>": "yesterday"},
        auth=(ACCOUNT_SID, AUTH_TOKEN),
        timeout=5,
    )
    assert answer.status_code == 400
