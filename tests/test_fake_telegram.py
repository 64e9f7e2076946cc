"""The fake Telegram server against the real python-telegram-bot over HTTP.

A tiny Application (echo, inline buttons, documents both ways, HTML) polls the fake the way the
real bot will; the rejection rules are checked with a plain ``telegram.Bot`` so each failure is
attributed to exactly one request.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx
import openpyxl
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fake_telegram import (
    EntityParseError,
    FakeTelegram,
    RunningApplication,
    WaitTimeout,
    parse_formatted,
    parse_html,
    run_application,
)

pytestmark = pytest.mark.timeout(120)
T = TypeVar("T")


# ----------------------------------------------------------------------------- the tiny bot
async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message  # also edited messages
    assert message is not None and message.text is not None
    await message.reply_text(message.text)


async def describe_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    if message.photo:
        data = await (await message.photo[-1].get_file()).download_as_bytearray()
        description = f"photo {bytes(data[1:4]).decode()}"
    elif message.voice:
        description = f"voice {message.voice.mime_type}"
    elif message.sticker:
        description = f"sticker {message.sticker.emoji}"
    elif message.location:
        description = f"location {message.location.latitude},{message.location.longitude}"
    else:
        assert message.contact is not None
        description = f"contact {message.contact.phone_number}"
    await message.reply_text(description)


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("是", callback_data="yes"), InlineKeyboardButton("否", callback_data="no")]]
    )
    await update.message.reply_text("需要帮助吗？", reply_markup=keyboard)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    if query.data not in ("yes", "no"):
        await query.answer("按钮已失效", show_alert=True)
        return
    await query.answer("已记录")
    await query.edit_message_text(f"你选择了：{query.data}")


async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.effective_chat is not None
    await context.bot.send_chat_action(update.effective_chat.id, ChatAction.UPLOAD_DOCUMENT)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["户主", "困难类型"])
    sheet.append(["张三", "低保"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    await update.message.reply_document(buffer.getvalue(), filename="求助汇总.xlsx", caption="本月求助汇总")


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.document is not None
    document = update.message.document
    data = await (await document.get_file()).download_as_bytearray()
    digest = hashlib.sha256(data).hexdigest()
    await update.message.reply_text(f"收到 {document.file_name}：{len(data)} 字节 sha256={digest}")


async def html_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_html(
        '<b>低保</b>申请 &lt;须知&gt; <a href="https://example.org/a?x=1&amp;y=2">详情</a>'
    )


async def notify(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/notify <user_id>: message another user (who may have blocked the bot)."""
    assert update.message is not None and context.args
    await context.bot.send_message(int(context.args[0]), "您的求助已受理")
    await update.message.reply_text("已通知")


def build_app(tg: FakeTelegram) -> Application[Any, Any, Any, Any, Any, Any]:
    app = tg.application_builder().build()
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CommandHandler("report", report))
    app.add_handler(CommandHandler("html", html_message))
    app.add_handler(CommandHandler("notify", notify))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    media = filters.PHOTO | filters.VOICE | filters.Sticker.ALL | filters.LOCATION | filters.CONTACT
    app.add_handler(MessageHandler(media, describe_media))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def bot(tg: FakeTelegram) -> Iterator[RunningApplication]:
    with run_application(build_app(tg), tg) as running:
        yield running


