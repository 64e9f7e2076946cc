"""``EMBEDDING_PRECISION=auto``: pick the fastest runtime that embeds like fp32 on *this* CPU.

Why measure instead of reading CPU flags: the same int8 kernel is the fastest choice on one CPU
and 34x slower than fp32 on another (``torch._int_mm`` without AVX-512 VNNI), bf16 is fast only
with AVX512-BF16 or AMX, and thread counts, cache sizes and oneDNN's dispatch all move the ranking.
So each candidate embeds a small probe set (``embed_probe.txt``: 32 knowledge-base passages, 10
questions) and the fastest one that agrees with fp32 wins:

* agree = the minimum cosine to fp32's vectors over probe passages and questions is at least
  ``MIN_COSINE`` (0.998) and every probe question's nearest passage is fp32's (``top-1``);
* fp32 is a candidate, so the choice is never slower than fp32 (within the measurement's noise);
* a candidate that fails to load is skipped with a log line; one whose first batch runs at less
  than half fp32's rate is dropped without the full timing (int8 on AVX2 would take a minute).

The result is written beside the model (``<model cache>/<model>.precision.json``) with the CPU's
fingerprint (model name, flags, usable cores, kernel-dispatch overrides, runtime versions) and is
reused while the fingerprint matches; a different CPU (the data folder copied to another server)
measures again. About half a minute, once, plus a minute to build the ONNX copy the first time.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import hashlib
import importlib.metadata
import json
import logging
import os
import platform
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bot.config import Settings
from bot.kb.embed_model import available_cpus, model_key, resolve_model_source

log = logging.getLogger(__name__)

# onnx-int8 (every matmul int8, per-tensor activation scales) is not a candidate: at cosine 0.9957
# to fp32 on the probe it changed recall@1 by two questions on two of the three question files
# (docs/embeddings.md); it stays available by name.
CANDIDATES = ("fp32", "bf16", "int8", "onnx-mixed")
# Set between what moved the evaluation (onnx-int8, 0.9957) and what did not (onnx-mixed 0.9987,
# int8 0.999, bf16 0.99997).
MIN_COSINE = 0.998
# Ignore a candidate whose first batch is this much slower than fp32's (no full timing).
EARLY_DROP = 0.5
PROBE_FILE = Path(__file__).with_name("embed_probe.txt")
CHOICE_VERSION = 1
# Environment variables that change which kernels torch / oneDNN dispatch to: part of the CPU
# fingerprint, so an emulated lesser CPU (ATEN_CPU_CAPABILITY=avx2) is measured separately.
DISPATCH_ENV = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA", "OMP_NUM_THREADS")
SIMD_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8", "asimd", "sve")


class EmbedderLike(Protocol):
    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...
    def embed_query(self, text: str) -> np.ndarray: ...


@dataclass
class Measurement:
    """One candidate on the probe set. ``ok``: agrees with fp32 (and loaded, and was timed)."""

    precision: str
    ok: bool = False
    passages_per_s: float | None = None
    query_ms: float | None = None
    cos_min: float | None = None
    top1_same: int | None = None
    top1_total: int | None = None
    note: str = ""


# ----------------------------------------------------------------------------- fingerprint


def _cpuinfo() -> tuple[str, list[str]]:
    model, flags = platform.processor() or platform.machine(), []
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key in ("model name", "Model name") and model in ("", platform.machine(), platform.processor()):
                model = value.strip()
            elif key in ("flags", "Features") and not flags:
                flags = sorted(value.split())
    except OSError:
        pass
    return model, flags


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def cpu_fingerprint(model_id: str) -> dict[str, Any]:
    """What decides which candidate is fastest, without importing any runtime."""
    cpu, flags = _cpuinfo()
    return {
        "version": CHOICE_VERSION,
        "model": model_id,
        "cpu": cpu,
        "simd": [f for f in SIMD_FLAGS if f in flags],
        "flags_sha1": hashlib.sha1(" ".join(flags).encode()).hexdigest()[:12],
        "cpus": available_cpus(),
        "env": {k: os.environ[k] for k in DISPATCH_ENV if k in os.environ},
        "torch": _version("torch"),
        "onnxruntime": _version("onnxruntime"),
    }


def model_id(folder: Path) -> str:
    """The model by its weights (size of the weight files), so a rebuilt model is re-measured."""
    sizes = sorted((p.name, p.stat().st_size) for p in folder.glob("*.safetensors"))
    return f"{folder.name}:{hashlib.sha1(repr(sizes).encode()).hexdigest()[:12]}"


# ----------------------------------------------------------------------------- probe + measure


def load_probe(path: Path = PROBE_FILE) -> tuple[list[str], list[str]]:
    passages, queries = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        kind, _, text = line.partition("\t")
        if kind == "P":
            passages.append(text)
        elif kind == "Q":
            queries.append(text)
    return passages, queries


def _time_candidate(
    e: EmbedderLike, passages: list[str], queries: list[str], repeats: int, floor_rate: float | None
) -> tuple[Measurement, np.ndarray | None, np.ndarray | None]:
    m = Measurement("")
    t0 = time.perf_counter()
    e.embed_passages(passages[:8])  # warm-up: first-call allocations, lazy kernels
    first = 8 / max(time.perf_counter() - t0, 1e-9)
    if floor_rate is not None and first < EARLY_DROP * floor_rate:
        m.passages_per_s = round(first, 2)
        m.note = f"first batch {first:.1f}/s, under {EARLY_DROP:.0%} of fp32's rate: not timed further"
        return m, None, None
    best = float("inf")
    pv = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        pv = e.embed_passages(passages)
        best = min(best, time.perf_counter() - t0)
    times, qv = [], []
    for q in queries:
        t0 = time.perf_counter()
        qv.append(e.embed_query(q))
        times.append(time.perf_counter() - t0)
    m.passages_per_s = round(len(passages) / best, 2)
    m.query_ms = round(1000 * statistics.median(times), 2)
    return m, pv, np.stack(qv)


def measure_candidates(
    loaders: Mapping[str, Callable[[], EmbedderLike]],
    passages: list[str],
    queries: list[str],
    *,
    repeats: int = 2,
    min_cosine: float = MIN_COSINE,
) -> tuple[str, list[Measurement]]:
    """Time every candidate (``fp32`` first: the reference) and return (choice, measurements)."""
    if "fp32" not in loaders:
        raise ValueError("fp32 is the reference and must be a candidate")
    order = ["fp32"] + [p for p in loaders if p != "fp32"]
    results: list[Measurement] = []
    ref: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # passages, queries, top-1
    for name in order:
        floor = results[0].passages_per_s if ref is not None else None
        try:
            e = loaders[name]()
            m, pv, qv = _time_candidate(e, passages, queries, repeats, floor)
        except Exception as exc:  # any runtime can fail in its own way; fp32 may not
            if name == "fp32":
                raise
            log.warning("embedding precision candidate %s skipped: %s: %s", name, type(exc).__name__, exc)
            results.append(Measurement(name, note=f"failed: {type(exc).__name__}: {exc}"[:300]))
            continue
        finally:
            e = None  # release the model before loading the next one
            gc.collect()
        m.precision = name
        results.append(m)
        if pv is None or qv is None:
            continue
        top1 = np.argmax(qv @ pv.T, axis=1)
        if ref is None:
            ref = (pv, qv, top1)
            m.ok, m.cos_min, m.top1_same, m.top1_total = True, 1.0, len(queries), len(queries)
            continue
        cos = float(min(np.min(np.sum(pv * ref[0], axis=1)), np.min(np.sum(qv * ref[1], axis=1))))
        m.cos_min = round(cos, 5)
        m.top1_same, m.top1_total = int(np.sum(top1 == ref[2])), len(queries)
        m.ok = cos >= min_cosine and m.top1_same == m.top1_total
        if not m.ok:
            m.note = f"disagrees with fp32 (cosine {cos:.4f}, top-1 {m.top1_same}/{m.top1_total})"
            log.info("embedding precision candidate %s rejected: %s", name, m.note)
    best = max((m for m in results if m.ok), key=lambda m: m.passages_per_s or 0.0)
    return best.precision, results


# ----------------------------------------------------------------------------- the choice file


def choice_path(settings: Settings, key: str) -> Path:
    from bot.kb.embed_model import derived_dir

    name = f"{key}.precision.json"
    return derived_dir(settings, name) / name


def read_choice(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("choice"), str) else None


@contextlib.contextmanager
def _lock(path: Path):
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def choose_precision(
    settings: Settings,
    spec: Any,
    make: Callable[[str], EmbedderLike],
    *,
    candidates: Sequence[str] | None = None,
) -> str:
    """The recorded choice for this CPU, or measure now and record it. ``spec`` is the
    ``ModelSpec`` (folder, key, layout); ``make(precision)`` builds a fresh embedder."""
    if candidates is None:
        candidates = [p for p in CANDIDATES if spec.layout is not None or not p.startswith("onnx")]
    fingerprint = cpu_fingerprint(model_id(spec.folder))
    path = choice_path(settings, spec.key)
    recorded = read_choice(path)
    if recorded and recorded.get("fingerprint") == fingerprint and recorded["choice"] in candidates:
        return recorded["choice"]
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock(path.with_name(f".{path.name}.lock")):
        recorded = read_choice(path)  # measured by another process while we waited?
        if recorded and recorded.get("fingerprint") == fingerprint and recorded["choice"] in candidates:
            return recorded["choice"]
        why = "no measurement yet" if recorded is None else "the CPU or model changed"
        log.warning("choosing the embedding precision for this CPU (%s); about a minute, once", why)
        passages, queries = load_probe()
        t0 = time.perf_counter()
        choice, results = measure_candidates({p: (lambda p=p: make(p)) for p in candidates}, passages, queries)
        record = {
            "choice": choice,
            "fingerprint": fingerprint,
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "seconds": round(time.perf_counter() - t0, 1),
            "rule": f"fastest with cosine >= {MIN_COSINE} to fp32 and the same top-1 on the probe set",
            "probe": {"passages": len(passages), "queries": len(queries)},
            "candidates": [asdict(m) for m in results],
        }
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        log.warning("embedding precision for this CPU: %s (%s)", choice, _rates(record))
        return choice


def _rates(record: Mapping[str, Any]) -> str:
    parts = []
    for c in record.get("candidates", []):
        rate = f"{c['passages_per_s']:.1f}/s" if c.get("passages_per_s") else "—"
        q = f", query {c['query_ms']:.0f} ms" if c.get("query_ms") else ""
        flag = "" if c.get("ok") else " (rejected)"
        parts.append(f"{c['precision']} {rate}{q}{flag}")
    return "; ".join(parts)


def describe(settings: Settings) -> list[str]:
    """Lines for ``python -m bot check``: the precision in force and, for ``auto``, the recorded
    choice with every candidate's measured rate. Loads no model and measures nothing."""
    precision = getattr(settings, "embedding_precision", "auto")
    device = getattr(settings, "embedding_device", "auto")
    head = f"embeddings: EMBEDDING_PRECISION={precision}, EMBEDDING_DEVICE={device}"
    if precision != "auto":
        return [head + " (set explicitly; nothing measured)"]
    try:
        key = model_key(*resolve_model_source(settings))
    except Exception as exc:  # a bad EMBEDDING_MODEL is reported by the model check
        return [head + f" (model not resolvable: {exc})"]
    path = choice_path(settings, key)
    record = read_choice(path)
    if record is None:
        return [head + " — not measured on this CPU yet (the first load measures, about a minute)"]
    folder = settings.model_cache_dir / key if (settings.model_cache_dir / key).is_dir() else None
    current = cpu_fingerprint(model_id(folder)) if folder else None
    stale = current is not None and record.get("fingerprint") != current
    fp = record.get("fingerprint", {})
    lines = [
        head + f" — auto chose {record['choice']} on {fp.get('cpu')} ({','.join(fp.get('simd', []))}, "
        f"{fp.get('cpus')} CPUs), measured {record.get('measured_at')}"
        + (" — made on another CPU, the next load measures again" if stale else ""),
        "  measured on the probe set: " + _rates(record),
    ]
    return lines


def embedder_line(kb: Any) -> str:
    """What produced the vectors behind an evaluation: the query embedder and, if it differs, the
    one that embedded the served index (then the figures mix two precisions: re-ingest)."""
    query = kb.embedder.name
    generation = kb.index.current()
    passages = kb.index.manifest(generation).embedder if generation else None
    if passages is None or passages == query:
        return f"embeddings: {query}"
    return f"embeddings: queries by {query}, passages by {passages} (re-ingest to match)"
