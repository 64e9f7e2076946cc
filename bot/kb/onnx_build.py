"""Build an int8 ONNX Runtime copy of a local encoder folder — no download, one-off, cached.

Steps (about a minute on 2 cores, once per model; the result is ~120 MB):

1. export the folder's transformer (eager attention, so ORT recognises the pattern) with
   ``torch.onnx.export`` (TorchScript exporter; inputs ``input_ids``, ``attention_mask``, output the
   last hidden state);
2. ``onnxruntime.transformers.optimizer`` fuses attention, skip-LayerNorm and bias-GELU;
3. ``onnxruntime.quantization.quantize_dynamic``: int8 weights with one scale per output channel
   and **reduce_range** (7-bit weights), activations quantised per tensor at run time; only
   matmuls with a constant weight (``MatMulConstBOnly``: the attention score matmuls stay float).

Why reduce_range: without VNNI, x86 runs u8 x s8 products with ``VPMADDUBSW``, which saturates
the int16 sum of two products when weights use the full int8 range (cosine to fp32 fell to 0.77
in the measurement behind issue 13). 7-bit weights keep 255*64*2 < 32767, so the integers are
exact on AVX2 and AVX-512 alike, and the vectors are the same on every x86 CPU.

The folder is written beside the cache as ``.<name>.tmp-*`` and renamed into place under an
``flock``; ``onnx_build.json`` (written last) marks it complete.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import time
import uuid
import warnings
from pathlib import Path

log = logging.getLogger(__name__)

ONNX_FORMAT_VERSION = 1
ONNX_MANIFEST = "onnx_build.json"
# precision -> file. ``onnx-mixed`` keeps each layer's FFN output matmul (1536 -> 384, fed by GELU,
# whose outliers per-tensor int8 handles worst) in float32: cosine to fp32 0.9987 instead of 0.9957
# on the probe passages, at ~2/3 of the full-int8 speed (docs/embeddings.md).
ONNX_FILES = {"onnx-int8": "model-int8.onnx", "onnx-mixed": "model-mixed.onnx"}


class OnnxBuildError(RuntimeError):
    """The ONNX copy could not be built (missing package, unsupported architecture)."""


def source_signature(src: Path) -> dict[str, int]:
    """What identifies the weights the ONNX copy was made from: weight file names and sizes."""
    return {p.name: p.stat().st_size for p in sorted(src.glob("*.safetensors"))} or {
        p.name: p.stat().st_size for p in sorted(src.glob("*.bin"))
    }


def is_built(dest: Path, src: Path) -> bool:
    try:
        manifest = json.loads((dest / ONNX_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        manifest.get("format_version") == ONNX_FORMAT_VERSION
        and manifest.get("source") == source_signature(src)
        and manifest.get("sizes") == {f: _size(dest / f) for f in ONNX_FILES.values()}
    )


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


@contextlib.contextmanager
def _lock(path: Path):
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def build_onnx_int8(src: Path, dest: Path, precision: str = "onnx-int8") -> Path:
    """The ONNX file for ``precision`` (a key of ``ONNX_FILES``) of the transformer in folder
    ``src``; both variants are built together, once, into ``dest``."""
    src, dest = Path(src), Path(dest)
    if is_built(dest, src):
        return dest / ONNX_FILES[precision]
    dest.parent.mkdir(parents=True, exist_ok=True)
    with _lock(dest.parent / f".{dest.name}.lock"):
        if is_built(dest, src):
            return dest / ONNX_FILES[precision]
        tmp = dest.parent / f".{dest.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            t0 = time.perf_counter()
            log.info("building the int8 ONNX copy of %s (one-off, about a minute)", src)
            _export_optimize_quantize(src, tmp)
            manifest = {
                "format_version": ONNX_FORMAT_VERSION,
                "source": source_signature(src),
                "sizes": {f: _size(tmp / f) for f in ONNX_FILES.values()},
                "quantization": "dynamic int8, per-channel, reduce_range, MatMulConstBOnly",
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
            (tmp / ONNX_MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
            if dest.exists():
                shutil.rmtree(dest)
            os.rename(tmp, dest)
            log.info("built %s in %.0f s", dest, time.perf_counter() - t0)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return dest / ONNX_FILES[precision]


def _export_optimize_quantize(src: Path, out: Path) -> None:
    try:
        import onnx
        import torch  # deferred: heavy, build time only
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.transformers import optimizer
        from transformers import AutoConfig, AutoModel
    except ImportError as exc:
        raise OnnxBuildError(f"building the ONNX model needs onnx and onnxruntime: {exc}") from exc

    cfg = AutoConfig.from_pretrained(str(src), local_files_only=True)
    if cfg.model_type not in ("bert", "xlm-roberta", "roberta"):
        raise OnnxBuildError(f"ONNX int8 supports BERT-family encoders, not {cfg.model_type!r}")
    model = AutoModel.from_pretrained(str(src), local_files_only=True, attn_implementation="eager").eval()

    class LastHidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.tensor([[0, 10, 20, 30, 2], [0, 10, 20, 2, cfg.pad_token_id or 1]])
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]])
    axes = {0: "batch", 1: "tokens"}
    fp32 = out / "fp32.onnx"
    fused = out / "fused.onnx"
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHidden(model), (ids, mask), str(fp32),
            input_names=["input_ids", "attention_mask"], output_names=["hidden"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "hidden": axes},
            opset_version=17, dynamo=False,
        )  # fmt: skip
    del model
    opt = optimizer.optimize_model(
        str(fp32), model_type="bert", num_heads=cfg.num_attention_heads, hidden_size=cfg.hidden_size,
        opt_level=1,
    )  # fmt: skip
    opt.save_model_to_file(str(fused))
    del opt
    fp32.unlink()
    graph = onnx.load(str(fused), load_external_data=False).graph
    ffn_out = [n.name for n in graph.node if n.op_type == "MatMul" and _is_ffn_output(n.name)]
    for precision, exclude in (("onnx-int8", []), ("onnx-mixed", ffn_out)):
        quantize_dynamic(
            str(fused), str(out / ONNX_FILES[precision]), weight_type=QuantType.QInt8,
            per_channel=True, reduce_range=True, nodes_to_exclude=exclude,
            extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT},
        )  # fmt: skip
    fused.unlink()


def _is_ffn_output(node_name: str) -> bool:
    """The exporter names nodes after module paths: ``/.../layer.N/output/dense/MatMul`` is the
    FFN output; ``.../attention/output/dense/MatMul`` is the attention projection."""
    return node_name.endswith("/output/dense/MatMul") and "/attention/" not in node_name
