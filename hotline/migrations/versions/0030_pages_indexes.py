"""pages indexes: what the console's pages need on a region's years of history (calls by time,
a caller's requests by time, the codes in use in a helpline's requests, the ledger's languages, the audit log by object, professionals by the key of their name,
kept in a new column and filled here)

Revision ID: 0027_pages_indexes
Revises: 0026_audit_helpline
Create Date: 2026-12-01 12:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.names import name_key

revision = "0027_pages_indexes"
down_revision = "0027_hook_request_sequences"
branch_labels = None
depends_on = None

BATCH = 1000


def _fill_name_keys() -> None:
    connection = op.get_bind()
    professionals = sa.table(
        "professionals",
        sa.column("id", sa.Integer),
        sa.column("first_name", sa.String),
        sa.column("last_name", sa.String),
        sa.column("name_key", sa.String),
    )
    rows = connection.execute(
        sa.select(professionals.c.id, professionals.c.first_name, professionals.c.last_name)
    ).all()
    keys = [{"key_id": row[0], "key": name_key(row[1] or "", row[2] or "")} for row in rows]
    update = (
        professionals.update()
        .where(professionals.c.id == sa.bindparam("key_id"))
        .values(name_key=sa.bindparam("key"))
    )
    for start in range(0, len(keys), BATCH):
        connection.execute(update, keys[start : start + BATCH])


def upgrade() -> None:
    with op.batch_alter_table("professionals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name_key", sa.String(length=161), server_default="", nullable=False)
        )
        batch_op.create_index("ix_professionals_name_key", ["name_key"], unique=False)
    _fill_name_keys()
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calls_created_at"), ["created_at"], unique=False)
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_professional_id")
        batch_op.create_index(
            "ix_requests_professional_id_opened_at", ["professional_id", "opened_at"], unique=False
        )
        batch_op.create_index(
            "ix_requests_helpline_id_category", ["helpline_id", "category"], unique=False
        )
        batch_op.create_index(
            "ix_requests_helpline_id_language", ["helpline_id", "language"], unique=False
        )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_entries_language_helpline_id", ["language", "helpline_id"], unique=False
        )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_events_object_type_object_id", ["object_type", "object_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_entries_language_helpline_id")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_object_type_object_id")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_helpline_id_language")
        batch_op.drop_index("ix_requests_helpline_id_category")
        batch_op.drop_index("ix_requests_professional_id_opened_at")
        batch_op.create_index("ix_requests_professional_id", ["professional_id"], unique=False)
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calls_created_at"))
    with op.batch_alter_table("professionals", schema=None) as batch_op:
        batch_op.drop_index("ix_professionals_name_key")
        batch_op.drop_column("name_key")