def with_bot(tg: FakeTelegram, action: Callable[[Bot], Awaitable[T]], token: str | None = None) -> T:
    """Run ``action`` with a real, initialized telegram.Bot talking to the fake."""

    async def main() -> T:
        async with Bot(token or tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as client:
            return await action(client)

    return asyncio.run(main())


def descriptions(tg: FakeTelegram) -> list[str | None]:
    return [c.description for c in tg.errors]


# ----------------------------------------------------------------------------- round trips
def test_echo_round_trip_in_chinese(tg: FakeTelegram, bot: RunningApplication) -> None:
    user = tg.user(id=1001, first_name="张三")
    sent = user.send("低保怎么申请？")

    reply = user.wait_for_message()

    assert reply.text == "低保怎么申请？"
    assert reply.chat_id == 1001
    assert reply.message_id > sent["message_id"]
    assert [c.method for c in tg.calls("getMe")] == ["getMe"]
    assert tg.errors == [] and tg.unknown_methods == [] and tg.bot_errors == []


def test_message_ids_increase_per_chat(tg: FakeTelegram, bot: RunningApplication) -> None:
    first, second = tg.user(first_name="甲"), tg.user(first_name="乙")
    a1 = first.send("一")
    b1 = second.send("二")
    reply_a, reply_b = first.wait_for_message(), second.wait_for_message()
    a2 = first.send("三")

    assert [a1["message_id"], reply_a.message_id, a2["message_id"]] == [1, 2, 3]
    assert [b1["message_id"], reply_b.message_id] == [1, 2]
    assert first.wait_for_message().text == "三"


def test_user_media_and_edits_reach_the_bot(tg: FakeTelegram, bot: RunningApplication) -> None:
    user = tg.user()
    user.send_photo()
    user.send_voice(duration=3)
    user.send_sticker("🙏")
    user.send_location(29.5, 106.5)
    user.send_contact("+8613800000000")
    question = user.send("低保")
    user.edit(question, "低保标准")

    replies = [m.text for m in user.wait_for_messages(7)]

    assert replies == [
        "photo PNG",
        "voice audio/ogg",
        "sticker 🙏",
        "location 29.5,106.5",
        "contact +8613800000000",
        "低保",
        "低保标准",
    ]


def test_wait_for_message_containing_skips_others(tg: FakeTelegram, bot: RunningApplication) -> None:
    user = tg.user()
    for text in ("甲", "乙", "丙"):
        user.send(text)
    assert user.wait_for_message(containing="丙").text == "丙"
    assert user.unread_messages() == []


def test_inline_button_click_answers_and_edits(tg: FakeTelegram, bot: RunningApplication) -> None:
    user = tg.user(first_name="李四")
    user.send_command("/menu")
    prompt = user.wait_for_message()
    assert prompt.text == "需要帮助吗？"
    assert prompt.button_texts == ["是", "否"]
    assert prompt.callback_data == ["yes", "no"]

    query_id = user.click(prompt, "是")

    answer = user.wait_for_callback_answer(query_id)
    assert answer.text == "已记录" and not answer.show_alert
    edited = user.wait_for_edit(prompt)
    assert edited.text == "你选择了：yes"
    assert edited.texts == ["需要帮助吗？", "你选择了：yes"]
    assert edited.buttons == []  # editMessageText without reply_markup drops the keyboard
    assert user.unread_messages() == []
    assert tg.errors == []


def test_forged_callback_payload_reaches_the_bot(tg: FakeTelegram, bot: RunningApplication) -> None:
    user = tg.user()
    user.send_command("/menu")
    user.wait_for_message()

    query_id = user.forge_callback("delete_all_users")

    answer = user.wait_for_callback_answer(query_id)
    assert answer.text == "按钮已失效" and answer.show_alert


def test_click_on_missing_button_fails_loudly(tg: FakeTelegram, bot: RunningApplication) -> None:
    user = tg.user()
    user.send_command("/menu")
    prompt = user.wait_for_message()
    with pytest.raises(AssertionError, match="no inline button"):
        user.click(prompt, "也许")


def test_bot_sends_xlsx_document(tg: FakeTelegram, bot: RunningApplication) -> None:
    user = tg.user()
    user.send_command("/report")

    message = user.wait_for_message()

    assert message.method == "sendDocument"
    assert message.text == "本月求助汇总"
    [(filename, content, caption)] = tg.documents_sent(user.chat_id)
    assert filename == "求助汇总.xlsx" and caption == "本月求助汇总"
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["户主", "困难类型"],
        ["张三", "低保"],
    ]
    assert message.mime_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert user.chat_actions == ["upload_document"]


def test_bot_downloads_a_user_document(tg: FakeTelegram, bot: RunningApplication) -> None:
    user = tg.user()
    payload = "第一条 低保申请须知\n".encode() * 50
    user.send_document(payload, "policy.docx")

    reply = user.wait_for_message()

    assert reply.text == f"收到 policy.docx：{len(payload)} 字节 sha256={hashlib.sha256(payload).hexdigest()}"
    assert [c.ok for c in tg.calls("getFile")] == [True]


def test_html_message_entities_and_visible_text(tg: FakeTelegram, bot: RunningApplication) -> None:
    user = tg.user()
    user.send_command("/html")

    message = user.wait_for_message()

    assert message.text == "低保申请 <须知> 详情"
    assert message.parse_mode == "HTML"
    assert message.source_text is not None and message.source_text.startswith("<b>低保</b>")
    assert message.entity_texts("bold") == ["低保"]
    assert message.links == ["https://example.org/a?x=1&y=2"]


