"""step deadlines and answering machine detection

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 00:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hotline.db


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

DEADLINE_TABLES = ('nurse_routings', 'interpreting_sessions', 'callbacks')


def upgrade() -> None:
    for table in DEADLINE_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('step_deadline_at', hotline.db.UTCDateTime(timezone=True), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_step_deadline_at'), ['step_deadline_at'], unique=False)
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_by', sa.String(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.drop_column('answered_by')
    for table in reversed(DEADLINE_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_step_deadline_at'))
            batch_op.drop_column('step_deadline_at')
