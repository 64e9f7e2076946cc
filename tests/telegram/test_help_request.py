"""The guided help-request form end to end: every step, /cancel, validation, injection, menu
buttons mid-form, and a bot restart in the middle of the form."""

from __future__ import annotations

import pytest

from bot import texts
from bot.helpdesk import OPERATOR, Helpdesk, Status
from bot.telegram.app import state_file
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.telegram.conftest import MEMBER_A, SECRETARY_A, VILLAGER, user

pytestmark = pytest.mark.timeout(300)


def fill_until_confirm(u: FakeUser, description: str = "家里房子漏雨，墙也裂了，需要维修。") -> None:
    u.send_command("/help_request")
    form = u.wait_for_message()
    u.click(form, "住房安全")
    u.wait_for_message(containing="第 2 步")
    u.send(description)
    villages = u.wait_for_message(containing="第 3 步")
    u.click(villages, "新寨村")
    u.click(u.wait_for_message(containing="第 4 步"), texts.BOT_FORM_SKIP_ADDRESS)
    u.wait_for_message(containing="第 5 步")
    u.send("13812345678")


def test_filing_a_request_step_by_step(tg: FakeTelegram, bot, helpdesk: Helpdesk) -> None:
    u = user(tg, VILLAGER, "张大爷")
    secretary = user(tg, SECRETARY_A, "王书记")
    member = user(tg, MEMBER_A, "李委员")
    fill_until_confirm(u)
    confirm = u.wait_for_message(containing="第 6 步")
    assert "类别：住房安全" in confirm.text and "新寨村" in confirm.text and "13812345678" in confirm.text
    u.click(confirm, texts.BOT_FORM_SUBMIT)
    receipt = u.wait_for_message(containing="工单编号")
    number = receipt.text.split("工单编号：")[1].split()[0]
    assert "办理时限" in receipt.text
    assert u.wait_for_edit(confirm).button_texts == []  # no double submission
    view = helpdesk.queries.show(OPERATOR, number)
    assert view.status is Status.ASSIGNED and view.category == "住房安全" and view.phone == "13812345678"
    # the village's cadres hear about it at once, with a button to open the ticket
    alert = secretary.wait_for_message(containing="【新求助】")
    assert number in alert.text and alert.button_texts == [number]
    assert "【新求助】" in member.wait_for_message(containing=number).text
    # and the villager can follow it
    u.send_command("/mine")
    mine = u.wait_for_message(containing=number)
    assert Status.ASSIGNED.label in mine.text
    assert tg.errors == [] and tg.bot_errors == []


@pytest.mark.parametrize("step", [1, 2, 3, 4, 5, 6])
def test_cancel_at_any_step(tg: FakeTelegram, bot, helpdesk: Helpdesk, step: int) -> None:
    u = user(tg, VILLAGER, "张大爷")
    u.send_command("/help_request")
    form = u.wait_for_message()
    answers = [
        lambda: u.click(form, "医疗"),
        lambda: u.send("老母亲住院，医药费负担太重。"),
        lambda: u.click(u.last_message(), "红旗村"),
        lambda: u.send("3组12号"),
        lambda: u.click(u.last_message(), texts.BOT_FORM_SKIP_PHONE),
    ]
    for answer in answers[: step - 1]:
        answer()
        u.wait_for_message()
    u.send_command("/cancel")
    assert u.wait_for_message().text == texts.BOT_FORM_CANCELLED
    u.send("驻村工作队要做哪些工作")  # back to questions, not the form
    assert u.wait_for_message(timeout=60).text.startswith(texts.ANSWER_HEADER)
    assert helpdesk.queries.count_requests() == 0


