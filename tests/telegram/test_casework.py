"""Casework through the real bot (issue 11 items 1, 2, 3, 5): cards that carry their version, the
race of two cadres, progress notes, 重开 with a reason, the scheduled 回访 with three ratings,
verdicts typed in the villager's own words, and urgency.

Each test replays an example from the issue's "Why" through PTB against the fake Bot API.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import texts
from bot.analytics import Analytics
from bot.helpdesk import OPERATOR, Helpdesk, Satisfaction, Status, Urgency
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.telegram.conftest import ADMIN, MEMBER_A, SECRETARY_A, VILLAGER, World, user

pytestmark = pytest.mark.timeout(300)


def file(helpdesk: Helpdesk, world: World, text: str = "家里房子漏雨，需要维修。") -> str:
    """A request of 张大爷 in 新寨村 (routed to 王书记, the 第一书记)."""
    return helpdesk.intake.file_request(
        VILLAGER, world.a.id, text, display_name="张大爷", phone="13812345678"
    ).request.number


def resolved(helpdesk: Helpdesk, world: World, result: str = "已请师傅换了瓦，不漏了") -> str:
    number = file(helpdesk, world)
    helpdesk.casework.start(SECRETARY_A, number)
    helpdesk.casework.resolve(SECRETARY_A, number, result)
    return number


def open_card(cadre: FakeUser, number: str):
    """The ticket card, as a cadre opens it from a button (tk|number)."""
    cadre.mark_all_read()
    cadre.wait_for_callback_answer(cadre.forge_callback(f"tk|{number}", _anchor(cadre)))
    return cadre.wait_for_message(containing=f"工单 {number}")


def _anchor(who: FakeUser):
    last = who.last_message()
    if last is None:
        who.send_command("/start")
        last = who.wait_for_message()
    return last


# ------------------------------------------------------------------------------------- item 1
def test_an_old_card_is_refreshed_instead_of_stepping_back(
    tg: FakeTelegram, bot, helpdesk: Helpdesk, world: World
) -> None:
    """Why: a card still offered 接单 after 开始办理, and pressing it moved 办理中 → 已派单."""
    helpdesk.directory.bind_cadre(OPERATOR, ADMIN, world.a.id, "村党组织书记", display_name="赵书记")
    number = file(helpdesk, world)
    admin = user(tg, ADMIN, "赵管理")
    secretary = user(tg, SECRETARY_A, "王书记")
    old = open_card(admin, number)
    assert texts.BOT_TICKET_TAKE in old.button_texts
    card = open_card(secretary, number)
    secretary.click(card, texts.BOT_TICKET_START)
    assert Status.IN_PROGRESS.label in secretary.wait_for_edit(card).text

    admin.click(old, texts.BOT_TICKET_TAKE)  # the card from before 开始办理
    fresh = admin.wait_for_edit(old)
    assert "这件工单（" + number + "）刚被王书记（干部）处理过（开始办理）" in fresh.text
    assert f"工单 {number}（{Status.IN_PROGRESS.label}）" in fresh.text  # the fresh card, edited in
    assert texts.BOT_TICKET_TAKE not in fresh.button_texts
    view = helpdesk.queries.show(OPERATOR, number)
    assert view.status is Status.IN_PROGRESS and view.assignee_name == "王书记"
    assert tg.errors == [] and tg.bot_errors == []


def test_a_press_on_a_card_from_before_versions_shows_the_fresh_card(
    tg: FakeTelegram, bot, helpdesk: Helpdesk, world: World
) -> None:
    """Buttons sent before cards carried a version (`ta|start.<number>`) refresh, never act."""
    number = file(helpdesk, world)
    secretary = user(tg, SECRETARY_A, "王书记")
    card = open_card(secretary, number)
    secretary.forge_callback(f"ta|start.{number}", card)
    fresh = secretary.wait_for_edit(card)
    assert texts.BOT_TICKET_OLD_CARD in fresh.text
    assert helpdesk.queries.show(OPERATOR, number).status is Status.ASSIGNED


def test_a_note_written_while_someone_else_moved_the_ticket_is_not_applied(
    tg: FakeTelegram, bot, helpdesk: Helpdesk, world: World
) -> None:
    """The 办结 note is typed on a card someone has since returned: refused with the fresh card,
    the dialog closed; a press of 办结 on that old card opens no dialog at all."""
    number = file(helpdesk, world)
    helpdesk.casework.start(SECRETARY_A, number)
    secretary = user(tg, SECRETARY_A, "王书记")
    card = open_card(secretary, number)
    secretary.click(card, texts.BOT_TICKET_RESOLVE)
    secretary.wait_for_message(containing="办结说明")
    helpdesk.casework.return_to_dispatch(MEMBER_A, number, "这事归乡里管")  # meanwhile
    secretary.send("已修好屋顶")
    refused = secretary.wait_for_message()
    assert refused.text.startswith(f"这件工单（{number}）刚被李委员（干部）处理过（退回）")
    assert f"工单 {number}（{Status.RETURNED.label}）" in refused.text
    view = helpdesk.queries.show(OPERATOR, number)
    assert view.status is Status.RETURNED and view.resolution_note is None
    secretary.send("驻村工作队要做哪些工作")  # the dialog is closed: this is a question again
    assert "已修好" not in secretary.wait_for_message(timeout=60).text

    secretary.click(card, texts.BOT_TICKET_RESOLVE)  # the old card, pressed again
    again = secretary.wait_for_edit(card)
    assert "刚被李委员（干部）处理过（退回）" in again.text
    assert texts.BOT_TICKET_RESOLVE not in again.button_texts
    assert tg.errors == [] and tg.bot_errors == []


@pytest.mark.parametrize("rival", [MEMBER_A, ADMIN])
def test_two_cadres_pressing_take_at_once_one_wins_one_is_told(
    tg: FakeTelegram, bot, helpdesk: Helpdesk, world: World, rival: int
) -> None:
    """Why: two cadres pressing 接单 at once both got "success" and the last silently won.

    The rival is the 村两委干部 (any cadre may take a request nobody holds), or a second dispatcher
    (the admin, bound as 村党组织书记), who before could 接单 over anyone."""
    if rival == ADMIN:
        helpdesk.directory.bind_cadre(OPERATOR, ADMIN, world.a.id, "村党组织书记", display_name="赵书记")
    secretary = user(tg, SECRETARY_A, "王书记")
    other = user(tg, rival, "对手")
    for _round in range(3):
        number = file(helpdesk, world)
        helpdesk.casework.return_to_dispatch(SECRETARY_A, number, "这事要换人办")  # nobody holds it
        cards = {secretary: open_card(secretary, number), other: open_card(other, number)}
        queries = {who: who.click(card, texts.BOT_TICKET_TAKE) for who, card in cards.items()}
        for who, query in queries.items():
            who.wait_for_callback_answer(query)
        after = {who: who.wait_for_edit(card).text for who, card in cards.items()}
        won = [who for who, text in after.items() if "已完成：接单" in text]
        lost = [who for who, text in after.items() if "刚被" in text]
        assert len(won) == 1 and len(lost) == 1, after
        view = helpdesk.queries.show(OPERATOR, number)
        assert view.assignee_chat_user_id == won[0].id
        assert f"刚被{view.assignee_name}（" in after[lost[0]] and "处理过（接单）" in after[lost[0]]
        assert f"承办人：{view.assignee_name}" in after[lost[0]]  # the loser sees who has it now
    assert tg.errors == [] and tg.bot_errors == []


def test_reopen_asks_for_a_reason(tg: FakeTelegram, bot, helpdesk: Helpdesk, world: World) -> None:
    """Only 退回 and 重开 move a ticket back, each with a reason."""
    number = resolved(helpdesk, world)
    helpdesk.followup.rate(VILLAGER, number, Satisfaction.SATISFIED)
    member = user(tg, MEMBER_A, "李委员")
    assert texts.BOT_TICKET_REOPEN not in open_card(member, number).button_texts  # not a dispatcher
    secretary = user(tg, SECRETARY_A, "王书记")
    card = open_card(secretary, number)
    secretary.click(card, texts.BOT_TICKET_REOPEN)
    secretary.wait_for_message(containing=texts.BOT_TICKET_ASK_REOPEN)
    secretary.send("张大爷打电话说屋顶又漏了")
    assert "已完成：重开" in secretary.wait_for_message().text
    view = helpdesk.queries.show(OPERATOR, number)
    assert view.status is Status.REOPENED
    told = user(tg, VILLAGER, "张大爷").wait_for_message(containing="重新办理")
    assert "张大爷打电话说屋顶又漏了" in told.text and "→" not in told.text


# ------------------------------------------------------------------------------------- item 2
def test_progress_notes_reach_the_villager_and_resolve_needs_a_result(
    tg: FakeTelegram, bot, helpdesk: Helpdesk, world: World
) -> None:
    """Why: a cadre could write only when closing, and 办结 offered 不填说明."""
    number = file(helpdesk, world, "自来水管冻裂了，家里没水用")
    villager = user(tg, VILLAGER, "张大爷")
    member = user(tg, MEMBER_A, "李委员")
    theirs = open_card(member, number).button_texts  # not the assignee
    assert texts.BOT_TICKET_PROGRESS not in theirs and texts.BOT_EXTEND_BUTTON not in theirs
    secretary = user(tg, SECRETARY_A, "王书记")
    card = open_card(secretary, number)
    assert card.button_texts.count(texts.BOT_EXTEND_BUTTON) == 1
    secretary.click(card, texts.BOT_TICKET_PROGRESS)
    secretary.wait_for_message(containing=texts.BOT_TICKET_ASK_PROGRESS)
    secretary.send("已联系水利站，明天上午来人修")
    assert "已完成：办理进展" in secretary.wait_for_message().text
    pushed = villager.wait_for_message(containing="新进展")
    assert "已联系水利站，明天上午来人修" in pushed.text and "→" not in pushed.text
    assert helpdesk.queries.show(OPERATOR, number).status is Status.ASSIGNED  # a note, no move

    card = open_card(secretary, number)
    secretary.click(card, texts.BOT_TICKET_START)
    started = secretary.wait_for_edit(card)
    assert "正在办理" in villager.wait_for_message(containing=number).text
    secretary.click(started, texts.BOT_TICKET_RESOLVE)
    prompt = secretary.wait_for_message(containing="办结说明")
    assert texts.BOT_TICKET_NO_NOTE not in prompt.button_texts
    secretary.wait_for_callback_answer(secretary.forge_callback("f|skip", prompt))  # an old 不填说明
    secretary.send("好")
    assert texts.HD_ERR_RESULT_TOO_SHORT in secretary.wait_for_message().text
    assert helpdesk.queries.show(OPERATOR, number).status is Status.IN_PROGRESS
    secretary.send("已换了新水管，恢复供水")
    secretary.wait_for_message(containing="已完成：办结")
    done = villager.wait_for_message(containing="办好了")
    assert "已换了新水管，恢复供水" in done.text
    assert done.button_texts == list(texts.BOT_RATE_BUTTONS.values())
    assert tg.errors == [] and tg.bot_errors == []


# ------------------------------------------------------------------------------------- item 3
def test_the_follow_up_job_asks_with_three_ratings(
    tg: FakeTelegram, start_bot, assistant, bot_settings, helpdesk: Helpdesk, world: World
) -> None:
    """Why: there was no satisfaction rating and nothing asked the villager the day after 办结."""
    from bot.telegram.components.cadre import FOLLOW_UP_JOB, follow_up

    running = start_bot(assistant, bot_settings.model_copy(update={"follow_up_check_minutes": 7}))
    jobs = running.application.job_queue.get_jobs_by_name(FOLLOW_UP_JOB)
    assert len(jobs) == 1 and jobs[0].trigger.interval == timedelta(minutes=7)

    number = resolved(helpdesk, world)
    villager = user(tg, VILLAGER, "张大爷")
    villager.mark_all_read()
    running.run(follow_up(_JobContext(running.application)))  # too early: nobody is asked
    helpdesk.context.clock = lambda: datetime.now(UTC) + timedelta(hours=25)
    running.run(follow_up(_JobContext(running.application)))
    ask = villager.wait_for_message(containing="【回访】")
    assert number in ask.text and "已请师傅换了瓦" in ask.text
    assert ask.button_texts == list(texts.BOT_RATE_BUTTONS.values())
    running.run(follow_up(_JobContext(running.application)))  # asked once only
    villager.click(ask, texts.BOT_RATE_BUTTONS["b"])
    assert "回访关闭" in villager.wait_for_message().text
    assert villager.unread_messages() == []
    view = helpdesk.queries.show(OPERATOR, number)
    assert view.status is Status.CLOSED and view.rating is Satisfaction.BASIC
    assert tg.errors == [] and tg.bot_errors == []


@pytest.mark.parametrize(
    ("words", "status"),
    [
        ("解决了 谢谢李书记", Status.CLOSED),
        ("好了", Status.CLOSED),
        ("没解决，根本没人联系我", Status.REOPENED),
    ],
)
def test_verdicts_in_own_words_are_understood_and_never_logged_as_questions(
    tg: FakeTelegram, bot, helpdesk: Helpdesk, world: World, analytics: Analytics, words: str, status: Status
) -> None:
    """Why: these got "知识库里没有找到…" and landed in /stats as unanswered questions; the cadre
    saw only "求助人表示问题未解决"."""
    number = resolved(helpdesk, world)
    villager = user(tg, VILLAGER, "张大爷")
    villager.send(words)
    reply = villager.wait_for_message(timeout=60)
    assert "知识库" not in reply.text
    assert ("回访关闭" if status is Status.CLOSED else "重新打开") in reply.text
    assert helpdesk.queries.show(OPERATOR, number).status is status
    assert analytics.question_stats().total == 0
    admin = user(tg, ADMIN, "赵管理")
    admin.send_command("/stats")
    assert words not in admin.wait_for_message(timeout=60).text
    if status is Status.REOPENED:
        alert = user(tg, SECRETARY_A, "王书记").wait_for_message(containing="【重新打开】")
        assert "根本没人联系我" in alert.text
    assert tg.errors == [] and tg.bot_errors == []


def test_unsatisfied_button_asks_for_the_villagers_words(
    tg: FakeTelegram, bot, helpdesk: Helpdesk, world: World
) -> None:
    """不满意 reopens for rework and the cadre reads what the villager said."""
    number = resolved(helpdesk, world)
    villager = user(tg, VILLAGER, "张大爷")
    villager.send_command("/mine")
    mine = villager.wait_for_message(containing=number)
    villager.click(mine, f"{texts.BOT_RATE_BUTTONS['u']} {number}")
    villager.wait_for_message(containing=texts.BOT_RATE_ASK_REASON)
    assert helpdesk.queries.show(OPERATOR, number).status is Status.RESOLVED  # nothing yet
    villager.send("下雨天屋里还是漏")
    assert "重新打开" in villager.wait_for_message().text
    alert = user(tg, SECRETARY_A, "王书记").wait_for_message(containing="【重新打开】")
    assert "下雨天屋里还是漏" in alert.text
    view = helpdesk.queries.show(OPERATOR, number)
    assert view.status is Status.REOPENED and view.rating is Satisfaction.UNSATISFIED


def test_a_rating_press_on_an_open_request_speaks_plainly(
    tg: FakeTelegram, bot, helpdesk: Helpdesk, world: World
) -> None:
    """Why: a `sat|` press on an unresolved ticket showed cadre language (当前可执行的操作：派单…)."""
    number = file(helpdesk, world)
    villager = user(tg, VILLAGER, "张大爷")
    for payload in (f"sat|{number}.1", f"sat|{number}.u"):
        villager.wait_for_callback_answer(villager.forge_callback(payload, _anchor(villager)))
        reply = villager.wait_for_message()
        assert reply.text == texts.HD_ERR_ILLEGAL_VILLAGER.format(
            number=number, status=Status.ASSIGNED.label
        )
    assert helpdesk.queries.show(OPERATOR, number).status is Status.ASSIGNED


# ------------------------------------------------------------------------------------- item 5
def fill_form(villager: FakeUser, description: str, category: str = "医疗") -> None:
    """Fill the help-request form as a villager would: choose, type, skip what is optional, submit."""
    villager.send(texts.BOT_MENU_REQUEST)
    prompt = villager.wait_for_message()
    for _step in range(10):
        labels = prompt.button_texts
        if texts.BOT_FORM_SUBMIT in labels:
            villager.click(prompt, texts.BOT_FORM_SUBMIT)
            return
        if category in labels:
            villager.click(prompt, category)
        elif "新寨村" in labels:
            villager.click(prompt, "新寨村")
        elif skip := next((b for b in labels if any(w in b for w in ("不留", "跳过", "不填"))), None):
            villager.click(prompt, skip)
        else:
            villager.send(description)
        prompt = villager.wait_for_message()
    raise AssertionError(f"the form never reached its confirmation: {prompt.text}")


@pytest.mark.parametrize(
    ("words", "call", "category"), [("俺婆婆腿摔断了", "120", "医疗"), ("邻居家着火了，火很大", "119", "其他")]
)
def test_an_emergency_is_filed_urgent_and_the_villager_is_told_to_call_120_first(
    tg: FakeTelegram, bot, helpdesk: Helpdesk, world: World, words: str, call: str, category: str
) -> None:
    """Why: 俺婆婆腿摔断了 was filed 一般 with a 72-hour deadline and no advice to call 120."""
    villager = user(tg, VILLAGER, "张大爷")
    fill_form(villager, words, category)
    receipt = villager.wait_for_message(containing="工单编号")
    assert receipt.text.startswith("⚠️ 情况紧急")
    assert receipt.text.index(call) < receipt.text.index("工单编号")  # call 120 / 119 first
    number = receipt.text.split("工单编号：")[1].split()[0]
    for uid, name in ((SECRETARY_A, "王书记"), (MEMBER_A, "李委员")):
        assert number in user(tg, uid, name).wait_for_message(containing="【紧急】").text
    assert number in user(tg, ADMIN, "赵管理").wait_for_message(containing="【紧急求助】").text
    view = helpdesk.queries.show(OPERATOR, number)
    assert view.urgency is Urgency.URGENT
    assert view.due_at - view.created_at <= timedelta(hours=24)
    assert tg.errors == [] and tg.bot_errors == []


def test_the_villager_can_mark_a_request_urgent(
    tg: FakeTelegram, bot, helpdesk: Helpdesk, world: World
) -> None:
    number = file(helpdesk, world, "家里老人几天没吃饭了，一直躺着")
    villager = user(tg, VILLAGER, "张大爷")
    villager.send_command("/mine")
    villager.click(villager.wait_for_message(containing=number), texts.BOT_VIEW_BUTTON.format(number=number))
    card = villager.wait_for_message(containing=f"工单 {number}")
    villager.click(card, texts.BOT_MARK_URGENT)
    done = villager.wait_for_message(containing=texts.BOT_MARK_URGENT_DONE)
    assert "120" in done.text
    for uid, name in ((SECRETARY_A, "王书记"), (MEMBER_A, "李委员"), (ADMIN, "赵管理")):
        alert = user(tg, uid, name).wait_for_message(containing="【紧急求助】")
        assert number in alert.text
    view = helpdesk.queries.show(OPERATOR, number)
    assert view.urgency is Urgency.URGENT
    assert view.due_at - datetime.now(UTC) <= timedelta(hours=24)
    villager.wait_for_callback_answer(villager.forge_callback(f"ur|{number}", card))
    assert "已经是紧急的了" in villager.wait_for_message().text
    assert tg.errors == [] and tg.bot_errors == []


class _JobContext:
    """What a job callback needs from its context: the application, its bot and bot_data."""

    def __init__(self, application) -> None:
        self.application = application
        self.bot = application.bot
        self.bot_data = application.bot_data
