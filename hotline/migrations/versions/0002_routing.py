"""nurses, rota, closures, routing, conferences, callbacks, outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hotline.db


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_status"), ["status"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("roles", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("browser_identity", sa.String(length=60), nullable=True),
        sa.Column("is_available", sa.Boolean(), nullable=False),
        sa.Column("is_in_console", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("browser_identity", name=op.f("uq_users_browser_identity")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("helpline_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["helpline_id"], ["helplines.id"], name=op.f("fk_closures_helpline_id_helplines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closures")),
    )
    with op.batch_alter_table("closures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_closures_helpline_id"), ["helpline_id"], unique=False)

    op.create_table(
        "shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("helpline_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rank", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["helpline_id"], ["helplines.id"], name=op.f("fk_shifts_helpline_id_helplines")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_shifts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shifts")),
    )
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shifts_helpline_id"), ["helpline_id"], unique=False)

    op.create_table(
        "callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("due_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("recording_sid", sa.String(length=34), nullable=True),
        sa.Column("recording_url", sa.String(length=500), nullable=True),
        sa.Column("recording_duration_s", sa.Integer(), nullable=True),
        sa.Column("created_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_callbacks_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_callbacks_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callbacks")),
        sa.UniqueConstraint("recording_sid", name=op.f("uq_callbacks_recording_sid")),
    )
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_callbacks_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_callbacks_request_id"), ["request_id"], unique=False)

    op.create_table(
        "conferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sid", sa.String(length=34), nullable=False),
        sa.Column("friendly_name", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("started_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_conferences_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conferences")),
        sa.UniqueConstraint("sid", name=op.f("uq_conferences_sid")),
    )
    with op.batch_alter_table("conferences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conferences_friendly_name"), ["friendly_name"], unique=False
        )

    op.create_table(
        "nurse_routings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("gp_call_sid", sa.String(length=34), nullable=False),
        sa.Column("conference_name", sa.String(length=64), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("current_step", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("connected_user_id", sa.Integer(), nullable=True),
        sa.Column("connected_call_sid", sa.String(length=34), nullable=True),
        sa.Column("created_at", hotline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connected_user_id"],
            ["users.id"],
            name=op.f("fk_nurse_routings_connected_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_nurse_routings_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nurse_routings")),
    )
    with op.batch_alter_table("nurse_routings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nurse_routings_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "participations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_sid", sa.String(length=34), nullable=False),
        sa.Column("call_sid", sa.String(length=34), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=32), nullable=True),
        sa.Column("joined_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("left_at", hotline.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_participations_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participations")),
        sa.UniqueConstraint(
            "conference_sid", "call_sid", name=op.f("uq_participations_conference_sid_call_sid")
        ),
    )
    with op.batch_alter_table("participations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participations_request_id"), ["request_id"], unique=False
        )

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("routing_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("routing_step", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_calls_routing_id"), ["routing_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_calls_user_id_users"), "users", ["user_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_calls_routing_id_nurse_routings"),
            "nurse_routings",
            ["routing_id"],
            ["id"],
        )

    with op.batch_alter_table("helplines", schema=None) as batch_op:
        batch_op.add_column(sa.Column(
                "opening_hours",
                sa.Text(),
                nullable=False,
                server_default="mon-fri 09:00-18:00",
            ))
        batch_op.add_column(sa.Column("holiday_subdivision", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column(
                "is_open_on_holidays", sa.Boolean(), nullable=False, server_default=sa.false()
            ))
        batch_op.add_column(sa.Column("ring_timeout_s", sa.Integer(), nullable=False, server_default="20"))
        batch_op.add_column(sa.Column("voicemail_max_s", sa.Integer(), nullable=False, server_default="120"))


def downgrade() -> None:
    with op.batch_alter_table("helplines", schema=None) as batch_op:
        batch_op.drop_column("voicemail_max_s")
        batch_op.drop_column("ring_timeout_s")
        batch_op.drop_column("is_open_on_holidays")
        batch_op.drop_column("holiday_subdivision")
        batch_op.drop_column("opening_hours")

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_calls_routing_id_nurse_routings"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_calls_user_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_calls_routing_id"))
        batch_op.drop_column("routing_step")
        batch_op.drop_column("routing_id")
        batch_op.drop_column("user_id")

    with op.batch_alter_table("participations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participations_request_id"))

    op.drop_table("participations")
    with op.batch_alter_table("nurse_routings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nurse_routings_request_id"))

    op.drop_table("nurse_routings")
    with op.batch_alter_table("conferences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conferences_friendly_name"))

    op.drop_table("conferences")
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_callbacks_request_id"))
        batch_op.drop_index(batch_op.f("ix_callbacks_due_at"))

    op.drop_table("callbacks")
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shifts_helpline_id"))

    op.drop_table("shifts")
    with op.batch_alter_table("closures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_closures_helpline_id"))

    op.drop_table("closures")
    op.drop_table("users")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_status"))

    op.drop_table("outbox")