def test_blocked_user_makes_ptb_raise_forbidden(tg: FakeTelegram, bot: RunningApplication) -> None:
    cadre = tg.user(first_name="村干部")
    villager = tg.user(first_name="王五")
    villager.block()

    cadre.send_command("/notify", str(villager.id))

    [error] = tg.wait_until(lambda: tg.bot_errors, what="the handler to fail")
    assert isinstance(error, Forbidden)
    assert "bot was blocked by the user" in str(error)
    assert villager.all_messages() == []
    assert cadre.unread_messages() == []


def test_long_polling_delivers_each_of_100_updates_once_in_order(
    tg: FakeTelegram, bot: RunningApplication
) -> None:
    user = tg.user()
    texts = [f"第{i}条" for i in range(100)]
    for text in texts:
        user.send(text)

    replies = user.wait_for_messages(100, timeout=60)

    assert [r.text for r in replies] == texts
    delivered = tg.delivered_update_ids
    assert len(delivered) == len(set(delivered)) == 100
    assert delivered == sorted(delivered)
    tg.wait_until(lambda: not tg.pending_updates, what="the last updates to be acknowledged")


def test_asyncio_test_can_run_the_bot_on_its_own_loop(tg: FakeTelegram) -> None:
    async def scenario() -> str | None:
        app = build_app(tg)
        async with app:
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=5)
            await app.start()
            user = tg.user()
            user.send("你好")
            reply = await user.wait_for_message_async()
            await app.updater.stop()
            await app.stop()
        return reply.text

    assert asyncio.run(scenario()) == "你好"


def test_group_chat(tg: FakeTelegram, bot: RunningApplication) -> None:
    group = tg.group("第三村民小组")
    member = tg.user(first_name="赵六").in_group(group)
    member.send("开会时间？")

    reply = member.wait_for_message()

    assert reply.chat_id == group and reply.text == "开会时间？"


def test_timeout_explains_what_happened(tg: FakeTelegram) -> None:
    user = tg.user()
    user.send("有人吗")  # no bot is polling
    with pytest.raises(WaitTimeout, match="not yet acknowledged"):
        user.wait_for_message(timeout=0.2)


# ----------------------------------------------------------------------------- rejection rules
def test_text_length_limit_counts_utf16_after_entity_parsing(tg: FakeTelegram) -> None:
    user = tg.user()

    async def scenario(bot: Bot) -> None:
        await bot.send_message(user.chat_id, "<b>" + "低" * 4096 + "</b>", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(user.chat_id, "低" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(user.chat_id, "😀" * 2049)  # 2049 characters, 4098 UTF-16 units

    with_bot(tg, scenario)
    assert descriptions(tg) == ["Bad Request: message is too long"] * 2
    assert len(user.all_messages()) == 1


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<p>段落</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("<b>粗体", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("张三 & 李四", 'Character "&" at byte offset 7 does not start an HTML entity'),
    ],
)
def test_bad_html_is_rejected(tg: FakeTelegram, text: str, detail: str) -> None:
    user = tg.user()

    async def scenario(bot: Bot) -> None:
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(user.chat_id, text, parse_mode=ParseMode.HTML)

    with_bot(tg, scenario)
    [description] = descriptions(tg)
    assert description is not None and description.startswith(f"Bad Request: can't parse entities: {detail}")
    assert user.all_messages() == []


@pytest.mark.parametrize("text", ["", "   \n", "<b></b>"])
def test_empty_text_is_rejected(tg: FakeTelegram, text: str) -> None:
    user = tg.user()

    async def scenario(bot: Bot) -> None:
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(user.chat_id, text, parse_mode=ParseMode.HTML)

    with_bot(tg, scenario)
    assert descriptions(tg) == ["Bad Request: message text is empty"]


def test_callback_data_over_64_bytes_is_rejected(tg: FakeTelegram) -> None:
    user = tg.user()

    async def scenario(bot: Bot) -> None:
        ok = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="x" * 64)]])
        await bot.send_message(user.chat_id, "ok", reply_markup=ok)
        # 22 CJK characters are 66 bytes in UTF-8: the limit is bytes, not characters.
        too_long = InlineKeyboardMarkup([[InlineKeyboardButton("长", callback_data="低" * 22)]])
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(user.chat_id, "长", reply_markup=too_long)

    with_bot(tg, scenario)
    assert descriptions(tg) == ["Bad Request: BUTTON_DATA_INVALID"]


