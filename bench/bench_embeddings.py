"""Embedding runtimes on this machine: passages/s, query ms, agreement with fp32, the matmul
ceiling, and what ``EMBEDDING_PRECISION=auto`` picks here (prints a markdown report).

    python bench/bench_embeddings.py                          # every CPU candidate, seed x 10
    python bench/bench_embeddings.py --precisions fp32,onnx-int8 --copies 1
    ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 python bench/bench_embeddings.py   # emulate AVX2

Passages are the knowledge base's real chunks (the ingest chunker on knowledge_base/, 145 seed
passages, ~100 tokens), repeated ``--copies`` times (10 = the 1,450-passage ingest benchmark). Each
candidate is loaded as the product loads it (worker threads included) and embeds the whole set
once after a warm-up batch; a candidate whose warm-up runs under a quarter of fp32's rate embeds
the seed set only. Rates are wall-clock; "per CPU-second" divides by this process's CPU time
(steadier on a shared machine, but it counts OpenMP threads spinning at barriers); "other load"
is how many cores other processes used meanwhile (the machine is shared: read rates with it). On a machine where torch sees a CUDA GPU,
fp16 on the GPU is measured too (batch 256 and 1024).

Emulation: ``ATEN_CPU_CAPABILITY`` limits torch's own kernels and ``ONEDNN_MAX_CPU_ISA`` oneDNN's
(matmuls); ONNX Runtime's MLAS picks its kernels by CPUID and has no such switch, so ONNX Runtime
rows under emulation are the host CPU's speed and are marked so.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench._machine import cpu_flags, cpu_model  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.kb import embed_auto  # noqa: E402
from bot.kb import embeddings as emb  # noqa: E402

MFLOP_PER_TOKEN = 42.5  # encoder matmuls, multilingual-e5-small (docs/embeddings.md)
EMULATION_ENV = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA")


def seed_passages() -> list[str]:
    from bot.kb.chunking import chunk_document
    from bot.kb.documents import load_document
    from bot.kb.ingest import CHUNKING

    out = []
    for path in sorted((ROOT / "knowledge_base").iterdir()):
        if path.is_file():
            out += [c.dense_text for c in chunk_document(load_document(path, path.name), **CHUNKING)]
    return out


def dev_queries() -> list[str]:
    lines = (ROOT / "tests" / "data" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["q"] for line in lines if line.strip()]


def busy_jiffies() -> int:
    vals = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = vals
    return user + nice + system + irq + softirq + steal


class Timer:
    """Wall time, this process's CPU time, and the cores other processes used meanwhile."""

    def __enter__(self) -> Timer:
        self.j0, self.c0, self.t0 = busy_jiffies(), time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.t0
        self.cpu = time.process_time() - self.c0
        total = (busy_jiffies() - self.j0) / os.sysconf("SC_CLK_TCK")
        self.other = max(0.0, (total - self.cpu) / self.wall) if self.wall > 0 else 0.0


def matmul_peaks(threads: int) -> dict[str, float]:
    """GFLOP/s (GOP/s for int8) of one encoder-shaped matmul: 1024 tokens x 384 -> 1536."""
    import torch

    torch.set_num_threads(threads)
    m, k, n = 1024, 384, 1536
    out = {}
    for name, make in (
        ("fp32", lambda: (torch.randn(m, k), torch.randn(k, n), torch.mm)),
        ("bf16", lambda: (torch.randn(m, k).bfloat16(), torch.randn(k, n).bfloat16(), torch.mm)),
        ("int8", lambda: (torch.randint(-127, 127, (m, k), dtype=torch.int8),
                          torch.randint(-127, 127, (k, n), dtype=torch.int8), torch._int_mm)),
    ):  # fmt: skip
        a, b, fn = make()
        for _ in range(3):
            fn(a, b)
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(10):
                fn(a, b)
            best = min(best, (time.perf_counter() - t0) / 10)
        out[name] = 2 * m * k * n / best / 1e9
    return out


