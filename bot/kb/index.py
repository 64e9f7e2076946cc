"""On-disk layout of the knowledge base: immutable generations and an atomic CURRENT pointer.

Every ingest that changes something writes a complete new *generation* (chunk table, BM25 index,
manifest, Chroma collection) beside the one being served, and only then flips `CURRENT` with an
atomic rename. A run that dies midway — a bad file, a kill, a full disk — therefore leaves the
previous generation serving and intact; its leftovers are swept by the next run. The previous
generation is kept one round so a process still serving it is never pulled from under its feet.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import numpy as np

from bot.files import fsync_dir, fsync_write_text
from bot.kb.types import Chunk
from bot.kb.vectorstore import VectorStore

log = logging.getLogger(__name__)
# bm25s sets its own logger to DEBUG on import, which printed "Building index from tokens" into
# every ingest's output; its messages are progress chatter, so only warnings get through.
logging.getLogger("bm25s").setLevel(logging.WARNING)

CURRENT = "CURRENT"
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
BM25_DIR = "bm25"
FORMAT_VERSION = 1
_NO_TOKEN = "\x00"  # see write_generation_files


class IngestBusyError(RuntimeError):
    """Another ingest holds the index lock."""


@dataclass
class FileEntry:
    """One source file as indexed: its content hash decides whether the next run re-reads it."""

    source: str
    sha256: str
    size: int
    title: str
    chunk_ids: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    generation: str
    created: float
    embedder: str
    chunking: dict[str, int]
    collection: str
    files: dict[str, FileEntry] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        raw = json.loads(text)
        raw["files"] = {k: FileEntry(**v) for k, v in raw.get("files", {}).items()}
        return cls(**raw)


class IndexDir:
    """The `index/` folder under the data dir: generations, the CURRENT pointer and the ingest lock."""

    def __init__(self, root: Path, collection_prefix: str = "kb") -> None:
        self.root = Path(root)
        self.prefix = collection_prefix
        self._reported: tuple[str, str | None] | None = None

    # --- pointer -----------------------------------------------------------------------
    def _read_pointer(self) -> tuple[dict | None, str | None]:
        """The parsed CURRENT file and, when it cannot be used, why (None, None: no CURRENT yet)."""
        path = self.root / CURRENT
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            # No pointer yet is normal before the first ingest; gone beside an index is a fault.
            return None, (f"{path} is missing" if self.complete_generations() else None)
        except (OSError, ValueError) as exc:
            return None, f"{path} is unreadable ({type(exc).__name__}: {exc})"
        if not isinstance(data, dict):
            return None, f"{path} does not hold a generation record"
        gen = data.get("generation")
        if not isinstance(gen, str) or not gen:
            return data, f"{path} names no generation"
        if not self.is_complete(gen):
            return data, f"{path} names generation {gen!r}, which is missing or incomplete"
        return data, None

    def current(self) -> str | None:
        """The generation to serve: the one CURRENT names, or — when CURRENT is unreadable, empty,
        dangling or gone while generations exist — the newest complete one (see `pointer_problem`).

        A broken pointer must never silence every answer while an intact index lies beside it."""
        data, problem = self._read_pointer()
        if problem is None:
            return data["generation"] if data else None
        complete = self.complete_generations()
        fallback = complete[-1] if complete else None
        key = (problem, fallback)
        if key != self._reported:  # once per distinct fault, not on every question
            self._reported = key
            log.error("knowledge-base pointer broken: %s; serving the newest complete generation %s "
                      "(the next ingest repairs the pointer)", problem, fallback)
        return fallback

    def pointer_problem(self) -> str | None:
        """Why CURRENT cannot be used as it is (English, for logs, `health` and admins), or None."""
        _, problem = self._read_pointer()
        if problem is None:
            return None
        complete = self.complete_generations()
        fallback = f"serving the newest complete generation {complete[-1]}" if complete else "nothing to serve"
        return f"{problem}; {fallback}; run `python -m bot ingest` to repair it"

    def is_complete(self, generation: str) -> bool:
        """A generation is complete once its manifest is written (it is written last)."""
        return bool(generation) and "/" not in generation and (self.root / generation / MANIFEST).is_file()

    def complete_generations(self) -> list[str]:
        """Complete generations, oldest first (by the manifest's creation time, then by name)."""
        if not self.root.is_dir():
            return []
        found: list[tuple[float, str]] = []
        for child in self.root.iterdir():
            if not (child.name.startswith("g") and child.is_dir() and not child.is_symlink()):
                continue
            try:
                created = float(json.loads((child / MANIFEST).read_text(encoding="utf-8"))["created"])
            except (OSError, ValueError, KeyError, TypeError):
                continue  # no manifest (a run that died) or an unreadable one: not complete
            found.append((created, child.name))
        return [name for _, name in sorted(found)]

    def previous(self) -> str | None:
        data, _ = self._read_pointer()
        prev = data.get("previous") if data else None
        return prev if isinstance(prev, str) else None

    def pointer_stamp(self) -> float:
        """Cheap change detector for readers in other processes."""
        try:
            return (self.root / CURRENT).stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    def publish(self, generation: str) -> None:
        """Atomically make `generation` the one served (write temp, fsync, rename, fsync dir).

        `previous` is what CURRENT named; with a broken pointer, the newest other complete
        generation (so a repair keeps the one before it as well)."""
        data, problem = self._read_pointer()
        if problem is None:
            previous = data["generation"] if data else None
        else:
            others = [g for g in self.complete_generations() if g != generation]
            previous = others[-1] if others else None
        tmp = self.root / f".{CURRENT}.{uuid.uuid4().hex}"
        fsync_write_text(tmp, json.dumps({"generation": generation, "previous": previous, "at": time.time()}))
        os.replace(tmp, self.root / CURRENT)
        fsync_dir(self.root)

    # --- generations ---------------------------------------------------------------------
    def new_generation(self) -> str:
        return time.strftime("g%Y%m%dt%H%M%S") + "-" + uuid.uuid4().hex[:8]

    def collection_name(self, generation: str) -> str:
        return f"{self.prefix}-{generation}"

    def path(self, generation: str) -> Path:
        return self.root / generation

    def manifest(self, generation: str) -> Manifest:
        return Manifest.from_json((self.path(generation) / MANIFEST).read_text(encoding="utf-8"))

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One writer at a time, across processes; released by the OS if the process dies."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise IngestBusyError("another ingest is running on this data dir") from exc
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def sweep(self, store: VectorStore) -> list[str]:
        """Remove leftovers: incomplete generations (a run that died) and complete ones older than
        the one served, except the previous one (a process may still hold its snapshot).

        A complete generation is never removed unless a newer complete one is being served through
        an intact CURRENT: while the pointer is broken, nothing complete goes."""
        _, problem = self._read_pointer()
        served = None if problem else self.current()  # a fallback is served, never trusted to prune
        complete = self.complete_generations()
        keep = set(complete)
        if served in keep:
            older = complete[: complete.index(served)]
            keep -= set(older)
            prev = self.previous()
            if prev in older:
                keep.add(prev)
        removed: list[str] = []
        if self.root.is_dir():
            for child in self.root.iterdir():
                if child.is_dir() and child.name.startswith("g") and child.name not in keep:
                    shutil.rmtree(child, ignore_errors=True)
                    removed.append(child.name)
                elif child.name.startswith(f".{CURRENT}."):
                    child.unlink(missing_ok=True)
        keep_cols = {self.collection_name(g) for g in keep}
        for name in store.names():
            if name.startswith(f"{self.prefix}-g") and name not in keep_cols:
                store.drop(name)
                removed.append(name)
        return removed


def write_generation_files(folder: Path, manifest: Manifest, chunks: list[Chunk], tokens: list[list[str]]) -> None:
    """Chunk table, BM25 index and manifest of one generation; the manifest is written last."""
    folder.mkdir(parents=True, exist_ok=False)
    with open(folder / CHUNKS, "w", encoding="utf-8") as fh:
        for chunk in chunks:
            fh.write(json.dumps(dataclasses.asdict(chunk), ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    retriever = bm25s.BM25()
    # An empty knowledge base (every file skipped) is legal, but bm25s cannot index a corpus with
    # no token at all: give it a placeholder no query can contain, one per chunk so positions hold.
    if not any(tokens):
        tokens = [[_NO_TOKEN]] * max(1, len(tokens))
    retriever.index(tokens, show_progress=False)
    retriever.save(str(folder / BM25_DIR))
    fsync_write_text(folder / MANIFEST, manifest.to_json())
    fsync_dir(folder)


def read_chunks(folder: Path) -> list[Chunk]:
    """The chunk table of one generation (without loading its BM25 index)."""
    with open(folder / CHUNKS, encoding="utf-8") as fh:
        return [Chunk(**json.loads(line)) for line in fh if line.strip()]


@dataclass
class Snapshot:
    """One loaded generation, read-only, shared by all searches until the next reload."""

    generation: str
    manifest: Manifest
    chunks: list[Chunk]
    bm25: bm25s.BM25
    collection: str
    positions: dict[str, int] = field(default_factory=dict)  # chunk id → index in `chunks`

    @classmethod
    def load(cls, index: IndexDir, generation: str) -> Snapshot:
        folder = index.path(generation)
        manifest = index.manifest(generation)
        chunks = read_chunks(folder)
        retriever = bm25s.BM25.load(str(folder / BM25_DIR))
        positions = {c.id: i for i, c in enumerate(chunks)}
        return cls(generation, manifest, chunks, retriever, manifest.collection, positions)

    def bm25_scores(self, query_tokens: list[str]) -> np.ndarray:
        if not self.chunks:
            return np.zeros(0, dtype=np.float32)
        known = [t for t in query_tokens if t in self.bm25.vocab_dict]
        if not known:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)[: len(self.chunks)]
