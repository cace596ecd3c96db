"""merged into: a professional merged into another (a duplicate of the directory) names the record
kept; it stays, inactive, for the history

Revision ID: 0027_adm21_merged_into
Revises: 0026_audit_helpline
Create Date: 2026-12-01 12:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027_adm21_merged_into"
down_revision = "0026_audit_helpline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("professionals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_professionals_merged_into_id_professionals"),
            "professionals",
            ["merged_into_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("professionals", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_professionals_merged_into_id_professionals"), type_="foreignkey"
        )
        batch_op.drop_column("merged_into_id")
