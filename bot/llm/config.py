"""The language-model settings as one record, read from `Settings` (the LLM_* variables)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings, reveal

# Most intranet servers (vLLM without --api-key, Ollama, Xinference) accept any key, but the
# OpenAI client refuses to start without one; this is what their documentation passes.
NO_KEY = "EMPTY"


@dataclass(frozen=True)
class LLMConfig:
    base_url: str
    model: str
    api_key: str
    first_token_timeout: float
    timeout: float
    max_failures: int
    cooldown: float

    def __repr__(self) -> str:  # never the key
        return f"LLMConfig(base_url={self.base_url!r}, model={self.model!r})"

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMConfig | None:
        """None when no model is configured: answers stay extractive."""
        if not settings.llm_base_url or not settings.llm_model:
            return None
        return cls(
            base_url=settings.llm_base_url.rstrip("/"),
            model=settings.llm_model,
            api_key=reveal(settings.llm_api_key) or NO_KEY,
            first_token_timeout=settings.llm_first_token_timeout,
            timeout=settings.llm_timeout,
            max_failures=settings.llm_max_failures,
            cooldown=float(settings.llm_cooldown),
        )
