"""Orientations of a request (to a partner or a kind of service) and their appointments'
follow-ups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callbacks.network.appointments import FollowUpResult
from callbacks.network.partner_models import Partner
from hotline.db import Base, str_enum, utcnow


class Orientation(Base):
    """The nurse oriented the request's patient: to a partner, to a kind of service (a code of the
    helpline's "orientation" reference list), or both; with an appointment when there is one."""

    __tablename__ = "orientations"
    __repr_fields__ = ("request_id", "partner_id", "service")

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    service: Mapped[str | None] = mapped_column(String(32))
    appointment_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    partner: Mapped[Partner | None] = relationship()
    follow_up: Mapped[AppointmentFollowUp | None] = relationship(back_populates="orientation")


class AppointmentFollowUp(Base):
    """ "Le rendez-vous a-t-il été honoré ?": a nurse's task, due the day after the appointment,
    closed with a coded result (``FollowUpResult``: what the reports count) and who/when."""

    __tablename__ = "appointment_follow_ups"
    __repr_fields__ = ("orientation_id", "result")

    id: Mapped[int] = mapped_column(primary_key=True)
    orientation_id: Mapped[int] = mapped_column(
        ForeignKey("orientations.id", ondelete="CASCADE"), unique=True
    )
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime] = mapped_column(index=True)
    result: Mapped[FollowUpResult | None] = mapped_column(str_enum(FollowUpResult, 16), index=True)
    # Never the patient's identity (the form says so).
    note: Mapped[str | None] = mapped_column(Text)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    orientation: Mapped[Orientation] = relationship(back_populates="follow_up")
