"""SQLAlchemy 2.x ORM models. The schema itself is owned by the Alembic migrations in `migrations/`.

`tests/helpdesk/test_schema.py` checks that these models and the migrated database agree.
Timestamps are stored in UTC (`UTCDateTime`) and always come back timezone-aware.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.db import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


STATUS_VALUES = (
    "submitted",
    "assigned",
    "in_progress",
    "resolved",
    "closed",
    "returned",
    "duplicate",
    "unable",
    "reopened",
)


class Village(Base):
    __tablename__ = "villages"
    __table_args__ = (UniqueConstraint("county", "township", "name", name="uq_villages_place"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    township: Mapped[str] = mapped_column(String(64), default="")
    county: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (CheckConstraint("role IN ('villager', 'cadre', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CadreBinding(Base):
    """A cadre's post in one village; a cadre may serve several villages."""

    __tablename__ = "cadre_bindings"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True, index=True)
    post: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)
    village: Mapped[Village] = relationship(lazy="joined", innerjoin=True)


class HelpRequest(Base):
    __tablename__ = "requests"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUS_VALUES)})", name="status"),
        CheckConstraint("urgency IN ('normal', 'urgent', 'critical')", name="urgency"),
        CheckConstraint(
            "satisfaction IS NULL OR satisfaction IN ('satisfied', 'unsatisfied')", name="satisfaction"
        ),
        CheckConstraint(
            "rating IS NULL OR rating IN ('satisfied', 'basically_satisfied', 'unsatisfied')", name="rating"
        ),
        # "Open requests of a village, soonest due first" and the overdue scan.
        Index("ix_requests_village_status_due", "village_id", "status", "due_at"),
        Index("ix_requests_status_due", "status", "due_at"),
        Index("ix_requests_assignee_status", "assignee_id", "status"),
        Index("ix_requests_requester_created", "requester_id", "created_at"),
        Index("ix_requests_created", "created_at"),
        Index("ix_requests_category_created", "category", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(32))
    suggested_category: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    follow_up_note: Mapped[str | None] = mapped_column(Text)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    # From 0003 (casework): see bot/helpdesk/migrations/versions/0003_casework.py.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    rating: Mapped[str | None] = mapped_column(String(24))  # Satisfaction value
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    follow_up_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_note: Mapped[str | None] = mapped_column(Text)
    progress_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reopen_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    supervision_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    supervision_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    emergency: Mapped[str | None] = mapped_column(String(32))  # services to call first, "120,110"
    attachment_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    requester: Mapped[Person] = relationship(foreign_keys=[requester_id], lazy="joined", innerjoin=True)
    assignee: Mapped[Person | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    village: Mapped[Village] = relationship(lazy="joined", innerjoin=True)
    duplicate_of: Mapped[HelpRequest | None] = relationship(remote_side=[id], lazy="select")


class RequestEvent(Base):
    """Append-only history of a request (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "request_events"
    __table_args__ = (Index("ix_request_events_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # None: system or operator
    actor_label: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(24))  # filed, assign, start, …, note
    old_status: Mapped[str | None] = mapped_column(String(16))
    new_status: Mapped[str | None] = mapped_column(String(16))
    # The system's wording as a code and its parameters (bot/helpdesk/events.py); NULL for the
    # actor's note alone, and for prose rows from before codes that the 0002 migration could not read.
    code: Mapped[str | None] = mapped_column(String(24))
    params: Mapped[dict[str, str] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)  # the actor's own words


class RequestPolicyHint(Base):
    """Policy passages retrieved when the request was filed (frozen: what the cadre saw then)."""

    __tablename__ = "request_policy_hints"
    __table_args__ = (Index("ix_request_policy_hints_request", "request_id", "rank"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    rank: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    section: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)


class RequestExtension(Base):
    """A 延期 request: the cadre's reason and new due time, and the admin's decision."""

    __tablename__ = "request_extensions"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'approved', 'rejected')", name="state"),
        Index("ix_request_extensions_request", "request_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    old_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    new_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(Text)


class RequestAttachment(Base):
    """A photo attached to a request; the file lives under the data dir (owner-only)."""

    __tablename__ = "request_attachments"
    __table_args__ = (Index("ix_request_attachments_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    path: Mapped[str] = mapped_column(String(300))  # relative to the attachments folder
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    caption: Mapped[str | None] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RequestCounter(Base):
    """Per-year sequence for human-readable numbers; the row is the lock that serialises filing."""

    __tablename__ = "request_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer)


class Invite(Base):
    """A one-time code that binds whoever redeems it to a village as a cadre with a post."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256: a DB leak reveals no codes
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    post: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    redeemed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    village: Mapped[Village] = relationship(lazy="joined", innerjoin=True)
