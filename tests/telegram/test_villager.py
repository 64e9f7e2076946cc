"""Villagers end to end: welcome, questions with sources, source passages, feedback, honest
"not covered" with an offer to file a request, and every kind of bad input."""

from __future__ import annotations

import pytest

from bot import texts
from tests.fake_telegram import FakeTelegram
from tests.telegram.conftest import VILLAGER, user

pytestmark = pytest.mark.timeout(300)


def test_start_shows_welcome_and_main_menu(tg: FakeTelegram, bot) -> None:
    u = user(tg, VILLAGER, "张大爷")
    u.send_command("/start")
    welcome = u.wait_for_message()
    assert "张大爷" in welcome.text and "乡村政策助手" in welcome.text
    assert welcome.keyboard == [["问政策", "我要求助"], ["我的求助", "帮助"]]
    commands = {c["command"] for c in tg.commands(scope={"type": "all_private_chats"})}
    assert {"start", "help_request", "mine", "cancel", "join"} <= commands
    assert "reload" not in commands and "tickets" not in commands
    assert tg.errors == [] and tg.bot_errors == []


def test_question_gets_short_answer_numbered_sources_and_buttons(tg: FakeTelegram, bot, analytics) -> None:
    u = user(tg, VILLAGER, "张大爷")
    u.send("村里办事没钱，运转经费怎么保障？")
    answer = u.wait_for_message(timeout=60)
    assert "typing" in u.chat_actions
    assert answer.text.startswith(texts.ANSWER_HEADER)
    assert "[1]" in answer.text and "来源：" in answer.text and "[1] 《" in answer.text
    assert answer.entity_texts("bold")[:2] == [texts.ANSWER_HEADER, texts.SOURCES_HEADER]
    assert "原文1" in answer.button_texts and "👍 有用" in answer.button_texts

    # the full passage behind [1]
    u.click(answer, "原文1")
    passage = u.wait_for_message()
    assert passage.text.startswith("[1] 《")
    assert passage.entities and any(e["type"] == "blockquote" for e in passage.entities)

    # feedback is stored, and the feedback buttons go away
    query = u.click(answer, "👍 有用")
    assert u.wait_for_callback_answer(query).text == texts.BOT_FEEDBACK_THANKS
    edited = u.wait_for_edit(answer)
    assert "👍 有用" not in edited.button_texts and "原文1" in edited.button_texts
    stats = analytics.question_stats()
    assert stats.total == 1 and stats.useful == 1 and stats.unanswered == 0
    assert tg.errors == [] and tg.bot_errors == []


def test_greetings_and_thanks_are_answered_in_kind_and_not_logged(tg: FakeTelegram, bot, analytics) -> None:
    u = user(tg, VILLAGER, "张大爷")
    u.send("你好！")
    assert u.wait_for_message().text == texts.SMALL_TALK_GREETING
    u.send("谢谢啦")
    assert u.wait_for_message().text == texts.SMALL_TALK_THANKS
    u.send("你好，村里办事没钱，运转经费怎么保障？")  # a greeting in front of a question: a question
    assert u.wait_for_message(timeout=60).text.startswith(texts.ANSWER_HEADER)
    assert analytics.question_stats().total == 1, "small talk is not an unanswered question for /stats"
    assert tg.errors == [] and tg.bot_errors == []


def test_not_covered_says_so_and_offers_a_help_request(tg: FakeTelegram, bot, analytics) -> None:
    u = user(tg, VILLAGER, "张大爷")
    u.send("城乡居民养老保险一年交多少？")
    reply = u.wait_for_message(timeout=60)
    assert texts.NOT_COVERED.splitlines()[0] in reply.text
    assert reply.button_texts == [texts.BOT_FILE_REQUEST_BUTTON]
    u.click(reply, texts.BOT_FILE_REQUEST_BUTTON)
    form = u.wait_for_message()
    assert "第 1 步" in form.text and "住房安全" in form.button_texts
    u.click(form, "住房安全")
    step2 = u.wait_for_message()
    assert "城乡居民养老保险一年交多少" in step2.text  # offered as the description
    assert texts.BOT_FORM_USE_QUESTION in step2.button_texts
    stats = analytics.question_stats()
    assert stats.unanswered == 1 and stats.top_unanswered[0][0].startswith("城乡居民养老保险")


def test_thumbs_down_is_stored_and_offers_help(tg: FakeTelegram, bot, analytics) -> None:
    u = user(tg, VILLAGER, "张大爷")
    u.send("驻村工作队要做哪些工作")
    answer = u.wait_for_message(timeout=60)
    u.click(answer, "👎 没用")
    sorry = u.wait_for_message()
    assert sorry.text == texts.BOT_FEEDBACK_SORRY and sorry.button_texts == [texts.BOT_FILE_REQUEST_BUTTON]
    assert analytics.question_stats().not_useful == 1
    # someone else's thumbs cannot be forged onto this answer
    other = user(tg, 777, "路人")
    qid = answer.button("👍 有用").callback_data.split("|")[1].split(".")[0]
    other.send_command("/start")
    other.wait_for_message()
    query = other.forge_callback(f"fb|{qid}.1")
    assert other.wait_for_callback_answer(query).text == texts.BOT_FEEDBACK_NOT_YOURS
    assert analytics.question_stats().useful == 0


