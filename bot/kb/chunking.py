"""Split a cleaned Document into retrievable passages that follow Chinese document structure.

Policy texts are organised by numbered headings (一、 → （一） → 1. → (1)), chapters and
articles (第一章, 第一条), or markdown/docx headings that loaders mark with "# ". A passage
never spans two sections and carries its heading chain, so "（二）经费保障" is searchable
even when the passage itself never repeats those words. Inside a section, paragraphs are
packed sentence by sentence towards `target_chars`; a sentence is never cut, except a single
sentence longer than `max_chars`, which is split at ，/、/： as a last resort.

Sizes are parameters because the right ones are measured (retrieval quality vs. speed);
the module constants are only defaults.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from bot.kb.types import Chunk, Document

__all__ = [
    "MAX_CHARS",
    "MIN_CHARS",
    "SECTION_SEPARATOR",
    "TARGET_CHARS",
    "Section",
    "chunk_document",
    "parse_sections",
    "split_sentences",
]

TARGET_CHARS = 200
MAX_CHARS = 320
MIN_CHARS = 40
SECTION_SEPARATOR = " > "

# A numbered line no longer than this, without a sentence inside it, is a heading on its own.
HEADING_MAX_CHARS = 50
# "1. 让基层干部在脱贫一线锤炼。调优配强……": the lead sentence of a numbered paragraph names it.
INLINE_LEAD_MAX_CHARS = 40
# An unnumbered heading ("因地制宜打造……的创新模式") is short and has no clause punctuation.
PLAIN_HEADING_MAX_CHARS = 32
# Text with no punctuation at all (tables flattened to one line, OCR runs) is still cut here.
_HARD_LIMIT_FACTOR = 4

_NUM = "一二三四五六七八九十百千零〇两"
# (kind, pattern) — order matters: the first match names the numbering style.
_NUMBERING: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chapter", re.compile(rf"^第[{_NUM}\d]+[章编卷](?=\s|$|[\u4e00-\u9fff：:])")),
    ("part", re.compile(rf"^第[{_NUM}\d]+(?:节|部分)(?=\s|$|[\u4e00-\u9fff：:])")),
    ("article", re.compile(rf"^第[{_NUM}\d]+条(?=\s|$|[\u4e00-\u9fff：:])")),
    ("cn", re.compile(rf"^[{_NUM}]+[、.．](?!\d)")),
    ("paren_cn", re.compile(rf"^[（(][{_NUM}]+[)）]")),
    ("arabic", re.compile(r"^\d{1,2}(?:[.．](?!\d)|、)")),
    ("arabic_close", re.compile(r"^\d{1,2}[)）]")),
    ("paren_ar", re.compile(r"^[（(]\d{1,2}[)）]")),
    ("circled", re.compile(r"^[①-⑳]")),
    # 启示一：/ 经验二： — a two-character label numbered in Chinese, then a colon.
    ("label_num", re.compile(rf"^[\u4e00-\u9fff]{{2}}[{_NUM}]{{1,2}}[：:]")),
)
_PATTERNS = dict(_NUMBERING)
_MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
_SENTENCE_INSIDE = re.compile(r"[。！？；!?;]")
_CLAUSE_OR_SENTENCE = re.compile(r"[，,。！？；!?;：:]")
_CLOSERS = "”’」』\"'）)》】\\]"
_SENT_END_RE = re.compile(rf"(?:[。！？；!?;]+|(?<![\d.])\.(?=[\s{_CLOSERS}]|$))[{_CLOSERS}]*")
_CLAUSE_END_RE = re.compile(rf"[，,、：:]+[{_CLOSERS}]*")


@dataclass
class _Heading:
    kind: str  # "md", "plain" or a numbering style from _NUMBERING
    level: int  # markdown level for "md", else 0
    text: str
    has_body: bool = False  # a paragraph was filed under it (only matters for "plain")


@dataclass
class Section:
    """A run of paragraphs under one heading chain (empty chain = before any heading)."""

    chain: tuple[str, ...]
    paragraphs: list[str] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return SECTION_SEPARATOR.join(self.chain)


# --------------------------------------------------------------------------- structure


def _numbering_kind(line: str) -> str | None:
    for kind, pattern in _NUMBERING:
        if pattern.match(line):
            return kind
    return None


def _inline_lead(line: str, kind: str) -> str | None:
    """The naming lead of a numbered paragraph, or None when the line is not one."""
    if kind == "article":  # 第一条 为了……: the article number names it, the rest is its text
        match = _PATTERNS["article"].match(line)
        return match.group(0) if match and len(line) > match.end() + 1 else None
    end = _SENTENCE_INSIDE.search(line)
    if end is None or end.start() > INLINE_LEAD_MAX_CHARS or len(line) - end.end() < 10:
        return None
    return line[: end.start()].rstrip()


def _is_standalone_heading(line: str) -> bool:
    """Short and sentence-free. A line ending in 。 is a list item or an article, not a title."""
    return len(line) <= HEADING_MAX_CHARS and not _SENTENCE_INSIDE.search(line)


def _plain_heading_candidate(line: str) -> bool:
    if not 2 <= len(line) <= PLAIN_HEADING_MAX_CHARS or _CLAUSE_OR_SENTENCE.search(line):
        return False
    if "|" in line or line.endswith(("、", "…", "—")):
        return False
    return sum(1 for ch in line if "\u4e00" <= ch <= "\u9fff") >= 2


def _classify(lines: list[str]) -> list[tuple[_Heading | None, bool]]:
    """For each line: the heading it opens (if any) and whether that heading is inline.

    Inline headings ("1. 让基层干部在脱贫一线锤炼。调优配强……") name only their own paragraph;
    the line itself stays a paragraph.
    """
    out: list[tuple[_Heading | None, bool]] = []
    for idx, line in enumerate(lines):
        md = _MD_HEADING_RE.match(line)
        if md:
            out.append((_Heading("md", len(md.group(1)), md.group(2).strip()), False))
            continue
        kind = _numbering_kind(line)
        if kind:
            if _is_standalone_heading(line):
                out.append((_Heading(kind, 0, line.rstrip("：:")), False))
                continue
            lead = _inline_lead(line, kind)
            if lead:
                out.append((_Heading(kind, 0, lead), True))
                continue
        elif _plain_heading_candidate(line):
            prev = lines[idx - 1] if idx else ""
            nxt = lines[idx + 1] if idx + 1 < len(lines) else ""
            prev_ok = not prev or prev.startswith("#") or prev.rstrip(_CLOSERS).endswith(tuple("。！？；!?;"))
            nxt_ok = bool(nxt) and (
                (len(nxt) >= max(2 * len(line), 40) and not _MD_HEADING_RE.match(nxt))
                or _numbering_kind(nxt) is not None
            )
            if prev_ok and nxt_ok:
                out.append((_Heading("plain", 0, line), False))
                continue
        out.append((None, False))
    _demote_bodiless_runs(out)
    return out


def _demote_bodiless_runs(classified: list[tuple[_Heading | None, bool]]) -> None:
    """Numbered lines back to back with no text under them ("1. 加强组织领导" / "2. 强化资金保障")
    are a list of items, not empty sections: keep them as paragraphs so their words stay searchable.
    """
    i = 0
    while i < len(classified):
        heading, inline = classified[i]
        if heading is None or inline or heading.kind in ("md", "plain"):
            i += 1
            continue
        j = i
        while j + 1 < len(classified):
            nxt, nxt_inline = classified[j + 1]
            if nxt is None or nxt_inline or nxt.kind != heading.kind:
                break
            j += 1
        if j > i:
            for k in range(i, j + 1):
                classified[k] = (None, False)
        i = j + 1


def _push(stack: list[_Heading], heading: _Heading) -> None:
    """Place a heading in the open-section stack.

    Markdown/docx levels are explicit. Numbering styles have no fixed rank (documents use
    一、/（一）/1. in different orders), so a style seen before closes everything opened
    after it, and a new style nests under the current section. An unnumbered heading is a
    top-level sibling; once it has text of its own, a numbered heading after it is its
    sibling too ("引言" … "一、…"), not its child.
    """
    if heading.kind == "md":
        while stack and (stack[-1].kind != "md" or stack[-1].level >= heading.level):
            stack.pop()
    elif heading.kind == "plain":
        while stack and stack[-1].kind != "md":
            stack.pop()
    else:
        if stack and stack[-1].kind == "plain" and stack[-1].has_body:
            stack.pop()
        for i in range(len(stack) - 1, -1, -1):
            if stack[i].kind == "md":
                break
            if stack[i].kind == heading.kind:
                del stack[i:]
                break
    stack.append(heading)


def parse_sections(text: str) -> list[Section]:
    """Group the paragraphs of a cleaned text by heading chain, in document order."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    sections: list[Section] = []
    stack: list[_Heading] = []

    def add(paragraph: str, chain: tuple[str, ...]) -> None:
        if sections and sections[-1].chain == chain:
            sections[-1].paragraphs.append(paragraph)
        else:
            sections.append(Section(chain, [paragraph]))
        for heading in stack:
            heading.has_body = True

    for line, (heading, inline) in zip(lines, _classify(lines), strict=True):
        if heading is None:
            add(line, tuple(h.text for h in stack))
        elif inline:
            _push(stack, heading)
            add(line, tuple(h.text for h in stack))
            stack.remove(heading)
        else:
            _push(stack, heading)
    return sections


