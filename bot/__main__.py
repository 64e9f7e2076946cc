"""`python -m bot [run|chat|ask|eval|ingest|requests|admin] ...` — one entry point for every front end."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from bot.config import set_offline_environment


def build_parser() -> argparse.ArgumentParser:
    from bot import cli_kb

    parser = argparse.ArgumentParser(prog="python -m bot", description="Village policy assistant")
    sub = parser.add_subparsers(dest="command")
    cli_kb.register(sub)
    for module in ("bot.helpdesk.cli", "bot.front_cli", "bot.ops.cli"):
        try:
            importlib.import_module(module).register(sub)
        except ModuleNotFoundError as exc:  # a front end not installed in this build
            if exc.name != module:
                raise
    return parser


def main(argv: list[str] | None = None) -> int:
    set_offline_environment()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        argv = ["run"]
    level = os.environ.get("LOG_LEVEL", "WARNING").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        print(f"LOG_LEVEL: expected DEBUG, INFO, WARNING or ERROR, got {level!r}", file=sys.stderr)
        return 2
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
