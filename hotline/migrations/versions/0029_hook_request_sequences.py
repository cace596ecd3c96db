"""request references without a lock: a sequence per year on PostgreSQL (made on demand by the
function ``request_reference``), and on SQLite a trigger that keeps the year's counter in step
with the requests written

Revision ID: 0027_hook_request_sequences
Revises: 0026_audit_helpline
Create Date: 2026-12-01 12:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0027_hook_request_sequences"
down_revision = "0027_rota_patterns"
branch_labels = None
depends_on = None

# The next reference of a year as text, e.g. '2026-00042'. The year's sequence is made the first
# time it is needed, starting after the year's counter (the numbers given before this migration).
# Two first calls of a year at once: the second waits for the first's CREATE and uses its
# sequence. Numbers of rolled-back transactions are not given again (a gap, never a duplicate).
POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION request_reference(year integer) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    name text := 'request_numbers_' || year;
    number bigint;
BEGIN
    IF to_regclass(name) IS NULL THEN
        BEGIN
            EXECUTE format(
                'CREATE SEQUENCE %I START WITH %s', name,
                coalesce((SELECT last_number FROM request_counters c WHERE c.year = $1), 0) + 1
            );
        EXCEPTION WHEN duplicate_table OR unique_violation THEN
            NULL;
        END;
    END IF;
    number := nextval(name::regclass);
    RETURN year || '-' || CASE WHEN number < 100000 THEN lpad(number::text, 5, '0')
                               ELSE number::text END;
END
$$
"""

# SQLite writes one transaction at a time: the counter row costs no concurrency there. The
# reference is computed in the request's INSERT from the counter, and this trigger moves the
# counter on, so opening a request is one statement.
SQLITE_TRIGGER = """
CREATE TRIGGER requests_count_reference AFTER INSERT ON requests
WHEN NEW.reference GLOB '[0-9][0-9][0-9][0-9]-[0-9]*'
BEGIN
    INSERT INTO request_counters (year, last_number)
    VALUES (CAST(substr(NEW.reference, 1, 4) AS INTEGER), CAST(substr(NEW.reference, 6) AS INTEGER))
    ON CONFLICT (year) DO UPDATE SET last_number = max(last_number, excluded.last_number);
END
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The counters take over from the sequences: their last values become the counters'.
        op.execute(
            """
            DO $$
            DECLARE s record; last bigint;
            BEGIN
                FOR s IN SELECT sequencename AS name FROM pg_sequences
                         WHERE schemaname = current_schema()
                           AND sequencename LIKE 'request\\_numbers\\_%' LOOP
                    EXECUTE format('SELECT last_value FROM %I', s.name) INTO last;
                    INSERT INTO request_counters (year, last_number)
                    VALUES (substr(s.name, 17)::integer, last)
                    ON CONFLICT (year) DO UPDATE
                        SET last_number = greatest(request_counters.last_number, excluded.last_number);
                    EXECUTE format('DROP SEQUENCE %I', s.name);
                END LOOP;
            END
            $$
            """
        )
        op.execute("DROP FUNCTION IF EXISTS request_reference(integer)")
    else:
        op.execute("DROP TRIGGER IF EXISTS requests_count_reference")
