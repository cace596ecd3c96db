"""a new request tells the boards from the database: on PostgreSQL a trigger notifies the
boards' channel with the request's helpline when a request is inserted (delivered at commit),
so the incoming webhook spends no statement on it

Revision ID: 0033_request_board_notify
Revises: 0032_telephony_days
Create Date: 2026-12-01 16:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0033_request_board_notify"
down_revision = "0032_telephony_days"
branch_labels = None
depends_on = None

# The channel and payload of ``hotline.live`` (CHANNEL, ``encode({helpline_id})``). PostgreSQL
# delivers a notification when the transaction commits, and only once per transaction for the
# same payload, so a request also told by the application is not told twice.
FUNCTION = """
CREATE OR REPLACE FUNCTION requests_tell_boards() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hotline_board', NEW.helpline_id::text);
    RETURN NULL;
END
$$
"""
TRIGGER = """
CREATE TRIGGER requests_tell_boards AFTER INSERT ON requests
FOR EACH ROW EXECUTE FUNCTION requests_tell_boards()
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite's boards are told in the process (``hotline.live.tell_boards``)
    op.execute(FUNCTION)
    op.execute(TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS requests_tell_boards ON requests")
    op.execute("DROP FUNCTION IF EXISTS requests_tell_boards()")