def test_edit_without_change_is_not_modified(tg: FakeTelegram) -> None:
    user = tg.user()
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("刷新", callback_data="refresh")]])

    async def scenario(bot: Bot) -> None:
        sent = await bot.send_message(
            user.chat_id, "<b>状态</b>：办理中", parse_mode="HTML", reply_markup=keyboard
        )
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text(
                "<b>状态</b>：办理中", user.chat_id, sent.message_id, parse_mode="HTML", reply_markup=keyboard
            )
        await bot.edit_message_text("<b>状态</b>：办理中", user.chat_id, sent.message_id, parse_mode="HTML")
        await bot.edit_message_reply_markup(user.chat_id, sent.message_id, reply_markup=keyboard)
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_reply_markup(user.chat_id, sent.message_id, reply_markup=keyboard)

    with_bot(tg, scenario)
    [message] = user.all_messages()
    assert message.edit_count == 2
    assert [v.method for v in message.versions] == [
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
    ]
    assert [v.reply_markup is None for v in message.versions] == [False, True, False]
    assert all(
        d is not None and d.startswith("Bad Request: message is not modified") for d in descriptions(tg)
    )


def test_answer_callback_query_only_for_issued_ids(tg: FakeTelegram) -> None:
    user = tg.user()
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("是", callback_data="yes")]])

    async def send(bot: Bot) -> None:
        await bot.send_message(user.chat_id, "确认？", reply_markup=keyboard)

    with_bot(tg, send)
    issued = user.click(user.wait_for_message(), "是")

    async def answer(bot: Bot) -> None:
        with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
            await bot.answer_callback_query("424242")
        await bot.answer_callback_query(issued, text="好的")
        with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
            await bot.answer_callback_query(issued, text="again")

    with_bot(tg, answer)
    assert [a.text for a in user.answered_callbacks] == ["好的"]


def test_blocked_user_is_forbidden_for_direct_sends(tg: FakeTelegram) -> None:
    user = tg.user()
    tg.block(user.id)

    async def scenario(bot: Bot) -> None:
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(user.chat_id, "通知")
        with pytest.raises(Forbidden):
            await bot.send_chat_action(user.chat_id, ChatAction.TYPING)
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(999_999, "无此人")

    with_bot(tg, scenario)
    assert [c.error_code for c in tg.errors] == [403, 403, 400]


def test_unknown_method_and_wrong_token(tg: FakeTelegram) -> None:
    async def unknown(bot: Bot) -> None:
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})

    with_bot(tg, unknown)
    assert tg.unknown_methods == ["sendTelepathy"]
    [error] = tg.errors
    assert (error.error_code, error.description) == (404, "Not Found")

    with pytest.raises(InvalidToken):
        with_bot(tg, lambda bot: bot.get_me(), token="999:WRONG")


def test_housekeeping_methods_are_harmless(tg: FakeTelegram) -> None:
    async def scenario(bot: Bot) -> None:
        assert await bot.set_my_description("村务助手") is True
        assert await bot.log_out() is True
        assert await bot.close() is True

    with_bot(tg, scenario)
    assert tg.settings == {"description": "村务助手"}
    assert tg.errors == []


