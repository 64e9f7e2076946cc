"""Settings the whole test session runs with, whatever the shell says: tests/conftest.py sets them
for the session and tests/bot_cli.py hands them to every `python -m bot` subprocess."""

from __future__ import annotations

import os

from bot.config import PROJECT_ROOT, Settings

# Environment variables pydantic-settings would read (it matches names case-insensitively).
SETTING_NAMES = frozenset(name.upper() for name in Settings.model_fields)

# EMBEDDING_PRECISION=auto would measure runtimes per CPU (building the ONNX copies first: minutes
# on 2 cores) and write its choice beside the shared model build, so the suite pins one known
# precision. The tests of `auto` itself set it, in a model cache of their own.
SUITE_SETTINGS = {"EMBEDDING_PRECISION": "int8"}
# Under pytest-xdist every worker is a process with its own embedder: one thread and one worker
# each, or N processes x (threads x pool) compute threads fight over N cores and spin (measured on
# 2 cores: 7 min 34 s → 6 min 49 s for the suite, 2 min less CPU).
if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
    SUITE_SETTINGS |= {"EMBEDDING_THREADS": "1", "EMBEDDING_WORKERS": "1"}


def checkout_pythonpath() -> str:
    """PYTHONPATH naming this checkout first, so `python -m bot` in a subprocess imports it."""
    return os.pathsep.join([str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