# --------------------------------------------------------------------------- sentences


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


def _split_long(sentence: str, target: int, max_chars: int) -> list[str]:
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


# --------------------------------------------------------------------------- packing


@dataclass
class _Unit:
    text: str
    new_paragraph: bool


def _units(paragraphs: list[str], target: int, max_chars: int) -> list[_Unit]:
    units: list[_Unit] = []
    for paragraph in paragraphs:
        first = True
        for sentence in split_sentences(paragraph):
            parts = [sentence] if len(sentence) <= max_chars else _split_long(sentence, target, max_chars)
            for part in parts:
                units.append(_Unit(part, first))
                first = False
    return units


def _render(units: list[_Unit]) -> str:
    out: list[str] = []
    for unit in units:
        if unit.new_paragraph and out:
            out.append("\n" + unit.text.lstrip())
        else:
            out.append(unit.text)
    return "".join(out).strip()


def _pack(units: list[_Unit], target: int, max_chars: int, min_chars: int) -> list[list[_Unit]]:
    """Greedy packing towards `target`, preferring to start chunks at paragraph starts."""
    # Length of the paragraph remainder starting at each unit, to decide paragraph breaks.
    remaining = [0] * len(units)
    run = 0
    for i in range(len(units) - 1, -1, -1):
        run += len(units[i].text)
        remaining[i] = run
        if units[i].new_paragraph:
            run = 0
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
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


