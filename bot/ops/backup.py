"""Back up and restore everything the assistant cannot rebuild: help requests, the question log
and the knowledge base.

A backup is a plain folder::

    manifest.json   written last: format, counts, schema revision, sha256 of every file
    database/       the helpdesk's tables               (bot/helpdesk/backup.py)
    analytics/      the question log behind /stats      (bot/analytics_backup.py)
    kb/             source documents, index and vectors (bot/kb/backup.py)
    photos/         photos on help requests, as stored under DATA_DIR/attachments (below)

Each store owns its part: how it is read from one consistent snapshot, what its files look like,
what its restore must lock and check. This module only coordinates them: a backup appears only when
every part is written and checksummed, and a restore checks the whole backup and that every target
is empty (unless forced) before any part is touched. The model is not backed up (it is rebuilt from
pip packages at image build).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bot import analytics_backup
from bot.backup_format import BackupError
from bot.config import Settings
from bot.files import fsync_dir, fsync_write_text, open_private, private_dir, restrict_tree, sha256_file
from bot.helpdesk import backup as helpdesk_backup
from bot.kb import backup as kb_backup

__all__ = ["PARTS", "BackupError", "BackupSummary", "create_backup", "restore_backup", "verify_backup"]

log = logging.getLogger(__name__)

FORMAT = "village-assistant-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


@dataclasses.dataclass(frozen=True)
class BackupSummary:
    path: Path
    tables: dict[str, int]
    documents: int
    chunks: int
    generation: str | None
    questions: int = 0
    photos: int = 0

    def text(self) -> str:
        rows = ", ".join(f"{name} {n}" for name, n in self.tables.items()) or "no tables"
        return (
            f"backup at {self.path}\n"
            f"  database: {rows}\n"
            f"  question log: {self.questions} questions\n"
            f"  knowledge base: {self.documents} source files, {self.chunks} indexed passages"
            f" (generation {self.generation or 'none'})\n"
            f"  photos: {self.photos} files"
        )


def _app_version() -> str:
    try:
        return version("village-assistant")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


# ----------------------------------------------------------------------------- whole backups


def _checksums(root: Path, paths: Iterable[Path]) -> dict[str, dict[str, Any]]:
    return {
        str(p.relative_to(root)): {"sha256": sha256_file(p), "size": p.stat().st_size} for p in sorted(paths)
    }


def create_backup(settings: Settings, dest: Path) -> BackupSummary:
    """Write a complete backup to `dest` (a new or empty folder). It appears only when complete:
    everything is written to a hidden sibling that is renamed into place after the manifest."""
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} exists and is not empty; back up into a new folder")
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = dest.parent / f".{dest.name}.partial-{uuid.uuid4().hex[:8]}"
    work.mkdir(mode=0o700)  # names and phone numbers: readable by the owner only
    try:
        url = settings.resolved_database_url
        db = helpdesk_backup.dump(url, work / "database", work)
        question_log = analytics_backup.dump(settings, work / "analytics", work)
        kb = kb_backup.dump(settings, work / "kb")
        photos = _dump_photos(settings, work / "photos")
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "app_version": _app_version(),
            "origin": {
                "database": make_url(url).render_as_string(hide_password=True),
                "kb_source": str(settings.kb_source),
                "collection_prefix": settings.chroma_collection_prefix,
            },
            "database": db,
            "analytics": question_log,
            "kb": kb,
            "photos": photos,
            "files": _checksums(work, (p for p in work.rglob("*") if p.is_file())),
        }
        fsync_write_text(work / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        restrict_tree(work)  # names and phone numbers: files 0600, folders 0700
        if dest.exists():
            dest.rmdir()
        os.replace(work, dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    tables = {name: spec["rows"] for name, spec in db["tables"].items()}
    asked = sum(spec["rows"] for spec in question_log["tables"].values())
    return BackupSummary(dest, tables, kb["documents"], kb["chunks"], kb["generation"], asked, photos["files"])


# ----------------------------------------------------------------------------- photos
# Help requests' photos are files under DATA_DIR/attachments/<number>/ (bot/helpdesk/attachments.py);
# the database holds their rows (path, size, sha256). Photos staged by a form in progress are not
# backed up: the form state they belong to is not either.


def _photos_root(settings: Settings) -> Path:
    return Path(settings.data_dir) / "attachments"


def _photo_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and p.relative_to(root).parts[0] != "staged"
    )


def _dump_photos(settings: Settings, out: Path) -> dict[str, Any]:
    root = _photos_root(settings)
    files = _photo_files(root)
    for file in files:
        target = out / file.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)
    return {"files": len(files), "bytes": sum(f.stat().st_size for f in files)}


def _restore_photos(settings: Settings, backup: Path) -> dict[str, int]:
    """Copy the backup's photos into DATA_DIR/attachments (owner-only), replacing same-named files."""
    source, root = backup / "photos", _photos_root(settings)
    files = _photo_files(source)
    for file in files:
        target = root / file.relative_to(source)
        folder = private_dir(target.parent)
        with open_private(target) as fh:
            fh.write(file.read_bytes())
            fh.flush()
            os.fsync(fh.fileno())
        fsync_dir(folder)
    return {"files": len(files)}


