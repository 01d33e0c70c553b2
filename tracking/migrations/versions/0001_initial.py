"""Initial tracking store: applications, stage events, subscriptions, reminders, outbox, lookups.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("doc_type", sa.String(40), nullable=False),
        sa.Column("number_hash", sa.String(64), nullable=False),
        sa.Column("number_masked", sa.String(24), nullable=False),
        sa.Column("base_kind", sa.String(24), nullable=False),
        sa.Column("stage", sa.String(40), nullable=True),
        sa.Column("main_rank", sa.Integer, nullable=False, server_default="0"),
        sa.Column("stage_changed_at", sa.DateTime, nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("doc_type", "number_hash", name="uq_app_key"),
    )
    op.create_table(
        "stage_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("changed_at", sa.DateTime, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
    )
    op.create_index("ix_stage_events_app", "stage_events", ["application_id"])
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("chat_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("applications.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("chat_id", "application_id", name="uq_sub_chat_app"),
    )
    op.create_index("ix_sub_app", "subscriptions", ["application_id"])
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("chat_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("doc_type", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("expiry_date", sa.Date, nullable=False),
        sa.Column("remind_on", sa.Date, nullable=False),
        sa.Column("queued", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("chat_id", "doc_type", "kind", name="uq_reminder"),
    )
    op.create_index("ix_reminder_due", "reminders", ["queued", "remind_on"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
        sa.Column("chat_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("intent", sa.String(80), nullable=False),
        sa.Column("entities", sa.JSON, nullable=False),
        sa.Column("status", sa.String(12), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime, nullable=False),
        sa.Column("claim_token", sa.String(40), nullable=True),
        sa.Column("claimed_at", sa.DateTime, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("event_at", sa.DateTime, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_outbox_status_due", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_chat", "outbox", ["chat_id", "id"])
    op.create_table(
        "lookups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("chat_key", sa.String(64), nullable=False),
        sa.Column("number_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_lookups_chat_at", "lookups", ["chat_key", "at"])


def downgrade() -> None:
    for name in ("lookups", "outbox", "reminders", "subscriptions", "stage_events", "applications"):
        op.drop_table(name)
