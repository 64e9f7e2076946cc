"""Operator commands: `check`, `start`, `health`, `backup create|restore|verify`, `db current|upgrade`.

Output is English, for operators; every failure is one readable line on stderr and a non-zero
exit status, never a traceback, because these commands run from scripts, cron jobs and
container health checks.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.cli.common import dispatch, load_settings
from bot.helpdesk.db import create_helpdesk_engine, upgrade_database
from bot.ops import preflight
from bot.ops.backup import PARTS, BackupError, create_backup, restore_backup, verify_backup

log = logging.getLogger(__name__)

# Which preflight plan guards each command `start` can launch.
_START_PLANS = {"run": "run", "ingest": "ingest", "backup": "backup"}


def cmd_check(args: argparse.Namespace) -> int:
    settings = load_settings()
    result = preflight.wait_for_checks(settings, args.for_command, wait=args.wait)
    code = preflight.report(result, sys.stdout)
    from bot.kb.embed_auto import describe  # reads one JSON file; imports no ML library

    print("\n".join(describe(settings)))
    if code == 0:
        warnings = sum(1 for f in result if f.level == preflight.WARNING)
        print(
            f"ok: settings and services are ready for `{args.for_command}`"
            + (f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else "")
        )
    return code


def cmd_start(args: argparse.Namespace) -> int:
    """Check first, then hand over to the real command in this same process."""
    command = list(args.command) or ["run"]
    plan = _START_PLANS.get(command[0])
    if plan is None:
        print(
            f"error: `start` launches one of {', '.join(_START_PLANS)}, not {command[0]!r}", file=sys.stderr
        )
        return 2
    if command[0] == "backup" and len(command) > 1 and command[1] == "restore":
        plan = "restore"
    settings = load_settings()
    result = preflight.wait_for_checks(settings, plan, wait=args.wait)
    if preflight.report([f for f in result if f.level == preflight.ERROR or args.verbose], sys.stderr):
        print(
            f"error: not starting `{' '.join(command)}`; fix the settings above (see .env.example)",
            file=sys.stderr,
        )
        return 2
    for finding in result:
        if finding.level == preflight.WARNING and not args.verbose:
            print(f"warning: {finding.text}", file=sys.stderr)
    return dispatch(args.root_parser, command)


def cmd_health(args: argparse.Namespace) -> int:
    """Container health check: the database and Chroma answer and a knowledge base is served."""
    settings = load_settings()
    result = preflight.findings(settings, "health", timeout=args.timeout)
    problems = [f for f in result if f.level == preflight.ERROR or f.setting == "DATA_DIR"]
    for f in problems:
        print(f"unhealthy: {f.text}", file=sys.stderr)
    if not problems:
        print("healthy")
    return 1 if problems else 0


def _failure(exc: Exception, command: str) -> int:
    """One line for the operator (the traceback only with LOG_LEVEL=DEBUG), and a pointer to `check`."""
    log.debug("%s failed", command, exc_info=exc)
    if isinstance(exc, BackupError):
        print(f"error: {exc}", file=sys.stderr)
    else:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        print(f"error: {type(exc).__name__}: {detail[0] if detail else ''}", file=sys.stderr)
        print(
            f"hint: `python -m bot check --for {command}` checks the settings and services", file=sys.stderr
        )
    return 1


def cmd_backup_create(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        summary = create_backup(settings, Path(args.dir))
    except Exception as exc:  # the operator gets a line, not a traceback
        return _failure(exc, "backup")
    print(summary.text())
    return 0


def cmd_backup_restore(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        result = restore_backup(settings, Path(args.dir), force=args.force, parts=args.only or PARTS)
    except Exception as exc:
        return _failure(exc, "restore")
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


def cmd_backup_verify(args: argparse.Namespace) -> int:
    try:
        manifest = verify_backup(Path(args.dir))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    tables = {t: spec["rows"] for t, spec in manifest["database"]["tables"].items()}
    kb = manifest["kb"]
    print(
        f"ok: {args.dir} (made {manifest['created_at']} by version {manifest['app_version']}): "
        f"{len(manifest['files'])} files intact; database revision {manifest['database']['revision']}, "
        f"rows {tables}; {kb['documents']} documents, {kb['chunks']} passages"
    )
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = create_helpdesk_engine(settings.resolved_database_url, pool_size=1)
    try:
        if args.db_command == "upgrade":
            upgrade_database(engine)
        with engine.connect() as conn:
            current = preflight.schema_revision(conn)
    except SQLAlchemyError as exc:
        print(f"error: {str(getattr(exc, 'orig', exc)).strip().splitlines()[0]}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    head = preflight.code_head()
    state = "up to date" if current == head else ("empty" if current is None else "needs `db upgrade`")
    print(f"database revision {current or '(none)'}; code head {head}: {state}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="validate settings and reach the database and Chroma (for operators)")
    p.add_argument(
        "--for",
        dest="for_command",
        choices=preflight.COMMANDS,
        default="run",
        help="what to check for (default: run, the bot)",
    )
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="keep retrying servers that do not answer yet for this long",
    )
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("start", help="check settings and services, then run COMMAND (default: run)")
    p.add_argument(
        "--wait",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long to wait for the database and Chroma to answer (default 60)",
    )
    p.add_argument("--verbose", action="store_true", help="print every finding, not only problems")
    p.add_argument("command", nargs=argparse.REMAINDER, help="run | ingest [...] | backup ... (default: run)")
    p.set_defaults(func=cmd_start)

    p = sub.add_parser(
        "health", help="exit 0 if the database and Chroma answer and a knowledge base is served"
    )
    p.add_argument("--timeout", type=float, default=5.0)
    p.set_defaults(func=cmd_health)

    backup = sub.add_parser("backup", help="back up or restore requests and the knowledge base")
    bsub = backup.add_subparsers(dest="backup_command", metavar="{create,restore,verify}", required=True)
    p = bsub.add_parser("create", help="write a complete backup into a new folder")
    p.add_argument("dir")
    p.set_defaults(func=cmd_backup_create)
    p = bsub.add_parser("restore", help="restore a backup (refuses to overwrite data unless --force)")
    p.add_argument("dir")
    p.add_argument(
        "--force", action="store_true", help="replace existing requests, knowledge base and question log"
    )
    p.add_argument(
        "--only",
        action="append",
        choices=("database", "kb", "analytics"),
        help="restore only this part (repeatable; default all)",
    )
    p.set_defaults(func=cmd_backup_restore)
    p = bsub.add_parser("verify", help="check a backup's manifest and checksums")
    p.add_argument("dir")
    p.set_defaults(func=cmd_backup_verify)

    p = sub.add_parser("db", help="help-request database schema: show or upgrade (migrations)")
    p.add_argument("db_command", choices=("current", "upgrade"))
    p.set_defaults(func=cmd_db)
