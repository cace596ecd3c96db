"""meetings: consent, concertation meetings, agenda, published cases, network activities

Revision ID: 0021_meetings
Revises: 0020_partners
Create Date: 2026-12-01 06:58:05.916610
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hotline.db


revision = '0021_meetings'
down_revision = '0020_partners'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('helpline_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('intervision', 'rcp', 'preparation', name='meetingkind', native_enum=False, length=16), nullable=False),
    sa.Column('starts_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('video_url', sa.String(length=500), nullable=True),
    sa.Column('agenda_sent_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_meetings_created_by_users')),
    sa.ForeignKeyConstraint(['helpline_id'], ['helplines.id'], name=op.f('fk_meetings_helpline_id_helplines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_helpline_id'), ['helpline_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_starts_at'), ['starts_at'], unique=False)

    op.create_table('network_activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('helpline_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('training', 'newsletter', name='activitykind', native_enum=False, length=16), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('theme', sa.String(length=200), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_network_activities_created_by_users')),
    sa.ForeignKeyConstraint(['helpline_id'], ['helplines.id'], name=op.f('fk_network_activities_helpline_id_helplines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_activities'))
    )
    with op.batch_alter_table('network_activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_activities_held_on'), ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_network_activities_helpline_id'), ['helpline_id'], unique=False)

    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('is_given', sa.Boolean(), nullable=False),
    sa.Column('given_to', sa.String(length=200), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_consents_recorded_by_users')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_consents_request_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents')),
    sa.UniqueConstraint('request_id', name=op.f('uq_consents_request_id'))
    )
    op.create_table('meeting_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_participants_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_meeting_participants_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_participants'))
    )
    with op.batch_alter_table('meeting_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_participants_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('proposed_by', sa.Integer(), nullable=False),
    sa.Column('proposed_at', hotline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.Text(), nullable=True),
    sa.Column('orientation_codes', sa.String(length=500), nullable=True),
    sa.Column('orientations', sa.Text(), nullable=True),
    sa.Column('follow_up_on', sa.Date(), nullable=True),
    sa.Column('follow_up_callback_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('published_at', hotline.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_agenda_items_decided_by_users')),
    sa.ForeignKeyConstraint(['follow_up_callback_id'], ['callbacks.id'], name=op.f('fk_agenda_items_follow_up_callback_id_callbacks')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_agenda_items_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['proposed_by'], ['users.id'], name=op.f('fk_agenda_items_proposed_by_users')),
    sa.ForeignKeyConstraint(['published_by'], ['users.id'], name=op.f('fk_agenda_items_published_by_users')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_agenda_items_request_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_items')),
    sa.UniqueConstraint('meeting_id', 'request_id', name=op.f('uq_agenda_items_meeting_id_request_id'))
    )
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_items_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_items_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_items_request_id'), ['request_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_items_request_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_items_published_at'))
        batch_op.drop_index(batch_op.f('ix_agenda_items_meeting_id'))

    op.drop_table('agenda_items')
    with op.batch_alter_table('meeting_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_participants_meeting_id'))

    op.drop_table('meeting_participants')
    op.drop_table('consents')
    with op.batch_alter_table('network_activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_activities_helpline_id'))
        batch_op.drop_index(batch_op.f('ix_network_activities_held_on'))

    op.drop_table('network_activities')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_starts_at'))
        batch_op.drop_index(batch_op.f('ix_meetings_helpline_id'))

    op.drop_table('meetings')
