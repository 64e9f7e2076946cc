"""Casework a county office accepts: versions, ratings, progress, 督办, 延期, urgency, photos.

`requests` gains
- `version` (optimistic check: every command names the version the actor saw),
- `rating` (满意 / 基本满意 / 不满意; the old two-valued `satisfaction` stays for old readers),
  `rated_at`, `follow_up_asked_at` (the scheduled 回访 was sent),
- `resolution_note` (办结说明), `progress_count`, `reopen_count`,
- `supervision_level` (0 none, 1 reminded, 2 escalated, for the current due time) and
  `supervision_count` (督办次数),
- `emergency` (the services to call, e.g. "120"), `attachment_count`;
and two tables: `request_extensions` (延期: reason, requested and decided) and
`request_attachments` (photos: a path under the data dir, size, checksum).

Existing rows are filled in from their history: the rating from `satisfaction`, the 办结说明 from
the last 办结 event's note, the progress count from cadres' notes, the reopen count from reopen
events; a request that was reopened (open again) loses its stale `resolved_at` (its history keeps it).

Every column is added with plain ALTER TABLE (SQLite and PostgreSQL): a batch rebuild of
`requests` would drop its no-delete trigger.

Revision ID: 0003_casework
Revises: 0002_event_codes
Create Date: 2026-06-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.db import UTCDateTime

revision: str = "0003_casework"
down_revision: str | None = "0002_event_codes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RATING_CHECK = "rating IS NULL OR rating IN ('satisfied', 'basically_satisfied', 'unsatisfied')"
_EXTENSION_CHECK = "state IN ('pending', 'approved', 'rejected')"
_OPEN = "('submitted', 'assigned', 'in_progress', 'returned', 'reopened')"

_INT_COLUMNS = (
    ("version", 1),
    ("progress_count", 0),
    ("reopen_count", 0),
    ("supervision_level", 0),
    ("supervision_count", 0),
    ("attachment_count", 0),
)


def upgrade() -> None:
    for name, default in _INT_COLUMNS:
        op.add_column(
            "requests", sa.Column(name, sa.Integer(), nullable=False, server_default=sa.text(str(default)))
        )
    op.execute(
        f"ALTER TABLE requests ADD COLUMN rating VARCHAR(24) CONSTRAINT ck_requests_rating CHECK ({_RATING_CHECK})"
    )
    op.add_column("requests", sa.Column("rated_at", UTCDateTime(), nullable=True))
    op.add_column("requests", sa.Column("follow_up_asked_at", UTCDateTime(), nullable=True))
    op.add_column("requests", sa.Column("resolution_note", sa.Text(), nullable=True))
    op.add_column("requests", sa.Column("emergency", sa.String(32), nullable=True))

    op.create_table(
        "request_extensions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey("requests.id", name="fk_request_extensions_request_id_requests"),
            nullable=False,
        ),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("old_due_at", UTCDateTime(), nullable=False),
        sa.Column("new_due_at", UTCDateTime(), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.CheckConstraint(_EXTENSION_CHECK, name="ck_request_extensions_state"),
    )
    op.create_index("ix_request_extensions_request", "request_extensions", ["request_id", "id"])
    op.create_table(
        "request_attachments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey("requests.id", name="fk_request_attachments_request_id_requests"),
            nullable=False,
        ),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_request_attachments_request", "request_attachments", ["request_id", "id"])

    # Fill the new columns of existing requests from what they already hold.
    op.execute("UPDATE requests SET rating = satisfaction WHERE satisfaction IS NOT NULL")
    op.execute(
        "UPDATE requests SET resolution_note = (SELECT e.note FROM request_events e "
        "WHERE e.request_id = requests.id AND e.kind = 'resolve' ORDER BY e.id DESC LIMIT 1)"
    )
    op.execute(
        "UPDATE requests SET progress_count = (SELECT count(*) FROM request_events e "
        "WHERE e.request_id = requests.id AND e.kind = 'note' AND e.actor_id IS NOT NULL "
        "AND e.actor_id <> requests.requester_id)"
    )
    op.execute(
        "UPDATE requests SET reopen_count = (SELECT count(*) FROM request_events e "
        "WHERE e.request_id = requests.id AND e.kind = 'reopen')"
    )
    op.execute(f"UPDATE requests SET resolved_at = NULL, resolution_note = NULL WHERE status IN {_OPEN}")


def downgrade() -> None:
    op.drop_index("ix_request_attachments_request", table_name="request_attachments")
    op.drop_table("request_attachments")
    op.drop_index("ix_request_extensions_request", table_name="request_extensions")
    op.drop_table("request_extensions")
    for name in (
        "emergency",
        "resolution_note",
        "follow_up_asked_at",
        "rated_at",
        "rating",
        *(name for name, _ in reversed(_INT_COLUMNS)),
    ):
        op.execute(f"ALTER TABLE requests DROP COLUMN {name}")