def test_commands_are_recorded_per_scope(tg: FakeTelegram) -> None:
    async def scenario(bot: Bot) -> list[BotCommand]:
        await bot.set_my_commands([BotCommand("start", "开始"), BotCommand("help", "帮助")])
        await bot.set_my_commands([BotCommand("apply", "登记求助")], scope=BotCommandScopeAllPrivateChats())
        with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
            await bot.set_my_commands([BotCommand("Bad-Name", "x")])
        return list(await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()))

    private = with_bot(tg, scenario)
    assert [c.command for c in private] == ["apply"]
    assert tg.commands() == [
        {"command": "start", "description": "开始"},
        {"command": "help", "description": "帮助"},
    ]
    assert tg.commands(scope={"type": "all_private_chats"}) == [
        {"command": "apply", "description": "登记求助"}
    ]
    assert tg.commands(scope={"type": "all_group_chats"}) is None


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_injected_rate_limit_becomes_retry_after(tg: FakeTelegram) -> None:
    user = tg.user()
    tg.inject_error("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)

    async def scenario(bot: Bot) -> None:
        with pytest.raises(RetryAfter):
            await bot.send_message(user.chat_id, "一")
        await bot.send_message(user.chat_id, "二")

    with_bot(tg, scenario)
    assert [m.text for m in user.all_messages()] == ["二"]


def test_forward_and_copy_a_villagers_document_to_a_cadre(tg: FakeTelegram) -> None:
    villager, cadre = tg.user(first_name="王五"), tg.user(first_name="村干部")
    upload = villager.send_document(b"%PDF-1.4 fake", "证明.pdf", caption="困难证明")

    async def scenario(bot: Bot) -> None:
        await bot.forward_message(cadre.chat_id, villager.chat_id, upload["message_id"])
        await bot.copy_message(
            cadre.chat_id,
            villager.chat_id,
            upload["message_id"],
            caption="<b>王五</b>的材料",
            parse_mode="HTML",
        )
        with pytest.raises(BadRequest, match=r"(?i)message to copy not found"):
            await bot.copy_message(cadre.chat_id, villager.chat_id, 999)

    with_bot(tg, scenario)
    forwarded, copied = cadre.wait_for_messages(2)
    assert forwarded.raw["forward_origin"]["sender_user"]["first_name"] == "王五"
    assert (forwarded.method, forwarded.text) == ("forwardMessage", "困难证明")
    assert (copied.text, copied.entity_texts("bold")) == ("王五的材料", ["王五"])
    assert cadre.documents() == [
        ("证明.pdf", b"%PDF-1.4 fake", "困难证明"),
        ("证明.pdf", b"%PDF-1.4 fake", "王五的材料"),
    ]


def test_delete_message_and_reply_parameters(tg: FakeTelegram) -> None:
    user = tg.user()
    question = user.send("问题")

    async def scenario(bot: Bot) -> None:
        reply = await bot.send_message(user.chat_id, "回答", reply_to_message_id=question["message_id"])
        assert reply.reply_to_message is not None and reply.reply_to_message.text == "问题"
        await bot.delete_message(user.chat_id, reply.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
            await bot.delete_message(user.chat_id, reply.message_id)

    with_bot(tg, scenario)
    [message] = user.all_messages()
    assert message.deleted and message.reply_to_message_id == question["message_id"]


# ----------------------------------------------------------------------------- protocol details
def test_get_updates_offsets_and_long_polling_over_raw_http(tg: FakeTelegram) -> None:
    user = tg.user()
    api = f"{tg.base_url}{tg.token}"
    first, second = user.send("一"), user.send("二")
    with httpx.Client(timeout=30) as http:
        batch = http.post(f"{api}/getUpdates", data={"timeout": "0"}).json()["result"]
        assert [u["message"]["text"] for u in batch] == ["一", "二"]
        again = http.post(f"{api}/getUpdates", json={"timeout": 0}).json()["result"]
        assert [u["update_id"] for u in again] == [u["update_id"] for u in batch]  # not acknowledged yet
        last = batch[-1]["update_id"]
        assert http.get(f"{api}/getUpdates", params={"offset": last + 1}).json() == {"ok": True, "result": []}
        assert tg.pending_updates == []

        answers: list[Any] = []
        poller = threading.Thread(
            target=lambda: answers.append(
                http.post(f"{api}/getUpdates", data={"offset": str(last + 1), "timeout": "20"}).json()
            )
        )
        poller.start()
        tg.wait_until(lambda: tg.waiting_polls == 1, what="the held poll")
        third = user.send("三")
        poller.join(20)
        [[update]] = [a["result"] for a in answers]
        assert update["message"]["message_id"] == third["message_id"]
        assert first["message_id"] < second["message_id"] < third["message_id"]


def test_a_second_poller_terminates_the_first_with_conflict(tg: FakeTelegram) -> None:
    api = f"{tg.base_url}{tg.token}"
    results: list[httpx.Response] = []
    with httpx.Client(timeout=30) as http:
        first = threading.Thread(
            target=lambda: results.append(http.post(f"{api}/getUpdates", data={"timeout": "20"}))
        )
        first.start()
        tg.wait_until(lambda: tg.waiting_polls == 1, what="the first poll to be held")
        with httpx.Client(timeout=30) as other:
            assert other.post(f"{api}/getUpdates", data={"timeout": "0"}).json()["ok"] is True
        first.join(20)
    [response] = results
    assert response.status_code == 409
    assert response.json()["description"].startswith("Conflict: terminated by other getUpdates request")


def test_webhook_blocks_get_updates_until_deleted(tg: FakeTelegram) -> None:
    async def scenario(bot: Bot) -> None:
        await bot.set_webhook("https://example.org/hook", secret_token="s3cret")
        assert (await bot.get_webhook_info()).url == "https://example.org/hook"
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates(timeout=0)
        await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == ()

    with_bot(tg, scenario)
    assert tg.webhook is None


# ----------------------------------------------------------------------------- parser units
@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("<b>粗</b>体", "粗体", [("bold", 0, 1)]),
        ("😀<i>x</i>", "😀x", [("italic", 2, 1)]),
        ("<strong><em>a</em></strong>", "a", [("bold", 0, 1), ("italic", 0, 1)]),
        ("<tg-spoiler>s</tg-spoiler><span class=\"tg-spoiler\">t</span>", "st", [("spoiler", 0, 1), ("spoiler", 1, 1)]),
        ("<blockquote expandable>引用</blockquote>", "引用", [("expandable_blockquote", 0, 2)]),
        ("&lt;&gt;&amp;&quot;&#26449;&#x6751;", '<>&"村村', []),
        ("<u>u</u><ins>i</ins><s>s</s><del>d</del><strike>k</strike>", "uisdk",
         [("underline", 0, 1), ("underline", 1, 1), ("strikethrough", 2, 1), ("strikethrough", 3, 1),
          ("strikethrough", 4, 1)]),
    ],
)  # fmt: skip
def test_html_parser_matches_telegram(source: str, text: str, entities: list[tuple[str, int, int]]) -> None:
    parsed = parse_html(source)
    assert parsed.text == text
    assert [(e["type"], e["offset"], e["length"]) for e in parsed.entities] == entities


