"""Small file helpers shared by the knowledge base, the model build and backups (stdlib only).

Durability matters where these are used: a manifest or `CURRENT` pointer that is renamed into place
must be on disk first, or a crash can leave a pointer to a file that was never written.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


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
