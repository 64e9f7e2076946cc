"""Helpers between the assistant and Telegram: the button table, callback payloads, message
splitting, the flood guard and query batching."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from bot.assistant import ACTIONS, Block, Button, valid_press
from bot.kb.batching import BatchingEmbedder
from bot.telegram.format import callback_data, parse_callback, render_messages, utf16_len
from bot.telegram.ratelimit import FloodGuard


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


def test_buttons_are_plain_data() -> None:
    b = Button("原文1", "src", "1.1")
    assert (b.label, b.action, b.arg) == ("原文1", "src", "1.1")


def test_messages_split_between_paragraphs_and_measure_utf16() -> None:
    paragraphs = [f"{n}：" + "字" * 900 for n in range(10)]
    messages = render_messages([Block("\n\n".join(paragraphs), title="标题")])
    assert len(messages) == 3 and messages[0].startswith("<b>标题</b>\n")
    assert all(p in "".join(messages) for p in paragraphs)
    emoji = render_messages([Block("😀" * 2500)])  # 5000 UTF-16 units
    assert len(emoji) == 2 and all(utf16_len(m) <= 4096 for m in emoji)
    escaped = render_messages([Block("<b>&</b>", quote=True)])
    assert escaped == ["<blockquote>&lt;b&gt;&amp;&lt;/b&gt;</blockquote>"]


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
