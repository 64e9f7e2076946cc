"""Policy questions: answer from the knowledge base, show a source passage, 👍/👎 feedback.

Every question is logged (when analytics is configured) so admins see what went unanswered; an
unanswered question offers to file a help request instead. A short follow-up (那要带啥材料？) is
asked about the previous question's topic (bot/assistant/conversation.py), and the reply says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot import texts
from bot.assistant.context import AssistantContext, friendly
from bot.assistant.conversation import Conversations, Resolution
from bot.assistant.duties import DUTY_POSTS, duty_post_asked
from bot.assistant.replies import Block, Button, Keyboard, Reply, UserRef, keyboard
from bot.assistant.small_talk import small_talk_reply
from bot.helpdesk import PolicyHint

if TYPE_CHECKING:
    from bot.kb import KnowledgeBase
    from bot.llm import Outcome

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500


def validate_question(question: str | None) -> str | None:
    """A Chinese message explaining why `question` cannot be asked, or None if it can."""
    text = (question or "").strip()
    if not text:
        return texts.EMPTY_QUESTION
    if len(text) > MAX_QUESTION_CHARS:
        return texts.QUESTION_TOO_LONG.format(limit=MAX_QUESTION_CHARS)
    return None


def policy_lookup(kb: KnowledgeBase) -> Callable[[str, int], list[PolicyHint]]:
    """The knowledge base as the helpdesk's `PolicyLookup`: grounded passages only."""

    def lookup(text: str, k: int) -> list[PolicyHint]:
        result = kb.search(text, k)
        if not result.grounded:
            return []
        return [
            PolicyHint(h.chunk.title, h.chunk.section, h.chunk.text, round(h.score, 4)) for h in result.hits
        ]

    return lookup


