"""Package exports resolved on first use (PEP 562), so importing a package costs only what is used.

`bot.kb`, `bot.helpdesk` and `bot.assistant` list their public names here rather than importing
them: a question must not pay for torch, SQLAlchemy or the help desk's workflow before it needs
them (issue 13's cold start). One function, so the three packages behave the same.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module-level ``__getattr__`` for ``package``: ``name`` comes from ``exports[name]``."""

    def __getattr__(name: str) -> Any:
        if name in exports:
            return getattr(importlib.import_module(exports[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
