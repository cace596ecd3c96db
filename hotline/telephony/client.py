"""The Twilio REST client, built from settings; the sandbox is reached by its base URL alone."""

from __future__ import annotations

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from hotline.settings import Settings


def build_rest_client(settings: Settings, timeout_s: float = 10.0) -> Client:
    """A REST client for the account in settings, talking to TWILIO_API_BASE_URL."""
    # Region and edge stay unset: they would rewrite the host and bypass the configured base URL.
    client = Client(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        http_client=TwilioHttpClient(timeout=timeout_s),
    )
    client.api.base_url = settings.twilio_api_base_url.rstrip("/")
    return client
