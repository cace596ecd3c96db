"""telephony cost: when each leg's Twilio price was read

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01 00:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hotline.db


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priced_at', hotline.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('priced_at')
