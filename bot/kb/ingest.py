"""Folder → index, incrementally: a manifest of content hashes decides what is re-read.

Unchanged files keep their chunks and vectors (copied from the served generation, never
re-embedded); changed and new files are loaded, cleaned, chunked and embedded; files gone from
the folder drop out. The result is published as a new generation (see `bot.kb.index`), so a
failure anywhere leaves the served knowledge base untouched.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.files import sha256_file
from bot.kb import lexicon, limits
from bot.kb.chunking import chunk_document
from bot.kb.documents import load_document
from bot.kb.embeddings import Embedder
from bot.kb.formats import META_OCR, META_WARNINGS, ReadOptions
from bot.kb.index import FileEntry, IndexDir, Manifest, read_chunks, write_generation_files
from bot.kb.loaders import SUPPORTED_SUFFIXES
from bot.kb.types import Chunk, DocumentError, SkipReason, SourceMissingError
from bot.kb.vectorstore import VectorStore

log = logging.getLogger(__name__)

# Passage size, chosen by measurement on the seed corpus (see docs/benchmarks.md).
CHUNKING: dict[str, int] = {"target_chars": 200, "max_chars": 320, "min_chars": 40}
# A policy document is rarely over a few hundred pages; past these limits a file is far more
# likely a dump or a mistake, and would tie up the embedder for an hour. Reject it, say why.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = limits.MAX_DOCUMENT_CHARS  # loaders stop extracting past it (bot.kb.limits)
# Passages per embed_passages call: big enough that the worker threads are rarely idle at a
# call's tail, small enough to bound memory on a 100k-passage ingest.
_EMBED_BATCH = 2048

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total) — stage is one of "scan", "read", "ocr" (pages of one scan), "embed", "write"."""


@dataclass
class IngestReport:
    source: str
    generation: str | None
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source, reason in English)
    skip_codes: dict[str, SkipReason] = field(default_factory=dict)  # source -> why, as a code
    # (source, note): indexed, but only in part — scan pages too blurred or over the page/time limit
    notes: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        rate = f", {self.embedded / self.embed_seconds:.1f} passages/s" if self.embed_seconds > 0 else ""
        lines = [
            f"source {self.source}: {len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.removed)} removed, {len(self.unchanged)} unchanged, {len(self.skipped)} skipped",
            f"{self.chunks} chunks in the index ({self.embedded} embedded now{rate}), {self.seconds:.1f} s",
        ]
        lines += [f"  skipped {src}: {reason}" for src, reason in self.skipped]
        lines += [f"  partly read {src}: {note}" for src, note in self.notes]
        if self.generation:
            lines.append(f"serving generation {self.generation}")
        return "\n".join(lines)


def scan_source(source: Path) -> tuple[list[tuple[str, Path]], list[tuple[str, str, SkipReason]]]:
    """Supported files (relative name, path to read) in a stable order, and the entries passed over.

    Links are never followed out of the folder: anyone who can drop `passwd.txt -> /etc/passwd`
    (or a link to the bot's `.env`) into a host-mounted knowledge-base folder would otherwise have
    it indexed and quoted to every user. A link to a file inside the folder is read through its
    resolved path; a link to a folder is not descended (its files, if inside, are indexed where
    they are). Both kinds of refusal are reported with the reason.
    """
    root = source.resolve()
    files: list[tuple[str, Path]] = []
    passed: list[tuple[str, str, SkipReason]] = []
    for folder, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(folder)
        dirnames.sort()
        for name in list(dirnames):
            if name.startswith(".") or name.startswith("~$"):
                dirnames.remove(name)
            elif (here / name).is_symlink():
                dirnames.remove(name)  # os.walk would not descend it either; say why
                rel = (here / name).relative_to(root).as_posix()
                passed.append((rel, _link_reason(here / name, root, folder=True), SkipReason.LINK))
        for name in sorted(filenames):
            path = here / name
            rel = path.relative_to(root).as_posix()
            if name.startswith(".") or name.startswith("~$"):
                continue  # hidden files, editor and Office lock files
            read_from = path
            if path.is_symlink():
                target = _inside_target(path, root)
                if target is None or not target.is_file():
                    passed.append((rel, _link_reason(path, root, folder=False), SkipReason.LINK))
                    continue
                read_from = target
            elif not path.is_file():
                continue  # sockets, pipes, devices
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                passed.append((rel, f"unsupported file type {path.suffix or '(none)'}", SkipReason.UNSUPPORTED))
                continue
            files.append((rel, read_from))
    files.sort(key=lambda f: f[0])
    passed.sort(key=lambda f: f[0])
    return files, passed


