"""Concertation meetings: the calendar, participants, the agenda of situations with the patient's
consent, decisions, published anonymised cases, and the network's other activities."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base, str_enum, utcnow


class MeetingKind(StrEnum):
    """What a meeting is for."""

    INTERVISION = "intervision"
    RCP = "rcp"  # réunion de concertation pluridisciplinaire
    PREPARATION = "preparation"


class ActivityKind(StrEnum):
    """A network activity the programme reports, entered by the coordinator."""

    TRAINING = "training"
    NEWSLETTER = "newsletter"


class Consent(Base):
    """The patient's answer, asked before a situation is shared: given or refused, to whom, when.

    One a request; recording again replaces it (the audit keeps every change).
    """

    __tablename__ = "consents"
    __repr_fields__ = ("request_id", "is_given", "given_on")

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), unique=True)
    is_given: Mapped[bool]
    # The professional or nurse the patient answered (a name and a role, never the patient's).
    given_to: Mapped[str] = mapped_column(String(200))
    given_on: Mapped[date]
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Meeting(Base):
    """A concertation meeting of the calendar."""

    __tablename__ = "meetings"
    __repr_fields__ = ("kind", "starts_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    helpline_id: Mapped[int] = mapped_column(ForeignKey("helplines.id"), index=True)
    kind: Mapped[MeetingKind] = mapped_column(str_enum(MeetingKind, 16))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    place: Mapped[str | None] = mapped_column(String(200))
    video_url: Mapped[str | None] = mapped_column(String(500))
    agenda_sent_at: Mapped[datetime | None]
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MeetingParticipant(Base):
    """Who takes part: a staff account, a partner of the network (linked by its id), or a person
    named with an e-mail address."""

    __tablename__ = "meeting_participants"
    __repr_fields__ = ("meeting_id", "user_id", "partner_id")
    __repr_masked__ = ("email",)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The network's partner, when there is one (his e-mail address is copied into ``email``).
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))


class AgendaItem(Base):
    """A situation on a meeting's agenda, presented by an anonymised summary; after the meeting
    its decision, proposed orientations and follow-up date; published once decided."""

    __tablename__ = "agenda_items"
    __repr_fields__ = ("meeting_id", "request_id", "published_at")
    __table_args__ = (UniqueConstraint("meeting_id", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    decision: Mapped[str | None] = mapped_column(Text)
    # Codes of the helpline's "orientation" list, comma-separated, and free text.
    orientation_codes: Mapped[str | None] = mapped_column(String(500))
    orientations: Mapped[str | None] = mapped_column(Text)
    follow_up_on: Mapped[date | None]
    follow_up_callback_id: Mapped[int | None] = mapped_column(ForeignKey("callbacks.id"))
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AgendaOrientationPartner(Base):
    """A partner of the network the meeting proposed to orient the situation to."""

    __tablename__ = "agenda_orientation_partners"
    __repr_fields__ = ("agenda_item_id", "partner_id")
    __table_args__ = (UniqueConstraint("agenda_item_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)


class NetworkActivity(Base):
    """A training or a newsletter of the network, with how many took part or received it."""

    __tablename__ = "network_activities"
    __repr_fields__ = ("kind", "held_on", "count")

    id: Mapped[int] = mapped_column(primary_key=True)
    helpline_id: Mapped[int] = mapped_column(ForeignKey("helplines.id"), index=True)
    kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind, 16))
    held_on: Mapped[date] = mapped_column(index=True)
    theme: Mapped[str] = mapped_column(String(200))
    # Participants of a training, recipients of a newsletter.
    count: Mapped[int]
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
