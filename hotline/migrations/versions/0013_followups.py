"""follow-ups: every attempt of a callback, and the outcome of a reached follow-up

Revision ID: 0013_followups
Revises: 0012_directory
Create Date: 2026-12-01 06:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hotline.db


revision = '0013_followups'
down_revision = '0012_directory'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up_outcome', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('follow_up_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('follow_up_recorded_at', hotline.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('follow_up_recorded_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_callbacks_follow_up_recorded_by_users'),
            'users', ['follow_up_recorded_by'], ['id'],
        )
    op.create_table(
        'callback_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('callback_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=20), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('started_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('result', sa.String(length=16), nullable=True),
        sa.Column('why', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ['callback_id'], ['callbacks.id'],
            name=op.f('fk_callback_attempts_callback_id_callbacks'),
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_callback_attempts_user_id_users')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_attempts')),
        sa.UniqueConstraint(
            'callback_id', 'number', name=op.f('uq_callback_attempts_callback_id_number')
        ),
    )
    with op.batch_alter_table('callback_attempts', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_callback_attempts_callback_id'), ['callback_id'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('callback_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callback_attempts_callback_id'))
    op.drop_table('callback_attempts')
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_callbacks_follow_up_recorded_by_users'), type_='foreignkey'
        )
        batch_op.drop_column('follow_up_recorded_by')
        batch_op.drop_column('follow_up_recorded_at')
        batch_op.drop_column('follow_up_note')
        batch_op.drop_column('follow_up_outcome')
