"""The knowledge base as one service: search, (re)ingest, add and remove documents, list them.

This is the narrow surface the rest of the product uses; it owns the embedder, the vector store
and the served snapshot, so an in-process reload swaps generations without a restart and
questions keep being answered from the old generation until the new one is published.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.files import write_new_file
from bot.kb.embeddings import Embedder, load_embedder
from bot.kb.formats import ReadOptions
from bot.kb.index import IndexDir
from bot.kb.search import RetrievalParams, Retriever, SearchResult
from bot.kb.types import SkipReason
from bot.kb.vectorstore import VectorStore, open_store

if TYPE_CHECKING:  # pragma: no cover
    from bot.kb.ingest import IngestReport, Progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentInfo:
    source: str
    title: str
    chunks: int
    size: int


class KnowledgeBaseError(Exception):
    """A user-correctable problem (bad name, unsupported type); `args[0]` is English for logs,
    `code` says which problem for front ends to word."""

    def __init__(self, message: str, code: SkipReason = SkipReason.OTHER) -> None:
        super().__init__(message)
        self.code = code


class KnowledgeBase:
    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        store: VectorStore | None = None,
        params: RetrievalParams | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder or load_embedder(settings)
        self.store = store or open_store(settings)
        self.index = IndexDir(settings.index_dir, settings.chroma_collection_prefix)
        self.retriever = Retriever(self.index, self.store, self.embedder, params)
        self._ingest_lock = threading.Lock()
        self._alerted: str | None = None

    @property
    def source_dir(self) -> Path:
        return Path(self.settings.kb_source)

    # --- reading ---------------------------------------------------------------------------
    def search(self, question: str, k: int | None = None) -> SearchResult:
        return self.retriever.search(question, k or self.settings.top_k)

    def is_empty(self) -> bool:
        snap = self.retriever.snapshot()
        return snap is None or not snap.chunks

    def documents(self) -> list[DocumentInfo]:
        snap = self.retriever.snapshot()
        if snap is None:
            return []
        return [
            DocumentInfo(e.source, e.title, len(e.chunk_ids), e.size)
            for e in sorted(snap.manifest.files.values(), key=lambda e: e.source)
        ]

    # --- writing ---------------------------------------------------------------------------
    def ingest(
        self, source: Path | None = None, *, rebuild: bool = False, progress: Progress | None = None
    ) -> IngestReport:
        # Deferred: the ingest path (file loaders, spreadsheets, OCR, LibreOffice helpers) costs
        # ~0.5 s of imports that answering a question never needs (`python -m bot ask`, issue 13).
        from bot.kb.ingest import ingest

        with self._ingest_lock:
            report = ingest(
                self.index, self.store, self.embedder, Path(source or self.source_dir),
                rebuild=rebuild, progress=progress, read_options=read_options(self.settings),
            )
        self.retriever.snapshot()  # pick up the new generation now, not on the next question
        return report

    def add_file(self, filename: str, data: bytes, progress: Progress | None = None) -> IngestReport:
        """Store an uploaded file in the source folder and ingest incrementally.

        The file is written beside the others only after its name and size pass; if it turns
        out unreadable the report says why and the file is moved out of the folder again, so a
        bad upload never lingers to be reported on every reload.
        """
        from bot.kb.ingest import MAX_FILE_BYTES  # deferred: see `ingest`

        name = safe_filename(filename)
        if len(data) > MAX_FILE_BYTES:
            raise KnowledgeBaseError(f"file too large: {len(data)} bytes", SkipReason.TOO_LARGE)
        target = self.source_dir / name
        self.source_dir.mkdir(parents=True, exist_ok=True)
        backup = None
        if os.path.lexists(target):
            backup = target.with_name(f".{target.name}.bak")
            backup.unlink(missing_ok=True)
            # A link is kept as a link (never copied through), so restoring puts back what was there.
            shutil.copy2(target, backup, follow_symlinks=False)
        # Written as a new plain file and renamed over the name: a link planted at either name is
        # replaced, never written through.
        tmp = target.with_name(f".{target.name}.upload")
        write_new_file(tmp, data)
        os.replace(tmp, target)
        try:
            report = self.ingest(progress=progress)
        except BaseException:
            self._restore(target, backup)
            raise
        if any(src == name for src, _ in report.skipped):
            self._restore(target, backup)
        elif backup:
            backup.unlink(missing_ok=True)
        return report

    @staticmethod
    def _restore(target: Path, backup: Path | None) -> None:
        if backup and backup.exists():
            backup.replace(target)
        else:
            target.unlink(missing_ok=True)

    def remove_document(self, source: str, progress: Progress | None = None) -> IngestReport:
        """Delete one document (the folder entry itself: a link is removed, never its target)."""
        rel = Path(source)
        root = self.source_dir.resolve()
        target = root / rel
        if (
            rel.is_absolute() or not rel.parts or ".." in rel.parts
            or target.parent.resolve() != target.parent  # reached through a linked folder
            or not (target.is_symlink() or target.is_file())
        ):
            raise KnowledgeBaseError(f"no such document: {source}")
        target.unlink()
        return self.ingest(progress=progress)

    # --- health ----------------------------------------------------------------------------
    def pointer_problem(self) -> str | None:
        """Why the served generation is a fallback (CURRENT unreadable, empty or dangling), or None.
        English, for logs, `health`/`check` and the admins' alert."""
        return self.index.pointer_problem()

    def take_alert(self) -> str | None:
        """The pointer problem, once per distinct fault (None after that, and when all is well):
        what a front end sends the admins as their one message."""
        problem = self.pointer_problem()
        if problem is None:
            self._alerted = None
            return None
        if problem == self._alerted:
            return None
        self._alerted = problem
        return problem


def read_options(settings: Settings) -> ReadOptions:
    """The conversion and OCR limits from the settings."""
    return ReadOptions(
        convert_timeout=settings.convert_timeout_s,
        ocr_page_seconds=settings.ocr_page_seconds,
        ocr_max_pages=settings.ocr_max_pages,
        ocr_min_confidence=settings.ocr_min_confidence,
    )


def safe_filename(filename: str) -> str:
    """A plain file name (no folders, no hidden files) with a supported suffix."""
    from bot.kb.loaders import SUPPORTED_SUFFIXES  # deferred with the ingest path (see KnowledgeBase.ingest)

    name = Path(filename.replace("\\", "/")).name.strip()
    if not name or name.startswith((".", "~$")):
        raise KnowledgeBaseError(f"bad file name: {filename!r}")
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise KnowledgeBaseError(f"unsupported file type: {Path(name).suffix or '(none)'}", SkipReason.UNSUPPORTED)
    return name
