"""What holds everywhere: the error handler, blocked users, flood protection, 4096-character
splitting, command menus per role, no token in logs, webhook mode with a secret token, and the
request lifecycle on PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from bot import texts
from bot.assistant import Assistant, Block, Reply
from bot.config import Settings
from bot.helpdesk import OPERATOR, Helpdesk, Status
from bot.telegram.app import build_application
from bot.telegram.format import utf16_len
from bot.telegram.logs import install_redaction
from tests.fake_telegram import FakeTelegram, run_application
from tests.helpdesk.conftest import pg_server  # noqa: F401  (fixture)
from tests.telegram.conftest import ADMIN, SECRETARY_A, VILLAGER, World, populate, user

pytestmark = pytest.mark.timeout(300)


def test_a_failing_handler_tells_the_user_and_the_bot_keeps_going(
    tg: FakeTelegram, bot, assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args, **_kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(assistant.mine, "my_requests", broken)
    u = user(tg, VILLAGER, "张大爷")
    u.send_command("/mine")
    assert u.wait_for_message().text == texts.BOT_ERROR
    tg.wait_until(lambda: tg.bot_errors, 10, "the error recorded")
    assert [type(e) for e in tg.bot_errors] == [RuntimeError]
    tg.clear_errors()
    u.send_command("/start")
    assert "乡村政策助手" in u.wait_for_message().text


def test_blocked_users_do_not_break_notifications(
    tg: FakeTelegram, bot, helpdesk: Helpdesk, world: World
) -> None:
    number = helpdesk.intake.file_request(
        VILLAGER, world.a.id, "房子漏雨", display_name="张大爷"
    ).request.number
    villager = user(tg, VILLAGER, "张大爷")
    villager.block()
    secretary = user(tg, SECRETARY_A, "王书记")
    secretary.send_command("/tickets")
    secretary.click(secretary.wait_for_message(), number)
    card = secretary.wait_for_message(containing=number)
    secretary.click(card, "开始办理")  # the villager's status notice hits a 403
    assert Status.IN_PROGRESS.label in secretary.wait_for_edit(card).text
    assert helpdesk.queries.show(OPERATOR, number).status is Status.IN_PROGRESS
    assert tg.bot_errors == []
    # and a blocked user writing to the bot is only logged
    villager.send_command("/start")
    tg.wait_until(lambda: tg.bot_errors, 30, "the 403 reaching the error handler")
    assert {type(e).__name__ for e in tg.bot_errors} == {"Forbidden"}


def test_flooding_user_is_throttled_once_and_others_are_not(
    tg: FakeTelegram, start_bot, assistant: Assistant, world: World, bot_settings: Settings
) -> None:
    start_bot(assistant, bot_settings.model_copy(update={"user_rate_limit_per_minute": 3}))
    flooder = user(tg, VILLAGER, "张大爷")
    for _ in range(8):
        flooder.send_command("/start")
    texts_seen = sorted(m.text[:6] for m in flooder.wait_for_messages(4))
    assert texts_seen.count(texts.BOT_FLOOD[:6]) == 1
    other = user(tg, 501, "刘阿姨")
    other.send_command("/start")
    assert "乡村政策助手" in other.wait_for_message().text
    tg.wait_until(lambda: len(tg.delivered_update_ids) >= 9, 10, "all updates acknowledged")
    assert len(flooder.unread_messages()) == 0
    assert tg.errors == [] and tg.bot_errors == []


def test_long_replies_are_split_on_paragraph_boundaries(
    tg: FakeTelegram, bot, assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    paragraphs = [f"第{n}段：" + "政策<内容>&说明。" * 60 for n in range(12)]  # ~7,800 characters
    long = Reply((Block("\n\n".join(paragraphs), title="很长的回答"), Block("😀" * 3000)))
    monkeypatch.setattr(assistant, "help", lambda _user: long)
    u = user(tg, VILLAGER, "张大爷")
    u.send_command("/help")
    tg.wait_until(lambda: len(u.unread_messages()) >= 4, 30, "four messages")
    messages = u.wait_for_messages(len(u.unread_messages()))
    assert all(utf16_len(m.text) <= 4096 for m in messages)
    joined = "\n\n".join(m.text for m in messages)
    for paragraph in paragraphs:
        assert paragraph in joined  # no paragraph was cut in half
    assert joined.count("😀") == 3000
    assert tg.errors == [] and tg.bot_errors == []


def test_command_menus_follow_roles(tg: FakeTelegram, bot) -> None:
    admin = tg.wait_until(lambda: tg.commands(scope={"type": "chat", "chat_id": ADMIN}), 30, "admin menu")
    assert {"reload", "stats", "export", "tickets"} <= {c["command"] for c in admin}
    cadre = tg.wait_until(
        lambda: tg.commands(scope={"type": "chat", "chat_id": SECRETARY_A}), 30, "cadre menu"
    )
    names = {c["command"] for c in cadre}
    assert "tickets" in names and "reload" not in names
    assert tg.settings.get("short_description") == texts.BOT_SHORT_DESCRIPTION


def test_the_token_never_reaches_the_logs(tg: FakeTelegram, bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    install_redaction(tg.token)
    logging.getLogger("httpx").setLevel(logging.DEBUG)  # the worst case: every request URL logged
    u = user(tg, VILLAGER, "张大爷")
    u.send_command("/start")
    u.wait_for_message()
    try:
        raise ValueError(f"request to https://api.telegram.org/bot{tg.token}/getMe failed")
    except ValueError:
        logging.getLogger("bot.test").exception("simulated failure for %s", tg.token)
    secret = tg.token.split(":", 1)[1]
    messages = [r.getMessage() for r in caplog.records]
    assert "simulated failure for ***" in messages
    assert any("/bot***/" in m for m in messages)  # httpx's request lines, the token redacted
    for handler in logging.getLogger().handlers:
        for record in caplog.records:
            formatted = handler.format(record)
            assert secret not in formatted


def test_webhook_mode_with_secret_token(
    tg: FakeTelegram, assistant: Assistant, world: World, bot_settings: Settings
) -> None:
    app = build_application(bot_settings, assistant)
    with run_application(app, tg, webhook_secret="s3cret-token_ABC") as running:
        u = user(tg, VILLAGER, "张大爷")
        u.send_command("/start")
        assert "乡村政策助手" in u.wait_for_message().text
        assert tg.webhook_deliveries
        # an update without Telegram's secret header is refused
        forged = httpx.post(
            f"http://127.0.0.1:{running.webhook_port}/telegram-webhook",
            json={
                "update_id": 999,
                "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}},
            },
        )
        assert forged.status_code == 403


@pytest.fixture
def pg_url(pg_server) -> Iterator[str]:  # noqa: F811
    with pg_server.temporary_database("bot") as url:
        yield url


@pytest.mark.postgres
def test_request_lifecycle_on_postgresql(
    tg: FakeTelegram, pg_url: str, seeded_kb, tmp_path, start_bot
) -> None:
    from bot.analytics import Analytics
    from bot.assistant import policy_lookup
    from bot.helpdesk import open_helpdesk

    settings = Settings(
        data_dir=tmp_path / "pgdata",
        database_url=pg_url,
        telegram_bot_token=tg.token,
        telegram_base_url=tg.base_url,
        telegram_base_file_url=tg.base_file_url,
        admin_ids=[ADMIN],
    )
    helpdesk = open_helpdesk(settings, lookup=policy_lookup(seeded_kb))
    analytics = Analytics.open(pg_url)
    try:
        populate(helpdesk)
        start_bot(Assistant(settings, seeded_kb, helpdesk, analytics), settings)
        villager = user(tg, VILLAGER, "张大爷")
        secretary = user(tg, SECRETARY_A, "王书记")
        villager.send_command("/help_request")
        villager.click(villager.wait_for_message(), "住房安全")
        villager.wait_for_message(containing="第 2 步")
        villager.send("屋顶漏雨，下雨天没法住。")
        villager.click(villager.wait_for_message(containing="第 3 步"), "新寨村")
        villager.click(villager.wait_for_message(containing="第 4 步"), texts.BOT_FORM_SKIP_ADDRESS)
        villager.wait_for_message(containing="第 5 步")
        villager.send("0851-1234567")
        villager.click(villager.wait_for_message(containing="第 6 步"), texts.BOT_FORM_SUBMIT)
        number = villager.wait_for_message(containing="工单编号").text.split("工单编号：")[1].split()[0]
        alert = secretary.wait_for_message(containing="【新求助】")
        secretary.click(alert, number)
        card = secretary.wait_for_message(containing=number)
        secretary.click(card, "开始办理")
        card = secretary.wait_for_edit(card)
        secretary.click(card, "办结")
        secretary.wait_for_message(containing="办结说明")
        secretary.send("已修好")
        secretary.wait_for_message(containing="已完成：办结")
        ask = villager.wait_for_message(containing="问题解决了吗")
        villager.click(ask, texts.BOT_RATE_BUTTONS["s"])
        assert "回访关闭" in villager.wait_for_message().text
        assert helpdesk.queries.show(OPERATOR, number).status is Status.CLOSED
        villager.send("驻村工作队要做哪些工作")
        villager.wait_for_message(timeout=60)
        assert analytics.question_stats().total == 1  # the question log works on PostgreSQL too
        assert tg.errors == [] and tg.bot_errors == []
    finally:
        helpdesk.close()
        analytics.close()
