"""The Twilio REST client, built from settings; the sandbox is reached by its base URL alone."""

from __future__ import annotations

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from hotline.settings import Settings

# A worker never waits on Twilio for long: connecting is quick or the API is unreachable, and a
# request that has not been answered in READ_TIMEOUT_S is treated as of unknown outcome.
CONNECT_TIMEOUT_S = 3.05
READ_TIMEOUT_S = 10.0


class TimedHttpClient(TwilioHttpClient):
    """Twilio's HTTP client with separate connect and read timeouts (``requests``' pair)."""

    def __init__(self, connect_timeout_s: float, read_timeout_s: float) -> None:
        super().__init__(timeout=read_timeout_s)
        # The base class accepts one number only; ``requests`` takes the (connect, read) pair.
        self.timeout = (connect_timeout_s, read_timeout_s)


def build_rest_client(
    settings: Settings,
    timeout_s: float = READ_TIMEOUT_S,
    connect_timeout_s: float = CONNECT_TIMEOUT_S,
) -> Client:
    """A REST client for the account in settings, talking to TWILIO_API_BASE_URL.

    ``timeout_s`` bounds the wait for an answer, ``connect_timeout_s`` the wait for a connection.
    """
    # Region and edge stay unset: they would rewrite the host and bypass the configured base URL.
    client = Client(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        http_client=TimedHttpClient(connect_timeout_s, timeout_s),
    )
    client.api.base_url = settings.twilio_api_base_url.rstrip("/")
    return client
