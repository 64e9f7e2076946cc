"""The command line: one module per command group, one parser for `python -m bot`.

- `kb`: ingest, ask, eval (the knowledge base)
- `chat`: the assistant in a terminal
- `run`: the Telegram bot
- `requests`: help requests for operators (list, show, export)
- `admin`: villages, cadres, users, invite codes
- `ops`: check, start, health, backup, db

`common` holds what they share: the one settings loader, the one logging set-up, the data folder.
"""

from __future__ import annotations

import argparse
import importlib

GROUPS = ("run", "chat", "kb", "requests", "admin", "ops")
# Commands whose group is imported alone: `python -m bot ask` then loads bot.cli.kb only, not the
# help-desk database layer, backup code and Telegram menus of the other groups (seconds of imports
# a question does not need). Every other command (and `start`, which runs one) gets the full parser.
ALONE = {"ingest": "kb", "ask": "kb", "eval": "kb", "run": "run", "chat": "chat"}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The `python -m bot` parser; each command sets `func(args) -> exit status`. With `command`
    in ALONE, only that command's group is imported and registered."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Village policy assistant")
    sub = parser.add_subparsers(dest="command")
    for group in (ALONE[command],) if command in ALONE else GROUPS:
        importlib.import_module(f"bot.cli.{group}").register(sub)
    parser.set_defaults(root_parser=parser)  # `start` runs another command through it
    return parser
