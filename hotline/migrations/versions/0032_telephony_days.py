"""telephony costs by local day: telephony_days (Twilio's price of the legs summed by day,
helpline, currency, provider and language), telephony_build (what they hold), and the index on
calls.priced_at (the legs priced since the last build)

Revision ID: 0032_telephony_days
Revises: 0027_aggr_report_aggregates
Create Date: 2026-12-01 16:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hotline.db

revision = "0032_telephony_days"
down_revision = "0027_aggr_report_aggregates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "telephony_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("helpline_id", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("interpreter_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("amount", sa.Numeric(precision=16, scale=5), nullable=False),
        sa.Column("interpreters", sa.Numeric(precision=16, scale=5), nullable=False),
        sa.Column("legs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telephony_days")),
    )
    with op.batch_alter_table("telephony_days", schema=None) as batch_op:
        batch_op.create_index("ix_telephony_days_day", ["day"], unique=False)
    op.create_table(
        "telephony_build",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("built_through", sa.Date(), nullable=False),
        sa.Column("priced_before", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("built_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telephony_build")),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calls_priced_at"), ["priced_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calls_priced_at"))
    op.drop_table("telephony_build")
    with op.batch_alter_table("telephony_days", schema=None) as batch_op:
        batch_op.drop_index("ix_telephony_days_day")
    op.drop_table("telephony_days")
