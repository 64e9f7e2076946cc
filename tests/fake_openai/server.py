"""A fake OpenAI-compatible chat server on 127.0.0.1 for tests of the optional model path.

It speaks the real protocol the OpenAI client (and so langchain-openai) uses:
`POST /v1/chat/completions` with `"stream": true` answered by server-sent events — one
`chat.completion.chunk` per piece of text, then `data: [DONE]` — or with one `chat.completion`
JSON object when not streaming; `GET /v1/models`; errors as HTTP 429/500 with an OpenAI error body.

Each test scripts the replies: `push(Reply(...))` queues one reply per request, in order; when
the queue is empty `default` answers. A reply can wait before its first token (to trip the
first-token timeout), pause between pieces, fail with a status, or send raw bytes. Every request
body is recorded in `requests`, so tests can assert what left the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Reply:
    """One scripted response."""

    text: str = ""
    status: int = 200  # 429, 500 … answer with an OpenAI error body instead
    first_token_delay: float = 0.0  # seconds after the response headers before the first piece
    piece_delay: float = 0.0  # seconds between pieces
    piece_chars: int = 2  # characters per streamed piece
    raw: bytes | None = None  # sent as the body as is (garbage on the wire)


@dataclass
class Request:
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def messages(self) -> list[dict[str, str]]:
        return self.body.get("messages", [])

    @property
    def text(self) -> str:
        """Every message's content, joined: what the model was told."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


@dataclass
class FakeOpenAI:
    host: str = "127.0.0.1"
    model: str = "qwen-test"
    default: Reply | Callable[[Request], Reply] = field(default_factory=lambda: Reply("资料里没有写。"))
    # Answers the condensing of follow-ups ("新问题：" prompts) instead of the queue, when set.
    condense: Callable[[Request], Reply] | None = None
    port: int = 0
    requests: list[Request] = field(default_factory=list)
    _queue: deque[Reply | Callable[[Request], Reply]] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _runner: web.AppRunner | None = None
    _ready: threading.Event = field(default_factory=threading.Event)

    # --- scripting -------------------------------------------------------------------------
    def push(self, *replies: Reply | Callable[[Request], Reply]) -> None:
        with self._lock:
            self._queue.extend(replies)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def chat_requests(self) -> list[Request]:
        with self._lock:
            return list(self.requests)

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(64)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, args=(sock,), name="fake-openai", daemon=True)
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("fake OpenAI server did not start")
        return self

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        runner = self._runner
        if runner is not None:
            future = asyncio.run_coroutine_threadsafe(runner.cleanup(), self._loop)
            with contextlib.suppress(Exception):
                future.result(timeout=15)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=15)
        self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        loop.run_until_complete(self._runner.setup())
        loop.run_until_complete(web.SockSite(self._runner, sock).start())
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    # --- handlers --------------------------------------------------------------------------
    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": self.model, "object": "model"}]})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        recorded = Request(body, dict(request.headers))
        with self._lock:
            self.requests.append(recorded)
            if self.condense is not None and is_condensing(recorded):
                script = self.condense
            else:
                script = self._queue.popleft() if self._queue else self.default
        reply = script(recorded) if callable(script) else script
        if reply.status != 200:
            kind = "rate_limit_error" if reply.status == 429 else "server_error"
            error = {"error": {"message": f"scripted {reply.status}", "type": kind, "code": None}}
            return web.json_response(error, status=reply.status)
        if not body.get("stream"):
            await asyncio.sleep(reply.first_token_delay)
            if reply.raw is not None:
                return web.Response(body=reply.raw, content_type="application/json")
            return web.json_response(self._completion(reply.text))

        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        await asyncio.sleep(reply.first_token_delay)
        if reply.raw is not None:
            await response.write(reply.raw)
            await response.write_eof()
            return response
        await self._event(response, self._chunk({"role": "assistant", "content": ""}))
        pieces = [reply.text[i : i + reply.piece_chars] for i in range(0, len(reply.text), reply.piece_chars)]
        for n, piece in enumerate(pieces):
            if n and reply.piece_delay:
                await asyncio.sleep(reply.piece_delay)
            await self._event(response, self._chunk({"content": piece}))
        await self._event(response, self._chunk({}, finish="stop"))
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    @staticmethod
    async def _event(response: web.StreamResponse, payload: dict[str, Any]) -> None:
        await response.write(f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode())

    def _chunk(self, delta: dict[str, str], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    def _completion(self, text: str) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }


# --- helpers for scripting replies from the prompt -------------------------------------------
def question_of(request: Request) -> str:
    """The question of an answer prompt ("问题：…" ends the last message)."""
    last = request.messages[-1]["content"] if request.messages else ""
    return last.rsplit("问题：", 1)[-1].strip()


def is_condensing(request: Request) -> bool:
    """A request to rewrite a follow-up with the conversation (bot/llm/prompt.py CONDENSE_HUMAN)."""
    return "新问题：" in (request.messages[-1]["content"] if request.messages else "")


def unchanged(request: Request) -> Reply:
    """Condensing reply: the new question as it stands."""
    return Reply(request.messages[-1]["content"].rsplit("新问题：", 1)[-1].strip())


def passage_number(request: Request, phrase: str) -> int:
    """The number [n] the prompt gave the passage containing `phrase` (AssertionError if none)."""
    last = request.messages[-1]["content"] if request.messages else ""
    passages = last.rsplit("问题：", 1)[0]
    starts = list(re.finditer(r"^\[(\d+)\] 《", passages, re.M))
    ends = [m.start() for m in starts[1:]] + [len(passages)]
    for start, end in zip(starts, ends, strict=True):
        if phrase in passages[start.start() : end]:
            return int(start.group(1))
    raise AssertionError(f"no passage in the prompt contains {phrase!r}:\n{passages}")


def citing(phrase: str, template: str, **reply: Any) -> Callable[[Request], Reply]:
    """A reply whose `{n}` is the number of the passage holding `phrase` in this very prompt."""
    return lambda request: Reply(template.format(n=passage_number(request, phrase)), **reply)
