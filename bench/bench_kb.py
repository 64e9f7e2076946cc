"""Knowledge-base benchmark: ingestion throughput, query latency at ~100 / 10k / 100k chunks, memory.

    python bench/bench_kb.py [--sizes 100,10000,100000] [--ingest-repeats 3] [--copies 10]
                             [--out docs/benchmarks-kb.md]

Ingestion (load → clean → chunk → embed → Chroma + BM25, ``--rebuild``) is measured on the real
seed corpus and on a corpus of ``--copies`` copies of it (same passages, so the same embedding
cost per passage, ten times the work), each ``--ingest-repeats`` times in fresh processes; the
median and the range are reported because this shared 2-core VM's speed drifts by ±15 % from
minute to minute.
The large corpora are synthetic: passages are made by recombining sentences of real chunks, and
their vectors by mixing real passage vectors with noise (embedding 100k passages would take this
machine half an hour and measures nothing the 100-chunk run does not). Queries are the dev
questions, embedded for real on every call; latency covers retrieval + answer composition.
Each size runs in its own process so peak RSS is per size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bench._machine import describe  # noqa: E402


def machine() -> str:
    import torch

    return describe(torch_version=torch.__version__)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def corpus(work: Path, copies: int) -> Path:
    """The seed documents, `copies` times over (each copy its own file, so every chunk is new)."""
    import shutil

    folder = work / f"corpus-x{copies}"
    if not folder.exists():
        for n in range(copies):
            target = folder / f"copy{n:02d}"
            target.mkdir(parents=True)
            for f in sorted((ROOT / "knowledge_base").iterdir()):
                if f.is_file():
                    shutil.copy(f, target / f.name)
    return folder


def run_ingest(data_dir: Path, source: Path) -> dict:
    from bot.config import Settings
    from bot.kb import KnowledgeBase

    settings = Settings(data_dir=data_dir, kb_source=source, model_cache=Path(os.environ["BENCH_MODEL_CACHE"]))
    kb = KnowledgeBase(settings)
    kb.embedder.embed_passages(["预热"])  # model load is not ingestion
    t0 = time.perf_counter()
    report = kb.ingest(rebuild=True)
    total = time.perf_counter() - t0
    snap = kb.retriever.snapshot()
    chars = [len(c.dense_text) for c in snap.chunks]
    return {
        "chunks": report.chunks, "seconds": total, "chunks_per_s": report.chunks / total,
        "embed_per_s": report.embedded / report.embed_seconds, "mean_chars": float(np.mean(chars)),
        "peak_rss_mb": peak_rss_mb(), "embedder": kb.embedder.name, "workers": kb.embedder.workers,
    }


def build_synthetic(kb, size: int, seed_kb) -> None:
    """Publish a generation of `size` synthetic chunks derived from the seed generation."""
    from bot.answer import sentences
    from bot.kb import lexicon
    from bot.kb.index import FileEntry, Manifest, write_generation_files
    from bot.kb.ingest import CHUNKING
    from bot.kb.types import Chunk

    rng = random.Random(size)
    snap = seed_kb.retriever.snapshot()
    real = snap.chunks
    vecs = seed_kb.store.vectors(snap.collection, [c.id for c in real])
    base = np.stack([vecs[c.id] for c in real])
    pool = [s for c in real for s in sentences(c.text)]
    chunks: list[Chunk] = list(real)
    vectors = [base]
    extra = size - len(real)
    if extra > 0:
        picks = np.random.default_rng(size).integers(0, len(real), size=(extra, 2))
        mixed = 0.6 * base[picks[:, 0]] + 0.4 * base[picks[:, 1]]
        mixed += np.random.default_rng(size + 1).normal(0, 0.02, mixed.shape)
        mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
        vectors.append(mixed.astype(np.float32))
        for n in range(extra):
            text = "".join(rng.sample(pool, 3))[:300]
            src = f"synthetic/{n // 50:05d}.txt"
            chunks.append(Chunk(f"syn{n}", src, f"合成文档{n // 50}", "", text, n % 50))
    chunks = chunks[:size]
    matrix = np.concatenate(vectors)[:size]
    generation = kb.index.new_generation()
    collection = kb.index.collection_name(generation)
    kb.store.create(collection)
    ids = [c.id for c in chunks]
    kb.store.add(collection, ids, matrix, [{"source": c.source} for c in chunks])
    tokens = [lexicon.index_tokens(c.lexical_text) for c in chunks]
    files = {c.source: FileEntry(c.source, "-", 0, c.title, []) for c in chunks}
    manifest = Manifest(generation, time.time(), kb.embedder.name, dict(CHUNKING), collection, files)
    write_generation_files(kb.index.path(generation), manifest, chunks, tokens)
    kb.index.publish(generation)


def run_queries(size: int, seed_data: Path) -> dict:
    from bot.answer import compose
    from bot.config import Settings
    from bot.kb import KnowledgeBase
    from bot.kb.evaluate import load_questions

    cache = Path(os.environ["BENCH_MODEL_CACHE"])
    seed_kb = KnowledgeBase(Settings(data_dir=seed_data, model_cache=cache))
    if size <= len(seed_kb.retriever.snapshot().chunks):
        kb, build_s = seed_kb, 0.0
    else:
        tmp = Path(tempfile.mkdtemp(prefix=f"bench{size}-"))
        kb = KnowledgeBase(Settings(data_dir=tmp, model_cache=cache), embedder=seed_kb.embedder)
        t0 = time.perf_counter()
        build_synthetic(kb, size, seed_kb)
        build_s = time.perf_counter() - t0
    questions = [q["q"] for q in load_questions(ROOT / "tests" / "data" / "dev.jsonl")]
    questions += [q["q"] for q in load_questions(ROOT / "tests" / "data" / "heldout.jsonl")]
    for q in questions[:5]:
        compose(kb.search(q))  # warm-up: first snapshot load, caches
    times = []
    for _ in range(3):
        for q in questions:
            t0 = time.perf_counter()
            compose(kb.search(q))
            times.append((time.perf_counter() - t0) * 1000)
    return {
        "size": len(kb.retriever.snapshot().chunks), "queries": len(times),
        "p50_ms": float(np.percentile(times, 50)), "p95_ms": float(np.percentile(times, 95)),
        "build_s": build_s, "peak_rss_mb": peak_rss_mb(),
    }


def spread(values: list[float]) -> str:
    return f"{float(np.median(values)):.1f} ({min(values):.1f}–{max(values):.1f})"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,10000,100000")
    parser.add_argument("--ingest-repeats", type=int, default=3)
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks-kb.md"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        kind, value, seed = json.loads(args.child)
        result = run_ingest(Path(value), Path(seed)) if kind == "ingest" else run_queries(int(value), Path(seed))
        print(json.dumps(result))
        return 0

    work = Path(tempfile.mkdtemp(prefix="bench-kb-"))
    os.environ.setdefault("BENCH_MODEL_CACHE", str(ROOT / "data" / "models"))

    def child(kind: str, value: str, seed: str = "") -> dict:
        out = subprocess.run([sys.executable, __file__, "--child", json.dumps([kind, value, seed])],
                             check=True, capture_output=True, text=True).stdout
        return json.loads(out.strip().splitlines()[-1])

    load_start = os.getloadavg()[0]
    runs: dict[str, list[dict]] = {"seed": [], f"x{args.copies}": []}
    sources = {"seed": ROOT / "knowledge_base", f"x{args.copies}": corpus(work, args.copies)}
    for r in range(args.ingest_repeats):  # interleaved, so drift hits both corpora alike
        for name, source in sources.items():
            data = work / "seed" if (name == "seed" and r == 0) else work / f"ingest-{name}-{r}"
            res = child("ingest", str(data), str(source))
            print("ingest", name, res, flush=True)
            runs[name].append(res)
    ing = runs["seed"][0]
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        res = child("query", str(size), str(work / "seed"))
        print("query", res, flush=True)
        rows.append(res)

    lines = [
        "## Knowledge base (bench/bench_kb.py)",
        "",
        f"Machine: {machine()}. Run {time.strftime('%Y-%m-%d')}; load average of the machine "
        f"(other jobs included) at start {load_start:.1f}, at end {os.getloadavg()[0]:.1f}.",
        f"Embedder: {ing['embedder']}.",
        "",
        f"Ingestion: `--rebuild` in a fresh process with the model loaded, {args.ingest_repeats} runs per "
        f"corpus, interleaved; {ing['workers']} embedding worker thread(s). Median (min–max).",
        "",
        "| corpus | chunks | mean chars embedded | embedding step, passages/s | end-to-end, chunks/s "
        "| end-to-end s | peak RSS MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, rs in runs.items():
        lines.append(
            f"| {name} | {rs[0]['chunks']} | {rs[0]['mean_chars']:.0f} | {spread([r['embed_per_s'] for r in rs])} "
            f"| {spread([r['chunks_per_s'] for r in rs])} | {spread([r['seconds'] for r in rs])} "
            f"| {max(r['peak_rss_mb'] for r in rs):.0f} |"
        )
    lines += [
        "",
        "| chunks in index | queries | p50 ms | p95 ms | peak RSS MB | synthetic build s |",
        "|---|---|---|---|---|---|",
    ]
    lines += [f"| {r['size']} | {r['queries']} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
              f"{r['peak_rss_mb']:.0f} | {r['build_s']:.0f} |" for r in rows]
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
