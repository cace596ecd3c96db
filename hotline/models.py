"""The request log: helplines, the directory of professionals, requests, their events and calls."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.callstate import CallStatus
from hotline.db import Base, str_enum, utcnow
from hotline.names import NAME_KEY_LENGTH, name_key

DEFAULT_GREETING = "Bonjour, vous êtes bien sur la plateforme d'appui aux professionnels de santé."
DEFAULT_OPENING_HOURS = "mon-fri 09:00-18:00"


class Helpline(Base):
    """A number professionals call; one deployment may serve several programmes."""

    __tablename__ = "helplines"
    __repr_fields__ = ("name",)
    __repr_masked__ = ("phone_number",)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone_number: Mapped[str] = mapped_column(String(20), unique=True)
    greeting: Mapped[str] = mapped_column(Text, default=DEFAULT_GREETING)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    # Weekly hours in routing.hours' compact form, e.g. "mon-fri 09:00-12:30,13:30-18:00".
    opening_hours: Mapped[str] = mapped_column(
        Text, default=DEFAULT_OPENING_HOURS, server_default=DEFAULT_OPENING_HOURS
    )
    holiday_subdivision: Mapped[str | None] = mapped_column(String(16))
    is_open_on_holidays: Mapped[bool] = mapped_column(default=False, server_default=false())
    ring_timeout_s: Mapped[int] = mapped_column(default=20, server_default="20")
    voicemail_max_s: Mapped[int] = mapped_column(default=120, server_default="120")
    # Interpreting: "all" rings every available interpreter at once, "priority" one by one.
    dispatch_strategy: Mapped[str] = mapped_column(String(16), default="all", server_default="all")
    interpreter_ring_timeout_s: Mapped[int] = mapped_column(default=25, server_default="25")
    # Individuals ring this long before the agency line is dialled.
    agency_delay_s: Mapped[int] = mapped_column(default=30, server_default="30")
    # Beyond this, the GP is told and offered the nurse or a callback.
    interpreter_budget_s: Mapped[int] = mapped_column(default=120, server_default="120")
    language_menu_days: Mapped[int] = mapped_column(default=90, server_default="90")
    # Codes always first in the keypad menu, e.g. "ar,prs"; the rest by recent use.
    language_menu_pinned: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # The keypad menu's order by use is recomputed this often (days), not at each change.
    language_menu_recompute_days: Mapped[int] = mapped_column(default=30, server_default="30")
    # Telling the GP: a one-key rating of the service after the call; a text to the nurse on
    # duty when a voicemail arrives.
    is_rating_enabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    is_voicemail_sms_enabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A console account: a nurse, a network coordinator, a finance officer or an admin."""

    __tablename__ = "users"
    __repr_fields__ = ("display_name", "roles", "is_available")
    __repr_masked__ = ("phone",)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    # Comma-separated roles among nurse, coordinator, finance, admin.
    roles: Mapped[str] = mapped_column(String(60), default="nurse")
    phone: Mapped[str | None] = mapped_column(String(20))
    browser_identity: Mapped[str | None] = mapped_column(String(60), unique=True)
    is_available: Mapped[bool] = mapped_column(default=True)
    is_in_console: Mapped[bool] = mapped_column(default=False)
    # The console's browser phone last said it was there (it polls): routing rings the browser
    # only while this is recent.
    console_seen_at: Mapped[datetime | None]
    locale: Mapped[str] = mapped_column(String(8), default="fr")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Sees and administers every helpline of the deployment (creates them; consolidated views).
    is_regional_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Raised on sign-out and on a password change: a console session signed with an older
    # value is refused (server-side invalidation of signed cookies).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def has_role(self, role: str) -> bool:
        """Whether the user holds this role in some helpline (``roles`` is the union of the
        memberships' roles); a regional administrator holds every role but the nurse's."""
        if self.is_regional_admin and role != "nurse":
            return True
        return role in {r.strip() for r in self.roles.split(",")}


