"""The runtimes that turn token ids into mean-pooled vectors, and the device choice.

Each backend ("encoder") has one job: ``pooled(ids, mask)`` -> float64 ``(batch, dim)`` mean of
the encoder's last hidden state over the attention mask. Tokenizing, windowing, batching and
normalising live in ``bot.kb.embeddings.Embedder``, the same for every backend, so backends differ
only in how the transformer runs:

* ``TorchEncoder`` — the Hugging Face model in torch: ``fp32``, ``bf16``, ``int8`` (each
  ``nn.Linear`` an int8 x int8 matmul via ``torch._int_mm``), or ``fp16``/``bf16`` on CUDA.
* ``OrtEncoder`` — ONNX Runtime on an int8 ONNX graph built locally (``bot.kb.onnx_build``).

torch, transformers and onnxruntime are imported inside the functions that need them: a process
whose chosen runtime is ONNX Runtime never pays torch's multi-second import.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import torch

log = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda")
# Batches on a GPU: large, so the device is kept busy (texts are length-sorted, little padding).
CUDA_BATCH_SIZE = 256


class EncoderLoadError(RuntimeError):
    """A backend could not be set up (missing runtime, unsupported CPU, bad model file)."""


class Encoder(Protocol):
    """What the Embedder needs from a runtime."""

    device: str

    def pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray: ...
    def worker_init(self) -> None: ...


# ----------------------------------------------------------------------------- device


def torch_may_see_gpu() -> bool:
    """Cheap pre-check, without importing torch (2-6 s): a ``+cpu`` wheel or a machine without
    an NVIDIA device node cannot have CUDA, whatever torch would say."""
    try:
        version = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return False
    if "+cpu" in version:
        return False
    return any(Path("/dev").glob("nvidia[0-9]*")) or bool(os.environ.get("CUDA_VISIBLE_DEVICES"))


def cuda_available() -> bool:
    if not torch_may_see_gpu():
        return False
    import torch  # deferred: heavy, and only reached on a machine that may have a GPU

    return bool(torch.cuda.is_available())


def select_device(setting: str, precision: str, *, cuda: bool | None = None) -> str:
    """``EMBEDDING_DEVICE`` -> ``"cpu"`` or ``"cuda"``.

    ``auto`` takes CUDA when torch sees a GPU and the precision is one a GPU runs (auto, fp16,
    bf16, fp32); int8 runtimes are CPU kernels, so an explicit ``int8``/``onnx-int8`` stays on the
    CPU. ``cuda`` without a GPU is an error rather than a silent 100x slowdown.
    """
    if setting not in DEVICES:
        raise ValueError(f"embedding device must be one of {DEVICES}, got {setting!r}")
    if setting == "cpu":
        return "cpu"
    has_gpu = cuda_available() if cuda is None else cuda
    if setting == "cuda":
        if not has_gpu:
            raise EncoderLoadError("EMBEDDING_DEVICE=cuda but torch sees no CUDA GPU")
        if precision in ("int8", "onnx-int8"):
            raise EncoderLoadError(f"EMBEDDING_PRECISION={precision} runs on the CPU only; use fp16 or bf16")
        return "cuda"
    return "cuda" if has_gpu and precision in ("auto", "fp16", "bf16", "fp32") else "cpu"


# ----------------------------------------------------------------------------- torch


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


def apply_precision(module: torch.nn.Module, precision: str, device: str = "cpu") -> None:
    """Put a torch model into ``precision`` on ``device`` in place."""
    import torch

    if precision == "bf16":
        module.to(torch.bfloat16)
    elif precision == "fp16":
        module.to(torch.float16)
    elif precision == "int8" and quantize_linears_int8(module) == 0:
        raise EncoderLoadError("int8: the model has no nn.Linear layers to quantise")
    if device != "cpu":
        module.to(device)


class TorchEncoder:
    """A transformers encoder run by torch; ``hf`` is any module returning ``last_hidden_state``."""

    def __init__(self, hf: torch.nn.Module, precision: str, device: str = "cpu") -> None:
        hf.eval()
        apply_precision(hf, precision, device)
        self.hf = hf
        self.precision = precision
        self.device = device

    @classmethod
    def from_folder(cls, folder: Path, precision: str, device: str = "cpu") -> TorchEncoder:
        from transformers import AutoModel  # deferred: ~3 s, only when torch is the runtime

        try:
            hf = AutoModel.from_pretrained(str(folder), local_files_only=True)
        except (OSError, ValueError) as exc:
            raise EncoderLoadError(f"cannot load the transformer in {folder}: {exc}") from exc
        return cls(hf, precision, device)

    def pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import torch

        # Inference only reads the weights, so worker threads and query threads run it concurrently.
        with torch.inference_mode():
            t_ids = torch.from_numpy(ids).to(self.device)
            t_mask = torch.from_numpy(mask).to(self.device)
            hidden = self.hf(input_ids=t_ids, attention_mask=t_mask).last_hidden_state
            m = t_mask.unsqueeze(-1).to(torch.float32)
            pooled = (hidden.to(torch.float32) * m).sum(dim=1) / m.sum(dim=1)
        return pooled.cpu().numpy().astype(np.float64)

    def worker_init(self) -> None:
        """torch's intra-op thread count is per calling thread (OpenMP): a worker gets one, the
        threads that embed queries keep theirs."""
        import torch

        torch.set_num_threads(1)


# ----------------------------------------------------------------------------- ONNX Runtime


class OrtEncoder:
    """An ONNX graph (inputs ``input_ids``, ``attention_mask``; output the last hidden state) on
    ONNX Runtime's CPU provider. ``Session.run`` releases the GIL and is thread-safe, so one
    session serves the worker threads and query threads at once, each call on ``threads``."""

    device = "cpu"

    def __init__(self, onnx_path: Path, *, threads: int = 1) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise EncoderLoadError("onnxruntime is not installed") from exc
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, int(threads))
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self.session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise EncoderLoadError(f"onnxruntime cannot load {onnx_path}: {exc}") from exc
        self.path = Path(onnx_path)

    def pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        m = mask[..., None].astype(np.float64)
        return (hidden.astype(np.float64) * m).sum(axis=1) / m.sum(axis=1)

    def worker_init(self) -> None:
        pass
