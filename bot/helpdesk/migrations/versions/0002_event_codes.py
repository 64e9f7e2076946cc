"""Request events as codes + parameters: add request_events.code and .params, convert prose rows.

Until now the system's wording of an event ("派给第一书记王书记：请尽快上门") was stored as prose
in `note`, so a rewording could never reach history. From here on rows hold a code, its
parameters and the actor's own words (bot/helpdesk/events.py), worded when shown.

Existing rows are converted where the prose reads back unambiguously: each is parsed with the
templates it was written with (frozen below, whatever bot/texts.py says later), and converted
only if the parts, worded again with those templates, give back exactly the stored text. Any
other row keeps its prose in `note` with no code and is shown as it is.

`request_events` is append-only (triggers refuse UPDATE); the conversion lifts that trigger for
the length of this migration's transaction and puts it back.

Revision ID: 0002_event_codes
Revises: 0001_initial
Create Date: 2026-06-01
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0002_event_codes"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The wording as of 0001 (bot/texts.py HD_EVENT_* then). Frozen: these are what old rows say.
_SUFFIX = "：{note}"
_TEMPLATES = {
    "filed": "类别：{category}（系统建议：{suggested}）",
    "auto_assigned": "自动派给{post}{name}",
    "assigned": "派给{post}{name}{note}",
    "duplicate_of": "与 {original} 重复{note}",
    "satisfied": "求助人表示问题已解决{note}",
    "unsatisfied": "求助人表示问题未解决{note}；新的办理时限 {due}",
}
# Posts known to the release that wrote the rows; the database's own posts are added at run time.
_POSTS = (
    "第一书记",
    "驻村工作队长",
    "村党组织书记",
    "村委会主任",
    "驻村工作队员",
    "村两委干部",
    "帮扶责任人",
    "网格员",
    "乡镇干部",
)
_SYSTEM_ACTOR = "系统"
_S = re.DOTALL
_FILED = re.compile(r"类别：(?P<category>.+?)（系统建议：(?P<suggested>.+)）", _S)
_AUTO = re.compile(r"自动派给(?P<who>.+)", _S)
_ASSIGNED = re.compile(r"派给(?P<who>[^：]+)(?:：(?P<note>.*))?", _S)
_DUPLICATE = re.compile(r"与 (?P<original>\S+) 重复(?:：(?P<note>.*))?", _S)
_SATISFIED = re.compile(r"求助人表示问题已解决(?:：(?P<note>.*))?", _S)
_UNSATISFIED = re.compile(
    r"求助人表示问题未解决(?:：(?P<note>.*))?；新的办理时限 (?P<due>\d{4}-\d{2}-\d{2} \d{2}:\d{2})", _S
)

_EVENTS = sa.table(
    "request_events",
    sa.column("id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("actor_label", sa.String()),
    sa.column("code", sa.String()),
    sa.column("params", sa.JSON()),
    sa.column("note", sa.Text()),
)

_SQLITE_NO_UPDATE = """CREATE TRIGGER trg_request_events_no_update BEFORE UPDATE ON request_events
       BEGIN SELECT RAISE(ABORT, 'request_events is append-only'); END"""
_PG_APPEND_ONLY = """CREATE TRIGGER trg_request_events_append_only BEFORE UPDATE OR DELETE ON request_events
       FOR EACH ROW EXECUTE FUNCTION helpdesk_refuse_change()"""


def _word(code: str, params: dict[str, str], note: str | None) -> str:
    values = {**params, "due": params.get("due_text", ""), "note": _SUFFIX.format(note=note) if note else ""}
    return _TEMPLATES[code].format_map(values)


def _split_post(who: str, posts: Sequence[str]) -> tuple[str, str] | None:
    for post in posts:  # longest first: 驻村工作队长 before a shorter post it starts with
        if who.startswith(post) and len(who) > len(post):
            return post, who[len(post) :]
    return None


def parse(
    kind: str, actor_label: str, text: str, posts: Sequence[str]
) -> tuple[str, dict, str | None] | None:
    """(code, params, the actor's note) read from an old prose row, or None to keep the prose."""
    found: tuple[str, dict, str | None] | None = None
    if kind == "filed" and (m := _FILED.fullmatch(text)):
        found = ("filed", {"category": m["category"], "suggested": m["suggested"]}, None)
    elif kind == "assign" and actor_label == _SYSTEM_ACTOR and (m := _AUTO.fullmatch(text)):
        split = _split_post(m["who"], posts)
        if split:
            found = ("auto_assigned", {"post": split[0], "name": split[1]}, None)
    elif kind == "assign" and (m := _ASSIGNED.fullmatch(text)):
        split = _split_post(m["who"], posts)
        if split:
            found = ("assigned", {"post": split[0], "name": split[1]}, m["note"])
    elif kind == "duplicate" and (m := _DUPLICATE.fullmatch(text)):
        found = ("duplicate_of", {"original": m["original"]}, m["note"])
    elif kind == "close" and (m := _SATISFIED.fullmatch(text)):
        found = ("satisfied", {}, m["note"])
    elif kind == "reopen" and (m := _UNSATISFIED.fullmatch(text)):
        found = ("unsatisfied", {"due_text": m["due"]}, m["note"])
    if found is None or _word(*found) != text:
        return None
    return found


def _lift_append_only(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute("DROP TRIGGER trg_request_events_append_only ON request_events")
    else:
        op.execute("DROP TRIGGER trg_request_events_no_update")


def _restore_append_only(dialect: str) -> None:
    op.execute(_PG_APPEND_ONLY if dialect == "postgresql" else _SQLITE_NO_UPDATE)


def upgrade() -> None:
    op.add_column("request_events", sa.Column("code", sa.String(24), nullable=True))
    op.add_column("request_events", sa.Column("params", sa.JSON(), nullable=True))
    bind = op.get_bind()
    known = {p for (p,) in bind.execute(sa.text("SELECT DISTINCT post FROM cadre_bindings"))}
    known |= {p for (p,) in bind.execute(sa.text("SELECT DISTINCT post FROM invites"))}
    posts = sorted(set(_POSTS) | known, key=len, reverse=True)
    rows = bind.execute(
        sa.select(_EVENTS.c.id, _EVENTS.c.kind, _EVENTS.c.actor_label, _EVENTS.c.note).where(
            _EVENTS.c.kind.in_(["filed", "assign", "duplicate", "close", "reopen"]),
            _EVENTS.c.note.is_not(None),
        )
    ).all()
    updates = []
    for event_id, kind, actor_label, note in rows:
        parsed = parse(kind, actor_label, note, posts)
        if parsed is not None:
            code, params, own_note = parsed
            updates.append(
                {"event_id": event_id, "new_code": code, "new_params": params or None, "new_note": own_note}
            )
    if not updates:
        return
    dialect = bind.dialect.name
    _lift_append_only(dialect)
    bind.execute(
        _EVENTS.update()
        .where(_EVENTS.c.id == sa.bindparam("event_id"))
        .values(
            code=sa.bindparam("new_code"), params=sa.bindparam("new_params"), note=sa.bindparam("new_note")
        ),
        updates,
    )
    _restore_append_only(dialect)


def downgrade() -> None:
    """Word coded rows back into prose (due times in TIMEZONE, default Asia/Shanghai), drop the columns."""
    bind = op.get_bind()
    tz = ZoneInfo(os.environ.get("TIMEZONE") or "Asia/Shanghai")
    rows = bind.execute(
        sa.select(_EVENTS.c.id, _EVENTS.c.code, _EVENTS.c.params, _EVENTS.c.note).where(
            _EVENTS.c.code.is_not(None)
        )
    ).all()
    updates = []
    for event_id, code, params, note in rows:
        values = dict(params or {})
        if "due" in values:
            values["due_text"] = (
                datetime.fromisoformat(values["due"]).astimezone(tz).strftime("%Y-%m-%d %H:%M")
            )
        if code in _TEMPLATES:
            updates.append({"event_id": event_id, "new_note": _word(code, values, note)})
    dialect = bind.dialect.name
    if updates:
        _lift_append_only(dialect)
        bind.execute(
            _EVENTS.update()
            .where(_EVENTS.c.id == sa.bindparam("event_id"))
            .values(note=sa.bindparam("new_note")),
            updates,
        )
        _restore_append_only(dialect)
    # Plain ALTER TABLE (SQLite >= 3.35, PostgreSQL): a batch rebuild would drop the table's triggers.
    op.execute("ALTER TABLE request_events DROP COLUMN params")
    op.execute("ALTER TABLE request_events DROP COLUMN code")
