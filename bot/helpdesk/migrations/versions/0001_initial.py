"""Initial helpdesk schema: villages, people, cadre bindings, requests, events, hints, counters, invites.

Revision ID: 0001_initial
Revises:
Create Date: 2026-05-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.helpdesk.models import STATUS_VALUES, UTCDateTime

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUS_CHECK = f"status IN ({', '.join(repr(s) for s in STATUS_VALUES)})"

# History must never change: refuse UPDATE/DELETE on events and hints, DELETE on requests.
_SQLITE_TRIGGERS = [
    """CREATE TRIGGER trg_request_events_no_update BEFORE UPDATE ON request_events
       BEGIN SELECT RAISE(ABORT, 'request_events is append-only'); END""",
    """CREATE TRIGGER trg_request_events_no_delete BEFORE DELETE ON request_events
       BEGIN SELECT RAISE(ABORT, 'request_events is append-only'); END""",
    """CREATE TRIGGER trg_request_policy_hints_no_update BEFORE UPDATE ON request_policy_hints
       BEGIN SELECT RAISE(ABORT, 'request_policy_hints is append-only'); END""",
    """CREATE TRIGGER trg_request_policy_hints_no_delete BEFORE DELETE ON request_policy_hints
       BEGIN SELECT RAISE(ABORT, 'request_policy_hints is append-only'); END""",
    """CREATE TRIGGER trg_requests_no_delete BEFORE DELETE ON requests
       BEGIN SELECT RAISE(ABORT, 'requests are never deleted'); END""",
]
_PG_TRIGGERS = [
    """CREATE FUNCTION helpdesk_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '% on % is not allowed: history is append-only', TG_OP, TG_TABLE_NAME; END $$""",
    """CREATE TRIGGER trg_request_events_append_only BEFORE UPDATE OR DELETE ON request_events
       FOR EACH ROW EXECUTE FUNCTION helpdesk_refuse_change()""",
    """CREATE TRIGGER trg_request_policy_hints_append_only BEFORE UPDATE OR DELETE ON request_policy_hints
       FOR EACH ROW EXECUTE FUNCTION helpdesk_refuse_change()""",
    """CREATE TRIGGER trg_requests_no_delete BEFORE DELETE ON requests
       FOR EACH ROW EXECUTE FUNCTION helpdesk_refuse_change()""",
]


def upgrade() -> None:
    op.create_table(
        "villages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("township", sa.String(64), nullable=False),
        sa.Column("county", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("county", "township", "name", name="uq_villages_place"),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("chat_user_id", sa.BigInteger(), nullable=False),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("role IN ('villager', 'cadre', 'admin')", name="role"),
        sa.UniqueConstraint("chat_user_id", name="uq_people_chat_user_id"),
    )
    op.create_table(
        "cadre_bindings",
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("people.id", name="fk_cadre_bindings_person_id_people"),
            primary_key=True,
        ),
        sa.Column(
            "village_id",
            sa.Integer(),
            sa.ForeignKey("villages.id", name="fk_cadre_bindings_village_id_villages"),
            primary_key=True,
        ),
        sa.Column("post", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_cadre_bindings_village_id", "cadre_bindings", ["village_id"])
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(16), nullable=False),
        sa.Column(
            "requester_id",
            sa.Integer(),
            sa.ForeignKey("people.id", name="fk_requests_requester_id_people"),
            nullable=False,
        ),
        sa.Column(
            "village_id",
            sa.Integer(),
            sa.ForeignKey("villages.id", name="fk_requests_village_id_villages"),
            nullable=False,
        ),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("suggested_category", sa.String(32), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column(
            "assignee_id",
            sa.Integer(),
            sa.ForeignKey("people.id", name="fk_requests_assignee_id_people"),
            nullable=True,
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("satisfaction", sa.String(16), nullable=True),
        sa.Column("follow_up_note", sa.Text(), nullable=True),
        sa.Column(
            "duplicate_of_id",
            sa.Integer(),
            sa.ForeignKey("requests.id", name="fk_requests_duplicate_of_id_requests"),
            nullable=True,
        ),
        sa.CheckConstraint(_STATUS_CHECK, name="status"),
        sa.CheckConstraint("urgency IN ('normal', 'urgent', 'critical')", name="urgency"),
        sa.CheckConstraint(
            "satisfaction IS NULL OR satisfaction IN ('satisfied', 'unsatisfied')", name="satisfaction"
        ),
        sa.UniqueConstraint("number", name="uq_requests_number"),
    )
    op.create_index("ix_requests_village_status_due", "requests", ["village_id", "status", "due_at"])
    op.create_index("ix_requests_status_due", "requests", ["status", "due_at"])
    op.create_index("ix_requests_assignee_status", "requests", ["assignee_id", "status"])
    op.create_index("ix_requests_requester_created", "requests", ["requester_id", "created_at"])
    op.create_index("ix_requests_created", "requests", ["created_at"])
    op.create_index("ix_requests_category_created", "requests", ["category", "created_at"])
    op.create_table(
        "request_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey("requests.id", name="fk_request_events_request_id_requests"),
            nullable=False,
        ),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column(
            "actor_id",
            sa.Integer(),
            sa.ForeignKey("people.id", name="fk_request_events_actor_id_people"),
            nullable=True,
        ),
        sa.Column("actor_label", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("old_status", sa.String(16), nullable=True),
        sa.Column("new_status", sa.String(16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_request_events_request", "request_events", ["request_id", "id"])
    op.create_table(
        "request_policy_hints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey("requests.id", name="fk_request_policy_hints_request_id_requests"),
            nullable=False,
        ),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("section", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
    )
    op.create_index("ix_request_policy_hints_request", "request_policy_hints", ["request_id", "rank"])
    op.create_table(
        "request_counters",
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
    )
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column(
            "village_id",
            sa.Integer(),
            sa.ForeignKey("villages.id", name="fk_invites_village_id_villages"),
            nullable=False,
        ),
        sa.Column("post", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("redeemed_at", UTCDateTime(), nullable=True),
        sa.Column(
            "redeemed_by_id",
            sa.Integer(),
            sa.ForeignKey("people.id", name="fk_invites_redeemed_by_id_people"),
            nullable=True,
        ),
        sa.UniqueConstraint("code_hash", name="uq_invites_code_hash"),
    )
    triggers = _PG_TRIGGERS if op.get_bind().dialect.name == "postgresql" else _SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_requests_no_delete ON requests")
    for table in (
        "invites",
        "request_counters",
        "request_policy_hints",
        "request_events",
        "requests",
        "cadre_bindings",
        "people",
        "villages",
    ):
        op.drop_table(table)
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS helpdesk_refuse_change()")
