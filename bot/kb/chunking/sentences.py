"""The project's one sentence splitter (retrieval, the answer-type check and answer composition all
use it, so they agree on what a sentence is), and the last-resort cut of an overlong sentence."""

from __future__ import annotations

import re

__all__ = ["split_long", "split_sentences"]

# Text with no punctuation at all (tables flattened to one line, OCR runs) is still cut here.
_HARD_LIMIT_FACTOR = 4
_CLOSERS = "”’」』\"'）)》】\\]"
_SENT_END_RE = re.compile(rf"(?:[。！？；!?;]+|(?<![\d.])\.(?=[\s{_CLOSERS}]|$))[{_CLOSERS}]*")
_CLAUSE_END_RE = re.compile(rf"[，,、：:]+[{_CLOSERS}]*")


def split_sentences(paragraph: str) -> list[str]:
    """Sentences ending in 。！？；!?; (or "." before a space), closing quotes kept with them.

    Joining the result with "" gives back the paragraph exactly.
    """
    cuts = [m.end() for m in _SENT_END_RE.finditer(paragraph)]
    pieces, start = [], 0
    for cut in cuts:
        if cut > start:
            pieces.append(paragraph[start:cut])
            start = cut
    if start < len(paragraph):
        pieces.append(paragraph[start:])
    # Whitespace between sentences belongs to the next one; a lone space is not a sentence.
    merged: list[str] = []
    for piece in pieces:
        if merged and not piece.strip():
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged


def split_long(sentence: str, target: int, max_chars: int) -> list[str]:
    """Last resort for one sentence over max_chars: cut at clause marks, else hard-cut."""
    cuts = [m.end() for m in _CLAUSE_END_RE.finditer(sentence) if m.end() < len(sentence)]
    clauses, start = [], 0
    for cut in [*cuts, len(sentence)]:
        clauses.append(sentence[start:cut])
        start = cut
    pieces: list[str] = []
    for clause in clauses:
        if pieces and len(pieces[-1]) + len(clause) <= target:
            pieces[-1] += clause
        else:
            pieces.append(clause)
    hard = max_chars * _HARD_LIMIT_FACTOR
    out: list[str] = []
    for piece in pieces:
        if len(piece) <= hard:
            out.append(piece)
        else:  # no punctuation for pages: keep memory and embeddings sane
            out.extend(piece[i : i + max_chars] for i in range(0, len(piece), max_chars))
    return out

