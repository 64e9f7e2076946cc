"""The model side: `ChatOpenAI` (langchain-openai) pointed at the configured OpenAI-compatible
endpoint, in two langchain-core runnable chains — prompt | model | text — one answering from
numbered passages, one condensing a follow-up question with the recent turns.

This module is imported only when LLM_BASE_URL is set (see `bot.llm.open_answerer`), so the
extractive path never loads langchain-openai or the OpenAI client.

Timeouts: the HTTP read timeout is LLM_FIRST_TOKEN_TIMEOUT, so a reply that does not start (or
stalls) in that time fails; the whole reply must arrive within LLM_TIMEOUT. The client does not
retry (max_retries=0): the extractive answer is the retry, and the circuit breaker stops asking
a failing server.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

import httpx
import openai
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable
from langchain_openai import ChatOpenAI

from bot.kb.search import SearchResult
from bot.llm.config import LLMConfig
from bot.llm.errors import LLMFailure
from bot.llm.prompt import answer_prompt, condense_prompt, format_history, format_passages, passage_text
from bot.llm.retriever import to_documents

MAX_REPLY_TOKENS = 400  # the prompt asks for ≤80 characters; this bounds a model that rambles
MAX_CONDENSED_CHARS = 200
CONNECT_TIMEOUT = 5.0


class LLMClient:
    """Streams grounded answers and condenses follow-ups; failures raise `LLMFailure`."""

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self.model = ChatOpenAI(
            model=config.model,
            base_url=config.base_url,
            api_key=config.api_key,
            # (connect, read, write, pool) as a plain tuple: both httpx and httpx2 (which newer openai
            # clients use) build their Timeout from it, and it is hashable, so langchain-openai can
            # cache its client; an httpx.Timeout object is refused by openai releases built on httpx2.
            # `read` bounds the wait for each streamed piece, the first token included.
            timeout=(
                min(CONNECT_TIMEOUT, config.timeout), config.first_token_timeout, config.timeout, config.timeout
            ),
            max_retries=0,
            temperature=0,
            max_tokens=MAX_REPLY_TOKENS,
            streaming=True,
            stream_usage=False,  # older vLLM/Ollama builds reject stream_options
        )
        self.answer_chain: Runnable = answer_prompt() | self.model | StrOutputParser()
        self.condense_chain: Runnable = condense_prompt() | self.model | StrOutputParser()

    def passages(self, result: SearchResult, limit: int) -> list[str]:
        """The passages as numbered in the prompt ([1] first), as the gate checks them."""
        return [passage_text(doc) for doc in to_documents(result, limit)]

    def stream_answer(self, question: str, result: SearchResult, limit: int) -> Iterator[str]:
        """The reply's text pieces as they arrive. `question` must already be masked."""
        inputs = {"question": question, "passages": format_passages(to_documents(result, limit))}
        yield from self._stream(self.answer_chain, inputs)

    def condense(self, question: str, history: Sequence[tuple[str, str]]) -> str:
        """A standalone version of a follow-up `question` (masked, as `history` must be)."""
        inputs = {"question": question, "history": format_history(history)}
        text = "".join(self._stream(self.condense_chain, inputs)).strip()
        if not text or len(text) > MAX_CONDENSED_CHARS:
            raise LLMFailure("garbage", f"condensed question of {len(text)} characters")
        return text.splitlines()[0].strip()

    def _stream(self, chain: Runnable, inputs: dict[str, str]) -> Iterator[str]:
        deadline = time.monotonic() + self.config.timeout
        stream = chain.stream(inputs)
        try:
            for piece in stream:
                if time.monotonic() > deadline:
                    raise LLMFailure("timeout", f"reply not finished within {self.config.timeout:g}s")
                yield piece
        except (openai.APITimeoutError, httpx.TimeoutException) as exc:
            raise LLMFailure("timeout", type(exc).__name__) from exc
        except openai.APIStatusError as exc:
            raise LLMFailure("http_error", f"HTTP {exc.status_code}") from exc
        except (openai.APIConnectionError, httpx.TransportError) as exc:
            raise LLMFailure("unreachable", type(exc).__name__) from exc
        except openai.OpenAIError as exc:
            raise LLMFailure("error", type(exc).__name__) from exc
        finally:
            stream.close()
