"""Upgrading a database that already holds requests (from the schema of the previous release).

Rows are written with raw SQL in the 0001 schema, exactly as the 0001 code wrote them (event
notes in Chinese prose), then the database is brought to head and read through the helpdesk.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from bot.helpdesk import OPERATOR, Helpdesk, Satisfaction, Status
from bot.helpdesk.db import MIGRATIONS_DIR, create_helpdesk_engine, write_engine
from bot.helpdesk.models import RequestEvent

T = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

# (kind, actor label, old status, new status, note as 0001 stored it)
OLD_EVENTS = [
    ("filed", "张大爷（村民）", None, "submitted", "类别：住房安全（系统建议：住房安全）"),
    ("assign", "系统", "submitted", "assigned", "自动派给第一书记王书记"),
    ("assign", "王书记（干部）", "assigned", "assigned", "派给村两委干部李委员：请尽快上门，电话13812345678"),
    ("start", "李委员（干部）", "assigned", "in_progress", "已到现场"),
    ("note", "李委员（干部）", "in_progress", "in_progress", "明天带工人来"),
    ("resolve", "李委员（干部）", "in_progress", "resolved", None),
    (
        "reopen",
        "张大爷（村民）",
        "resolved",
        "reopened",
        "求助人表示问题未解决：还是漏；新的办理时限 2026-03-05 09:00",
    ),
    ("start", "李委员（干部）", "reopened", "in_progress", None),
    ("resolve", "李委员（干部）", "in_progress", "resolved", "换了瓦"),
    ("close", "张大爷（村民）", "resolved", "closed", "求助人表示问题已解决"),
    # Not written by any template (a hand-made fix-up): must stay prose and show as it is.
    ("assign", "赵管理（管理员）", "closed", "closed", "派给县里统一处理"),
]
OLD_DUPLICATE = ("duplicate", "王书记（干部）", "assigned", "duplicate", "与 2026-000001 重复：同一处房屋")


def _alembic(engine: Engine, verb: str, revision: str) -> None:
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with write_engine(engine).begin() as conn:
        config.attributes["connection"] = conn
        getattr(command, verb)(config, revision)


def _populate_0001(engine: Engine) -> None:
    with write_engine(engine).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO villages (id, name, township, county, created_at) VALUES (1, '新寨村', '', '', :t)"
            ),
            {"t": T},
        )
        for pid, chat, name, role in [
            (1, 500, "张大爷", "villager"),
            (2, 100, "王书记", "cadre"),
            (3, 101, "李委员", "cadre"),
        ]:
            conn.execute(
                text(
                    "INSERT INTO people (id, chat_user_id, display_name, role, created_at, updated_at) "
                    "VALUES (:id, :chat, :name, :role, :t, :t)"
                ),
                {"id": pid, "chat": chat, "name": name, "role": role, "t": T},
            )
        for pid, post in [(2, "第一书记"), (3, "村两委干部")]:
            conn.execute(
                text("INSERT INTO cadre_bindings VALUES (:p, 1, :post, :t)"), {"p": pid, "post": post, "t": T}
            )
        for rid, number, status, events in [
            (1, "2026-000001", "closed", OLD_EVENTS),
            (2, "2026-000002", "duplicate", [OLD_EVENTS[0], OLD_EVENTS[1], OLD_DUPLICATE]),
        ]:
            conn.execute(
                text(
                    "INSERT INTO requests (id, number, requester_id, village_id, address, phone, category, "
                    "description, urgency, status, assignee_id, created_at, updated_at, due_at) VALUES "
                    "(:id, :number, 1, 1, '', NULL, '住房安全', '家里房子漏雨', 'normal', :status, 3, :t, :t, :t)"
                ),
                {"id": rid, "number": number, "status": status, "t": T},
            )
            for kind, label, old, new, note in events:
                conn.execute(
                    text(
                        "INSERT INTO request_events (request_id, at, actor_id, actor_label, kind, old_status, "
                        "new_status, note) VALUES (:rid, :t, NULL, :label, :kind, :old, :new, :note)"
                    ),
                    {"rid": rid, "t": T, "label": label, "kind": kind, "old": old, "new": new, "note": note},
                )


def _stored(engine: Engine) -> list[tuple[str | None, str | None]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT code, note FROM request_events ORDER BY id"))]


def test_upgrade_converts_old_prose_events_and_history_reads_the_same(db_url: str) -> None:
    engine = create_helpdesk_engine(db_url)
    try:
        _alembic(engine, "upgrade", "0001_initial")
        _populate_0001(engine)
        _alembic(engine, "upgrade", "head")
        stored = _stored(engine)
        with Helpdesk(engine) as helpdesk:
            shown = [e.note for e in helpdesk.queries.show(OPERATOR, "2026-000001").events]
            duplicate = helpdesk.queries.show(OPERATOR, "2026-000002").events[-1]
        # Every old row reads exactly as before (the admin sees full text).
        assert shown == [note for *_, note in OLD_EVENTS]
        assert duplicate.note == OLD_DUPLICATE[-1]
        assert duplicate.code == "duplicate_of"
        # The system's prose became codes; the actors' own words stayed, alone, in `note`.
        assert stored[:11] == [
            ("filed", None),
            ("auto_assigned", None),
            ("assigned", "请尽快上门，电话13812345678"),
            (None, "已到现场"),
            (None, "明天带工人来"),
            (None, None),
            ("unsatisfied", "还是漏"),
            (None, None),
            (None, "换了瓦"),
            ("satisfied", None),
            (None, "派给县里统一处理"),  # unreadable: kept as prose
        ]
        with engine.connect() as conn:
            params = conn.execute(
                select(RequestEvent.params).where(RequestEvent.code == "assigned")
            ).scalar_one()
        assert params == {"post": "村两委干部", "name": "李委员"}
        # History is append-only again after the conversion.
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("UPDATE request_events SET note = 'rewritten'"))
    finally:
        engine.dispose()


def test_downgrade_words_coded_events_back_into_prose(db_url: str) -> None:
    engine = create_helpdesk_engine(db_url)
    try:
        _alembic(engine, "upgrade", "0001_initial")
        _populate_0001(engine)
        with engine.connect() as conn:
            before = [r[0] for r in conn.execute(text("SELECT note FROM request_events ORDER BY id"))]
        _alembic(engine, "upgrade", "head")
        _alembic(engine, "downgrade", "0001_initial")
        with engine.connect() as conn:
            after = [r[0] for r in conn.execute(text("SELECT note FROM request_events ORDER BY id"))]
            columns = [
                r[0] for r in conn.execute(text("SELECT * FROM request_events LIMIT 0")).cursor.description
            ]
        assert after == before
        assert "code" not in columns and "params" not in columns
    finally:
        engine.dispose()


def test_a_rewording_reaches_the_history_already_written(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events hold codes, not prose: changing the wording in texts.py changes old requests too."""
    from bot import texts

    with Helpdesk.open(db_url) as helpdesk:
        village = helpdesk.directory.add_village(OPERATOR, "新寨村")
        helpdesk.directory.bind_cadre(OPERATOR, 100, village.id, "第一书记", display_name="王书记")
        number = helpdesk.intake.file_request(500, village.id, "家里房子漏雨").request.number
        assert helpdesk.queries.show(OPERATOR, number).events[1].note == "自动派给第一书记王书记"
        monkeypatch.setitem(texts.HD_EVENT_TEXTS, "auto_assigned", "系统分派：{post} {name}")
        assert helpdesk.queries.show(OPERATOR, number).events[1].note == "系统分派：第一书记 王书记"


