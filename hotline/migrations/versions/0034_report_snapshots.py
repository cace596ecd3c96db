"""report snapshots: the indicators' values of a fully built period kept with the fingerprint
of what they were computed from (report_snapshots), and each built day's build generation
(report_builds.generation), so a day built again changes the fingerprint

Revision ID: 0034_report_snapshots
Revises: 0033_request_board_notify
Create Date: 2026-12-01 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hotline.db

revision = "0034_report_snapshots"
down_revision = "0033_request_board_notify"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_snapshots",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("computed_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_report_snapshots")),
    )
    with op.batch_alter_table("report_snapshots", schema=None) as batch_op:
        batch_op.create_index("ix_report_snapshots_computed_at", ["computed_at"], unique=False)
    with op.batch_alter_table("report_builds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("generation", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("report_builds", schema=None) as batch_op:
        batch_op.drop_column("generation")
    with op.batch_alter_table("report_snapshots", schema=None) as batch_op:
        batch_op.drop_index("ix_report_snapshots_computed_at")
    op.drop_table("report_snapshots")