class Questions:
    """Policy questions: answers with sources, source passages, 👍/👎."""

    def __init__(self, context: AssistantContext) -> None:
        self._ctx = context
        # Recent questions per user: the topic a follow-up is asked about, and (with a model) the
        # history it condenses with (bot/llm/pipeline.py). FOLLOWUP_WINDOW_MINUTES bounds both.
        self.conversations = Conversations(context.settings.followup_window_minutes * 60, context.clock)

    def is_question(self, question: str) -> bool:
        """`ask` would search the knowledge base (a valid question, not small talk)."""
        return validate_question(question) is None and small_talk_reply(question) is None

    @friendly
    def ask(self, user: UserRef, question: str, on_text: Callable[[str], None] | None = None) -> Reply:
        problem = validate_question(question)
        if problem:
            return Reply.of(problem)
        chat = small_talk_reply(question)
        if chat:
            return Reply.of(chat)  # not logged: it is not a question the knowledge base missed
        resolution = self.conversations.resolve(user.id, question)
        note = self._assumed_note(resolution)
        if note and on_text is not None:
            shown, on_text = on_text, lambda text: shown(f"{note}\n{text}")
        outcome = self._ctx.answers.answer(
            resolution.query,
            self._ctx.settings.top_k,
            history=self._history(user, resolution),
            on_text=on_text,
        )
        answer, result = outcome.answer, outcome.result
        self.conversations.remember(user.id, resolution, answer.answer)
        self._log_model_outcome(outcome)
        sources = [
            {"title": s.title, "source": s.source, "section": s.section, "text": s.text, "ocr": "1" if s.ocr else ""}
            for s in answer.sources
        ]
        top = result.hits[0].score if result.hits else 0.0
        if resolution.resolved:
            log.info("follow-up %r asked as %r", resolution.asked, resolution.query)
        # The log keeps what was answered: a follow-up with its topic ("危房改造 那要带啥材料？"), so
        # /stats and a help request filed from it read whole, and what was typed is its tail.
        qid = self._log_question(user, resolution.query, answer.grounded, top, sources)
        handbook = self._handbook_button(user, question)
        prefix = f"{note}\n" if note else ""
        if not answer.grounded:
            return Reply(
                (Block(prefix + answer.answer), Block(texts.BOT_NOT_COVERED_OFFER)),
                keyboard([Button(texts.BOT_FILE_REQUEST_BUTTON, "rq", str(qid or ""))], handbook),
            )
        from bot.answer import source_label

        body = prefix + answer.answer.removeprefix(texts.ANSWER_HEADER)
        lines = "\n".join(f"[{n}] {source_label(s)}" for n, s in enumerate(answer.sources, 1))
        blocks = (Block(body, title=texts.ANSWER_HEADER), Block(lines, title=texts.SOURCES_HEADER))
        if qid is None:
            return Reply(blocks, keyboard(handbook))
        buttons = self._answer_buttons(qid, len(sources), with_feedback=True)
        return Reply(blocks, (*buttons, *keyboard(handbook)))

    # --- conversation (bot/assistant/conversation.py) ----------------------------------------
    def _history(self, user: UserRef, resolution: Resolution) -> list[tuple[str, str]]:
        """The recent turns a model condenses the question with: none when the topic rule already
        made it standalone (one model call fewer), and none without a model."""
        if resolution.resolved or not self._ctx.answers.uses_model:
            return []
        return [(t.query, t.answer) for t in self.conversations.recent(user.id)]

    @staticmethod
    def _assumed_note(resolution: Resolution) -> str:
        """The line that tells the villager what their follow-up was taken to be about."""
        if resolution.kind == "follow_up":
            return texts.FOLLOW_UP_ASSUMED.format(topic="、".join(resolution.topic))
        if resolution.kind == "switch":
            return texts.FOLLOW_UP_SWITCHED.format(question=resolution.query)
        return ""

    def _log_model_outcome(self, outcome: Outcome) -> None:
        """What the model did with a question, for /stats (nothing when it was not asked)."""
        if self._ctx.analytics is None or outcome.gate is None:
            return
        try:
            self._ctx.analytics.log_model_answer(outcome.mode, outcome.gate)
        except Exception:  # the log must never cost the villager their answer
            log.exception("could not log a model outcome")

    def _handbook_button(self, user: UserRef, question: str) -> list[Button]:
        """A cadre asking what a post does also gets that post's handbook one tap away: the
        handbooks are not in the policy index (see bot/assistant/duties.py)."""
        post = duty_post_asked(question)
        if post is None or not self._ctx.identity(user).is_cadre:
            return []
        return [Button(texts.BOT_DUTIES_BUTTON.format(post=post), "du", str(DUTY_POSTS.index(post)))]

    @staticmethod
    def _answer_buttons(qid: int, count: int, *, with_feedback: bool) -> Keyboard:
        sources = [
            Button(texts.BOT_SOURCE_BUTTON.format(n=n), "src", f"{qid}.{n}") for n in range(1, count + 1)
        ]
        feedback = (
            [
                Button(texts.BOT_USEFUL_BUTTON, "fb", f"{qid}.1"),
                Button(texts.BOT_USELESS_BUTTON, "fb", f"{qid}.0"),
            ]
            if with_feedback
            else []
        )
        return keyboard(sources, feedback)

    def _log_question(
        self, user: UserRef, question: str, grounded: bool, top: float, sources: list[dict[str, str]]
    ) -> int | None:
        if self._ctx.analytics is None:
            return None
        try:
            return self._ctx.analytics.log_question(user.id, question, grounded, top, sources)
        except Exception:  # the log must never cost the villager their answer
            log.exception("could not log a question")
            return None

    def show_source(self, user: UserRef, qid: int, n: int) -> Reply:
        logged = self._ctx.analytics.get(qid) if self._ctx.analytics else None
        if logged is None or not 1 <= n <= len(logged.sources):
            return Reply.of(texts.BOT_SOURCE_GONE, toast=texts.BOT_SOURCE_GONE)
        src = logged.sources[n - 1]
        scanned = texts.SOURCE_SCANNED if src.get("ocr") else ""
        label = f"《{src['title']}》{scanned}" + (f" · {src['section']}" if src.get("section") else "")
        return Reply((Block(src["text"], title=texts.BOT_SOURCE_TITLE.format(n=n, label=label), quote=True),))

    def feedback(self, user: UserRef, qid: int, useful: bool) -> Reply:
        logged = self._ctx.analytics.get(qid) if self._ctx.analytics else None
        if (
            logged is None
            or not self._ctx.analytics
            or not self._ctx.analytics.set_feedback(qid, user.id, useful)
        ):
            return Reply(toast=texts.BOT_FEEDBACK_NOT_YOURS)
        kept = self._answer_buttons(qid, len(logged.sources), with_feedback=False)
        if useful:
            return Reply(toast=texts.BOT_FEEDBACK_THANKS, replace_buttons=kept)
        return Reply(
            (Block(texts.BOT_FEEDBACK_SORRY),),
            keyboard([Button(texts.BOT_FILE_REQUEST_BUTTON, "rq", str(qid))]),
            toast=texts.BOT_FEEDBACK_THANKS,
            replace_buttons=kept,
        )