def _populate_0002(engine: Engine) -> None:
    """Two requests as the 0002 code left them: one closed with notes, one reopened after 办结."""
    with write_engine(engine).begin() as conn:
        for rid, number, status, resolved, satisfaction in [
            (3, "2026-000003", "closed", T, "satisfied"),
            (4, "2026-000004", "reopened", T, "unsatisfied"),
        ]:
            conn.execute(
                text(
                    "INSERT INTO requests (id, number, requester_id, village_id, address, phone, category, "
                    "description, urgency, status, assignee_id, created_at, updated_at, due_at, resolved_at, "
                    "satisfaction) VALUES (:id, :number, 1, 1, '', NULL, '饮水安全', '水管冻裂了', 'normal', "
                    ":status, 2, :t, :t, :t, :resolved, :sat)"
                ),
                {"id": rid, "number": number, "status": status, "t": T, "resolved": resolved, "sat": satisfaction},
            )
            for kind, actor, note in [
                ("note", 2, "师傅明天到"),  # the cadre's progress note
                ("note", 1, "我家在村口"),  # the villager's own note: no progress
                ("resolve", 2, "换了新水管"),
            ]:
                conn.execute(
                    text(
                        "INSERT INTO request_events (request_id, at, actor_id, actor_label, kind, old_status, "
                        "new_status, note) VALUES (:rid, :t, :actor, 'x', :kind, NULL, NULL, :note)"
                    ),
                    {"rid": rid, "t": T, "actor": actor, "kind": kind, "note": note},
                )
        conn.execute(
            text(
                "INSERT INTO request_events (request_id, at, actor_id, actor_label, kind, old_status, new_status, "
                "code, note) VALUES (4, :t, 1, '张大爷（村民）', 'reopen', 'resolved', 'reopened', NULL, '还是漏')"
            ),
            {"t": T},
        )


def test_upgrade_to_casework_keeps_requests_and_fills_the_new_columns(db_url: str) -> None:
    engine = create_helpdesk_engine(db_url)
    try:
        _alembic(engine, "upgrade", "0001_initial")
        _populate_0001(engine)
        _alembic(engine, "upgrade", "0002_event_codes")
        _populate_0002(engine)
        _alembic(engine, "upgrade", "head")
        with Helpdesk(engine) as helpdesk:
            closed = helpdesk.queries.show(OPERATOR, "2026-000003")
            reopened = helpdesk.queries.show(OPERATOR, "2026-000004")
            assert helpdesk.queries.count_requests() == 4
            assert (closed.rating, closed.resolution_note, closed.progress_count) == (
                Satisfaction.SATISFIED,
                "换了新水管",
                1,
            )
            assert closed.resolved_at == T and closed.version == 1
            # Reopened: 办结时间 cleared, history keeps the 办结.
            assert (reopened.status, reopened.resolved_at, reopened.resolution_note) == (Status.REOPENED, None, None)
            assert reopened.rating is Satisfaction.UNSATISFIED and reopened.reopen_count == 1
            assert [e.kind for e in reopened.events] == ["note", "note", "resolve", "reopen"]
            # Old requests go on through the new commands.
            started = helpdesk.casework.start(100, "2026-000004", expected_version=reopened.version)
            assert started.request.status is Status.IN_PROGRESS and started.request.version == 2
    finally:
        engine.dispose()


def test_downgrade_from_casework_drops_its_columns(db_url: str) -> None:
    engine = create_helpdesk_engine(db_url)
    try:
        _alembic(engine, "upgrade", "head")
        _alembic(engine, "downgrade", "0002_event_codes")
        with engine.connect() as conn:
            columns = [r[0] for r in conn.execute(text("SELECT * FROM requests LIMIT 0")).cursor.description]
        assert "version" not in columns and "rating" not in columns and "satisfaction" in columns
        _alembic(engine, "upgrade", "head")
    finally:
        engine.dispose()
