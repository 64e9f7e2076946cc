"""督办 and 延期 through the real PTB front end: the scheduled job reminds the cadre once when the
deadline has passed, the cadre asks for 延期 with a reason, the admin approves from the buttons, and
the new deadline reaches the villager, the history and the card."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import texts
from bot.helpdesk import OPERATOR, Helpdesk
from bot.helpdesk.notify import local_time
from bot.telegram.components.cadre import OVERSIGHT_JOB, oversight_due
from tests.fake_telegram import FakeTelegram
from tests.telegram.conftest import ADMIN, SECRETARY_A, VILLAGER, World, user

pytestmark = pytest.mark.timeout(300)


class _Context:
    """What a job callback needs from its context: the application, its bot and bot_data."""

    def __init__(self, application) -> None:
        self.application = application
        self.bot = application.bot
        self.bot_data = application.bot_data


def test_overdue_reminder_extension_request_and_approval(
    tg: FakeTelegram, bot, helpdesk: Helpdesk, world: World
) -> None:
    assert len(bot.application.job_queue.get_jobs_by_name(OVERSIGHT_JOB)) == 1
    number = helpdesk.intake.file_request(VILLAGER, world.a.id, "家里房子漏雨，墙也裂了，需要维修").request.number
    due = helpdesk.queries.show(OPERATOR, number).due_at
    secretary, admin, villager = user(tg, SECRETARY_A, "王书记"), user(tg, ADMIN, "赵管理"), user(tg, VILLAGER, "张大爷")

    later = due + timedelta(hours=2)
    helpdesk.context.clock = lambda: later
    bot.run(oversight_due(_Context(bot.application)))
    reminder = secretary.wait_for_message(containing="【督办】")
    assert number in reminder.text and "龙场镇新寨村" in reminder.text
    assert reminder.button_texts == [number, texts.BOT_EXTEND_BUTTON]
    bot.run(oversight_due(_Context(bot.application)))  # once per deadline
    secretary.click(reminder, number)
    assert texts.BOT_EXTEND_BUTTON in secretary.wait_for_message(containing=number).button_texts  # on the card too
    secretary.click(reminder, texts.BOT_EXTEND_BUTTON)
    how = secretary.wait_for_message(containing="申请延期")
    assert f"/extend {number}" in how.text

    secretary.send_command("/extend", f"{number} 3 等")
    assert "理由" in secretary.wait_for_message().text
    secretary.send_command("/extend", f"{number} 3 等乡镇审批危房鉴定")
    sent = secretary.wait_for_message(containing="已提交")
    assert number in sent.text
    ask = admin.wait_for_message(containing="【延期申请】")
    assert "等乡镇审批危房鉴定" in ask.text and "王书记" in ask.text
    assert ask.button_texts[:2] == [texts.BOT_EXTEND_APPROVE, texts.BOT_EXTEND_REFUSE]
    assert helpdesk.queries.show(OPERATOR, number).due_at == due  # not before the admin decides
    admin.click(ask, number)  # the ticket card shows the pending 延期 and the decision buttons
    card = admin.wait_for_message(containing="延期申请：")
    assert "等乡镇审批危房鉴定" in card.text
    assert texts.BOT_EXTEND_APPROVE in card.button_texts and texts.BOT_EXTEND_REFUSE in card.button_texts

    admin.click(ask, texts.BOT_EXTEND_APPROVE)
    assert "已同意" in admin.wait_for_message(containing=number).text
    told = secretary.wait_for_message(containing="延期申请已同意")
    new_due = helpdesk.queries.show(OPERATOR, number).due_at
    assert new_due == helpdesk.config.calendar.deadline(max(due, later), 3)  # 3 working days
    assert new_due - max(due, later) >= timedelta(days=3)
    assert local_time(new_due, helpdesk.config.tz) in told.text
    assert "新的办理时限" in villager.wait_for_message(containing=number).text
    view = helpdesk.queries.show(OPERATOR, number)
    assert view.extensions[-1].state == "approved" and view.supervision_count == 1
    assert any("同意延期到" in (e.note or "") for e in view.events)
    tg.wait_until(lambda: admin.message(ask.message_id).buttons == [], 10, "decision buttons removed")
    assert [m.message_id for m in secretary.all_messages() if "【督办】" in m.text] == [reminder.message_id]
    assert tg.errors == [] and tg.bot_errors == []
