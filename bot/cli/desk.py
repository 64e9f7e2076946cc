"""Plumbing shared by the `requests` and `admin` commands: open the helpdesk, check arguments,
turn a helpdesk error into one line and an exit status.

Every handler returns a process exit code: helpdesk errors print `error: …` on stderr with exit
code 1 (the message itself is the helpdesk's Chinese wording, the same the bot shows); argparse
usage errors exit with code 2. The operator acts with admin rights (`OPERATOR`) unless
`--as CHAT_ID` is given, which shows exactly what that chat user would see (same visibility and
masking rules as the bot).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.cli.common import load_settings
from bot.helpdesk import OPERATOR, Actor, Helpdesk, HelpdeskConfig, HelpdeskError, RequestFilter, Status


@dataclass(frozen=True)
class Desk:
    """What a command body works with: the helpdesk and the local time zone for showing times."""

    helpdesk: Helpdesk
    tz: ZoneInfo

    def when(self, value: object) -> str:
        """A stored time as local `YYYY-MM-DD HH:MM` (TIMEZONE), empty when unset."""
        return value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else ""


Handler = Callable[[argparse.Namespace], int]
Body = Callable[[Desk, argparse.Namespace, TextIO], None]


# ----------------------------------------------------------------------------- argument types
def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {value!r}: expected YYYY-MM-DD, e.g. 2026-05-01") from None


def positive(value: str) -> int:
    """A whole number above zero."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {number}")
    return number


def chat_id(value: str) -> int:
    """A Telegram user id."""
    try:
        return positive(value)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected a Telegram user id (a positive number), got {value!r}") from None


def status(value: str) -> Status:
    """A status by its code or its Chinese label (assigned or 已派单)."""
    key = value.strip()
    for candidate in Status:
        if key in (candidate.value, candidate.label):
            return candidate
    choices = ", ".join(f"{s.value} ({s.label})" for s in Status)
    raise argparse.ArgumentTypeError(f"unknown status {value!r}; one of: {choices}")


# ----------------------------------------------------------------------------- plumbing
def open_desk(args: argparse.Namespace) -> Desk:
    settings = load_settings()
    url = args.database_url or settings.resolved_database_url
    return Desk(Helpdesk.open(url, config=HelpdeskConfig.from_settings(settings), pool_size=2), settings.tz)


def actor(args: argparse.Namespace) -> Actor:
    return args.as_user if getattr(args, "as_user", None) else OPERATOR


def handler(body: Body) -> Handler:
    """Wrap a command body: open the helpdesk, print errors as one line, return an exit code."""

    def run(args: argparse.Namespace) -> int:
        out: TextIO = getattr(args, "stdout", None) or sys.stdout
        err: TextIO = getattr(args, "stderr", None) or sys.stderr
        try:
            desk = open_desk(args)
        except Exception as exc:  # bad URL, unreachable server, …: operator-facing
            print(f"error: cannot open the request database ({type(exc).__name__}: {exc})", file=err)
            return 1
        try:
            body(desk, args, out)
            return 0
        except HelpdeskError as exc:
            print(f"error: {exc.message_zh}", file=err)
            return 1
        finally:
            desk.helpdesk.close()

    run.__name__ = body.__name__
    run.__doc__ = body.__doc__
    return run


def filters(args: argparse.Namespace) -> RequestFilter:
    return RequestFilter(
        village=args.village,
        statuses=tuple(args.status or ()),
        category=args.category,
        created_from=args.date_from,
        created_to=args.date_to,
        open_only=getattr(args, "open", False),
        overdue_only=getattr(args, "overdue", False),
        requester=getattr(args, "requester", None),
    )


def leaf(
    subparsers: argparse._SubParsersAction, name: str, body: Body, help_text: str
) -> argparse.ArgumentParser:
    """A command that opens the helpdesk: it takes --database-url and runs `body`."""
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    parser.add_argument(
        "--database-url", default=None, help="SQLAlchemy URL (default: DATABASE_URL or SQLite in DATA_DIR)"
    )
    parser.set_defaults(func=handler(body))
    return parser
