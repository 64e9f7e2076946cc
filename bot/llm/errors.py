"""Why the model's answer could not be used (codes shown in `ask --json`, /stats and eval)."""

from __future__ import annotations


class LLMFailure(Exception):
    """The endpoint failed: `code` is timeout, http_error, unreachable, garbage or error."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
