"""Policy questions: answer from the knowledge base, show a source passage, 👍/👎 feedback.

Every question is logged (when analytics is configured) so admins see what went unanswered; an
unanswered question offers to file a help request instead.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot import texts
from bot.assistant.context import AssistantContext, friendly
from bot.assistant.duties import DUTY_POSTS, duty_post_asked
from bot.assistant.replies import Block, Button, Keyboard, Reply, UserRef, keyboard
from bot.assistant.small_talk import small_talk_reply
from bot.helpdesk import PolicyHint

if TYPE_CHECKING:
    from bot.kb import KnowledgeBase
    from bot.llm import Outcome

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
# With a model, a question within this many seconds of the user's last one is condensed with the
# last MAX_TURNS turns (bot/llm/pipeline.py); conversations are kept for at most this long.
FOLLOW_UP_SECONDS = 300
MAX_TURNS = 3
MAX_CONVERSATIONS = 1000


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
        self._turns: dict[int, deque[tuple[float, str, str]]] = {}
        self._turns_lock = threading.Lock()

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
        outcome = self._ctx.answers.answer(
            question.strip(), self._ctx.settings.top_k, history=self._recent_turns(user), on_text=on_text
        )
        answer, result = outcome.answer, outcome.result
        self._remember_turn(user, question.strip(), answer.answer)
        self._log_model_outcome(outcome)
        sources = [
            {"title": s.title, "source": s.source, "section": s.section, "text": s.text, "ocr": "1" if s.ocr else ""}
            for s in answer.sources
        ]
        top = result.hits[0].score if result.hits else 0.0
        qid = self._log_question(user, question.strip(), answer.grounded, top, sources)
        handbook = self._handbook_button(user, question)
        if not answer.grounded:
            return Reply(
                (Block(answer.answer), Block(texts.BOT_NOT_COVERED_OFFER)),
                keyboard([Button(texts.BOT_FILE_REQUEST_BUTTON, "rq", str(qid or ""))], handbook),
            )
        from bot.answer import source_label

        body = answer.answer.removeprefix(texts.ANSWER_HEADER)
        lines = "\n".join(f"[{n}] {source_label(s)}" for n, s in enumerate(answer.sources, 1))
        blocks = (Block(body, title=texts.ANSWER_HEADER), Block(lines, title=texts.SOURCES_HEADER))
        if qid is None:
            return Reply(blocks, keyboard(handbook))
        buttons = self._answer_buttons(qid, len(sources), with_feedback=True)
        return Reply(blocks, (*buttons, *keyboard(handbook)))

    # --- conversation (condensing follow-ups needs a model; see bot/llm) ----------------------
    def _recent_turns(self, user: UserRef) -> list[tuple[str, str]]:
        """This user's questions and answers of the last few minutes, oldest first."""
        if not self._ctx.answers.uses_model:
            return []
        now = self._ctx.clock()
        with self._turns_lock:
            turns = self._turns.get(user.id, ())
            return [(q, a) for at, q, a in turns if now - at <= FOLLOW_UP_SECONDS]

    def _remember_turn(self, user: UserRef, question: str, answer: str) -> None:
        if not self._ctx.answers.uses_model:
            return
        now = self._ctx.clock()
        with self._turns_lock:
            if len(self._turns) > MAX_CONVERSATIONS:  # forget conversations that went quiet
                for uid in [u for u, t in self._turns.items() if now - t[-1][0] > FOLLOW_UP_SECONDS]:
                    del self._turns[uid]
            self._turns.setdefault(user.id, deque(maxlen=MAX_TURNS)).append((now, question, answer))

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