def gpu_rows(passages: list[str], settings: Settings) -> list[str]:
    from bot.kb.embed_backends import cuda_available

    if not cuda_available():
        return ["- GPU: none seen by torch on this machine (not measured)."]
    import torch

    spec = emb.model_spec(settings)
    rows = [f"- GPU: {torch.cuda.get_device_name(0)}"]
    e = emb.make_embedder(settings, spec, "fp16", "cuda")
    big = passages * max(1, 20_000 // len(passages))
    for batch in (256, 1024):
        e.batch_size = batch
        e.embed_passages(big[:batch])
        torch.cuda.synchronize()
        with Timer() as t:
            e.embed_passages(big)
            torch.cuda.synchronize()
        rows.append(f"  - fp16, batch {batch}: {len(big) / t.wall:,.0f} passages/s ({len(big):,} passages)")
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--precisions", default=",".join(embed_auto.CANDIDATES))
    ap.add_argument("--copies", type=int, default=10, help="seed corpus copies (10 = 1,450 passages)")
    ap.add_argument("--model-cache", type=Path, default=None, help="default: MODEL_CACHE / DATA_DIR/models")
    ap.add_argument("--no-auto", action="store_true", help="skip the auto-selection run on the probe set")
    args = ap.parse_args()

    settings = Settings(model_cache=args.model_cache) if args.model_cache else Settings()
    spec = emb.model_spec(settings)
    precisions = [p.strip() for p in args.precisions.split(",") if p.strip()]
    if "fp32" in precisions:
        precisions.remove("fp32")
    precisions.insert(0, "fp32")
    seed = seed_passages()
    corpus = seed * args.copies
    queries = dev_queries()
    emulated = {k: os.environ[k] for k in EMULATION_ENV if k in os.environ}

    rows, ref, ref_rank, fp32_warm = [], None, None, None
    tokens: float | None = None
    for p in precisions:
        try:
            e = emb.make_embedder(settings, spec, p)
        except Exception as exc:  # a runtime missing here is a row, not a crash
            rows.append((p, None, None, None, None, None, f"failed to load: {exc}"))
            continue
        if tokens is None and e.tokenizer is not None:
            tokens = float(np.mean([len(e.tokenizer.with_specials("passage: " + s)) for s in seed]))
        with Timer() as w:
            e.embed_passages(seed[:16])
        warm = 16 / w.wall
        fp32_warm = fp32_warm or warm
        texts, note = corpus, ""
        if warm < fp32_warm / 4:
            texts, note = seed, "under 1/4 of fp32 at warm-up: timed on the 145 seed passages only"
        with Timer() as t:
            vecs = e.embed_passages(texts)
        qt = []
        for q in queries:
            t0 = time.perf_counter()
            e.embed_query(q)
            qt.append(1000 * (time.perf_counter() - t0))
        sv = vecs[: len(seed)]
        qv = np.stack([e.embed_query(q) for q in queries])
        rank = np.argmax(qv @ sv.T, axis=1)
        if ref is None:
            ref, ref_rank = sv, rank
        cos = np.sum(sv * ref, axis=1)
        top1 = int(np.sum(rank == ref_rank))
        if p.startswith("onnx") and emulated:
            note = (note + "; " if note else "") + "ONNX Runtime is not emulated: host CPU speed"
        rate = (len(texts) / t.wall, len(texts) / t.cpu)
        rows.append((p, rate, statistics.median(qt), t.other, (cos.min(), cos.mean()), top1, note))
        del e

    auto_line = "auto: not run (--no-auto)"
    if not args.no_auto:
        passages, probe_q = embed_auto.load_probe()
        loaders = {p: (lambda p=p: emb.make_embedder(settings, spec, p)) for p in precisions}
        choice, results = embed_auto.measure_candidates(loaders, passages, probe_q)
        auto_line = f"auto (probe set, this run) chose **{choice}**: " + embed_auto._rates(
            {"candidates": [m.__dict__ for m in results]}
        )

    peaks = matmul_peaks(settings.embedding_threads or emb._available_cpus())
    gflop = MFLOP_PER_TOKEN * (tokens or 100.0) / 1000
    import torch

    print("## Embedding runtimes\n")
    print(f"- CPU: {cpu_model()}; SIMD flags: {cpu_flags() or 'none of ' + ','.join(('avx2', 'avx512f'))}; "
          f"{emb._available_cpus()} usable CPUs")  # fmt: skip
    print(f"- emulation: {emulated or 'none (native kernels)'}")
    print(f"- torch {torch.__version__}, onnxruntime {embed_auto._version('onnxruntime')}, "
          f"python {platform.python_version()}")  # fmt: skip
    print(f"- {len(corpus)} passages ({args.copies} x {len(seed)} seed chunks, {tokens or 0:.0f} tokens each on "
          f"average), {len(queries)} dev questions for query ms; load average at end "
          f"{os.getloadavg()[0]:.1f}")  # fmt: skip
    print("- matmul peak at the encoder's shape: " + ", ".join(f"{k} {v:.0f} G(FL)OP/s" for k, v in peaks.items()))
    print(f"- {auto_line}\n")
    print("| precision | passages/s | per CPU-second | query ms (median) | other load (cores) | "
          "cos vs fp32 min / mean | top-1 = fp32 | % of int8 / fp32 matmul ceiling | note |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for p, rate, qms, other, cos, top1, note in rows:
        if rate is None:
            print(f"| {p} | — | — | — | — | — | — | — | {note} |")
            continue
        ceil_i8, ceil_32 = peaks["int8"] / gflop, peaks["fp32"] / gflop
        print(f"| {p} | {rate[0]:.1f} | {rate[1]:.1f} | {qms:.1f} | {other:.2f} | {cos[0]:.4f} / {cos[1]:.4f} | "
              f"{top1}/{len(queries)} | {100 * rate[0] / ceil_i8:.0f} % / {100 * rate[0] / ceil_32:.0f} % | "
              f"{note} |")  # fmt: skip
    print()
    print("\n".join(gpu_rows(seed, settings)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
