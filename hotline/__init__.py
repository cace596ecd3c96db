"""The helpline application: factory, settings, database, Twilio adapter and voice webhooks."""

from hotline.app import create_app

__all__ = ["create_app"]