def _inside_target(link: Path, root: Path) -> Path | None:
    """Where `link` finally points if that is inside `root` (already resolved); else None."""
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling, or a loop
        return None
    if not target.is_relative_to(root) or target == root:
        return None
    if any(part.startswith((".", "~$")) for part in target.relative_to(root).parts):
        return None  # a hidden file (an `.env` kept beside the documents) stays hidden via a link too
    return target


def _link_reason(link: Path, root: Path, *, folder: bool) -> str:
    kind = "folder" if folder else "file"
    target = _inside_target(link, root)
    if target is None:
        return f"symbolic link to a {kind} outside the knowledge-base folder, hidden or missing; not followed"
    if folder:
        return "symbolic link to a folder inside the knowledge-base folder; its files are read where they are"
    return f"symbolic link to something that is not a {kind}; not followed"


def chunk_metadata(chunk: Chunk) -> dict[str, str | int]:
    """What the vector store keeps beside each vector (also used when a backup is restored)."""
    return {"source": chunk.source, "title": chunk.title[:200], "section": chunk.section[:200],
            "ordinal": chunk.ordinal, "ocr": chunk.ocr}


def ingest(
    index: IndexDir,
    store: VectorStore,
    embedder: Embedder,
    source: Path,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
    read_options: ReadOptions | None = None,
) -> IngestReport:
    """Bring the index in line with `source`; returns what happened. Raises before touching anything
    if the folder is missing or another ingest is running."""
    started = time.perf_counter()
    source = Path(source)
    if not source.is_dir():
        raise SourceMissingError(f"source folder not found: {source}")
    report = IngestReport(source=str(source), generation=None)
    tick = progress or (lambda stage, done, total: None)

    with index.lock():
        index.sweep(store)  # leftovers of a run that was killed
        current = None if rebuild else index.current()
        old = index.manifest(current) if current else None
        reusable = bool(old and old.embedder == embedder.name and old.chunking == CHUNKING)
        old_chunks = {c.id: c for c in read_chunks(index.path(current))} if (old and current) else {}

        files, passed = scan_source(source)
        for rel, reason, code in passed:
            report.skipped.append((rel, reason))
            report.skip_codes[rel] = code
        entries: dict[str, FileEntry] = {}
        kept: list[Chunk] = []  # chunks whose vectors are reused
        fresh: list[Chunk] = []  # chunks to embed
        for n, (rel, path) in enumerate(files, 1):
            tick("read", n, len(files))
            sha = sha256_file(path)
            before = old.files.get(rel) if old else None
            if reusable and before and before.sha256 == sha and all(i in old_chunks for i in before.chunk_ids):
                entries[rel] = before
                kept.extend(old_chunks[i] for i in before.chunk_ids)
                report.unchanged.append(rel)
                continue
            try:
                options = dataclasses.replace(
                    read_options or ReadOptions(), progress=lambda done, total: tick("ocr", done, total)
                )
                doc = load_document(path, rel, max_bytes=max_file_bytes, options=options)
                if len(doc.text) > MAX_TEXT_CHARS:
                    raise DocumentError(
                        rel,
                        f"text too long: {len(doc.text):,} characters (limit {MAX_TEXT_CHARS:,}); split the file",
                        SkipReason.TOO_LONG,
                    )
                chunks = chunk_document(doc, **CHUNKING)
                if not chunks:
                    raise DocumentError(rel, "no text left after cleaning", SkipReason.NOTHING_LEFT)
                if doc.meta.get(META_OCR):  # shown to users as 扫描件: OCR text may hold misreadings
                    chunks = [dataclasses.replace(c, ocr=True) for c in chunks]
                if doc.meta.get(META_WARNINGS):
                    report.notes.append((rel, doc.meta[META_WARNINGS]))
            except Exception as exc:  # one file never stops the others, whatever its loader raised
                if not isinstance(exc, DocumentError):
                    log.exception("loading %s failed", rel)
                    exc = DocumentError(
                        rel, f"corrupt or unreadable file (the loader failed with {type(exc).__name__})",
                        SkipReason.CORRUPT,
                    )
                report.skipped.append((rel, exc.reason))
                report.skip_codes[rel] = exc.code
                if reusable and before and all(i in old_chunks for i in before.chunk_ids):
                    # Keep serving the last good version rather than losing it.
                    entries[rel] = before
                    kept.extend(old_chunks[i] for i in before.chunk_ids)
                continue
            entries[rel] = FileEntry(rel, sha, path.stat().st_size, doc.title, [c.id for c in chunks])
            fresh.extend(chunks)
            (report.updated if before else report.added).append(rel)
        if old:
            report.removed = sorted(set(old.files) - set(entries))

        if current and not report.changed and reusable:
            if index.pointer_problem():
                # Serving worked from the fallback; make CURRENT say so again (nothing re-embedded).
                index.publish(current)
                log.warning("knowledge-base pointer repaired: CURRENT names %s again", current)
            report.generation = current
            report.chunks = len(old_chunks)
            report.seconds = time.perf_counter() - started
            return report

        generation = index.new_generation()
        collection = index.collection_name(generation)
        folder = index.path(generation)
        store.create(collection)
        try:
            vectors = _vectors_for(store, old.collection if old else "", kept, fresh, embedder, tick, report)
            all_chunks = kept + fresh
            tick("write", 0, 1)
            if all_chunks:
                store.add(collection, [c.id for c in all_chunks], vectors, [chunk_metadata(c) for c in all_chunks])
            tokens = [lexicon.index_tokens(c.lexical_text) for c in all_chunks]
            manifest = Manifest(generation, time.time(), embedder.name, dict(CHUNKING), collection, entries)
            write_generation_files(folder, manifest, all_chunks, tokens)
            index.publish(generation)
            tick("write", 1, 1)
        except BaseException:
            log.exception("ingest failed; the previous knowledge base keeps serving")
            store.drop(collection)
            shutil.rmtree(folder, ignore_errors=True)
            raise
        index.sweep(store)
        report.generation = generation
        report.chunks = len(all_chunks)
        report.seconds = time.perf_counter() - started
        log.info("ingest done: %s", report.summary().replace("\n", "; "))
        return report


def _vectors_for(
    store: VectorStore,
    old_collection: str,
    kept: list[Chunk],
    fresh: list[Chunk],
    embedder: Embedder,
    tick: Progress,
    report: IngestReport,
) -> np.ndarray:
    """Vectors in `kept + fresh` order: reused ones from the served collection, new ones embedded."""
    parts: list[np.ndarray] = []
    if kept:
        found = store.vectors(old_collection, [c.id for c in kept])
        missing = [c for c in kept if c.id not in found]
        if missing:
            raise RuntimeError(f"{len(missing)} vectors missing from {old_collection}; run with --rebuild")
        parts.append(np.stack([found[c.id] for c in kept]))
    if fresh:
        t0 = time.perf_counter()
        done = 0
        for start in range(0, len(fresh), _EMBED_BATCH):
            batch = fresh[start : start + _EMBED_BATCH]
            parts.append(
                embedder.embed_passages(
                    [c.dense_text for c in batch],
                    progress=lambda d, _n, base=done: tick("embed", base + d, len(fresh)),
                )
            )
            done += len(batch)
        report.embed_seconds = time.perf_counter() - t0
        report.embedded = len(fresh)
    if not parts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.concatenate(parts).astype(np.float32)
