"""The agenda of a meeting sent by e-mail to its participants, after the commit (the outbox's
``send_mail`` kind): the meeting's date and place, each situation's reference and anonymised
summary — never an identity."""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from callbacks.network.meeting_models import AgendaItem, Meeting, MeetingParticipant
from hotline import mailbox, outbox
from hotline.models import OutboxMessage, Request
from hotline.refusals import N_, Refusal
from hotline.settings import Settings

logger = logging.getLogger(__name__)

SEND_MAIL = "send_mail"
KIND_NAMES = {"intervision": "Intervision", "rcp": "RCP", "preparation": "Préparation"}
SMTP_TIMEOUT_S = 20


def agenda_text(meeting: Meeting, situations: list[tuple[str, str]], tz: ZoneInfo) -> str:
    """The agenda's body: the meeting, then each situation's reference and anonymised summary."""
    local = meeting.starts_at.astimezone(tz)
    lines = [
        f"Réunion de concertation ({KIND_NAMES.get(meeting.kind, meeting.kind)})",
        f"Date : {local:%d/%m/%Y} à {local:%H:%M}",
    ]
    if meeting.place:
        lines.append(f"Lieu : {meeting.place}")
    if meeting.video_url:
        lines.append(f"Visioconférence : {meeting.video_url}")
    count = len(situations)
    lines += ["", f"Ordre du jour : {count} situation{'s' if count > 1 else ''}", ""]
    for number, (reference, summary) in enumerate(situations, start=1):
        lines += [f"{number}. Demande {reference}", summary, ""]
    lines.append(
        "Les situations sont présentées anonymisées, avec le consentement des patients. "
        "Ne transférez pas ce message."
    )
    return "\n".join(lines)


def queue_agenda(
    session: Session, meeting: Meeting, mail_from: str, tz: ZoneInfo, now: datetime
) -> int:
    """Record one e-mail of the agenda to the participants who have an address (sent after the
    commit); return how many recipients. Refused without a situation or a recipient."""
    rows = session.execute(
        select(Request.reference, AgendaItem.summary)
        .join(Request, Request.id == AgendaItem.request_id)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.id)
    ).all()
    if not rows:
        raise Refusal(N_("L'ordre du jour est vide : ajoutez une situation avant de l'envoyer."))
    recipients = sorted(
        {
            email
            for email in session.scalars(
                select(MeetingParticipant.email).where(
                    MeetingParticipant.meeting_id == meeting.id,
                    MeetingParticipant.email.is_not(None),
                )
            )
            if email
        }
    )
    if not recipients:
        raise Refusal(N_("Aucun participant n'a d'adresse électronique."))
    local = meeting.starts_at.astimezone(tz)
    outbox.enqueue(
        session,
        SEND_MAIL,
        {
            "from": mail_from,
            "to": recipients,
            "subject": f"Ordre du jour de la réunion du {local:%d/%m/%Y}",
            "body": agenda_text(meeting, [(ref, summary) for ref, summary in rows], tz),
            "meeting_id": meeting.id,
            "on_failure": SEND_MAIL,
        },
        now,
    )
    meeting.agenda_sent_at = now
    session.flush()
    return len(recipients)


def on_mail_failed(session: Session, message: OutboxMessage, now: datetime, _root: str) -> None:
    """The agenda could not be sent: the meeting shows it as not sent, to send again."""
    meeting = session.get(Meeting, message.payload.get("meeting_id"))
    if meeting is not None:
        meeting.agenda_sent_at = None
    logger.warning("outbox %s: the agenda e-mail failed: %s", message.id, message.last_error)


def meeting_tag(meeting_id: int) -> str:
    """The tag of a meeting's e-mails (the demo's mailbox page shows each reader his own)."""
    return f"meeting:{meeting_id}"


def smtp_sender(settings: Settings) -> outbox.Performer:
    """The outbox's performer of ``send_mail``: one message through ``SMTP_URL``.

    A relay out of reach raises (the message stays pending; the clock sends it again); a sender
    or every recipient refused is a result, not a retry.
    """

    def send(payload: dict[str, Any]) -> dict[str, Any]:
        if settings.smtp_url is None:
            return {"skipped": "no SMTP_URL"}
        message = EmailMessage()
        message["From"] = payload["from"]
        message["To"] = ", ".join(payload["to"])
        message["Subject"] = payload["subject"]
        if payload.get("meeting_id"):
            message[mailbox.TAG_HEADER] = meeting_tag(int(payload["meeting_id"]))
        message.set_content(payload["body"])
        url = urlsplit(settings.smtp_url)
        host = url.hostname or "localhost"
        if url.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                host, url.port or 465, timeout=SMTP_TIMEOUT_S,
                context=ssl.create_default_context(),
            )  # fmt: skip
        else:
            client = smtplib.SMTP(host, url.port or 25, timeout=SMTP_TIMEOUT_S)
        with client:
            client.ehlo_or_helo_if_needed()
            if url.scheme == "smtp" and client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            try:
                refused = client.send_message(message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
                # Refused for good (sending again would be refused again): kept as the result.
                return {"sent_to": 0, "refused": str(exc)[:500]}
        return {"sent_to": len(payload["to"]) - len(refused), "refused": sorted(refused)}

    return send
