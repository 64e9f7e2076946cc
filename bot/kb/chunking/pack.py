"""Packing sentences into passages: greedy towards a target size, preferring paragraph starts, never
cutting a sentence (except one longer than the maximum), small leftovers folded into a neighbour."""

from __future__ import annotations

from dataclasses import dataclass

from bot.kb.chunking.sentences import split_long, split_sentences

__all__ = ["Piece", "pack", "pieces", "render"]


@dataclass
class Piece:
    text: str
    new_paragraph: bool


def pieces(paragraphs: list[str], target: int, max_chars: int) -> list[Piece]:
    units: list[Piece] = []
    for paragraph in paragraphs:
        first = True
        for sentence in split_sentences(paragraph):
            parts = [sentence] if len(sentence) <= max_chars else split_long(sentence, target, max_chars)
            for part in parts:
                units.append(Piece(part, first))
                first = False
    return units


def render(units: list[Piece]) -> str:
    out: list[str] = []
    for unit in units:
        if unit.new_paragraph and out:
            out.append("\n" + unit.text.lstrip())
        else:
            out.append(unit.text)
    return "".join(out).strip()


def pack(units: list[Piece], target: int, max_chars: int, min_chars: int) -> list[list[Piece]]:
    """Greedy packing towards `target`, preferring to start chunks at paragraph starts."""
    # Length of the paragraph remainder starting at each unit, to decide paragraph breaks.
    remaining = [0] * len(units)
    run = 0
    for i in range(len(units) - 1, -1, -1):
        run += len(units[i].text)
        remaining[i] = run
        if units[i].new_paragraph:
            run = 0
    groups: list[list[Piece]] = []
    current: list[Piece] = []
    size = 0
    for i, unit in enumerate(units):
        length = len(unit.text) + (1 if unit.new_paragraph else 0)
        if current:
            too_big = size + length > target and not (size < min_chars and size + length <= max_chars)
            paragraph_break = unit.new_paragraph and size >= target // 2 and size + remaining[i] > target
            if too_big or paragraph_break:
                groups.append(current)
                current, size = [], 0
                length = len(unit.text)
        current.append(unit)
        size += length
    if current:
        groups.append(current)
    return _merge_small(groups, max_chars, min_chars)


def _merge_small(groups: list[list[Piece]], max_chars: int, min_chars: int) -> list[list[Piece]]:
    """Fold chunks under min_chars into a neighbour of the same section, or rebalance the pair."""
    i = 0
    while len(groups) > 1 and i < len(groups):
        if len(render(groups[i])) >= min_chars:
            i += 1
            continue
        if i > 0 and len(render(groups[i - 1] + groups[i])) <= max_chars:
            groups[i - 1 : i + 1] = [groups[i - 1] + groups[i]]
            continue
        if i + 1 < len(groups) and len(render(groups[i] + groups[i + 1])) <= max_chars:
            groups[i : i + 2] = [groups[i] + groups[i + 1]]
            continue
        j = i - 1 if i > 0 else i + 1
        a, b = (j, i) if j < i else (i, j)
        balanced = _rebalance(groups[a] + groups[b], max_chars, min_chars)
        if balanced is not None:
            groups[a : b + 1] = balanced
        i += 1
    return groups


def _rebalance(units: list[Piece], max_chars: int, min_chars: int) -> list[list[Piece]] | None:
    """Split `units` in two at the boundary that makes both halves fit and the smaller largest."""
    best: tuple[int, int] | None = None
    for cut in range(1, len(units)):
        left, right = len(render(units[:cut])), len(render(units[cut:]))
        if left <= max_chars and right <= max_chars and min(left, right) >= min_chars:
            score = min(left, right)
            if best is None or score > best[0]:
                best = (score, cut)
    if best is None:
        return None
    return [units[: best[1]], units[best[1] :]]

