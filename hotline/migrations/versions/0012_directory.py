"""directory: a professional's commune and its INSEE code; indexes for the nurse's search

Revision ID: 0012_directory
Revises: 0011_reference_lists
Create Date: 2026-12-01 06:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0012_directory"
down_revision = "0011_reference_lists"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("professionals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commune", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("insee_code", sa.String(length=5), nullable=True))
        batch_op.create_index(batch_op.f("ix_professionals_commune"), ["commune"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_professionals_insee_code"), ["insee_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_professionals_rpps"), ["rpps"], unique=False)
        batch_op.create_index(
            "ix_professionals_last_name_first_name", ["last_name", "first_name"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("professionals", schema=None) as batch_op:
        batch_op.drop_index("ix_professionals_last_name_first_name")
        batch_op.drop_index(batch_op.f("ix_professionals_rpps"))
        batch_op.drop_index(batch_op.f("ix_professionals_insee_code"))
        batch_op.drop_index(batch_op.f("ix_professionals_commune"))
        batch_op.drop_column("insee_code")
        batch_op.drop_column("commune")
