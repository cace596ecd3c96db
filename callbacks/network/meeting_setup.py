"""Wires the concertation meetings into an application: pages, navigation, the request page's
consent panel, the agenda's e-mail kind of the outbox."""

from __future__ import annotations

from flask import Flask

from callbacks.network import activities, consent_views, mail, meeting_views
from hotline import hooks, outbox
from hotline.i18n import N_
from hotline.web import EXTENSION_KEY, AppState

EVENT_LABELS = {
    "consent_recorded": N_("Consentement du patient enregistré"),
    "put_on_agenda": N_("Situation mise à l'ordre du jour d'une réunion"),
    "meeting_decision": N_("Décision de la réunion de concertation"),
}


def init_app(app: Flask) -> None:
    """Register the meetings' blueprints, sections, panel, event labels and e-mail sender."""
    app.register_blueprint(meeting_views.bp)
    app.register_blueprint(consent_views.bp)
    app.register_blueprint(activities.bp)
    for section in (
        hooks.NavSection(
            "network_meetings.calendar", N_("Réunions"), ("coordinator", "admin", "nurse"), order=40
        ),
        hooks.NavSection(
            "network_activities.cases",
            N_("Cas publiés"),
            ("coordinator", "admin", "nurse"),
            order=41,
        ),
        hooks.NavSection(
            "network_activities.activities",
            N_("Activités du réseau"),
            ("coordinator", "admin"),
            order=42,
        ),
        hooks.NavSection(
            "network_activities.mails",
            N_("Courriels envoyés (démo)"),
            ("coordinator", "admin"),
            order=43,
        ),
    ):
        hooks.add_console_section(app, section)
    hooks.add_request_panel(app, consent_views.consent_panel)
    hooks.add_event_labels(app, EVENT_LABELS)
    state = app.extensions[EXTENSION_KEY]
    assert isinstance(state, AppState)
    outbox.register_kind(mail.SEND_MAIL, mail.smtp_sender(state.settings))
    outbox.register(mail.SEND_MAIL, on_failure=mail.on_mail_failed)
