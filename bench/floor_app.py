"""The floor of the webhook benchmark: a bare Flask app that checks Twilio's signature and
answers constant TwiML, nothing else (no database, no session, no template).

Served by gunicorn exactly as the product is (``bench/webhooks_floor.py`` starts it):
``gunicorn --chdir bench floor_app:app``. Reads FLOOR_AUTH_TOKEN and FLOOR_PUBLIC_URL.
"""

from __future__ import annotations

import os

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator

TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Say language="fr-FR">Bonjour.</Say>'
    '<Gather action="/twilio/voice/menu" input="dtmf" numDigits="1">'
    '<Say language="fr-FR">Pour parler à l\'infirmière, tapez 2.</Say></Gather></Response>'
)

app = Flask("floor")
validator = RequestValidator(os.environ.get("FLOOR_AUTH_TOKEN", ""))
public_url = os.environ.get("FLOOR_PUBLIC_URL", "").rstrip("/")


@app.post("/twilio/voice/<name>")
def webhook(name: str) -> Response:
    """Any voice webhook: a valid signature gets the same TwiML."""
    url = public_url + request.full_path.rstrip("?")
    if not validator.validate(url, request.form, request.headers.get("X-Twilio-Signature", "")):
        abort(403)
    return Response(TWIML, mimetype="text/xml")
