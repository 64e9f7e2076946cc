"""Bot-side hardening (issue 12): conversation state that cannot run code or block the start,
library log lines masked, a broken webhook body answered 400 — with the real PTB Application over
HTTP against the fake Bot API."""

from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path

import httpx
import pytest

from bot.assistant import Assistant
from bot.config import Settings
from bot.telegram.app import build_application, state_file
from bot.telegram.logs import install_redaction
from tests.fake_telegram import FakeTelegram, run_application
from tests.telegram.conftest import VILLAGER, World, user

pytestmark = pytest.mark.timeout(300)

PHONE = "13912345678"
ID_NO = "52010219800101123X"


class _Payload:
    """What a tampered state file holds: unpickling it runs `os.mkdir(marker)`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.mkdir, (str(self.marker),))


def _bot_answers(tg: FakeTelegram) -> None:
    u = user(tg, VILLAGER, "张大爷")
    u.send_command("/start")
    assert "乡村政策助手" in u.wait_for_message().text


def test_a_tampered_state_file_runs_no_code(
    tg: FakeTelegram, assistant: Assistant, world: World, bot_settings: Settings, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    # A well-formed PicklePersistence file (so the old code starts) carrying the payload.
    payload = pickle.dumps(
        {"user_data": {}, "chat_data": {}, "bot_data": {}, "callback_data": None, "conversations": {},
         "extra": _Payload(marker)}
    )
    saved = state_file(bot_settings)
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_bytes(payload)
    (saved.parent / "bot_state.pickle").write_bytes(payload)  # the old default name, too

    with run_application(build_application(bot_settings, assistant), tg):
        _bot_answers(tg)
    assert not marker.exists()


def test_an_unreadable_state_file_is_moved_aside_and_the_bot_starts(
    tg: FakeTelegram, assistant: Assistant, world: World, bot_settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    saved = state_file(bot_settings)
    saved.parent.mkdir(parents=True, exist_ok=True)
    truncated = b'{"format": 1, "user_data": {"500": {"dialog": {"state": "request.desc'
    saved.write_bytes(truncated)  # disk full or a crash mid-write

    with run_application(build_application(bot_settings, assistant), tg):
        _bot_answers(tg)
    aside = [p for p in saved.parent.iterdir() if p.name.startswith(f"{saved.name}.unreadable-")]
    assert len(aside) == 1 and aside[0].read_bytes() == truncated
    assert any("unreadable" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert saved.stat().st_mode & 0o777 == 0o600  # rewritten owner-only


def test_library_log_lines_are_masked_at_debug(
    tg: FakeTelegram, bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    install_redaction(tg.token)
    u = user(tg, VILLAGER, "张大爷")
    u.send(f"我的电话{PHONE}，身份证{ID_NO}，全角１３８１２３４５６７８")
    u.wait_for_message(timeout=60)
    for handler in logging.getLogger().handlers:
        for record in caplog.records:
            line = handler.format(record)
            assert PHONE not in line and ID_NO not in line and "１３８１２３４５６７８" not in line, line
    ptb = [r for r in caplog.records if r.name.startswith("telegram")]
    assert any("139****5678" in r.getMessage() for r in ptb), "expected PTB to log the update at DEBUG"


def test_webhook_body_that_is_not_json_is_a_bad_request(
    tg: FakeTelegram, assistant: Assistant, world: World, bot_settings: Settings
) -> None:
    secret = "s3cret-token_ABC"
    with run_application(build_application(bot_settings, assistant), tg, webhook_secret=secret) as running:
        url = f"http://127.0.0.1:{running.webhook_port}/telegram-webhook"
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
        assert httpx.post(url, content=b"{not json", headers=headers).status_code == 400
        assert httpx.post(url, content=b"\xff\xfe\x00", headers=headers).status_code == 400
        wrong = {**headers, "X-Telegram-Bot-Api-Secret-Token": "wrong-secret"}
        assert httpx.post(url, content=b"{not json", headers=wrong).status_code == 403
        _bot_answers(tg)  # and real deliveries still work
        assert tg.webhook_deliveries
