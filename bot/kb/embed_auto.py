"""``EMBEDDING_PRECISION=auto``: pick the fastest runtime that embeds like fp32 on *this* CPU.

Why measure instead of reading CPU flags: the same int8 kernel is the fastest choice on one CPU
and 34x slower than fp32 on another (``torch._int_mm`` without AVX-512 VNNI), bf16 is fast only
with AVX512-BF16 or AMX, and thread counts, cache sizes and oneDNN's dispatch all move the ranking.
So each candidate embeds a small probe set (``embed_probe.txt``: 32 knowledge-base passages, 10
questions) and the fastest one that agrees with fp32 wins:

* agree = the minimum cosine to fp32's vectors over probe passages and questions is at least
  ``MIN_COSINE`` (0.998) and every probe question's nearest passage is fp32's (``top-1``); and on
  the project's question files (``embed_agreement.json``: every question of tests/data/*.jsonl
  against the passages of the corpus it is scored on) at most ``MAX_CHANGED_SHARE`` (15 %) of a
  file's questions change their dense decision: another nearest passage, or a best cosine on the
  other side of one of the abstention's similarity thresholds. Dense-only decisions flip far more
  often than the answers do (BM25 fusion and the passage checks absorb near-ties), so the bar is
  a share, set from measurement (docs/embeddings.md): int8 and onnx-mixed changed at most 12 %
  and 13 % and kept every `eval` figure within one question of fp32's; onnx-int8 changed up to
  30 % and moved recall@1 by two. Only a candidate faster than the best one so far is checked;
* fp32 is a candidate, so the choice is never slower than fp32 (within the measurement's noise);
* a candidate that fails to load is skipped with a log line; one whose first batch runs at less
  than half fp32's rate is dropped without the full timing (int8 on AVX2 would take a minute).

The result is written beside the model (``<model cache>/<model>.precision.json``) with the CPU's
fingerprint (model name, flags, usable cores, kernel-dispatch overrides, runtime versions, the
agreement set's hash) and is reused while the fingerprint matches; a different CPU (the data folder
copied to another server) measures again. About a minute, once, plus a minute to build the ONNX
copy the first time.
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
# The project's question files as the retriever embeds them (written by bench/agreement_set.py).
AGREEMENT_FILE = Path(__file__).with_name("embed_agreement.json")
# Share of a question file's questions whose dense decision may change against fp32 (see above).
MAX_CHANGED_SHARE = 0.15
CHOICE_VERSION = 2
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
    # question file → questions whose decision differs from fp32's (None: not checked)
    changed: dict[str, int] | None = None
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
        "agreement": _agreement_hash(),
    }


def _agreement_hash() -> str | None:
    try:
        return hashlib.sha1(AGREEMENT_FILE.read_bytes()).hexdigest()[:12]
    except OSError:
        return None


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


@dataclass(frozen=True)
class AgreementSet:
    """Question files against their corpora, and the similarity thresholds the abstention uses."""

    corpora: dict[str, list[str]]
    files: dict[str, tuple[str, list[str]]]  # label → (corpus, queries)
    thresholds: tuple[float, ...]


def load_agreement(path: Path | None = None) -> AgreementSet | None:
    """The agreement set, or None when the file is missing (then only the probe is checked)."""
    path = path or AGREEMENT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        log.warning("no %s: the precision check covers the probe set only", path.name)
        return None
    files = {label: (f["corpus"], list(f["queries"])) for label, f in data["files"].items()}
    return AgreementSet(dict(data["corpora"]), files, tuple(data["thresholds"]))


def _decisions(e: EmbedderLike, agreement: AgreementSet) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """label → (each question's nearest passage, its cosine), dense retrieval over the corpus."""
    passages = {name: e.embed_passages(texts) for name, texts in agreement.corpora.items()}
    out = {}
    for label, (corpus, queries) in agreement.files.items():
        sims = np.stack([e.embed_query(q) for q in queries]) @ passages[corpus].T
        out[label] = (np.argmax(sims, axis=1), np.max(sims, axis=1))
    return out


def count_changed(
    ref: dict[str, tuple[np.ndarray, np.ndarray]],
    mine: dict[str, tuple[np.ndarray, np.ndarray]],
    thresholds: Sequence[float],
) -> dict[str, int]:
    """Per question file, the questions whose decision is not fp32's: another nearest passage, or
    a best cosine on the other side of an abstention threshold (grounded vs refused may flip)."""
    changed = {}
    for label, (top1, best) in ref.items():
        other_top1, other_best = mine[label]
        moved = top1 != other_top1
        for t in thresholds:
            moved |= (best >= t) != (other_best >= t)
        changed[label] = int(np.sum(moved))
    return changed


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
    agreement: AgreementSet | None = None,
    max_changed_share: float = MAX_CHANGED_SHARE,
) -> tuple[str, list[Measurement]]:
    """Time every candidate (``fp32`` first: the reference) and return (choice, measurements).
    With ``agreement``, a candidate faster than the best accepted so far must also change at most
    ``max_changed_share`` of each question file's decisions (see the module docstring)."""
    if "fp32" not in loaders:
        raise ValueError("fp32 is the reference and must be a candidate")
    order = ["fp32"] + [p for p in loaders if p != "fp32"]
    results: list[Measurement] = []
    ref: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # passages, queries, top-1
    ref_decisions: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in order:
        floor = results[0].passages_per_s if ref is not None else None
        try:
            e = loaders[name]()
            m, pv, qv = _time_candidate(e, passages, queries, repeats, floor)
            if pv is not None and qv is not None:
                m.precision = name
                _check_agreement(e, m, pv, qv, ref, ref_decisions, results, agreement, max_changed_share, min_cosine)
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
        if ref is None and pv is not None and qv is not None:
            ref = (pv, qv, np.argmax(qv @ pv.T, axis=1))
    best = max((m for m in results if m.ok), key=lambda m: m.passages_per_s or 0.0)
    return best.precision, results


