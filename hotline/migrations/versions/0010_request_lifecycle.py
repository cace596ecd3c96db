"""request lifecycle: received → in call → to complete → closed; indexes for the requests list

Revision ID: 0010_request_lifecycle
Revises: 0009
Create Date: 2026-12-01 06:30:00.000000
"""

from __future__ import annotations

from alembic import op


revision = '0010_request_lifecycle'
down_revision = '0009'
branch_labels = None
depends_on = None

# A request whose GP legs all ended (or that never had one) is "to complete", not "received".
_NO_LIVE_GP_LEG = (
    "NOT EXISTS (SELECT 1 FROM calls WHERE calls.request_id = requests.id AND calls.role = 'gp'"
    " AND calls.status NOT IN ('completed', 'busy', 'failed', 'no-answer', 'canceled'))"
)


def upgrade() -> None:
    op.execute("UPDATE requests SET status = 'closed' WHERE closed_at IS NOT NULL")
    op.execute("UPDATE requests SET status = 'received' WHERE status = 'open'")
    op.execute("UPDATE requests SET status = 'in_call' WHERE status = 'in_progress'")
    op.execute(
        "UPDATE requests SET status = 'to_complete'"
        f" WHERE status IN ('received', 'in_call') AND {_NO_LIVE_GP_LEG}"
    )
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.create_index('ix_requests_opened_at', ['opened_at'], unique=False)
        batch_op.create_index(
            'ix_requests_status_opened_at', ['status', 'opened_at'], unique=False
        )
        batch_op.create_index('ix_requests_caller_number', ['caller_number'], unique=False)
        batch_op.create_index('ix_requests_professional_id', ['professional_id'], unique=False)
        batch_op.create_index('ix_requests_nurse_id', ['nurse_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_index('ix_requests_nurse_id')
        batch_op.drop_index('ix_requests_professional_id')
        batch_op.drop_index('ix_requests_caller_number')
        batch_op.drop_index('ix_requests_status_opened_at')
        batch_op.drop_index('ix_requests_opened_at')
    op.execute("UPDATE requests SET status = 'open' WHERE status IN ('received', 'to_complete')")
    op.execute("UPDATE requests SET status = 'in_progress' WHERE status IN ('in_call', 'closed')")
