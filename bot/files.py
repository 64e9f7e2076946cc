"""Small file helpers shared by the knowledge base, the model build, backups and every file that
holds personal data (stdlib only).

Durability matters where these are used: a manifest or `CURRENT` pointer that is renamed into place
must be on disk first, or a crash can leave a pointer to a file that was never written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import IO, Any


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text and fsync it before returning."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def fsync_dir(path: Path) -> None:
    """Make renames and new entries in a directory durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- owner-only files -------------------------------------------------------------------------
# Databases, exports, backups and conversation state hold names, phone and ID numbers: they are
# created readable by the bot's user only (0600, folders 0700), whatever the process umask says.
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) as 0700 folders; an existing folder is left as it is
    (an operator's mount point keeps its own permissions)."""
    path = Path(path)
    missing = []
    for parent in (path, *path.parents):
        if parent.exists():
            break
        missing.append(parent)
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=PRIVATE_DIR)
            os.chmod(folder, PRIVATE_DIR)  # mkdir's mode is filtered by the umask
    return path


def private_file(path: Path) -> Path:
    """Make sure `path` exists as an owner-only (0600) regular file before a library (SQLite)
    opens it; an existing file of ours is tightened to 0600 too (installs made before this)."""
    path = Path(path)
    private_dir(path.parent)
    if path.is_symlink():
        return path  # an operator's deliberate layout; SQLite follows it, we do not re-permission it
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, PRIVATE_FILE)
    try:
        if os.fstat(fd).st_uid == os.getuid():
            os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)
    return path


def open_private(path: Path, mode: str = "wb", encoding: str | None = None) -> IO[Any]:
    """`open(path, mode)` for writing a new owner-only file; a link at `path` is replaced, never
    written through."""
    path = Path(path)
    with contextlib.suppress(FileNotFoundError):
        if path.is_symlink():
            path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    return os.fdopen(fd, mode, encoding=encoding)


def restrict_tree(root: Path) -> None:
    """Owner-only permissions on a folder we wrote (a backup): folders 0700, files 0600."""
    root = Path(root)
    os.chmod(root, PRIVATE_DIR)
    for folder, dirnames, filenames in os.walk(root):
        for name in dirnames:
            if not os.path.islink(os.path.join(folder, name)):
                os.chmod(os.path.join(folder, name), PRIVATE_DIR)
        for name in filenames:
            if not os.path.islink(os.path.join(folder, name)):
                os.chmod(os.path.join(folder, name), PRIVATE_FILE)


def write_new_file(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `data` to a file that must not exist yet (a leftover is removed first): never through
    a link someone placed at `path`. fsynced before returning."""
    path = Path(path)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
