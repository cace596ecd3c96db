"""Webhook URLs given to Twilio: Twilio's connection overrides, so a lost connection is retried."""

from __future__ import annotations

# Twilio's "Webhook connection overrides": key=value pairs in the URL's fragment, the first
# after '#', pairs joined by '&'. rc is the retry count (0 to 5); rp the retry policy, which of
# ct (connect timeout), rt (read timeout), 4xx, 5xx or all to retry (an invalid rp is error
# 11243). The fragment is never sent to the server, nor signed. Without it Twilio does not
# retry a 5xx, so a status callback lost to a restarting worker would be lost for good.
RETRY_OVERRIDES = "rc=3&rp=ct,rt,5xx"


def with_retries(url: str) -> str:
    """A status callback URL that asks Twilio to retry failed connections and 5xx answers."""
    base, _, fragment = url.partition("#")
    return f"{base}#{RETRY_OVERRIDES}" if not fragment else url