def _merge_small(groups: list[list[_Unit]], max_chars: int, min_chars: int) -> list[list[_Unit]]:
    """Fold chunks under min_chars into a neighbour of the same section, or rebalance the pair."""
    i = 0
    while len(groups) > 1 and i < len(groups):
        if len(_render(groups[i])) >= min_chars:
            i += 1
            continue
        if i > 0 and len(_render(groups[i - 1] + groups[i])) <= max_chars:
            groups[i - 1 : i + 1] = [groups[i - 1] + groups[i]]
            continue
        if i + 1 < len(groups) and len(_render(groups[i] + groups[i + 1])) <= max_chars:
            groups[i : i + 2] = [groups[i] + groups[i + 1]]
            continue
        j = i - 1 if i > 0 else i + 1
        a, b = (j, i) if j < i else (i, j)
        balanced = _rebalance(groups[a] + groups[b], max_chars, min_chars)
        if balanced is not None:
            groups[a : b + 1] = balanced
        i += 1
    return groups


def _rebalance(units: list[_Unit], max_chars: int, min_chars: int) -> list[list[_Unit]] | None:
    """Split `units` in two at the boundary that makes both halves fit and the smaller largest."""
    best: tuple[int, int] | None = None
    for cut in range(1, len(units)):
        left, right = len(_render(units[:cut])), len(_render(units[cut:]))
        if left <= max_chars and right <= max_chars and min(left, right) >= min_chars:
            score = min(left, right)
            if best is None or score > best[0]:
                best = (score, cut)
    if best is None:
        return None
    return [units[: best[1]], units[best[1] :]]


# --------------------------------------------------------------------------- public


def _chunk_id(source: str, ordinal: int, text: str) -> str:
    digest = hashlib.sha256(f"{source}\x00{ordinal}\x00{text}".encode()).hexdigest()
    return digest[:24]


def chunk_document(
    doc: Document,
    *,
    target_chars: int = TARGET_CHARS,
    max_chars: int = MAX_CHARS,
    min_chars: int = MIN_CHARS,
) -> list[Chunk]:
    """Passages of `doc` in order; each knows its document title and section heading chain.

    No chunk exceeds `max_chars` unless it is a single sentence without any ，/、/： to cut at;
    heading lines are never chunks on their own.
    """
    if not 0 < min_chars <= target_chars <= max_chars:
        raise ValueError(
            f"need 0 < min_chars <= target_chars <= max_chars, got {min_chars}/{target_chars}/{max_chars}"
        )
    chunks: list[Chunk] = []
    for section in parse_sections(doc.text):
        units = _units(section.paragraphs, target_chars, max_chars)
        for group in _pack(units, target_chars, max_chars, min_chars):
            text = _render(group)
            if not text:
                continue
            ordinal = len(chunks)
            chunks.append(
                Chunk(
                    id=_chunk_id(doc.source, ordinal, text),
                    source=doc.source,
                    title=doc.title,
                    section=section.heading,
                    text=text,
                    ordinal=ordinal,
                )
            )
    return chunks