def test_html_pre_with_language_and_lenient_ampersand_mode() -> None:
    parsed = parse_html('<pre><code class="language-python">print(1)</code></pre>')
    assert list(parsed.entities) == [{"type": "pre", "offset": 0, "length": 8, "language": "python"}]
    assert parse_html("AT&T", strict_ampersand=False).text == "AT&T"  # what Telegram itself does
    with pytest.raises(EntityParseError):
        parse_html("AT&T")


def test_markdown_v2_reserved_characters() -> None:
    assert parse_formatted("*粗体* 版本 1\\.0", "MarkdownV2").text == "粗体 版本 1.0"
    with pytest.raises(EntityParseError, match=r"Character '\.' is reserved"):
        parse_formatted("版本 1.0", "MarkdownV2")


# ----------------------------------------------------------------------------- webhooks
def test_webhook_mode_delivers_updates_with_the_secret(tg: FakeTelegram) -> None:
    pytest.importorskip("tornado")
    with run_application(build_app(tg), tg, webhook_secret="s3cret-token") as running:
        assert tg.webhook is not None and tg.webhook["secret_token"] == "s3cret-token"
        assert running.webhook_port is not None
        user = tg.user()
        user.send("走网络钩子")
        assert user.wait_for_message().text == "走网络钩子"
    assert tg.calls("getUpdates") == []
    assert len(tg.webhook_deliveries) == 1 and tg.pending_updates == []


def test_webhook_rejects_wrong_secret_and_keeps_the_update(tg: FakeTelegram) -> None:
    """A receiver that refuses the delivery: the update stays queued and the error is visible."""
    pytest.importorskip("tornado")
    with run_application(build_app(tg), tg, webhook_secret="right") as running:
        tg.redirect_webhook(None)
        user = tg.user()

        async def reset(bot: Bot) -> None:
            await bot.set_webhook("https://bot.invalid:8443/telegram-webhook", secret_token="wrong")

        with_bot(tg, reset)
        tg.redirect_webhook(f"http://127.0.0.1:{running.webhook_port}/telegram-webhook")
        user.send("被拒绝")
        error = tg.wait_until(lambda: tg.webhook_last_error, what="a failed delivery")
        assert "403" in error
        info = with_bot(tg, lambda bot: bot.get_webhook_info())
        assert info.pending_update_count == 1 and info.last_error_message == error
        tg.redirect_webhook(None)
