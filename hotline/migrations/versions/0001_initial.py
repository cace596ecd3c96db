"""helplines, professionals, requests, events and calls

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hotline.db


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "helplines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("greeting", sa.Text(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helplines")),
        sa.UniqueConstraint("phone_number", name=op.f("uq_helplines_phone_number")),
    )
    op.create_table(
        "professionals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=20), nullable=True),
        sa.Column("first_name", sa.String(length=80), nullable=False),
        sa.Column("last_name", sa.String(length=80), nullable=False),
        sa.Column("profession", sa.String(length=30), nullable=False),
        sa.Column("organisation", sa.String(length=160), nullable=True),
        sa.Column("territory", sa.String(length=80), nullable=True),
        sa.Column("rpps", sa.String(length=11), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_professionals")),
    )
    op.create_table(
        "request_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_request_counters")),
    )
    op.create_table(
        "professional_phones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("professional_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["professional_id"],
            ["professionals.id"],
            name=op.f("fk_professional_phones_professional_id_professionals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_professional_phones")),
        sa.UniqueConstraint(
            "professional_id", "number", name=op.f("uq_professional_phones_professional_id_number")
        ),
    )
    with op.batch_alter_table("professional_phones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_professional_phones_number"), ["number"], unique=False)

    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=12), nullable=False),
        sa.Column("helpline_id", sa.Integer(), nullable=False),
        sa.Column("professional_id", sa.Integer(), nullable=True),
        sa.Column("caller_number", sa.String(length=20), nullable=True),
        sa.Column("is_caller_withheld", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["helpline_id"], ["helplines.id"], name=op.f("fk_requests_helpline_id_helplines")
        ),
        sa.ForeignKeyConstraint(
            ["professional_id"],
            ["professionals.id"],
            name=op.f("fk_requests_professional_id_professionals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_requests_reference")),
    )
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sid", sa.String(length=34), nullable=False),
        sa.Column("parent_sid", sa.String(length=34), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("helpline_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("from_number", sa.String(length=64), nullable=True),
        sa.Column("to_number", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("last_sequence_number", sa.Integer(), nullable=True),
        sa.Column("created_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("price", sa.Numeric(precision=12, scale=5), nullable=True),
        sa.Column("price_unit", sa.String(length=3), nullable=True),
        sa.ForeignKeyConstraint(
            ["helpline_id"], ["helplines.id"], name=op.f("fk_calls_helpline_id_helplines")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_calls_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("sid", name=op.f("uq_calls_sid")),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calls_request_id"), ["request_id"], unique=False)

    op.create_table(
        "request_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("call_sid", sa.String(length=34), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_request_events_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_events")),
        sa.UniqueConstraint(
            "request_id", "dedupe_key", name=op.f("uq_request_events_request_id_dedupe_key")
        ),
    )
    with op.batch_alter_table("request_events", schema=None) as batch_op:
        batch_op.create_index("ix_request_events_request_id_at", ["request_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("request_events", schema=None) as batch_op:
        batch_op.drop_index("ix_request_events_request_id_at")

    op.drop_table("request_events")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calls_request_id"))

    op.drop_table("calls")
    op.drop_table("requests")
    with op.batch_alter_table("professional_phones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_professional_phones_number"))

    op.drop_table("professional_phones")
    op.drop_table("request_counters")
    op.drop_table("professionals")
    op.drop_table("helplines")
