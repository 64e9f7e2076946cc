"""Cadres end to end: duties, the ticket list (overdue first) and every ticket action, pushes to
cadres and villagers, the 问题解决了吗？ follow-up, and the daily overdue digest."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import texts
from bot.helpdesk import OPERATOR, Helpdesk, Status
from bot.telegram.components.cadre import DIGEST_JOB, overdue_digest
from tests.fake_telegram import FakeTelegram
from tests.telegram.conftest import MEMBER_A, SECRETARY_A, SECRETARY_B, VILLAGER, VILLAGER_2, World, user

pytestmark = pytest.mark.timeout(300)


def file(
    helpdesk: Helpdesk, world: World, who: int = VILLAGER, text: str = "家里房子漏雨，需要维修。", **kw
) -> str:
    return helpdesk.intake.file_request(
        who, world.a.id, text, display_name="张大爷", phone="13812345678", **kw
    ).request.number


def test_duties_show_the_callers_post(tg: FakeTelegram, bot) -> None:
    secretary = user(tg, SECRETARY_A, "王书记")
    secretary.send_command("/duties")
    duties = secretary.wait_for_messages(1)[0]
    assert duties.text.startswith("驻村第一书记职责")
    assert "建强村党组织" in duties.text and "为民办事服务" in duties.text
    member = user(tg, MEMBER_A, "李委员")
    member.send_command("/duties")
    assert member.wait_for_message().text.startswith("村“两委”干部职责")
    admin = user(tg, 900, "赵管理")
    admin.send_command("/duties")
    chooser = admin.wait_for_message()
    admin.click(chooser, "帮扶责任人")
    assert admin.wait_for_message().text.startswith("帮扶责任人职责")


def test_duty_questions_offer_the_handbook(tg: FakeTelegram, bot) -> None:
    """Handbooks are not in the policy index; a cadre asking what a post does gets the policy
    answer (or "not covered") plus the handbook one tap away."""
    secretary = user(tg, SECRETARY_A, "王书记")
    secretary.send("驻村第一书记的主要职责任务是什么？")
    answer = secretary.wait_for_message(timeout=60)
    assert "《驻村第一书记职责》" not in answer.text  # never cited as a policy source
    labels = [b.text for row in answer.buttons for b in row]
    assert texts.BOT_DUTIES_BUTTON.format(post="第一书记") in labels
    secretary.click(answer, texts.BOT_DUTIES_BUTTON.format(post="第一书记"))
    handbook = secretary.wait_for_message()
    assert handbook.text.startswith("驻村第一书记职责") and "为民办事服务" in handbook.text
    villager = user(tg, VILLAGER, "张大爷")
    villager.send("驻村第一书记的主要职责任务是什么？")
    reply = villager.wait_for_message(timeout=60)
    assert texts.BOT_DUTIES_BUTTON.format(post="第一书记") not in [b.text for row in reply.buttons for b in row]


def test_ticket_list_puts_overdue_first_and_hides_other_villages(
    tg: FakeTelegram, bot, helpdesk: Helpdesk, world: World
) -> None:
    late = helpdesk.intake.file_request(VILLAGER, world.a.id, "饮水管道坏了，家里没水", category="饮水安全").request
    fresh = helpdesk.intake.file_request(VILLAGER_2, world.a.id, "想参加技能培训找工作", category="就业").request
    other = helpdesk.intake.file_request(VILLAGER_2, world.b.id, "红旗村的路灯坏了").request
    # make the first one (饮水安全, 2 working days) overdue, not the second (就业, 5 working days):
    # the helpdesk reads its clock on every call
    past_due = late.due_at + timedelta(hours=1)
    assert past_due < fresh.due_at
    helpdesk.context.clock = lambda: past_due
    secretary = user(tg, SECRETARY_A, "王书记")
    secretary.send_command("/tickets")
    listing = secretary.wait_for_message()
    assert listing.text.index(late.number) < listing.text.index(fresh.number)
    assert "⚠️超期 " + late.number in listing.text
    assert other.number not in listing.text
    assert listing.button_texts[:2] == [late.number, fresh.number]
    # a cadre of another village cannot open this village's ticket, even with a forged button
    outsider = user(tg, SECRETARY_B, "陈书记")
    outsider.send_command("/start")
    outsider.wait_for_message()
    query = outsider.forge_callback(f"tk|{late.number}")
    outsider.wait_for_callback_answer(query)
    assert "无权" in outsider.wait_for_message().text


def test_request_lifecycle_from_the_cadres_side(
    tg: FakeTelegram, bot, helpdesk: Helpdesk, world: World
) -> None:
    number = file(helpdesk, world)
    villager = user(tg, VILLAGER, "张大爷")
    secretary = user(tg, SECRETARY_A, "王书记")
    member = user(tg, MEMBER_A, "李委员")

    # reassign to the member, who starts and resolves it with a note
    secretary.send_command("/tickets")
    secretary.click(secretary.wait_for_message(), number)
    card = secretary.wait_for_message(containing=number)
    assert {"改派", "开始办理", "退回", "标记重复", "无法办理"} <= set(card.button_texts)
    secretary.click(card, "改派")
    choose = secretary.wait_for_message(containing="派给谁")
    secretary.click(choose, "李委员（村两委干部）")
    assert "已完成：派单" in secretary.wait_for_edit(choose).text  # the chooser becomes the updated card
    assert number in member.wait_for_message(containing="【派单】").text

    member.send_command("/tickets")
    member.click(member.wait_for_message(), number)
    card = member.wait_for_message(containing=number)
    assert "改派" not in card.button_texts  # 村两委干部 is not a dispatcher when a 第一书记 exists
    member.click(card, "开始办理")
    started = member.wait_for_edit(card)
    assert Status.IN_PROGRESS.label in started.text
    assert "正在办理" in villager.wait_for_message(containing=number).text  # plain words, not 已派单 → 办理中
    member.click(started, "办结")
    member.wait_for_message(containing="办结说明")
    member.send("已联系施工队修好屋顶 <b>不是HTML</b>")
    done = member.wait_for_message(containing="已完成：办结")
    assert "<b>不是HTML</b>" in done.text

    # the villager is asked 问题解决了吗？; "not solved" reopens it for the cadre
    ask = villager.wait_for_message(containing="问题解决了吗")
    assert "已联系施工队修好屋顶" in ask.text
    villager.click(ask, texts.BOT_RATE_BUTTONS["u"])
    villager.wait_for_message(containing=texts.BOT_RATE_ASK_REASON)
    villager.send("屋里还是漏雨")
    assert "重新打开" in villager.wait_for_message().text
    reopened = member.wait_for_message(containing=number).text
    assert "【重新打开】" in reopened and "屋里还是漏雨" in reopened  # the villager's own words
    assert helpdesk.queries.show(OPERATOR, number).status is Status.REOPENED

    # second round: resolved again, and this time the villager types the answer
    member.click(member.last_message(), number)
    card = member.wait_for_message(containing=number)
    member.click(card, "开始办理")
    member.wait_for_edit(card)
    member.click(member.message(card.message_id), "办结")
    prompt = member.wait_for_message(containing="办结说明")
    assert texts.BOT_TICKET_NO_NOTE not in prompt.button_texts  # 办结 needs a result note
    member.send("换了整片瓦")
    member.wait_for_message(containing="已完成：办结")
    villager.wait_for_message(containing="问题解决了吗")
    villager.send("已解决")
    assert "回访关闭" in villager.wait_for_message().text
    assert helpdesk.queries.show(OPERATOR, number).status is Status.CLOSED
    assert tg.errors == [] and tg.bot_errors == []


def test_take_return_and_duplicate(tg: FakeTelegram, bot, helpdesk: Helpdesk, world: World) -> None:
    first = file(helpdesk, world, text="村口的桥被冲坏了，出行困难")
    second = file(helpdesk, world, who=VILLAGER_2, text="村口桥坏了过不去")
    secretary = user(tg, SECRETARY_A, "王书记")
    member = user(tg, MEMBER_A, "李委员")

    # the member returns the first one (reason required) to the dispatcher…
    helpdesk.casework.assign(OPERATOR, first, MEMBER_A)
    member.send_command("/tickets")
    member.click(member.wait_for_message(), first)
    card = member.wait_for_message(containing=first)
    member.click(card, "退回")
    member.wait_for_message(containing="退回原因")
    member.send("这是交通部门的事，需要乡镇协调")
    assert "已完成：退回" in member.wait_for_message().text
    returned = secretary.wait_for_message(containing="【退回】")
    assert first in returned.text
    # …who takes it back
    secretary.click(returned, first)
    card = secretary.wait_for_message(containing=first)
    secretary.click(card, "接单")
    taken = secretary.wait_for_edit(card)
    assert "王书记" in taken.text and Status.ASSIGNED.label in taken.text

    # the second one is the same problem: mark it duplicate by choosing the candidate
    secretary.send_command("/tickets")
    secretary.click(secretary.wait_for_message(), second)
    card = secretary.wait_for_message(containing=second)
    secretary.click(card, "标记重复")
    prompt = secretary.wait_for_message(containing="原工单编号")
    assert first in prompt.button_texts
    secretary.click(prompt, first)
    assert "已完成：标记为重复" in secretary.wait_for_message().text
    assert helpdesk.queries.show(OPERATOR, second).duplicate_of == first
    assert tg.errors == [] and tg.bot_errors == []


def test_ticket_note_can_be_cancelled_and_bad_numbers_are_explained(
    tg: FakeTelegram, bot, helpdesk: Helpdesk, world: World
) -> None:
    number = file(helpdesk, world)
    secretary = user(tg, SECRETARY_A, "王书记")
    secretary.send_command("/tickets")
    secretary.click(secretary.wait_for_message(), number)
    card = secretary.wait_for_message(containing=number)
    secretary.click(card, "标记重复")
    secretary.wait_for_message(containing="原工单编号")
    secretary.send("2026-999999")
    assert "没有找到编号" in secretary.wait_for_message().text
    secretary.send_command("/cancel")
    assert secretary.wait_for_message().text == texts.BOT_TICKET_NOTE_CANCELLED
    assert helpdesk.queries.show(OPERATOR, number).status is Status.ASSIGNED


def test_daily_digest_of_overdue_requests(tg: FakeTelegram, bot, helpdesk: Helpdesk, world: World) -> None:
    number = file(helpdesk, world)
    jobs = bot.application.job_queue.get_jobs_by_name(DIGEST_JOB)
    assert len(jobs) == 1 and jobs[0].next_t is not None
    assert jobs[0].next_t.astimezone(jobs[0].next_t.tzinfo).hour == 8  # DIGEST_HOUR in TIMEZONE

    past_due = helpdesk.queries.show(OPERATOR, number).due_at + timedelta(hours=1)  # any weekday, any holiday
    helpdesk.context.clock = lambda: past_due
    user(tg, VILLAGER, "张大爷").block()  # a blocked user never stops a digest
    bot.run(overdue_digest(_Context(bot.application)))
    secretary = user(tg, SECRETARY_A, "王书记")
    digest = secretary.wait_for_message(containing="【超期提醒】")
    assert number in digest.text
    assert tg.bot_errors == []


class _Context:
    """What a job callback needs from its context: the application, its bot and bot_data."""

    def __init__(self, application) -> None:
        self.application = application
        self.bot = application.bot
        self.bot_data = application.bot_data
