"""The stack's REST check catches a request the app itself sends against Twilio's spec."""

from __future__ import annotations

from hotline import outbox
from hotline.demo import DemoStack
from tests.contract.rest_conformance import RestConformance
from tests.e2e.conftest import eventually


def test_a_request_the_app_sends_outside_the_spec_is_caught_with_what_is_wrong(
    stack: DemoStack, rest_conformance: RestConformance
) -> None:
    since = rest_conformance.mark()
    state = stack.app.extensions["hotline"]
    with state.database.session() as session:
        # An intent no flow records: a call "updated" to a status UpdateCall does not take.
        message = outbox.enqueue(
            session,
            outbox.UPDATE_CALL,
            {"call_sid": "CA" + "0" * 32, "params": {"status": "ringing", "method": "PATCH"}},
            stack.sandbox.clock.now(),
        )
        session.commit()
        state.dispatcher.submit([message.id])

    bad = eventually(lambda: rest_conformance.violations(since), what="the request checked")
    assert len(bad) == 1
    assert bad[0].line == (
        f"POST /2010-04-01/Accounts/{stack.settings.twilio_account_sid}/Calls/CA{'0' * 32}.json"
    )
    assert "body.Status: 'ringing' is not one of ['canceled', 'completed']" in str(bad[0].violation)
    assert "body.Method: 'PATCH' is not one of ['GET', 'POST']" in str(bad[0].violation)
    rest_conformance.forgive(bad[0])  # sent wrong on purpose: the stack's own check passes
