"""The villager's side after filing: 这事很急 (mark urgent), and 回访 — rating buttons, the reason
for 不满意, verdicts typed in own words, and the scheduled 回访 question.

The helpdesk decides (bot/helpdesk/followup.py: `rate`, `answer_text`, `run_due`); this part only
turns a press or a sentence into those calls and their outcome into replies. A typed verdict is
read *before* the text is taken as a policy question, so "解决了 谢谢李书记" closes the request
instead of landing in the statistics as a question the knowledge base could not answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import texts
from bot.assistant.cards import notice, split
from bot.assistant.context import AssistantContext, friendly
from bot.assistant.dialogs import stale
from bot.assistant.replies import Block, Button, Notice, Reply, UserRef, keyboard
from bot.helpdesk import IllegalTransition, Satisfaction, Status, classify_reply

# Button codes → ratings; "1"/"0" are the 已解决/未解决 buttons of messages sent before ratings.
RATINGS = {
    "s": Satisfaction.SATISFIED,
    "b": Satisfaction.BASIC,
    "u": Satisfaction.UNSATISFIED,
    "1": Satisfaction.SATISFIED,
    "0": Satisfaction.UNSATISFIED,
}
REASON_STATE = "followup.reason"


class Feedback:
    """The villager's verdict on a resolved request (buttons or words) and the due 回访 questions."""

    def __init__(self, context: AssistantContext) -> None:
        self._ctx = context

    @friendly
    def rate(self, user: UserRef, number: str, code: str) -> Reply:
        """A rating button. 不满意 first asks what is still wrong, so the cadre reads the villager's
        own words with the reopened request."""
        rating = RATINGS[code]
        view = self._ctx.helpdesk.queries.show(user.id, number)
        if view.status is not Status.RESOLVED:
            # Plain words for the villager (never the cadres' list of moves), with the buttons gone.
            text = texts.HD_ERR_ILLEGAL_VILLAGER.format(number=number, status=view.status.label)
            return Reply.of(text, toast=text[:180], replace_buttons=())
        if rating is Satisfaction.UNSATISFIED:
            dialog = {"state": REASON_STATE, "data": {"number": number}, "at": self._ctx.clock()}
            return self.reason_prompt(dialog)
        return self._rated(user, number, rating, None)

    def reason_prompt(self, dialog: dict[str, Any], *, error: str | None = None) -> Reply:
        blocks = [Block(error)] if error else []
        blocks.append(Block(texts.BOT_RATE_ASK_REASON))
        buttons = keyboard(
            [Button(texts.BOT_RATE_NO_REASON, "f", "skip"), Button(texts.BOT_FORM_CANCEL, "f", "x")]
        )
        return Reply(tuple(blocks), buttons, dialog=dialog, replace_buttons=())

    @friendly
    def reason_input(self, user: UserRef, dialog: dict[str, Any], text: str | None, button: str | None) -> Reply:
        """The words after 不满意 (or 不说了): the request is reopened with them as the reason."""
        if button is not None and button != "skip":
            return stale(dialog)
        words = None if button == "skip" else (text or "").strip()
        if button is None and not words:
            return self.reason_prompt(dialog)
        return self._rated(user, dialog["data"]["number"], Satisfaction.UNSATISFIED, words)

    def _rated(self, user: UserRef, number: str, rating: Satisfaction, words: str | None) -> Reply:
        try:
            outcome = self._ctx.helpdesk.followup.rate(user.id, number, rating, words)
        except IllegalTransition as exc:  # rated meanwhile (twice pressed, another device)
            return Reply.of(exc.message_zh, toast=exc.message_zh[:180], replace_buttons=())
        own, notices = split(outcome, user.id)
        return Reply(tuple(own), notices=notices, replace_buttons=(), toast=texts.BOT_FEEDBACK_RECORDED)

    @friendly
    def answer_text(self, user: UserRef, text: str) -> Reply | None:
        """A typed verdict while a request of the user's waits for its 回访, or None (not a verdict,
        or nothing waiting: the text is then an ordinary message)."""
        if classify_reply(text) is None:  # pure: no database call for ordinary questions
            return None
        outcome = self._ctx.helpdesk.followup.answer_text(user.id, text)
        if outcome is None:
            return None
        own, notices = split(outcome, user.id)
        return Reply(tuple(own), notices=notices)

    @friendly
    def mark_urgent(self, user: UserRef, number: str) -> Reply:
        """这事很急: the request becomes 紧急 (same-day deadline), every cadre of the village and the
        admins are alerted at once; the villager is reminded to call 120/119/110 when it is that urgent."""
        try:
            outcome = self._ctx.helpdesk.casework.mark_urgent(user.id, number)
        except IllegalTransition as exc:
            return Reply.of(exc.message_zh, toast=exc.message_zh[:180], replace_buttons=())
        own, notices = split(outcome, user.id)
        blocks = (Block(texts.BOT_MARK_URGENT_DONE), Block(texts.BOT_MARK_URGENT_CALL), *own)
        return Reply(blocks, notices=notices, toast=texts.BOT_MARK_URGENT_DONE[:180], replace_buttons=())

    def due(self, now: datetime | None = None) -> list[Notice]:
        """The scheduled 回访: one question with 满意/基本满意/不满意 per request resolved long enough ago."""
        return [notice(n) for n in self._ctx.helpdesk.followup.run_due(now)]
