"""The network's structures and partners: practitioners and structures who signed its charter."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import Base, utcnow
from hotline.models import Structure


class Partner(Base):
    """A partner of the network: a practitioner (or a structure itself) the nurse orients to."""

    __tablename__ = "partners"
    __repr_fields__ = ("name", "profession", "is_active")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), index=True)
    # A code of ``hotline.directory.PROFESSIONS`` ("gp", "midwife"…) or "structure".
    profession: Mapped[str] = mapped_column(String(30), default="gp", index=True)
    specialty: Mapped[str | None] = mapped_column(String(120))
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structures.id"), index=True)
    commune: Mapped[str | None] = mapped_column(String(80), index=True)
    insee_code: Mapped[str | None] = mapped_column(String(5), index=True)
    # Where the agenda of a meeting he takes part in is sent (optional).
    email: Mapped[str | None] = mapped_column(String(254))
    is_accepting_patients: Mapped[bool] = mapped_column(default=True)
    has_third_party_payment: Mapped[bool] = mapped_column(default=False)
    charter_signed_on: Mapped[date | None]
    is_active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    structure: Mapped[Structure | None] = relationship()
    phones: Mapped[list[PartnerPhone]] = relationship(
        back_populates="partner", cascade="all, delete-orphan", order_by="PartnerPhone.id"
    )
    languages: Mapped[list[PartnerLanguage]] = relationship(
        back_populates="partner", cascade="all, delete-orphan", order_by="PartnerLanguage.id"
    )

    @property
    def language_codes(self) -> list[str]:
        """The codes of the languages the partner speaks ("ar", "en")."""
        return [spoken.language for spoken in self.languages]


class PartnerPhone(Base):
    """One telephone number (E.164) of a partner."""

    __tablename__ = "partner_phones"
    __repr_fields__ = ("partner_id", "label")
    __repr_masked__ = ("number",)
    __table_args__ = (UniqueConstraint("partner_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(20))
    label: Mapped[str | None] = mapped_column(String(40))

    partner: Mapped[Partner] = relationship(back_populates="phones")


class PartnerLanguage(Base):
    """A language a partner speaks with patients (a base code of the interpreter pool: "ar")."""

    __tablename__ = "partner_languages"
    __repr_fields__ = ("partner_id", "language")
    __table_args__ = (UniqueConstraint("partner_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(16), index=True)

    partner: Mapped[Partner] = relationship(back_populates="languages")
