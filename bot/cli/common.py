"""What every command shares: the one settings loader, the one logging set-up, the data folder.

Operator output is English: one line on stderr and a non-zero exit status for anything wrong,
never a traceback, because these commands run from shells, scripts, cron jobs and containers.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tqdm import tqdm

from bot.config import MAX_TOP_K, Settings
from bot.kb import KnowledgeBase
from bot.ops.settings import load_settings_or_exit

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str | None = None) -> None:
    """One logging set-up for every command: a stderr handler at LOG_LEVEL.

    Called once by the entry point before settings are read (so errors while loading them are
    logged), then again by `load_settings` with the level they name.
    """
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format=LOG_FORMAT)
    root.setLevel(level or Settings.model_fields["log_level"].default)


def load_settings(args: argparse.Namespace | None = None, **overrides: object) -> Settings:
    """The settings every command uses, with its folder options applied, and logging set to LOG_LEVEL.

    A malformed setting (environment or .env) ends the process with status 2 and one line per
    setting, named as the operator types it.
    """
    if args is not None:
        if getattr(args, "data_dir", None):
            overrides["data_dir"] = Path(args.data_dir)
        if getattr(args, "source", None):
            overrides["kb_source"] = Path(args.source)
    settings = load_settings_or_exit(**overrides)
    configure_logging(settings.log_level)
    return settings


def open_kb(settings: Settings) -> KnowledgeBase:
    """The knowledge base, or exit 2 with one line when its data folder cannot be used."""
    try:
        return KnowledgeBase(settings)
    except OSError as exc:
        where = exc.filename or settings.data_dir
        print(f"error: cannot use the data folder {settings.data_dir}: {exc.strerror or exc} ({where}); "
              "set --data-dir or DATA_DIR to a folder this user can write", file=sys.stderr)
        raise SystemExit(2) from exc


def tqdm_progress() -> Callable[[str, int, int], None]:
    """A progress callback drawing one tqdm bar per stage on stderr."""
    bars: dict[str, tqdm] = {}

    def tick(stage: str, done: int, total: int) -> None:
        if stage == "write":
            return
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="file" if stage == "read" else "chunk",
                                     file=sys.stderr, leave=False, disable=None)
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return tick


def ensure_ingested(kb: KnowledgeBase) -> None:
    """A fresh clone answers out of the box: ingest the default folder on first use."""
    if kb.index.current() is None:
        print(f"knowledge base is empty; ingesting {kb.source_dir} first ...", file=sys.stderr)
        print(kb.ingest(progress=tqdm_progress()).summary(), file=sys.stderr)


def passage_count(value: str) -> int:
    """argparse type for --k: how many passages to retrieve (the TOP_K range)."""
    expected = f"expected a whole number from 1 to {MAX_TOP_K}"
    try:
        k = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{expected}, got {value!r}") from None
    if not 1 <= k <= MAX_TOP_K:
        raise argparse.ArgumentTypeError(f"{expected}, got {k}")
    return k


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="data folder (default: $DATA_DIR or ./data)")


def dispatch(parser: argparse.ArgumentParser, argv: Sequence[str]) -> int:
    """Parse `argv` with the full command parser and run the command it names."""
    args = parser.parse_args(list(argv))
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)
