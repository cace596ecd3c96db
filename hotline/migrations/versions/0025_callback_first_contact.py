"""indicators: when a callback first reached the professional (D02, D03)

Revision ID: 0024_callback_first_contact
Revises: 0024_invoice_checks
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hotline.db


revision = "0024_callback_first_contact"
down_revision = "0024_invoice_checks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("first_contact_at", hotline.db.UTCDateTime(timezone=True), nullable=True)
        )
    # Callbacks reached before this revision: the professional's leg was answered then.
    op.execute(
        "UPDATE callbacks SET first_contact_at = (SELECT calls.answered_at FROM calls "
        "WHERE calls.sid = callbacks.gp_call_sid) WHERE outcome = 'reached'"
    )


def downgrade() -> None:
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_column("first_contact_at")
