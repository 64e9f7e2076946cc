"""Start-up checks: every missing or malformed setting reported on one line, before anything runs.

Pydantic already refuses values of the wrong shape; `load_settings_or_exit` turns its error into
one plain line per setting (named as the operator types it: the environment variable) instead of
a traceback. `check_settings` then checks what a type cannot: that the token is there for `run`,
the database and the Chroma server answer, the data folder is writable, the knowledge-base folder
exists, webhook settings fit together. The bot container runs these through `python -m bot start`
so a misconfigured deployment stops at once with the reason, instead of failing on the first
villager's message.
"""

from __future__ import annotations

import os
import re
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfoNotFoundError

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from bot.config import Settings, reveal
from bot.helpdesk.revisions import code_head as code_head  # re-exported for `python -m bot db`
from bot.helpdesk.revisions import known_revisions
from bot.helpdesk.revisions import schema_revision as schema_revision  # re-exported, as code_head
from bot.kb.index import IndexDir
from bot.kb.loaders import SUPPORTED_SUFFIXES
from bot.kb.model_build import DEFAULT_MODEL_DIRNAME, is_complete
from bot.llm.check import probe as probe_llm
from bot.llm.config import LLMConfig

# Re-exported: the loader moved to a light module so every command can use it without this one's imports.
from bot.ops.settings import SECRET_FIELDS as SECRET_FIELDS
from bot.ops.settings import describe_settings_error as describe_settings_error
from bot.ops.settings import describe_validation_error as describe_validation_error
from bot.ops.settings import load_settings_or_exit as load_settings_or_exit

ERROR = "error"
WARNING = "warning"
INFO = "info"  # not a problem: what a check found (the model endpoint answers)

# What each command needs; `check` without --for checks for `run`, the bot itself.
COMMANDS = ("run", "ingest", "backup", "restore", "health")


TOKEN_RE = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")
# Telegram's rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Telegram delivers webhooks only to these ports.
WEBHOOK_PORTS = (443, 80, 88, 8443)
HEARTBEAT_PATH = "/api/v2/heartbeat"



@dataclass(frozen=True)
class Finding:
    """One problem: which setting, what is wrong, and whether waiting could fix it."""

    level: str
    setting: str
    message: str
    transient: bool = False  # a server that does not answer yet may answer in a few seconds

    @property
    def text(self) -> str:
        return f"{self.setting}: {self.message}"


# ----------------------------------------------------------------------------- single checks


def check_token(settings: Settings) -> list[Finding]:
    token = reveal(settings.telegram_bot_token)
    if not token:
        message = "is not set; create a bot with @BotFather and put its token in .env"
        return [Finding(ERROR, "TELEGRAM_BOT_TOKEN", message)]
    if not TOKEN_RE.match(token.strip()):
        message = "does not look like a bot token (expected '<digits>:<about 35 characters>' from @BotFather)"
        return [Finding(ERROR, "TELEGRAM_BOT_TOKEN", message)]
    return []


def check_admins(settings: Settings) -> list[Finding]:
    if not settings.admin_ids:
        return [Finding(WARNING, "ADMIN_IDS", "is empty: nobody can add villages or cadres from Telegram")]
    return []


def check_webhook(settings: Settings) -> list[Finding]:
    """Webhook mode needs an https URL Telegram can reach and a secret to tell its calls apart."""
    out: list[Finding] = []
    if not settings.webhook_url:
        if settings.webhook_secret:
            out.append(
                Finding(
                    WARNING, "WEBHOOK_SECRET", "is set but WEBHOOK_URL is not: the bot polls and ignores it"
                )
            )
        return out
    parts = urlsplit(settings.webhook_url)
    if parts.scheme != "https":
        message = f"must start with https:// (Telegram only calls TLS endpoints), got {settings.webhook_url!r}"
        out.append(Finding(ERROR, "WEBHOOK_URL", message))
    if not parts.hostname:
        out.append(Finding(ERROR, "WEBHOOK_URL", f"has no host name: {settings.webhook_url!r}"))
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and port not in WEBHOOK_PORTS:
        allowed = ", ".join(map(str, WEBHOOK_PORTS))
        message = f"port {parts.port if port != -1 else '?'} is not one Telegram calls ({allowed})"
        out.append(Finding(ERROR, "WEBHOOK_URL", message))
    if not settings.webhook_secret:
        message = "is required in webhook mode (1-256 characters A-Z a-z 0-9 _ -), e.g. `openssl rand -hex 32`"
        out.append(Finding(ERROR, "WEBHOOK_SECRET", message))
    elif not WEBHOOK_SECRET_RE.match(settings.webhook_secret.get_secret_value()):
        out.append(
            Finding(ERROR, "WEBHOOK_SECRET", "may only contain A-Z a-z 0-9 _ - and be at most 256 characters")
        )
    return out


