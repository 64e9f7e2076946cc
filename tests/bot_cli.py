"""`python -m bot ARGS` in a subprocess, as an operator or a container runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from bot.config import PROJECT_ROOT
from tests.suite_settings import SETTING_NAMES, SUITE_SETTINGS


def run_bot(
    args: list[str], cwd: Path, env: Mapping[str, str] | None = None, *, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """This process's environment without any of our settings but the suite's pinned ones (no
    `EMBEDDING_PRECISION=auto` measuring runtimes for minutes inside a drill), plus `env`, in `cwd`
    (for .env)."""
    base = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES} | SUITE_SETTINGS
    base["PYTHONPATH"] = str(PROJECT_ROOT)  # `python -m bot` sets the offline switches itself
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
