"""One call from a file on disk to a cleaned `Document`: what ingestion uses per file."""

from __future__ import annotations

from pathlib import Path

from bot.kb.clean import clean_document
from bot.kb.formats import ReadOptions
from bot.kb.loaders import DEFAULT_MAX_BYTES, load_text
from bot.kb.types import Document

__all__ = ["load_document"]


def load_document(
    path: Path, source: str, *, max_bytes: int = DEFAULT_MAX_BYTES, options: ReadOptions | None = None
) -> Document:
    """Load `path` (any supported format) and clean it; raises DocumentError when unusable.

    `source` is the document's stable name (path relative to the source folder): it goes into
    errors, the Document and every chunk id, so it must not depend on where the folder lives.
    """
    text, meta = load_text(Path(path), max_bytes=max_bytes, source=source, options=options)
    return clean_document(source, text, meta)
