"""Does the configured model endpoint answer? For `python -m bot check` (bot/ops/preflight.py).

One real, one-token chat completion — not only `GET /models` — because a server can list models
and still fail to serve the one named (Ollama before `ollama pull`, vLLM serving another name).
Plain urllib, so the check loads neither langchain nor the OpenAI client. The API key is sent,
never printed.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from bot.llm.config import LLMConfig

_HINTS = {
    401: "the server refused LLM_API_KEY",
    403: "the server refused LLM_API_KEY",
    404: "no such model or path: LLM_BASE_URL usually ends in /v1, and LLM_MODEL must be a model it serves",
    429: "the server is rate-limiting; answers fall back to the extractive ones while it does",
}


@dataclass(frozen=True)
class Probe:
    ok: bool
    message: str


def probe(config: LLMConfig, timeout: float) -> Probe:
    """Ask for one token; say how long it took, or why it failed, in one line."""
    body = {"model": config.model, "messages": [{"role": "user", "content": "你好"}], "max_tokens": 1}
    request = urllib.request.Request(
        f"{config.base_url}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {config.api_key}"},
        method="POST",
    )
    where = f"{config.model} at {config.base_url}"
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            reply = json.loads(response.read().decode("utf-8"))
        if not isinstance(reply, dict) or not reply.get("choices"):
            return Probe(False, f"{where} answered, but not with an OpenAI chat completion")
    except urllib.error.HTTPError as exc:
        hint = _HINTS.get(exc.code, "answers fall back to the extractive ones")
        return Probe(False, f"{where}: HTTP {exc.code}; {hint}")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return Probe(False, f"no answer from {where} ({reason}); answers stay extractive until it answers")
    except (ValueError, UnicodeDecodeError):
        return Probe(False, f"{where} answered, but not with JSON")
    return Probe(True, f"{where} answers ({time.monotonic() - started:.1f} s for one token)")
