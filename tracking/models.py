"""SQLAlchemy models of the tracking store. Keep only what delivery needs."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Application(Base):
    """A document in production, known by (doc_type, keyed hash of the base number)."""

    __tablename__ = "applications"
    id = Column(Integer, primary_key=True)
    doc_type = Column(String(40), nullable=False)
    number_hash = Column(String(64), nullable=False)
    number_masked = Column(String(24), nullable=False)
    base_kind = Column(String(24), nullable=False)
    stage = Column(String(40), nullable=True)
    main_rank = Column(Integer, nullable=False, default=0)
    stage_changed_at = Column(DateTime, nullable=True)
    updated_at = Column(DateTime, nullable=False)
    __table_args__ = (UniqueConstraint("doc_type", "number_hash", name="uq_app_key"),)


class StageEvent(Base):
    """Accepted stage changes (history; also shows what a replay would repeat)."""

    __tablename__ = "stage_events"
    id = Column(Integer, primary_key=True)
    application_id = Column(Integer, ForeignKey("applications.id", ondelete="CASCADE"), nullable=False)
    stage = Column(String(40), nullable=False)
    changed_at = Column(DateTime, nullable=False)
    received_at = Column(DateTime, nullable=False)
    source = Column(String(20), nullable=False)
    __table_args__ = (Index("ix_stage_events_app", "application_id"),)


class Subscription(Base):
    __tablename__ = "subscriptions"
    id = Column(Integer, primary_key=True)
    chat_id = Column(String(128), nullable=False)
    channel = Column(String(40), nullable=False)
    application_id = Column(Integer, ForeignKey("applications.id", ondelete="CASCADE"), nullable=False)
    created_at = Column(DateTime, nullable=False)
    paused_at = Column(DateTime, nullable=True)  # set while the user cannot receive (left the bot)
    __table_args__ = (
        UniqueConstraint("chat_id", "application_id", name="uq_sub_chat_app"),
        Index("ix_sub_app", "application_id"),
    )


class Reminder(Base):
    __tablename__ = "reminders"
    id = Column(Integer, primary_key=True)
    chat_id = Column(String(128), nullable=False)
    channel = Column(String(40), nullable=False)
    doc_type = Column(String(40), nullable=False)
    kind = Column(String(40), nullable=False)  # expiry_soon | permit_exchange_deadline
    expiry_date = Column(Date, nullable=False)
    remind_on = Column(Date, nullable=False)
    queued = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False)
    __table_args__ = (
        UniqueConstraint("chat_id", "doc_type", "kind", name="uq_reminder"),
        Index("ix_reminder_due", "queued", "remind_on"),
    )


class OutboxMessage(Base):
    """One notification to one chat; written in the same transaction as its cause."""

    __tablename__ = "outbox"
    id = Column(Integer, primary_key=True)
    idempotency_key = Column(String(200), nullable=False, unique=True)
    chat_id = Column(String(128), nullable=False)
    channel = Column(String(40), nullable=False)
    intent = Column(String(80), nullable=False)
    entities = Column(JSON, nullable=False)
    status = Column(String(12), nullable=False, default="pending")  # pending|sending|sent|dead
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False)
    claim_token = Column(String(40), nullable=True)
    claimed_at = Column(DateTime, nullable=True)
    last_error = Column(Text, nullable=True)
    event_at = Column(DateTime, nullable=True)  # when the cause happened (for lag)
    created_at = Column(DateTime, nullable=False)
    sent_at = Column(DateTime, nullable=True)
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "next_attempt_at"),
        Index("ix_outbox_chat", "chat_id", "id"),
    )


class Lookup(Base):
    """Status lookups per chat (hashed), for rate limiting and to tie a lookup to its chat."""

    __tablename__ = "lookups"
    id = Column(Integer, primary_key=True)
    chat_key = Column(String(64), nullable=False)
    number_hash = Column(String(64), nullable=False)
    at = Column(DateTime, nullable=False)
    __table_args__ = (Index("ix_lookups_chat_at", "chat_key", "at"),)
