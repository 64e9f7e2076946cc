"""One question → one answer, through the model when one is configured, else extractively.

The order of decisions (docs/llm.md):
1. With recent turns and a model, a follow-up is condensed into a standalone question first.
2. Retrieval decides whether the knowledge base covers the question; when it abstains the model
   is never asked and the extractive "not covered" reply is given.
3. The circuit breaker may say the endpoint is failing: extractive answer, no waiting.
4. The model streams its reply; `on_text` receives the part the gate lets through so far.
5. The gate (bot/llm/gate.py) judges the whole reply: a pass is shown with its cited sources, a
   refusal becomes "not covered", anything else (and any endpoint failure) is replaced by the
   extractive answer. The villager never sees an error; the outcome's `gate` code says why.

Only masked text leaves the process: phone and ID numbers in the question and the recent turns
are masked (bot/helpdesk/privacy.py) before they are sent. Help-request contents never reach
this module. Without a model this is exactly `compose(kb.search(question, k))`.

This module does not import langchain; `bot.llm.open_answerer` builds the model client.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from bot import texts
from bot.answer import Answer, Source, compose
from bot.helpdesk.privacy import mask_text, masked_logger
from bot.kb.search import SearchResult
from bot.llm import gate
from bot.llm.breaker import CircuitBreaker
from bot.llm.errors import LLMFailure

log = masked_logger(__name__)  # provider error messages may quote what was sent

PROMPT_PASSAGES = 4  # the best passages the model reads, numbered [1]..[4]
MAX_HISTORY_TURNS = 3

Mode = Literal["llm", "extractive"]
# `gate` codes besides the gate's verdicts: the endpoint failed, or the breaker skipped it.
CIRCUIT_OPEN = "circuit_open"
ENDPOINT_CODES = ("timeout", "http_error", "unreachable", "garbage", "empty", "error", CIRCUIT_OPEN)


class SearchesKnowledge(Protocol):
    def search(self, question: str, k: int | None = None) -> SearchResult: ...


class Model(Protocol):
    """What the pipeline needs of the model client (bot.llm.chain.LLMClient)."""

    def passages(self, result: SearchResult, limit: int) -> list[str]: ...

    def stream_answer(self, question: str, result: SearchResult, limit: int) -> Iterator[str]: ...

    def condense(self, question: str, history: Sequence[tuple[str, str]]) -> str: ...


@dataclass(frozen=True)
class Outcome:
    """The answer shown, where it came from (`mode`) and the gate's code (None: model not asked)."""

    answer: Answer
    mode: Mode
    gate: str | None
    result: SearchResult  # the search behind the answer
    seconds: float

    @property
    def search_question(self) -> str:
        """What retrieval searched: the question, or its condensed form."""
        return self.result.question

    @property
    def llm_failed(self) -> bool:
        """The model was asked but its answer could not be used (endpoint failure or gate rejection)."""
        return self.gate is not None and self.mode == "extractive"

    def to_json(self) -> dict:
        return {**self.answer.to_json(), "mode": self.mode, "gate": self.gate}


class AnswerPipeline:
    def __init__(
        self,
        kb: SearchesKnowledge,
        model: Model | None = None,
        breaker: CircuitBreaker | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.kb = kb
        self.model = model
        self.breaker = breaker or CircuitBreaker(3, 120.0)
        self._clock = clock
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()  # gate codes since start, for /stats and eval

    @property
    def uses_model(self) -> bool:
        return self.model is not None

    def answer(
        self,
        question: str,
        k: int,
        *,
        history: Sequence[tuple[str, str]] = (),
        on_text: Callable[[str], None] | None = None,
    ) -> Outcome:
        started = self._clock()
        question = question.strip()
        if self.model is None:
            result = self.kb.search(question, k)
            return Outcome(compose(result), "extractive", None, result, self._clock() - started)

        search_question, condense_failure = question, None
        if history and self.breaker.allow():
            try:
                search_question = self._condense(question, history[-MAX_HISTORY_TURNS:])
                self.breaker.success()
            except Exception as exc:  # the optional model must never cost the answer
                condense_failure = self._failure(exc)
        result = self.kb.search(search_question, k)
        extractive = compose(result)

        def done(answer: Answer, mode: Mode, code: str | None) -> Outcome:
            if code is not None:
                with self._lock:
                    self.counts[code] += 1
            return Outcome(answer, mode, code, result, self._clock() - started)

        if not result.grounded or not result.hits:
            return done(extractive, "extractive", None)
        if condense_failure is not None:
            return done(extractive, "extractive", condense_failure)
        if not self.breaker.allow():
            return done(extractive, "extractive", CIRCUIT_OPEN)
        try:
            verdict = self._generate(mask_text(search_question), result, on_text)
        except Exception as exc:
            return done(extractive, "extractive", self._failure(exc))
        if verdict.verdict in (gate.Verdict.EMPTY, gate.Verdict.GARBAGE):
            self.breaker.failure()  # a server that answers nonsense is as broken as one that times out
        else:
            self.breaker.success()
        if verdict.verdict is gate.Verdict.PASSED:
            return done(self._llm_answer(question, verdict, result), "llm", verdict.verdict.value)
        if verdict.verdict is gate.Verdict.REFUSED:
            return done(Answer(question, texts.NOT_COVERED, False, []), "llm", verdict.verdict.value)
        log.info("model answer rejected by the gate (%s): %s", verdict.verdict.value, verdict.unsupported)
        return done(extractive, "extractive", verdict.verdict.value)

    # --- steps -----------------------------------------------------------------------------
    def _condense(self, question: str, history: Sequence[tuple[str, str]]) -> str:
        assert self.model is not None
        masked = [(mask_text(q), mask_text(a)) for q, a in history]
        condensed = self.model.condense(mask_text(question), masked)
        if not gate.is_chinese(condensed):
            raise LLMFailure("garbage", "condensed question is not Chinese")
        return condensed

    def _generate(
        self, question: str, result: SearchResult, on_text: Callable[[str], None] | None
    ) -> gate.GateResult:
        assert self.model is not None
        passages = self.model.passages(result, PROMPT_PASSAGES)
        reply, shown = "", ""
        for piece in self.model.stream_answer(question, result, PROMPT_PASSAGES):
            reply += piece
            if on_text is not None:
                visible = gate.visible_prefix(reply, passages)
                if len(visible) > len(shown):
                    shown = visible
                    on_text(shown)
        return gate.check(reply, passages)

    @staticmethod
    def _llm_answer(question: str, verdict: gate.GateResult, result: SearchResult) -> Answer:
        hits = [result.hits[n - 1] for n in verdict.cited]
        sources = [
            Source(h.chunk.title, h.chunk.source, h.chunk.section, h.chunk.text, round(h.score, 4), h.chunk.ocr)
            for h in hits
        ]
        return Answer(question, f"{texts.ANSWER_HEADER}{verdict.text}", True, sources)

    def _failure(self, exc: Exception) -> str:
        self.breaker.failure()
        code = exc.code if isinstance(exc, LLMFailure) else "error"
        if isinstance(exc, LLMFailure):
            log.warning("language model failed (%s); extractive answer used", exc)
        else:
            log.warning("language model failed; extractive answer used", exc_info=True)
        return code
