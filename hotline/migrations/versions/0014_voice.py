"""telling the GP and the keypad menu: texts, ratings, stored language menu, helpline settings

Revision ID: 0014_voice
Revises: 0013_followups
Create Date: 2026-12-01 06:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hotline.db

revision = '0014_voice'
down_revision = '0013_followups'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('helplines', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'language_menu_recompute_days', sa.Integer(), server_default='30', nullable=False
            )
        )
        batch_op.add_column(
            sa.Column('is_rating_enabled', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                'is_voicemail_sms_enabled', sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    op.create_table(
        'sms_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sid', sa.String(length=34), nullable=True),
        sa.Column('request_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('to_number', sa.String(length=20), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('error_code', sa.Integer(), nullable=True),
        sa.Column('dedupe_key', sa.String(length=120), nullable=False),
        sa.Column('created_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('sent_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('status_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('delivered_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['request_id'], ['requests.id'],
            name=op.f('fk_sms_messages_request_id_requests'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_messages')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_sms_messages_dedupe_key')),
        sa.UniqueConstraint('sid', name=op.f('uq_sms_messages_sid')),
    )
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_sms_messages_request_id'), ['request_id'], unique=False
        )
    op.create_table(
        'service_ratings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('call_sid', sa.String(length=34), nullable=True),
        sa.Column('rated_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['request_id'], ['requests.id'],
            name=op.f('fk_service_ratings_request_id_requests'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_ratings')),
        sa.UniqueConstraint('request_id', name=op.f('uq_service_ratings_request_id')),
    )
    op.create_table(
        'language_menu_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('helpline_id', sa.Integer(), nullable=False),
        sa.Column('digit', sa.String(length=1), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('computed_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['helpline_id'], ['helplines.id'],
            name=op.f('fk_language_menu_entries_helpline_id_helplines'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_language_menu_entries')),
        sa.UniqueConstraint(
            'helpline_id', 'digit', name=op.f('uq_language_menu_entries_helpline_id_digit')
        ),
    )
    with op.batch_alter_table('language_menu_entries', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_language_menu_entries_helpline_id'), ['helpline_id'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('language_menu_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_language_menu_entries_helpline_id'))
    op.drop_table('language_menu_entries')
    op.drop_table('service_ratings')
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_messages_request_id'))
    op.drop_table('sms_messages')
    with op.batch_alter_table('helplines', schema=None) as batch_op:
        batch_op.drop_column('is_voicemail_sms_enabled')
        batch_op.drop_column('is_rating_enabled')
        batch_op.drop_column('language_menu_recompute_days')