def _check_agreement(
    e: EmbedderLike,
    m: Measurement,
    pv: np.ndarray,
    qv: np.ndarray,
    ref: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    ref_decisions: dict[str, tuple[np.ndarray, np.ndarray]],
    results: list[Measurement],
    agreement: AgreementSet | None,
    max_changed_share: float,
    min_cosine: float,
) -> None:
    """Set ``m.ok`` (and why not in ``m.note``) for a timed candidate; ``ref`` None: this is fp32."""
    n = len(qv)
    if ref is None:
        m.ok, m.cos_min, m.top1_same, m.top1_total = True, 1.0, n, n
        if agreement is not None:
            ref_decisions.update(_decisions(e, agreement))
            m.changed = {label: 0 for label in ref_decisions}
        return
    top1 = np.argmax(qv @ pv.T, axis=1)
    cos = float(min(np.min(np.sum(pv * ref[0], axis=1)), np.min(np.sum(qv * ref[1], axis=1))))
    m.cos_min = round(cos, 5)
    m.top1_same, m.top1_total = int(np.sum(top1 == ref[2])), n
    if cos < min_cosine or m.top1_same != n:
        m.note = f"disagrees with fp32 (cosine {cos:.4f}, top-1 {m.top1_same}/{n})"
        log.info("embedding precision candidate %s rejected: %s", m.precision, m.note)
        return
    if agreement is not None:
        best = max((r.passages_per_s or 0.0 for r in results if r.ok), default=0.0)
        if (m.passages_per_s or 0.0) <= best:
            m.note = "agrees on the probe; not faster than an accepted candidate, question files not checked"
            return
        m.changed = count_changed(ref_decisions, _decisions(e, agreement), agreement.thresholds)
        over = {f: n for f, n in m.changed.items() if n > int(max_changed_share * len(agreement.files[f][1]))}
        if over:
            m.note = f"changes more than {max_changed_share:.0%} of the decisions on a question file: {m.changed}"
            log.info("embedding precision candidate %s rejected: %s", m.precision, m.note)
            return
    m.ok = True


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
        agreement = load_agreement()
        t0 = time.perf_counter()
        choice, results = measure_candidates(
            {p: (lambda p=p: make(p)) for p in candidates}, passages, queries, agreement=agreement
        )
        record = {
            "choice": choice,
            "fingerprint": fingerprint,
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "seconds": round(time.perf_counter() - t0, 1),
            "rule": f"fastest with cosine >= {MIN_COSINE} to fp32 and the same top-1 on the probe set, and at "
            f"most {MAX_CHANGED_SHARE:.0%} of each question file's questions with another nearest passage or an abstention "
            f"threshold {list(agreement.thresholds) if agreement else []} crossed",
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