@pytest.mark.parametrize(
    ("send", "expected"),
    [
        (lambda u: u.send_sticker("🙏"), texts.BOT_MEDIA_NOT_SUPPORTED),
        # a photo starts a help request (issue 11; tests/telegram/test_help_request_forgiving.py)
        (lambda u: u.send_photo(), texts.BOT_FORM_PHOTO_START + "\n\n" + texts.BOT_FORM_CATEGORY),
        (lambda u: u.send_voice(), texts.BOT_MEDIA_NOT_SUPPORTED),
        (lambda u: u.send_location(26.2, 105.9), texts.BOT_MEDIA_NOT_SUPPORTED),
        (lambda u: u.send("   "), texts.EMPTY_QUESTION),
        (lambda u: u.send("低" * 10_000), texts.QUESTION_TOO_LONG.format(limit=500)),
        (lambda u: u.send_document(b"hello", "note.txt"), texts.BOT_DOCUMENT_NOT_ALLOWED),
        (lambda u: u.send_command("/nonsense"), texts.BOT_UNKNOWN_COMMAND),
        (lambda u: u.send_command("/cancel"), texts.BOT_NOTHING_TO_CANCEL),
        (lambda u: u.send_command("/reload"), texts.BOT_ADMIN_ONLY),
        (lambda u: u.send_command("/tickets"), texts.BOT_CADRE_ONLY),
        (lambda u: u.send_command("/duties"), texts.BOT_CADRE_ONLY),
        (lambda u: u.send_command("/stats"), texts.BOT_ADMIN_ONLY),
        (lambda u: u.send_command("/export"), texts.BOT_ADMIN_ONLY),
        (lambda u: u.send_command("/docs"), texts.BOT_ADMIN_ONLY),
        (lambda u: u.send_command("/rmdoc", "000.txt"), texts.BOT_ADMIN_ONLY),
        (lambda u: u.send_command("/villages"), texts.BOT_ADMIN_ONLY),
        (lambda u: u.send_command("/addvillage", "假村"), texts.BOT_ADMIN_ONLY),
        (lambda u: u.send_command("/invite", "第一书记 新寨村"), texts.BOT_ADMIN_ONLY),
    ],
    ids=[
        "sticker",
        "photo",
        "voice",
        "location",
        "empty",
        "10000-chars",
        "document",
        "unknown-command",
        "cancel-nothing",
        "reload",
        "tickets",
        "duties",
        "stats",
        "export",
        "docs",
        "rmdoc",
        "villages",
        "addvillage",
        "invite",
    ],
)
def test_bad_input_and_unauthorized_commands_get_a_helpful_reply(
    tg: FakeTelegram, bot, send, expected
) -> None:
    u = user(tg, VILLAGER, "张大爷")
    send(u)
    assert u.wait_for_message().text == expected
    assert tg.errors == [] and tg.bot_errors == []


def test_html_and_markdown_in_questions_are_shown_literally(tg: FakeTelegram, bot) -> None:
    u = user(tg, VILLAGER, "<b>张</b>&大爷")
    u.send_command("/start")
    assert "<b>张</b>&大爷" in u.wait_for_message().text  # the name is escaped, not bold
    nasty = "<script>alert(1)</script> *低保* [链接](http://x) </blockquote> &amp; 怎么申请？"
    u.send(nasty)
    reply = u.wait_for_message(timeout=60)
    assert tg.errors == [] and tg.bot_errors == []
    assert reply.text  # sent: Telegram (the fake, strictly) accepted the HTML


def test_forged_and_stale_button_payloads_get_a_polite_answer(tg: FakeTelegram, bot) -> None:
    u = user(tg, VILLAGER, "张大爷")
    u.send_command("/start")
    u.wait_for_message()
    # Forged payloads get the "button expired" alert; a well-formed press the caller may not make
    # gets its own refusal: as a toast, or (cadre-only commands) as a message.
    for payload, toast, message in [
        ("x" * 64, texts.BOT_BUTTON_INVALID, None),
        ("ta|start.2026-00000'", texts.BOT_BUTTON_INVALID, None),
        ("src|abc", texts.BOT_BUTTON_INVALID, None),
        ("rm -rf /", texts.BOT_BUTTON_INVALID, None),
        ("tk|2026-999999", None, texts.BOT_CADRE_ONLY),
        ("f|ok", texts.BOT_FORM_GONE, None),
        ("fb|99999.1", texts.BOT_FEEDBACK_NOT_YOURS, None),
    ]:
        query = u.forge_callback(payload)
        assert u.wait_for_callback_answer(query).text == toast, payload
        if message is not None:
            assert u.wait_for_message().text == message, payload
    assert tg.errors == [] and tg.bot_errors == []


def test_group_chats_are_pointed_to_the_private_chat(tg: FakeTelegram, bot) -> None:
    group = tg.group("村民小组")
    u = user(tg, VILLAGER, "张大爷").in_group(group)
    u.send_command("/start")
    assert u.wait_for_message().text == texts.BOT_PRIVATE_ONLY
