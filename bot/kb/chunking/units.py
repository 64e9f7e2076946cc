"""Units a passage must not cut: a question with its answer, an article with its clauses, a lead-in
("申请时应当提交以下材料：") with its list or table rows.

Why: a villager's answer is the whole unit. When a Q&A sheet was cut by size, question 七 ended
one passage and its answer began the next, so the best passage for "看病钱不够咋整" was a heading.
The genres counties load (政策问答, 实施办法, 办事指南, 通知) are built of exactly these units, and
they are recognised by shape, not by any document's wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.kb.chunking.structure import Section, numbering_kind

__all__ = ["Block", "blocks", "is_question"]

# "问：…", "Q：…"
_ASKED_RE = re.compile(r"^(?:问|提问|Q)\s*[：:]", re.IGNORECASE)
_ANSWER_RE = re.compile(r"^(?:答|回答|A)\s*[：:]", re.IGNORECASE)
_QUESTION_END = ("？", "?")
_CLOSERS = "”’」』\"'）)》】"
# A numbered heading that is a question: "七、看病钱不够怎么办？", "3.补助标准是多少？".
QUESTION_MAX_CHARS = 80
# "改造方式：拆除重建；户类型：…" — a table row as the loaders render it.
_ROW_RE = re.compile(r"^[^：:；;。]{1,30}[：:][^；;]{1,80}[；;]")
_ARTICLE_RE = re.compile(r"^第[一二三四五六七八九十百千零〇两\d]+条")


@dataclass
class Block:
    kind: str  # "qa", "article", "list" or "text"
    paragraphs: list[str] = field(default_factory=list)
    lead: str = ""  # what continuation passages of an overlong unit are filed under (the question)

    @property
    def size(self) -> int:
        return sum(len(p) for p in self.paragraphs) + len(self.paragraphs) - 1

    @property
    def atomic(self) -> bool:
        """A unit kept in one passage when it fits, and never packed with other text."""
        return self.kind != "text"


def is_question(paragraph: str) -> bool:
    """"问：…" lines, and short lines (numbered or not) that end in a question mark."""
    text = paragraph.strip()
    if _ASKED_RE.match(text):
        return True
    return len(text) <= QUESTION_MAX_CHARS and text.rstrip(_CLOSERS).endswith(_QUESTION_END)


def _is_item(paragraph: str) -> bool:
    return numbering_kind(paragraph) is not None or bool(_ROW_RE.match(paragraph))


def blocks(section: Section) -> list[Block]:
    """The section's paragraphs grouped into units, in order."""
    paragraphs = section.paragraphs
    last = section.chain[-1] if section.chain else ""
    if _ARTICLE_RE.match(last) or (paragraphs and _ARTICLE_RE.match(paragraphs[0])):
        return [Block("article", list(paragraphs))]  # the section is one article (structure.py)
    out: list[Block] = []
    for paragraph in paragraphs:
        current = out[-1] if out else None
        if is_question(paragraph) and not _ANSWER_RE.match(paragraph):
            out.append(Block("qa", [paragraph], lead=paragraph))
        elif current is not None and current.kind == "qa":
            current.paragraphs.append(paragraph)  # the answer runs to the next question or heading
        elif current is not None and current.kind == "list" and _is_item(paragraph):
            current.paragraphs.append(paragraph)
        elif paragraph.rstrip().endswith(("：", ":")) and len(paragraph) <= 200:
            out.append(Block("list", [paragraph]))
        elif current is not None and current.kind == "text":
            current.paragraphs.append(paragraph)
        else:
            out.append(Block("text", [paragraph]))
    # A lead-in with nothing listed under it is plain text.
    for block in out:
        if block.kind == "list" and len(block.paragraphs) == 1:
            block.kind = "text"
    return out
