"""network: structures, partners, orientations, appointment follow-ups

Revision ID: 0020_partners
Revises: 0014_voice
Create Date: 2026-12-01 06:46:31.955226
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hotline.db

revision = "0020_partners"
down_revision = "0014_voice"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "structures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("finess", sa.String(length=9), nullable=True),
        sa.Column("commune", sa.String(length=80), nullable=True),
        sa.Column("insee_code", sa.String(length=5), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_structures")),
    )
    with op.batch_alter_table("structures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_structures_commune"), ["commune"], unique=False)
        batch_op.create_index(batch_op.f("ix_structures_finess"), ["finess"], unique=False)
        batch_op.create_index(batch_op.f("ix_structures_insee_code"), ["insee_code"], unique=False)

    op.create_table(
        "partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("profession", sa.String(length=30), nullable=False),
        sa.Column("specialty", sa.String(length=120), nullable=True),
        sa.Column("structure_id", sa.Integer(), nullable=True),
        sa.Column("commune", sa.String(length=80), nullable=True),
        sa.Column("insee_code", sa.String(length=5), nullable=True),
        sa.Column("is_accepting_patients", sa.Boolean(), nullable=False),
        sa.Column("has_third_party_payment", sa.Boolean(), nullable=False),
        sa.Column("charter_signed_on", sa.Date(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure_id"], ["structures.id"], name=op.f("fk_partners_structure_id_structures")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
    )
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partners_commune"), ["commune"], unique=False)
        batch_op.create_index(batch_op.f("ix_partners_insee_code"), ["insee_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_partners_is_active"), ["is_active"], unique=False)
        batch_op.create_index(batch_op.f("ix_partners_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_partners_profession"), ["profession"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_partners_structure_id"), ["structure_id"], unique=False
        )

    op.create_table(
        "orientations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("service", sa.String(length=32), nullable=True),
        sa.Column("appointment_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_orientations_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_orientations_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_orientations_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orientations")),
    )
    with op.batch_alter_table("orientations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_orientations_partner_id"), ["partner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_orientations_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "partner_languages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_languages_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_languages")),
        sa.UniqueConstraint(
            "partner_id", "language", name=op.f("uq_partner_languages_partner_id_language")
        ),
    )
    with op.batch_alter_table("partner_languages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_languages_language"), ["language"], unique=False
        )

    op.create_table(
        "partner_phones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_phones_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_phones")),
        sa.UniqueConstraint(
            "partner_id", "number", name=op.f("uq_partner_phones_partner_id_number")
        ),
    )
    op.create_table(
        "appointment_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("orientation_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("due_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("done_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["users.id"], name=op.f("fk_appointment_follow_ups_done_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["orientation_id"],
            ["orientations.id"],
            name=op.f("fk_appointment_follow_ups_orientation_id_orientations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_appointment_follow_ups_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_follow_ups")),
        sa.UniqueConstraint(
            "orientation_id", name=op.f("uq_appointment_follow_ups_orientation_id")
        ),
    )
    with op.batch_alter_table("appointment_follow_ups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_follow_ups_due_at"), ["due_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_appointment_follow_ups_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_appointment_follow_ups_result"), ["result"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("appointment_follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_follow_ups_result"))
        batch_op.drop_index(batch_op.f("ix_appointment_follow_ups_request_id"))
        batch_op.drop_index(batch_op.f("ix_appointment_follow_ups_due_at"))

    op.drop_table("appointment_follow_ups")
    op.drop_table("partner_phones")
    with op.batch_alter_table("partner_languages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_languages_language"))

    op.drop_table("partner_languages")
    with op.batch_alter_table("orientations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orientations_request_id"))
        batch_op.drop_index(batch_op.f("ix_orientations_partner_id"))

    op.drop_table("orientations")
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partners_structure_id"))
        batch_op.drop_index(batch_op.f("ix_partners_profession"))
        batch_op.drop_index(batch_op.f("ix_partners_name"))
        batch_op.drop_index(batch_op.f("ix_partners_is_active"))
        batch_op.drop_index(batch_op.f("ix_partners_insee_code"))
        batch_op.drop_index(batch_op.f("ix_partners_commune"))

    op.drop_table("partners")
    with op.batch_alter_table("structures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_structures_insee_code"))
        batch_op.drop_index(batch_op.f("ix_structures_finess"))
        batch_op.drop_index(batch_op.f("ix_structures_commune"))

    op.drop_table("structures")
