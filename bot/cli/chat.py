"""`python -m bot chat`: talk to the assistant in this terminal, no Telegram needed.

Builds the same services as the bot (without query batching: one user) and hands them to the
terminal front end in `bot/console.py`. Operator messages are English; the chat itself is Chinese.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.assistant import Assistant, UserRef
from bot.cli.common import ensure_ingested, load_settings
from bot.console import Session, run
from bot.helpdesk import OPERATOR, HelpdeskError
from bot.services import close_services, open_services


def cmd_chat(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    if args.role == "admin" and args.user_id not in settings.admin_ids:
        settings = settings.model_copy(update={"admin_ids": [*settings.admin_ids, args.user_id]})
    assistant = open_services(settings, batching=False)
    try:
        ensure_ingested(assistant.kb)
        user = UserRef(args.user_id, args.name)
        if args.role == "cadre":
            error = bind_cadre(assistant, user, args.village, args.post)
            if error:
                print(f"error: {error}", file=sys.stderr)
                return 2
        session = Session(assistant, user, sys.stdout, out_dir=args.out_dir)
        try:
            return run(session, sys.stdin, interactive=sys.stdin.isatty())
        except KeyboardInterrupt:
            print(file=sys.stdout)
            return 0
    finally:
        close_services(assistant)


def bind_cadre(assistant: Assistant, user: UserRef, village: str | None, post: str) -> str | None:
    """Make the terminal user a cadre of `village` (an operator action on the local database)."""
    villages = assistant.helpdesk.directory.list_villages()
    if not village:
        if not villages:
            return "no village is registered yet; add one first: python -m bot admin village add 新寨村"
        village = villages[0].name
    try:
        assistant.helpdesk.directory.bind_cadre(OPERATOR, user.id, village, post, display_name=user.name)
    except HelpdeskError as exc:
        return exc.message_zh
    return None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chat", help="talk to the assistant in this terminal (no Telegram needed)")
    p.add_argument("--data-dir", help="data folder (default DATA_DIR)")
    p.add_argument("--source", help="knowledge-base folder (default KB_SOURCE)")
    p.add_argument(
        "--as",
        dest="role",
        choices=("villager", "cadre", "admin"),
        default="villager",
        help="who you are (default villager); admin makes --user-id an admin in the local database",
    )
    p.add_argument("--user-id", type=int, default=1, help="your user id (default 1)")
    p.add_argument("--name", default="体验用户", help="your display name")
    p.add_argument("--village", help="with --as cadre: the village you serve (must exist)")
    p.add_argument("--post", default="第一书记", help="with --as cadre: your post (default 第一书记)")
    p.add_argument("--out-dir", type=Path, default=Path.cwd(), help="where /export writes the ledger")
    p.set_defaults(func=cmd_chat)
