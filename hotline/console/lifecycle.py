"""The nurse's actions on a request's lifecycle: close it (category and outcome set), reopen it."""

from __future__ import annotations

from flask import flash, request
from werkzeug.wrappers import Response

from hotline import lifecycle
from hotline.auth import require_roles, signed_in_user
from hotline.console import bp
from hotline.console.requests import back_to_request, request_or_404
from hotline.i18n import gettext as _
from hotline.i18n import say
from hotline.models import Request
from hotline.refusals import Refusal
from hotline.web import db_session, now

REASON_MAX = 500


def refuse_if_call_ended(call_request: Request) -> Response | None:
    """For an action on the live call (transfer, hold, interpreter): back to the request page,
    saying the call has ended, when it has (a page left open after the GP hung up)."""
    if lifecycle.has_live_call(db_session(), call_request, now()):
        return None
    flash(say(Refusal(lifecycle.CALL_ENDED)), "error")
    return back_to_request(call_request.id)


@bp.post("/requests/<int:request_id>/close")
@require_roles("nurse")
def close_request(request_id: int) -> Response:
    """Close the request: refused, and said, while its category or outcome is missing."""
    me = signed_in_user()
    call_request = request_or_404(request_id)
    try:
        lifecycle.close(db_session(), call_request, me, now())
    except Refusal as refusal:
        flash(say(refusal), "error")
        return back_to_request(request_id)
    flash(_("Demande {reference} clôturée.", reference=call_request.reference), "success")
    return back_to_request(request_id)


@bp.post("/requests/<int:request_id>/reopen")
@require_roles("nurse")
def reopen_request(request_id: int) -> Response:
    """Reopen a closed request (audited, and told in its story): it is to complete again."""
    me = signed_in_user()
    call_request = request_or_404(request_id)
    reason = request.form.get("reason", "").strip()[:REASON_MAX]
    reason = "".join(char for char in reason if ord(char) >= 32 or char in "\t\r\n")
    try:
        lifecycle.reopen(db_session(), call_request, me, now(), reason)
    except Refusal as refusal:
        flash(say(refusal), "error")
        return back_to_request(request_id)
    flash(_("Demande {reference} rouverte.", reference=call_request.reference), "success")
    return back_to_request(request_id)