def verify_backup(path: Path) -> dict[str, Any]:
    """The manifest of a complete, undamaged backup; otherwise a `BackupError` naming what is wrong."""
    path = Path(path)
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"{path} has no {MANIFEST}: not a backup, or an unfinished one") from exc
    except ValueError as exc:
        raise BackupError(f"{path / MANIFEST} is not valid JSON: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a {FORMAT} folder")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"backup format {manifest.get('format_version')} is not supported (expected {FORMAT_VERSION})"
        )
    damaged: list[str] = []
    for rel, expected in manifest.get("files", {}).items():
        file = path / rel
        if not file.is_file():
            damaged.append(f"{rel} (missing)")
        elif file.stat().st_size != expected["size"] or sha256_file(file) != expected["sha256"]:
            damaged.append(f"{rel} (checksum mismatch)")
    if damaged:
        shown = "; ".join(damaged[:10]) + (f"; and {len(damaged) - 10} more" if len(damaged) > 10 else "")
        raise BackupError(f"backup {path} is damaged: {shown}")
    return manifest


PARTS = ("database", "kb", "analytics", "photos")


def restore_backup(
    settings: Settings, path: Path, *, force: bool = False, parts: Iterable[str] = PARTS
) -> dict[str, Any]:
    """Restore `parts` of the backup at `path`. Everything is checked first — checksums, and that
    the targets are empty unless `force` — so a refused restore changes nothing."""
    path = Path(path)
    parts = tuple(parts)
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise BackupError(f"unknown part(s) {sorted(unknown)}; choose from {', '.join(PARTS)}")
    manifest = verify_backup(path)
    url = settings.resolved_database_url
    occupied: list[str] = []
    if "database" in parts:
        rows = helpdesk_backup.contents(url)
        if rows:
            occupied.append("the database holds " + ", ".join(f"{n} {t}" for t, n in rows.items()))
    if "kb" in parts:
        occupied.extend(kb_backup.contents(settings))
    if "analytics" in parts and "analytics" in manifest:
        asked = analytics_backup.contents(settings)
        if asked:
            occupied.append(f"the question log holds {asked} questions")
    if "photos" in parts and "photos" in manifest:
        present = _photo_files(_photos_root(settings))
        if present:
            occupied.append(f"{_photos_root(settings)} holds {len(present)} photos")
    if occupied and not force:
        raise BackupError(
            "refusing to restore over existing data (" + "; ".join(occupied) + "). "
            "Stop the bot, make a fresh backup of what is there if it matters, then pass --force"
        )
    started = time.perf_counter()
    result: dict[str, Any] = {"backup": str(path), "created_at": manifest.get("created_at")}
    if "database" in parts:
        result["tables"] = helpdesk_backup.restore(url, manifest["database"], path)
    if "kb" in parts:
        result["kb"] = kb_backup.restore(settings, manifest["kb"], path / "kb")
    if "analytics" in parts:
        # backups made before the question log was included simply have none to restore
        if "analytics" in manifest:
            result["analytics"] = analytics_backup.restore(settings, manifest["analytics"], path)
        else:
            result["analytics"] = "not in this backup"
    if "photos" in parts:
        # backups made before photos were included have none to restore
        result["photos"] = _restore_photos(settings, path) if "photos" in manifest else "not in this backup"
    result["seconds"] = round(time.perf_counter() - started, 2)
    log.info("restored %s", result)
    return result
