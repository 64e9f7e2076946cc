"""The knowledge base's part of a backup: the source documents and the served generation.

    kb/source/...            the source documents (KB_SOURCE)
    kb/index/<generation>/   the served generation's files (manifest, chunk table, BM25 index)
    kb/vectors.npy           that generation's vectors, float32, in the order of
    kb/vector_ids.json       these chunk ids

Vectors are exported through the `VectorStore` interface rather than by copying Chroma's files,
so a backup taken from embedded Chroma restores to a Chroma server and back; the model is not
backed up (it is rebuilt from pip packages at image build). Both directions hold the ingest lock,
so no ingest publishes or sweeps a generation meanwhile.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from bot.backup_format import BackupError, files_under
from bot.config import Settings
from bot.files import fsync_write_text
from bot.kb.index import CURRENT, IndexDir, IngestBusyError, Manifest, read_chunks
from bot.kb.index import MANIFEST as GEN_MANIFEST
from bot.kb.ingest import chunk_metadata as ingest_metadata
from bot.kb.types import Chunk
from bot.kb.vectorstore import VectorStore, open_store


def _index(settings: Settings) -> IndexDir:
    return IndexDir(settings.index_dir, settings.chroma_collection_prefix)


def chunk_metadata(chunk: dict[str, Any]) -> dict[str, str | int]:
    """The metadata ingest stores beside each vector, rebuilt from the chunk table so the
    backup needs no metadata export."""
    return ingest_metadata(Chunk(**chunk))


def _read_chunks(folder: Path) -> list[dict[str, Any]]:
    return [dataclasses.asdict(c) for c in read_chunks(folder)]


@contextlib.contextmanager
def _locked(index: IndexDir) -> Iterator[None]:
    """The ingest lock, turned into an operator-facing error if an ingest holds it."""
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(index.lock())
        except IngestBusyError as exc:
            raise BackupError(
                "an ingest is running on this data folder; try again when it has finished"
            ) from exc
        yield


def dump(settings: Settings, out_dir: Path) -> dict[str, Any]:
    """Source documents, the served generation's files and its vectors, under the ingest lock so no
    ingest publishes or sweeps while we copy; the manifest part."""
    index = _index(settings)
    source = Path(settings.kb_source)
    out_dir.mkdir(parents=True)
    with _locked(index):
        documents = 0
        for path in files_under(source):
            target = out_dir / "source" / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            documents += 1
        generation = index.current()
        summary: dict[str, Any] = {"documents": documents, "generation": generation, "chunks": 0}
        if generation is None:
            return summary
        manifest = index.manifest(generation)
        shutil.copytree(index.path(generation), out_dir / "index" / generation)
        chunks = _read_chunks(index.path(generation))
        ids = [c["id"] for c in chunks]
        store = open_store(settings)
        found = store.vectors(manifest.collection, ids)
        missing = [i for i in ids if i not in found]
        if missing:
            raise BackupError(
                f"{len(missing)} of {len(ids)} vectors are missing from {manifest.collection} in "
                f"{store.describe()}; re-index with `python -m bot ingest --rebuild` before backing up"
            )
        dim = len(found[ids[0]]) if ids else 0
        matrix = (
            np.stack([found[i] for i in ids]).astype(np.float32) if ids else np.zeros((0, dim), np.float32)
        )
        np.save(out_dir / "vectors.npy", matrix, allow_pickle=False)
        fsync_write_text(out_dir / "vector_ids.json", json.dumps(ids, ensure_ascii=False))
        summary.update(
            chunks=len(ids),
            dim=int(dim),
            collection=manifest.collection,
            embedder=manifest.embedder,
            files=len(manifest.files),
            vector_store=store.describe(),
        )
        return summary


def contents(settings: Settings) -> list[str]:
    """What a restore would overwrite: source files, a served generation, our Chroma collections."""
    found: list[str] = []
    source = Path(settings.kb_source)
    files = files_under(source)
    if files:
        found.append(f"KB_SOURCE {source} holds {len(files)} files")
    index = _index(settings)
    if index.current():
        found.append(f"{index.root} serves generation {index.current()}")
    store = open_store(settings)
    ours = [n for n in store.names() if n.startswith(f"{settings.chroma_collection_prefix}-")]
    if ours:
        found.append(f"{store.describe()} has collections {', '.join(sorted(ours))}")
    return found


def _wipe(settings: Settings, index: IndexDir, store: VectorStore) -> None:
    for name in store.names():
        if name.startswith(f"{settings.chroma_collection_prefix}-"):
            store.drop(name)
    if index.root.is_dir():
        for child in index.root.iterdir():
            if child.is_dir() and child.name.startswith("g"):
                shutil.rmtree(child)
            elif child.name == CURRENT or child.name.startswith(f".{CURRENT}."):
                child.unlink()
    source = Path(settings.kb_source)
    if source.is_dir():  # empty the folder, keep it: it may be a mount point
        for child in source.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()


def restore(settings: Settings, part: dict[str, Any], kb_root: Path) -> dict[str, Any]:
    """Put back the documents and the generation from `kb_root` (the backup's kb folder), re-create
    its collection in whichever vector store the settings name, and publish it through the index's
    atomic pointer."""
    index = _index(settings)
    store = open_store(settings)
    source = Path(settings.kb_source)
    index.root.mkdir(parents=True, exist_ok=True)
    with _locked(index):
        _wipe(settings, index, store)
        source.mkdir(parents=True, exist_ok=True)
        restored_files = 0
        backup_source = kb_root / "source"
        for path in files_under(backup_source):
            target = source / path.relative_to(backup_source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            restored_files += 1
        generation = part.get("generation")
        result = {"documents": restored_files, "generation": generation, "chunks": 0}
        if not generation:
            return result
        folder = index.path(generation)
        shutil.copytree(kb_root / "index" / generation, folder)
        # The collection is named after *this* deployment's prefix, which may differ from the source's.
        gen_manifest = Manifest.from_json((folder / GEN_MANIFEST).read_text(encoding="utf-8"))
        gen_manifest.collection = index.collection_name(generation)
        fsync_write_text(folder / GEN_MANIFEST, gen_manifest.to_json())
        ids = json.loads((kb_root / "vector_ids.json").read_text(encoding="utf-8"))
        vectors = np.load(kb_root / "vectors.npy", allow_pickle=False)
        chunks = {c["id"]: c for c in _read_chunks(folder)}
        if len(ids) != len(vectors) or set(ids) != set(chunks):
            raise BackupError("vectors and chunk table of the backup do not match; the backup is damaged")
        store.create(gen_manifest.collection)
        try:
            if ids:
                store.add(gen_manifest.collection, ids, vectors, [chunk_metadata(chunks[i]) for i in ids])
            if store.count(gen_manifest.collection) != len(ids):
                raise BackupError(
                    f"{store.describe()} holds {store.count(gen_manifest.collection)} vectors after restore, expected {len(ids)}"
                )
        except BaseException:
            store.drop(gen_manifest.collection)
            shutil.rmtree(folder, ignore_errors=True)
            raise
        index.publish(generation)
        result["chunks"] = len(ids)
        return result
