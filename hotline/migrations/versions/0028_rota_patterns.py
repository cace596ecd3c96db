"""rota patterns: recurring shifts of a nurse (weekdays, local times, every week or every other)
and their exceptions (an absence, a swap) over local days

Revision ID: 0027_rota_patterns
Revises: 0026_audit_helpline
Create Date: 2026-12-01 12:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hotline.db


revision = "0027_rota_patterns"
down_revision = "0027_adm21_merged_into"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rota_patterns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("helpline_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.String(length=16), nullable=False),
        sa.Column("weekdays", sa.String(length=16), nullable=False),
        sa.Column("starts_local", sa.Time(), nullable=False),
        sa.Column("ends_local", sa.Time(), nullable=False),
        sa.Column("every_weeks", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("created_at", hotline.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["helpline_id"], ["helplines.id"], name=op.f("fk_rota_patterns_helpline_id_helplines")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_rota_patterns_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rota_patterns")),
    )
    with op.batch_alter_table("rota_patterns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rota_patterns_helpline_id"), ["helpline_id"], unique=False
        )
    op.create_table(
        "rota_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("helpline_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("replacement_id", sa.Integer(), nullable=True),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("created_at", hotline.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["helpline_id"],
            ["helplines.id"],
            name=op.f("fk_rota_exceptions_helpline_id_helplines"),
        ),
        sa.ForeignKeyConstraint(
            ["replacement_id"], ["users.id"], name=op.f("fk_rota_exceptions_replacement_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_rota_exceptions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rota_exceptions")),
    )
    with op.batch_alter_table("rota_exceptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rota_exceptions_helpline_id"), ["helpline_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("rota_exceptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rota_exceptions_helpline_id"))
    op.drop_table("rota_exceptions")
    with op.batch_alter_table("rota_patterns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rota_patterns_helpline_id"))
    op.drop_table("rota_patterns")
