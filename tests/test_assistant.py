"""The Assistant facade without Telegram: roles, the form as a state machine, formatting helpers,
flood guard, query batching, and the question log on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import uuid
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from bot import texts
from bot.analytics import Analytics, analytics_url, normalize_question
from bot.assistant import (
    ACTIONS,
    Assistant,
    Block,
    Button,
    UserRef,
    duty_post_asked,
    markdown_blocks,
    reason_zh,
    valid_press,
    validate_question,
)
from bot.config import PROJECT_ROOT, Settings
from bot.helpdesk import OPERATOR, Helpdesk
from bot.kb.batching import BatchingEmbedder
from bot.telegram.format import callback_data, parse_callback, render_messages, utf16_len
from bot.telegram.ratelimit import FloodGuard
from tests.helpdesk.conftest import pg_server  # noqa: F401  (fixture)
from tests.together import all_at_once

ADMIN, CADRE, VILLAGER = UserRef(900, "赵管理"), UserRef(100, "王书记"), UserRef(500, "张大爷")


@pytest.fixture
def hd(tmp_path: Path) -> Helpdesk:
    helpdesk = Helpdesk.open(f"sqlite:///{tmp_path / 'hd.db'}")
    a = helpdesk.add_village(OPERATOR, "新寨村")
    helpdesk.bind_cadre(OPERATOR, CADRE.id, a.id, "第一书记", display_name=CADRE.name)
    yield helpdesk
    helpdesk.close()


@pytest.fixture
def assistant(tmp_path: Path, seeded_kb, hd: Helpdesk) -> Assistant:
    settings = Settings(data_dir=tmp_path / "data", admin_ids=[ADMIN.id])
    return Assistant(settings, seeded_kb, hd, Analytics.open(f"sqlite:///{tmp_path / 'a.db'}"))


def test_validate_question_is_kept_for_the_cli() -> None:
    assert validate_question("  ") == texts.EMPTY_QUESTION
    assert validate_question("问" * 501) == texts.QUESTION_TOO_LONG.format(limit=500)
    assert validate_question("低保怎么申请？") is None


def test_roles_are_checked_on_every_privileged_action(assistant: Assistant) -> None:
    assert assistant.identity(ADMIN).is_admin and assistant.identity(CADRE).is_cadre
    assert not assistant.identity(VILLAGER).is_cadre
    admin_only = [
        lambda u: assistant.reload(u),
        lambda u: assistant.documents(u),
        lambda u: assistant.ask_remove_document(u, "x.md"),
        lambda u: assistant.remove_document(u, "0123456789"),
        lambda u: assistant.stats(u),
        lambda u: assistant.export(u),
        lambda u: assistant.villages(u),
        lambda u: assistant.add_village(u, ["假村"]),
        lambda u: assistant.add_document(u, "a.md", b"# a\n\nb"),
    ]
    for call in admin_only:
        for who in (VILLAGER, CADRE):
            reply = call(who)
            assert reply.text in (texts.BOT_ADMIN_ONLY, texts.BOT_DOCUMENT_NOT_ALLOWED), reply.text
    for call in (
        lambda u: assistant.tickets(u),
        lambda u: assistant.duties(u),
        lambda u: assistant.invite(u, []),
    ):
        assert call(VILLAGER).text in (texts.BOT_CADRE_ONLY, texts.BOT_ADMIN_ONLY)
    assert "tickets" in assistant.commands_for(CADRE) and "reload" not in assistant.commands_for(CADRE)
    assert "reload" in assistant.commands_for(ADMIN)


def test_the_form_is_a_state_machine_front_ends_only_store(assistant: Assistant, hd: Helpdesk) -> None:
    reply = assistant.start_request(VILLAGER)
    dialog = reply.dialog
    assert dialog["state"] == "request.category"
    reply = assistant.dialog_input(VILLAGER, dialog, button="c999")
    assert reply.toast == texts.BOT_FORM_STALE_BUTTON and reply.dialog["state"] == dialog["state"]
    reply = assistant.dialog_input(VILLAGER, dialog, text="住房安全")  # typing the label works too
    reply = assistant.dialog_input(VILLAGER, reply.dialog, text="")
    assert texts.HD_ERR_DESCRIPTION_EMPTY in reply.text and reply.dialog["state"] == "request.description"
    reply = assistant.dialog_input(VILLAGER, reply.dialog, text="房子漏雨")
    reply = assistant.dialog_input(VILLAGER, reply.dialog, text="新寨村")
    reply = assistant.dialog_input(VILLAGER, reply.dialog, button="skip")
    assert reply.dialog["state"] == "request.confirm" and "（未留）" in reply.text
    done = assistant.dialog_input(VILLAGER, reply.dialog, button="ok")
    assert done.dialog is None and "工单编号" in done.text
    assert [n.chat_id for n in done.notices] == [CADRE.id]
    assert hd.count_requests() == 1
    assert assistant.cancel_dialog(VILLAGER, None).text == texts.BOT_NOTHING_TO_CANCEL


def test_mine_is_what_the_caller_filed_and_stats_count_every_village(
    assistant: Assistant, hd: Helpdesk
) -> None:
    (home,) = hd.list_villages()
    other = hd.add_village(OPERATOR, "红旗村")
    own = hd.file_request(CADRE.id, other.id, "家里老人住院，医药费报销不了").request.number
    hd.register_villager(777, CADRE.name)  # a villager under the cadre's display name
    namesake = hd.file_request(777, home.id, "家里房子漏雨，需要维修").request.number
    villager = hd.file_request(VILLAGER.id, home.id, "水管破了没水喝").request.number

    mine = assistant.my_requests(CADRE).text
    assert own in mine and namesake not in mine and villager not in mine
    assert texts.BOT_MINE_TITLE.format(count=1) in mine
    assert namesake in assistant.my_requests(UserRef(777, CADRE.name)).text
    assert assistant.my_requests(UserRef(778, "新用户")).text == texts.BOT_MINE_EMPTY

    hd.add_person(OPERATOR, ADMIN.id, ADMIN.name, "admin")
    stats = assistant.stats(ADMIN).text
    assert texts.BOT_STATS_BY_STATUS.format(total=3) in stats
    assert "新寨村：共 2 件，未办结 2，超期 0" in stats and "红旗村：共 1 件，未办结 1，超期 0" in stats


def test_button_table_and_callback_payloads() -> None:
    assert valid_press("tk", "2026-000123") and not valid_press("tk", "2026-000123; DROP")
    assert not valid_press("nope", "") and valid_press("dk", "")
    for action, pattern in ACTIONS.items():
        assert pattern.pattern.startswith("^"), action
    assert parse_callback(callback_data("ta", "reassign.2026-000123")) == ("ta", "reassign.2026-000123")
    assert parse_callback("ta|explode.2026-000123") is None and parse_callback(None) is None
    assert parse_callback("src|" + "9" * 70) is None
    with pytest.raises(ValueError):
        callback_data("src", "not-valid")


def test_messages_split_between_paragraphs_and_measure_utf16() -> None:
    paragraphs = [f"{n}：" + "字" * 900 for n in range(10)]
    messages = render_messages([Block("\n\n".join(paragraphs), title="标题")])
    assert len(messages) == 3 and messages[0].startswith("<b>标题</b>\n")
    assert all(p in "".join(messages) for p in paragraphs)
    emoji = render_messages([Block("😀" * 2500)])  # 5000 UTF-16 units
    assert len(emoji) == 2 and all(utf16_len(m) <= 4096 for m in emoji)
    escaped = render_messages([Block("<b>&</b>", quote=True)])
    assert escaped == ["<blockquote>&lt;b&gt;&amp;&lt;/b&gt;</blockquote>"]


@pytest.mark.parametrize(
    ("question", "post"),
    [
        ("驻村第一书记的主要职责任务是什么？", "第一书记"),
        ("第一書記的職責是什麼", "第一书记"),
        ("帮扶责任人要做哪些工作？", "帮扶责任人"),
        ("村支书是干嘛的", "村党组织书记"),
        ("驻村工作队员平时都干啥", "驻村工作队员"),
        ("选派第一书记应该挑什么样的人、派到哪里？", None),
        ("俺村吃水难、垃圾没人收、路也烂，工作队管这些不？", None),
        ("低保怎么申请？", None),
        ("第一书记", None),
    ],
)
def test_duty_questions_are_recognised(question: str, post: str | None) -> None:
    assert duty_post_asked(question) == post


def test_no_evaluation_question_is_taken_for_a_duty_question() -> None:
    """The handbook route must not swallow policy questions: none of the 83 eval questions take it."""
    for name in ("dev.jsonl", "heldout.jsonl"):
        for line in (PROJECT_ROOT / "tests" / "data" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                question = json.loads(line)["q"]
                assert duty_post_asked(question) is None, question


def test_a_missing_handbook_is_said_plainly(tmp_path: Path) -> None:
    from bot.assistant.duties import duty_blocks

    (block,) = duty_blocks(tmp_path, "第一书记")
    assert block.text == texts.BOT_DUTIES_MISSING and block.title == "第一书记"


def test_markdown_duty_documents_become_titled_blocks() -> None:
    text = (PROJECT_ROOT / "bot" / "assistant" / "duties" / "第一书记职责.md").read_text(encoding="utf-8")
    blocks = markdown_blocks(text)
    assert blocks[0].title == "驻村第一书记职责"
    assert [b.title for b in blocks[1:5]] == [
        "一、建强村党组织",
        "二、推进强村富民",
        "三、提升治理水平",
        "四、为民办事服务",
    ]
    assert blocks[1].text.startswith("• ") and "**" not in "".join(b.text for b in blocks)
    for post in ("第一书记", "驻村工作队员", "村党组织书记", "村两委干部", "帮扶责任人"):
        assert (PROJECT_ROOT / "bot" / "assistant" / "duties" / f"{post}职责.md").is_file()


def test_skip_reasons_are_explained_in_chinese() -> None:
    assert reason_zh("corrupt or unreadable .pdf (PdfReadError)") == "文件已损坏或格式不对"
    assert reason_zh("something new") == texts.BOT_REASON_UNKNOWN


def test_flood_guard_window_and_single_warning() -> None:
    now = [0.0]
    guard = FloodGuard(3, clock=lambda: now[0])
    assert [guard.check(1) for _ in range(3)] == [(True, False)] * 3
    assert guard.check(1) == (False, True)
    assert guard.check(1) == (False, False)
    assert guard.check(2) == (True, False)  # others are not affected
    now[0] = 61.0
    assert guard.check(1) == (True, False)


def test_batching_embedder_matches_single_queries(embedder) -> None:
    batching = BatchingEmbedder(embedder)
    questions = ["低保怎么申请？", "驻村工作队要做哪些工作", "第一书记的职责", "村务公开", "产业怎么发展"] * 4
    expected = {q: embedder.embed_query(q) for q in set(questions)}
    results: dict[int, np.ndarray] = {}
    barrier = threading.Barrier(len(questions))

    def ask(i: int) -> None:
        barrier.wait()
        results[i] = batching.embed_query(questions[i])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(questions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, q in enumerate(questions):
        assert float(results[i] @ expected[q]) > 0.999  # same vector up to float noise
    assert batching.batched_queries == len(questions) and batching.batches < len(questions)


def test_processes_opening_a_new_question_log_together_create_it_once(tmp_path: Path) -> None:
    """The bot and a CLI command may start together on a fresh data dir: one creates the tables,
    the others wait for it on the write lock instead of failing with "table already exists"."""

    def start(url: str) -> int:
        log = Analytics.open(url)
        try:
            return log.question_stats().total
        finally:
            log.close()

    for attempt in range(10):
        url = f"sqlite:///{tmp_path / f'analytics{attempt}.db'}"
        assert all_at_once(partial(start, url), 5) == [0] * 5
        log = Analytics.open(url)
        try:
            with log.engine.connect() as conn:
                assert conn.exec_driver_sql("SELECT count(*) FROM analytics_schema").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        finally:
            log.close()


def test_an_in_memory_question_log_is_one_log_for_every_thread() -> None:
    log = Analytics.open("sqlite://")
    try:
        log.log_question(1, "低保怎么申请", False, 0.1, [])
        seen: list[int] = []
        thread = threading.Thread(target=lambda: seen.append(log.question_stats().total))
        thread.start()
        thread.join()
        assert seen == [1]
    finally:
        log.close()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_question_log_and_stats(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if backend == "sqlite":
        url = analytics_url(f"sqlite:///{tmp_path / 'helpdesk.db'}")
        assert url.endswith("analytics.db")
    else:
        server = request.getfixturevalue("pg_server")
        name = f"an_{uuid.uuid4().hex[:12]}"
        url = server.create_database(name)
        request.addfinalizer(lambda: server.drop_database(name))
    log = Analytics.open(url)
    Analytics.open(url).close()  # idempotent creation
    try:
        a = log.log_question(1, "低保怎么申请？", False, 0.1, [])
        log.log_question(2, "低保 怎么申请", False, 0.1, [])
        b = log.log_question(
            1, "我的电话13812345678，驻村工作队做什么", True, 0.9, [{"title": "t", "text": "x"}]
        )
        assert log.set_feedback(b, 1, True) and not log.set_feedback(b, 2, False)
        log.set_feedback(a, 1, False)
        stats = log.question_stats()
        assert (stats.total, stats.users, stats.unanswered, stats.useful, stats.not_useful) == (3, 2, 2, 1, 1)
        assert stats.top_unanswered[0][1] == 2 and stats.unanswered_share == pytest.approx(2 / 3)
        assert "13812345678" not in log.get(b).question  # phones are masked before storage
        assert normalize_question("低保 怎么申请？") == normalize_question("低保怎么申请")
    finally:
        log.close()


def test_buttons_are_plain_data() -> None:
    b = Button("原文1", "src", "1.1")
    assert (b.label, b.action, b.arg) == ("原文1", "src", "1.1")
