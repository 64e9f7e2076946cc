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

from bot.cli import admin, chat, kb, ops, requests, run

GROUPS = (run, chat, kb, requests, admin, ops)


def build_parser() -> argparse.ArgumentParser:
    """The `python -m bot` parser with every command; each sets `func(args) -> exit status`."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Village policy assistant")
    sub = parser.add_subparsers(dest="command")
    for group in GROUPS:
        group.register(sub)
    parser.set_defaults(root_parser=parser)  # `start` runs another command through it
    return parser
