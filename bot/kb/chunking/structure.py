"""Section structure of a cleaned text: numbered headings (一、 → （一） → 1. → (1)), chapters and
articles (第一章, 第一条), markdown/docx headings that loaders mark with "# ", and short unnumbered
headings; each paragraph is filed under its heading chain."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["SECTION_SEPARATOR", "Section", "numbering_kind", "parse_sections"]

SECTION_SEPARATOR = " > "
# A numbered line no longer than this, without a sentence inside it, is a heading on its own.
HEADING_MAX_CHARS = 50
# "1. 让基层干部在脱贫一线锤炼。调优配强……": the lead sentence of a numbered paragraph names it.
INLINE_LEAD_MAX_CHARS = 40
# An unnumbered heading ("因地制宜打造……的创新模式") is short and has no clause punctuation.
PLAIN_HEADING_MAX_CHARS = 32
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
_LEAD_END = re.compile(r"[。！？!?]")
_ANNEX_RE = re.compile(r"^附\s*件\s*\d{0,2}\s*(?:[：:]\s*[^。！？；]{0,40})?$")
_CLAUSE_OR_SENTENCE = re.compile(r"[，,。！？；!?;：:]")
_CLOSERS = "”’」』\"'）)》】\\]"
_CLOSERS = "”’」』\"'）)》】\\]"


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


def numbering_kind(line: str) -> str | None:
    for kind, pattern in _NUMBERING:
        if pattern.match(line):
            return kind
    return None


def _inline_lead(line: str, kind: str) -> str | None:
    """The naming lead of a numbered paragraph, or None when the line is not one."""
    if kind == "article":  # 第一条 为了……: the article number names it, the rest is its text
        match = _PATTERNS["article"].match(line)
        return match.group(0) if match and len(line) > match.end() + 1 else None
    # A lead is a sentence ("1. 让基层干部在脱贫一线锤炼。…"); a clause ending in ；
    # ("（三）借款人年龄在18周岁至65周岁之间；…") is one item of a list, not its name.
    end = _LEAD_END.search(line)
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
        if _ANNEX_RE.match(line):
            # "附件" / "附件：石岭县临时救助标准一览表" ends the articles: what follows is the annex.
            out.append((_Heading("annex", 0, line.rstrip("：:")), False))
            continue
        kind = numbering_kind(line)
        if kind == "article" and _is_standalone_heading(line):
            # "第七条 【家庭成员】共同生活的家庭成员包括：" opens the article's own text: it names the
            # section and stays its first line.
            out.append((_Heading(kind, 0, line.rstrip("：:")), True))
            continue
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
                or numbering_kind(nxt) is not None
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
        if heading is None or inline or heading.kind in ("md", "plain", "annex"):
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
    elif heading.kind == "annex":
        stack.clear()
    elif heading.kind == "plain":
        while stack and stack[-1].kind not in ("md", "annex"):
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
            if heading.kind != "article":  # an article owns the paragraphs after it, up to the next one
                stack.remove(heading)
        else:
            _push(stack, heading)
    return sections