class HelplineMembership(Base):
    """A user's role in one helpline: what he may see and do there (``hotline.scope``)."""

    __tablename__ = "helpline_memberships"
    __repr_fields__ = ("user_id", "helpline_id", "role")
    __table_args__ = (UniqueConstraint("user_id", "helpline_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    helpline_id: Mapped[int] = mapped_column(
        ForeignKey("helplines.id", ondelete="CASCADE"), index=True
    )
    # One of hotline.auth.ROLES: nurse, coordinator, finance, admin.
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Structure(Base):
    """An establishment professionals work in: a cabinet, a health centre, an EHPAD, a PASS…

    Regional (shared by the helplines); budget lines may fund one (``interpreter_pool``)."""

    __tablename__ = "structures"
    __repr_fields__ = ("name", "kind")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    # A code of ``hotline.structures.STRUCTURE_KINDS`` ("cabinet", "health_centre", "pass"…).
    kind: Mapped[str] = mapped_column(String(30), default="other")
    finess: Mapped[str | None] = mapped_column(String(9), index=True)
    commune: Mapped[str | None] = mapped_column(String(80), index=True)
    insee_code: Mapped[str | None] = mapped_column(String(5), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProfessionalStructure(Base):
    """A professional works in a structure (he may work in several)."""

    __tablename__ = "professional_structures"
    __repr_fields__ = ("professional_id", "structure_id")
    __table_args__ = (UniqueConstraint("professional_id", "structure_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    professional_id: Mapped[int] = mapped_column(
        ForeignKey("professionals.id", ondelete="CASCADE"), index=True
    )
    structure_id: Mapped[int] = mapped_column(
        ForeignKey("structures.id", ondelete="CASCADE"), index=True
    )


class Professional(Base):
    """A caller from the directory: a GP, a midwife, a pharmacist, a social worker…"""

    __tablename__ = "professionals"
    __repr_fields__ = ("last_name", "profession")
    # The directory is searched by name, commune and RPPS (numbers: professional_phones.number);
    # namesakes are found by the name's key.
    __table_args__ = (
        Index("ix_professionals_last_name_first_name", "last_name", "first_name"),
        Index("ix_professionals_name_key", "name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str | None] = mapped_column(String(20))
    first_name: Mapped[str] = mapped_column(String(80), default="")
    last_name: Mapped[str] = mapped_column(String(80))
    profession: Mapped[str] = mapped_column(String(30), default="gp")
    organisation: Mapped[str | None] = mapped_column(String(160))
    territory: Mapped[str | None] = mapped_column(String(80))
    commune: Mapped[str | None] = mapped_column(String(80), index=True)
    insee_code: Mapped[str | None] = mapped_column(String(5), index=True)  # "31555", "2A004"
    rpps: Mapped[str | None] = mapped_column(String(11), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    # The record this duplicate was merged into (``hotline.merge``): kept, inactive, for history.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("professionals.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # ``hotline.names.name_key`` of the first and last name, kept by every flush.
    name_key: Mapped[str] = mapped_column(String(NAME_KEY_LENGTH), default="", server_default="")

    phones: Mapped[list[ProfessionalPhone]] = relationship(
        back_populates="professional", cascade="all, delete-orphan"
    )
    structures: Mapped[list[Structure]] = relationship(
        secondary="professional_structures", viewonly=True, order_by="Structure.name"
    )

    @property
    def display_name(self) -> str:
        """The name as a nurse reads it: title, first name, last name."""
        return " ".join(p for p in (self.title, self.first_name, self.last_name) if p)


@event.listens_for(Professional, "before_insert")
@event.listens_for(Professional, "before_update")
def _keep_name_key(_mapper: object, _connection: object, professional: Professional) -> None:
    professional.name_key = name_key(professional.first_name or "", professional.last_name or "")


class ProfessionalPhone(Base):
    """One telephone number (E.164) of a professional."""

    __tablename__ = "professional_phones"
    __repr_fields__ = ("professional_id", "label")
    __repr_masked__ = ("number",)
    __table_args__ = (UniqueConstraint("professional_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    professional_id: Mapped[int] = mapped_column(ForeignKey("professionals.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(20), index=True)
    label: Mapped[str | None] = mapped_column(String(40))

    professional: Mapped[Professional] = relationship(back_populates="phones")


class RequestCounter(Base):
    """The last reference number given in a year, for references such as 2026-00042."""

    __tablename__ = "request_counters"
    __repr_fields__ = ("last_number",)

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class RequestStatus(StrEnum):
    """Where a request stands: received → in call → to complete → closed (``hotline.lifecycle``).

    Received: the caller is at the menu or ringing; in call: someone took it (a nurse, an
    interpreter); to complete: its calls have ended and the record is not closed yet; closed: a
    nurse closed it (category and outcome set). Reopening takes it back to "to complete".
    """

    RECEIVED = "received"
    IN_CALL = "in_call"
    TO_COMPLETE = "to_complete"
    CLOSED = "closed"


class ReferenceValue(Base):
    """One value of a helpline's reference list (a category, an outcome, an orientation, a
    patient attribute): a stable code stored on requests, a label, a place in the list; a retired
    value stays on the requests that have it and is no longer offered (``hotline.reference_lists``).
    """

    __tablename__ = "reference_values"
    __repr_fields__ = ("helpline_id", "kind", "code")
    __table_args__ = (UniqueConstraint("helpline_id", "kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    helpline_id: Mapped[int] = mapped_column(ForeignKey("helplines.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Request(Base):
    """One solicitation of the helpline; never holds a patient's identity."""

    __tablename__ = "requests"
    __repr_fields__ = ("reference", "status", "channel")
    __repr_masked__ = ("caller_number",)
    # The console's list filters and sorts on these (a region's years of requests).
    __table_args__ = (
        Index("ix_requests_opened_at", "opened_at"),
        Index("ix_requests_status_opened_at", "status", "opened_at"),
        Index("ix_requests_caller_number", "caller_number"),
        # A caller's earlier requests, newest first.
        Index("ix_requests_professional_id_opened_at", "professional_id", "opened_at"),
        # The list's choices: the codes in use in a helpline, read by a loose index scan.
        Index("ix_requests_helpline_id_category", "helpline_id", "category"),
        Index("ix_requests_helpline_id_language", "helpline_id", "language"),
        Index("ix_requests_nurse_id", "nurse_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    helpline_id: Mapped[int] = mapped_column(ForeignKey("helplines.id"))
    professional_id: Mapped[int | None] = mapped_column(ForeignKey("professionals.id"))
    # The structure the professional called for (his only one, or the nurse's choice): what
    # interpreting is charged to when a budget line funds that structure.
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structures.id"), index=True)
    caller_number: Mapped[str | None] = mapped_column(String(20))
    is_caller_withheld: Mapped[bool] = mapped_column(default=False)
    channel: Mapped[str] = mapped_column(String(16), default="phone")
    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus, 16), default=RequestStatus.RECEIVED
    )
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    # Codes of the helpline's reference lists (``hotline.reference_lists``), by kind.
    category: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(32))
    orientation: Mapped[str | None] = mapped_column(String(32))
    # Optional facts about the patient that identify nobody (reference lists too).
    patient_age_band: Mapped[str | None] = mapped_column(String(32))
    patient_sex: Mapped[str | None] = mapped_column(String(32))
    patient_coverage: Mapped[str | None] = mapped_column(String(32))
    patient_housing: Mapped[str | None] = mapped_column(String(32))
    # The nurse's notes: never the patient's identity (the form says so).
    notes: Mapped[str | None] = mapped_column(Text)
    follow_up_on: Mapped[date | None]
    nurse_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    helpline: Mapped[Helpline] = relationship()
    professional: Mapped[Professional | None] = relationship()
    structure: Mapped[Structure | None] = relationship()
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="(RequestEvent.at, RequestEvent.id)"
    )


class RequestEvent(Base):
    """A step in the story of a request; the source of the activity indicators."""

    __tablename__ = "request_events"
    __repr_fields__ = ("request_id", "kind", "call_sid")
    __table_args__ = (
        UniqueConstraint("request_id", "dedupe_key"),
        Index("ix_request_events_request_id_at", "request_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40))
    call_sid: Mapped[str | None] = mapped_column(String(34))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Set by events that Twilio may deliver more than once, so they are written once.
    dedupe_key: Mapped[str | None] = mapped_column(String(120))

    request: Mapped[Request] = relationship(back_populates="events")


class Call(Base):
    """One telephone leg, keyed by its Twilio CallSid."""

    __tablename__ = "calls"
    __repr_fields__ = ("sid", "role", "direction", "status", "request_id")
    __repr_masked__ = ("from_number", "to_number")

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(String(34), unique=True)
    parent_sid: Mapped[str | None] = mapped_column(String(34))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    helpline_id: Mapped[int | None] = mapped_column(ForeignKey("helplines.id"))
    role: Mapped[str] = mapped_column(String(16), default="gp")
    direction: Mapped[str] = mapped_column(String(16))
    from_number: Mapped[str | None] = mapped_column(String(64))
    to_number: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[CallStatus] = mapped_column(str_enum(CallStatus, 16))
    last_sequence_number: Mapped[int | None]
    # For a leg ringing a nurse: who, and at which step of which routing.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    routing_id: Mapped[int | None] = mapped_column(ForeignKey("nurse_routings.id"), index=True)
    routing_step: Mapped[int | None]
    interpreting_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("interpreting_sessions.id"), index=True
    )
    interpreter_id: Mapped[int | None] = mapped_column(ForeignKey("interpreters.id"))
    # Read by time: the telephony costs of a period.
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    duration_s: Mapped[int | None]
    # Twilio reports telephony prices with five decimals (e.g. "-0.01300"); cents would lose them.
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 5))
    price_unit: Mapped[str | None] = mapped_column(String(3))
    # When Twilio's price was read (the telephony cost); empty while it is still to be read.
    # Indexed: the daily telephony costs read the legs priced since their last build.
    priced_at: Mapped[datetime | None] = mapped_column(index=True)

    request: Mapped[Request | None] = relationship()


class Conference(Base):
    """A Twilio conference room, named after its request (req-<id>)."""

    __tablename__ = "conferences"
    __repr_fields__ = ("sid", "friendly_name", "request_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(String(34), unique=True)
    friendly_name: Mapped[str] = mapped_column(String(64), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(64))


class Participation(Base):
    """One leg's presence in a conference: the evidence for who talked with whom, and how long."""

    __tablename__ = "participations"
    __repr_fields__ = ("conference_sid", "call_sid", "label")
    __table_args__ = (UniqueConstraint("conference_sid", "call_sid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_sid: Mapped[str] = mapped_column(String(34))
    call_sid: Mapped[str] = mapped_column(String(34))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    label: Mapped[str | None] = mapped_column(String(32))
    joined_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]


class OutboxStatus(StrEnum):
    """pending → sending → sent | failed (back to pending when a send may be retried)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Base):
    """An outbound Twilio REST intent, written with the change that needs it, sent after commit."""

    __tablename__ = "outbox"
    __repr_fields__ = ("kind", "status", "attempts")

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, 16), default=OutboxStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class LoginAttempt(Base):
    """A sign-in attempt to the console: throttling counts the recent failures."""

    __tablename__ = "login_attempts"
    __repr_fields__ = ("at", "succeeded")

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    succeeded: Mapped[bool] = mapped_column(default=False)


class AuditEvent(Base):
    """Who viewed or changed what, when: every read and change of a request, sign-ins."""

    __tablename__ = "audit_events"
    __repr_fields__ = ("action", "object_type", "object_id")
    # The log is read by object (and its list of types, a skip over this index).
    __table_args__ = (Index("ix_audit_events_object_type_object_id", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(40), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    address: Mapped[str | None] = mapped_column(String(64))
    # The helpline the object belongs to (a request, a shift, a list value…); NULL for the
    # region's shared records (directory, structures, interpreters, accounts).
    helpline_id: Mapped[int | None] = mapped_column(ForeignKey("helplines.id"), index=True)