def test_invalid_answers_are_explained_and_the_step_repeats(
    tg: FakeTelegram, bot, helpdesk: Helpdesk
) -> None:
    u = user(tg, VILLAGER, "张大爷")
    u.send_command("/help_request")
    form = u.wait_for_message()
    u.send("随便写点")  # typed instead of choosing
    assert texts.BOT_FORM_CATEGORY_AGAIN in u.wait_for_message().text
    u.click(form, "饮水安全")
    u.wait_for_message(containing="第 2 步")
    u.send("水" * 2500)
    assert "描述太长了" in u.wait_for_message().text
    u.send("<b>村里停水三天了</b> & 水管破了 <script>x</script>")
    villages = u.wait_for_message(containing="第 3 步")
    u.send("不存在村")
    assert "没有找到村庄" in u.wait_for_message().text
    u.send("新寨")  # partial name: one match is enough
    u.wait_for_message(containing="第 4 步")
    u.send("3组" * 150)
    assert "最多 200 个字" in u.wait_for_message().text
    u.send("3组12号")
    u.wait_for_message(containing="第 5 步")
    u.send("12345")
    assert "格式不正确" in u.wait_for_message().text
    u.send_sticker()
    assert u.wait_for_message().text == texts.BOT_FORM_TEXT_ONLY
    u.send_contact("+86 138 1234 5678")  # the share-contact button answers the phone step
    confirm = u.wait_for_message(containing="第 6 步")
    assert "<b>村里停水三天了</b> & 水管破了" in confirm.text  # shown literally, not as HTML
    assert "住址/户号：3组12号" in confirm.text
    stale = u.click(villages, "新寨村")  # an old step's button
    assert u.wait_for_callback_answer(stale).text == texts.BOT_FORM_STALE_BUTTON
    u.click(confirm, texts.BOT_FORM_SUBMIT)
    number = u.wait_for_message(containing="工单编号").text.split("工单编号：")[1].split()[0]
    view = helpdesk.queries.show(OPERATOR, number)
    assert view.description == "<b>村里停水三天了</b> & 水管破了 <script>x</script>"
    assert view.phone == "13812345678" and view.address == "3组12号"
    assert tg.errors == [] and tg.bot_errors == []


def test_menu_buttons_leave_the_form_after_asking(tg: FakeTelegram, bot, helpdesk: Helpdesk) -> None:
    u = user(tg, VILLAGER, "张大爷")
    u.send_command("/help_request")
    form = u.wait_for_message()
    u.click(form, "教育")
    u.wait_for_message(containing="第 2 步")
    u.send(texts.BOT_MENU_MINE)  # not taken as the description
    ask = u.wait_for_message()
    assert ask.text == texts.BOT_FORM_LEAVE
    u.click(ask, texts.BOT_FORM_LEAVE_DROP.format(menu=texts.BOT_MENU_MINE))
    assert u.wait_for_message().text == f"{texts.BOT_FORM_DROPPED}\n\n{texts.BOT_MINE_EMPTY}"
    query = u.click(form, "教育")  # the form is over: its buttons are stale
    assert u.wait_for_callback_answer(query).text == texts.BOT_FORM_GONE
    u.send(texts.BOT_MENU_REQUEST)  # and a new one starts cleanly
    assert "第 1 步" in u.wait_for_message().text


def test_form_survives_a_restart(
    tg: FakeTelegram, start_bot, assistant, world, helpdesk: Helpdesk, bot_settings
) -> None:
    running = start_bot(assistant)
    u = user(tg, VILLAGER, "张大爷")
    u.send_command("/help_request")
    u.click(u.wait_for_message(), "就业")
    u.wait_for_message(containing="第 2 步")
    u.send("失业在家，想找份工作。")
    villages = u.wait_for_message(containing="第 3 步")
    running.stop()  # the bot goes down mid-form; persistence is flushed on stop
    saved = state_file(bot_settings)
    assert saved.is_file() and saved.stat().st_mode & 0o777 == 0o600  # personal data: owner only

    start_bot(assistant)  # a new Application over the same persistence file
    u.click(villages, "红旗村")
    u.click(u.wait_for_message(containing="第 4 步"), texts.BOT_FORM_SKIP_ADDRESS)
    u.click(u.wait_for_message(containing="第 5 步"), texts.BOT_FORM_SKIP_PHONE)
    confirm = u.wait_for_message(containing="第 6 步")
    assert "失业在家" in confirm.text and "红旗村" in confirm.text
    u.click(confirm, texts.BOT_FORM_SUBMIT)
    number = u.wait_for_message(containing="工单编号").text.split("工单编号：")[1].split()[0]
    assert helpdesk.queries.show(OPERATOR, number).village.name == "红旗村"
    assert tg.errors == [] and tg.bot_errors == []


def test_an_abandoned_form_expires(tg: FakeTelegram, bot, assistant, helpdesk: Helpdesk) -> None:
    u = user(tg, VILLAGER, "张大爷")
    u.send_command("/help_request")
    u.click(u.wait_for_message(), "其他")
    u.wait_for_message(containing="第 2 步")
    real_clock = assistant.context.clock
    assistant.context.clock = lambda: real_clock() + 2 * 3600  # two hours later
    u.send("驻村工作队要做哪些工作")
    assert u.wait_for_message().text == texts.BOT_FORM_EXPIRED
    assert u.wait_for_message(timeout=60).text.startswith(texts.ANSWER_HEADER)
    assert helpdesk.queries.count_requests() == 0
