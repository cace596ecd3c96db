"""network links: a meeting's participant and a decision's proposed orientations name partners
(foreign keys); a partner's optional e-mail address

Revision ID: 0022_network_links
Revises: 0021_meetings
Create Date: 2026-12-01 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0022_network_links'
down_revision = '0021_meetings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))

    # A participant's partner id that names no partner (it was never checked) is forgotten.
    op.execute(
        "UPDATE meeting_participants SET partner_id = NULL WHERE partner_id IS NOT NULL "
        "AND partner_id NOT IN (SELECT id FROM partners)"
    )
    with op.batch_alter_table('meeting_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_participants_partner_id'), ['partner_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_meeting_participants_partner_id_partners'), 'partners', ['partner_id'], ['id'])

    op.create_table('agenda_orientation_partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_items.id'], name=op.f('fk_agenda_orientation_partners_agenda_item_id_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_agenda_orientation_partners_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_orientation_partners')),
    sa.UniqueConstraint('agenda_item_id', 'partner_id', name=op.f('uq_agenda_orientation_partners_agenda_item_id_partner_id')),
    )
    with op.batch_alter_table('agenda_orientation_partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_orientation_partners_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_orientation_partners_partner_id'), ['partner_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('agenda_orientation_partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_orientation_partners_partner_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_orientation_partners_agenda_item_id'))

    op.drop_table('agenda_orientation_partners')
    with op.batch_alter_table('meeting_participants', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_meeting_participants_partner_id_partners'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_meeting_participants_partner_id'))

    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_column('email')
