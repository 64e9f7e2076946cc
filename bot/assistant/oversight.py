"""督办 and 延期 in chat: the scheduled reminders, a cadre's /extend (申请延期) and the admins'
同意 / 不同意 buttons on the request for an extension.

The helpdesk decides who is reminded and when (bot/helpdesk/oversight.py); this part only words
the buttons that act on each notice and turns commands and presses into helpdesk calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot import texts
from bot.assistant.cards import notice, split
from bot.assistant.context import AssistantContext, friendly
from bot.assistant.replies import Block, Notice, Reply, UserRef
from bot.helpdesk import local_time


class Oversight:
    """Cadres ask for 延期, admins decide; the job sends the 督办 reminders."""

    def __init__(self, context: AssistantContext) -> None:
        self._ctx = context

    def due(self, now: datetime | None = None) -> list[Notice]:
        """督办 reminders and escalations that are due now (run by the front end's scheduler)."""
        return [notice(n) for n in self._ctx.helpdesk.oversight.run_due(now)]

    @friendly
    def how_to_extend(self, user: UserRef, number: str) -> Reply:
        """The 申请延期 button: how to ask, with the command ready to copy."""
        if not self._ctx.identity(user).is_cadre:
            return Reply.of(texts.BOT_CADRE_ONLY)
        return Reply(
            (
                Block(texts.BOT_EXTEND_HOW.format(number=number)),
                Block(texts.BOT_EXTEND_COMMAND.format(number=number), code=True),
            )
        )

    @friendly
    def extend(self, user: UserRef, args: Sequence[str]) -> Reply:
        """/extend 工单号 天数 理由"""
        if not self._ctx.identity(user).is_cadre:
            return Reply.of(texts.BOT_CADRE_ONLY)
        if len(args) < 3 or not args[1].isdigit():
            return Reply.of(texts.BOT_EXTEND_USAGE)
        number, days, reason = args[0], int(args[1]), " ".join(args[2:])
        outcome = self._ctx.helpdesk.oversight.request_extension(user.id, number, days, reason)
        pending = outcome.request.pending_extension
        assert pending is not None
        own, notices = split(outcome, user.id)
        done = texts.BOT_EXTEND_SENT.format(
            number=number, new_due=local_time(pending.new_due_at, self._ctx.tz)
        )
        return Reply((Block(done), *own), notices=notices)

    @friendly
    def decide(self, user: UserRef, number: str, approve: bool) -> Reply:
        """同意 / 不同意 on a 延期 request (admins)."""
        if not self._ctx.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        outcome = self._ctx.helpdesk.oversight.decide_extension(user.id, number, approve)
        own, notices = split(outcome, user.id)
        last = outcome.request.extensions[-1]
        template = texts.BOT_EXTEND_APPROVED if approve else texts.BOT_EXTEND_REFUSED
        done = template.format(number=number, new_due=local_time(last.new_due_at, self._ctx.tz))
        return Reply((Block(done), *own), notices=notices, replace_buttons=())