def check_timezone(settings: Settings) -> list[Finding]:
    try:
        settings.tz  # noqa: B018 - validated at load; a model_copy'd value is checked here
    except (ZoneInfoNotFoundError, ValueError):
        return [Finding(ERROR, "TIMEZONE", f"unknown time zone {settings.timezone!r} (e.g. Asia/Shanghai)")]
    return []


def check_writable_dir(path: Path, setting: str) -> list[Finding]:
    """Create the folder if needed and prove we can write to it (a read-only volume fails here)."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".preflight-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        uid = os.getuid() if hasattr(os, "getuid") else "?"
        return [
            Finding(ERROR, setting, f"folder {path} is not writable by user {uid}: {exc.strerror or exc}")
        ]
    return []


def check_data_dir(settings: Settings) -> list[Finding]:
    return check_writable_dir(settings.data_dir, "DATA_DIR")


def check_kb_source(settings: Settings) -> list[Finding]:
    source = Path(settings.kb_source)
    if not source.is_dir():
        message = f"folder {source} does not exist; create it and put policy documents in it"
        return [Finding(ERROR, "KB_SOURCE", message)]
    if not any(p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES for p in source.rglob("*")):
        message = f"folder {source} has no documents: every question will be answered 'not covered'"
        return [Finding(WARNING, "KB_SOURCE", message)]
    return []


def check_converter(settings: Settings) -> list[Finding]:
    """Old office files (.doc .wps .et) need LibreOffice; without it they are skipped one by one."""
    from bot.kb.convert import soffice_path

    if soffice_path() is not None:
        return []
    return [
        Finding(
            WARNING,
            "LibreOffice",
            "not installed: .doc, .wps and .et documents will be skipped; install the Debian packages "
            "libreoffice-writer-nogui and libreoffice-calc-nogui (the Docker image has them)",
        )
    ]


def check_model(settings: Settings) -> list[Finding]:
    """At run time the model must already be there: containers have no network and may be read-only."""
    if settings.embedding_model:
        candidate = Path(settings.embedding_model).expanduser()
        if not candidate.exists():
            message = f"{settings.embedding_model!r} is not a local folder; it must already be in the Hugging Face cache (there is no network at run time)"
            return [Finding(WARNING, "EMBEDDING_MODEL", message)]
        return []
    folder = settings.model_cache_dir / DEFAULT_MODEL_DIRNAME
    if is_complete(folder):
        return []
    if check_writable_dir(settings.model_cache_dir, "MODEL_CACHE"):
        message = f"no built embedding model in {folder} and the folder is not writable; build it with `python -m bot.kb.model_build {settings.model_cache_dir}`"
        return [Finding(ERROR, "MODEL_CACHE", message)]
    message = f"no built embedding model in {folder}; the first use builds it (about 30 s)"
    return [Finding(WARNING, "MODEL_CACHE", message)]


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparsable URL)"


def check_database(settings: Settings, timeout: float = 5.0) -> list[Finding]:
    """DATABASE_URL parses, names a backend we support, answers, and its schema is not from the future."""
    raw = settings.resolved_database_url
    try:
        url = make_url(raw)
    except ArgumentError:
        message = "is not a database URL (expected e.g. postgresql+psycopg://user:password@host:5432/dbname)"
        return [Finding(ERROR, "DATABASE_URL", message)]
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")  # as the helpdesk engine does: psycopg 3 is installed
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        message = f"backend {backend!r} is not supported; use postgresql+psycopg://… or sqlite:///…"
        return [Finding(ERROR, "DATABASE_URL", message)]
    if backend == "postgresql" and url.get_driver_name() != "psycopg":
        message = f"driver {url.get_driver_name()!r} is not installed; write the URL as postgresql+psycopg://…"
        return [Finding(ERROR, "DATABASE_URL", message)]
    if backend == "postgresql" and not url.database:
        return [Finding(ERROR, "DATABASE_URL", "names no database (…@host:5432/dbname)")]
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            return [
                Finding(ERROR, "DATABASE_URL", "an in-memory SQLite database loses every request on restart")
            ]
        problems = check_writable_dir(Path(url.database).expanduser().parent, "DATABASE_URL")
        if problems:
            return problems
        if not Path(url.database).expanduser().exists():
            return []  # created with the schema on first start
    connect_args = (
        {"connect_timeout": max(1, int(timeout))} if backend == "postgresql" else {"timeout": timeout}
    )
    try:
        engine = create_engine(url, connect_args=connect_args, poolclass=NullPool)
    except (NoSuchModuleError, ImportError) as exc:
        return [Finding(ERROR, "DATABASE_URL", f"database driver missing: {exc}")]
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            revision = schema_revision(conn)
    except SQLAlchemyError as exc:
        first = (
            str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            if str(getattr(exc, "orig", exc)).strip()
            else type(exc).__name__
        )
        return [
            Finding(ERROR, "DATABASE_URL", f"cannot connect to {_safe_url(raw)}: {first}", transient=True)
        ]
    finally:
        engine.dispose()
    if revision is not None and revision not in known_revisions():
        message = f"schema revision {revision!r} is newer than this version of the bot; install the version that wrote it or restore a backup"
        return [Finding(ERROR, "DATABASE_URL", message)]
    return []


def chroma_heartbeat(host: str, port: int, timeout: float = 5.0) -> str | None:
    """None if a Chroma server answers its heartbeat, else why not."""
    url = f"http://{host}:{port}{HEARTBEAT_PATH}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            if resp.status == 200:
                return None
            return f"HTTP {resp.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code} from {url}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"{reason} ({url})"


def check_chroma(settings: Settings, timeout: float = 5.0) -> list[Finding]:
    if not settings.chroma_host:
        return []  # embedded: lives under DATA_DIR, checked there
    problem = chroma_heartbeat(settings.chroma_host, settings.chroma_port, timeout)
    if problem:
        message = f"no Chroma server answers at {settings.chroma_host}:{settings.chroma_port}: {problem}"
        return [Finding(ERROR, "CHROMA_HOST", message, transient=True)]
    return []


def check_index_pointer(settings: Settings) -> list[Finding]:
    """A broken CURRENT pointer: the bot serves a fallback generation, loudly, until an ingest repairs it."""
    problem = IndexDir(settings.index_dir, settings.chroma_collection_prefix).pointer_problem()
    return [Finding(WARNING, "DATA_DIR", f"knowledge-base pointer broken: {problem}")] if problem else []


def check_index(settings: Settings) -> list[Finding]:
    if pointer := check_index_pointer(settings):
        return pointer
    if IndexDir(settings.index_dir, settings.chroma_collection_prefix).current() is None:
        message = f"no knowledge base is indexed under {settings.index_dir} yet; run `python -m bot ingest`"
        return [Finding(WARNING, "DATA_DIR", message)]
    return []


def check_llm(settings: Settings, timeout: float = 5.0) -> list[Finding]:
    """The optional model endpoint (docs/llm.md): a warning when it does not answer, since the bot
    still answers extractively; a line saying it answers when it does."""
    config = LLMConfig.from_settings(settings)
    if config is None:
        return []
    result = probe_llm(config, timeout + config.first_token_timeout)
    return [Finding(INFO if result.ok else WARNING, "LLM_BASE_URL", result.message)]


# ----------------------------------------------------------------------------- combined


def _plan(command: str, timeout: float) -> list[Callable[[Settings], list[Finding]]]:
    db = lambda s: check_database(s, timeout)  # noqa: E731
    chroma = lambda s: check_chroma(s, timeout)  # noqa: E731
    plans: dict[str, list[Callable[[Settings], list[Finding]]]] = {
        "run": [
            check_token,
            check_webhook,
            check_admins,
            check_timezone,
            check_data_dir,
            check_kb_source,
            check_converter,
            check_model,
            db,
            chroma,
            check_index_pointer,
        ],
        "ingest": [check_data_dir, check_kb_source, check_converter, check_model, chroma, check_index_pointer],
        "backup": [check_data_dir, db, chroma],
        "restore": [check_data_dir, db, chroma],
        "health": [db, chroma, check_index],
    }
    plans["run"].append(lambda s: check_llm(s, timeout))
    if command not in plans:
        raise ValueError(f"unknown command {command!r}; one of {', '.join(COMMANDS)}")
    return plans[command]


def findings(settings: Settings, command: str = "run", *, timeout: float = 5.0) -> list[Finding]:
    """Errors and warnings for running `command` with these settings (checks run in a fixed order)."""
    out: list[Finding] = []
    for check in _plan(command, timeout):
        out.extend(check(settings))
    return out


def check_settings(settings: Settings, command: str = "run", *, timeout: float = 5.0) -> list[str]:
    """One clear English line per problem that stops `command` from working; empty when all is well."""
    return [f.text for f in findings(settings, command, timeout=timeout) if f.level == ERROR]


def wait_for_checks(
    settings: Settings,
    command: str = "run",
    *,
    wait: float = 0.0,
    timeout: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Finding]:
    """Like `findings`, but while the only errors are servers not answering yet, retry until `wait`
    seconds have passed: containers start in parallel and PostgreSQL takes a moment."""
    deadline = time.monotonic() + wait
    while True:
        result = findings(settings, command, timeout=timeout)
        errors = [f for f in result if f.level == ERROR]
        if not errors or any(not f.transient for f in errors) or time.monotonic() >= deadline:
            return result
        sleep(min(2.0, max(0.1, deadline - time.monotonic())))


def report(result: Iterable[Finding], stream: TextIO | None = None) -> int:
    """Print findings for an operator; 0 if there is no error, 1 otherwise."""
    stream = stream or sys.stderr
    result = list(result)
    errors = [f for f in result if f.level == ERROR]
    for f in result:
        print(f"{f.level}: {f.text}", file=stream)
    return 1 if errors else 0
