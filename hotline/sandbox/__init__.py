"""A local stand-in for Twilio: REST API, TwiML executor, signed webhooks and simulated people."""
