"""The Twilio adapter: REST client, signature check, TwiML builders and webhook parsing."""
