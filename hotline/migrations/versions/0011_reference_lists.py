"""reference lists per helpline (categories, outcomes, orientations, the patient's non-identifying
facts), seeded with the defaults for each existing helpline; requests keep codes of them

Revision ID: 0011_reference_lists
Revises: 0010_request_lifecycle
Create Date: 2026-12-01 06:30:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import hotline.db
from hotline.reference_codes import DEFAULTS

revision = '0011_reference_lists'
down_revision = '0010_request_lifecycle'
branch_labels = None
depends_on = None

REQUEST_COLUMNS = (
    'orientation',
    'patient_age_band',
    'patient_sex',
    'patient_coverage',
    'patient_housing',
)


def upgrade() -> None:
    values = op.create_table(
        'reference_values',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('helpline_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('label', sa.String(length=120), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('retired_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['helpline_id'],
            ['helplines.id'],
            name=op.f('fk_reference_values_helpline_id_helplines'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_values')),
        sa.UniqueConstraint(
            'helpline_id', 'kind', 'code', name=op.f('uq_reference_values_helpline_id_kind_code')
        ),
    )
    with op.batch_alter_table('requests', schema=None) as batch_op:
        for column in REQUEST_COLUMNS:
            batch_op.add_column(sa.Column(column, sa.String(length=32), nullable=True))

    # Every helpline starts with the defaults (the codes the console offered until now among them,
    # so every request keeps a value its helpline knows).
    helplines = sa.table('helplines', sa.column('id', sa.Integer()))
    now = datetime.now(UTC)
    rows = [
        {
            'helpline_id': helpline_id,
            'kind': kind,
            'code': code,
            'label': label,
            'position': position,
            'retired_at': None,
            'created_at': now,
        }
        for helpline_id in op.get_bind().scalars(sa.select(helplines.c.id))
        for kind, defaults in DEFAULTS.items()
        for position, (code, label) in enumerate(defaults, start=1)
    ]
    if rows:
        op.bulk_insert(values, rows)


def downgrade() -> None:
    with op.batch_alter_table('requests', schema=None) as batch_op:
        for column in reversed(REQUEST_COLUMNS):
            batch_op.drop_column(column)
    op.drop_table('reference_values')
