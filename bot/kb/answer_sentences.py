"""A passage cut into the sentences an answer may quote, cleaned for a villager's screen.

Passages keep the document's furniture because it helps retrieval (headings, 问：/答：, 第八条,
【条旨】); an answer must not show it. Each line is split with the project's one sentence
splitter (bot/kb/chunking.py). Then:
- a question ("问：…？", "七、看病钱不够怎么办？") or a heading ("四、申请材料", "咨询电话") is never
  an answer sentence: it is kept only as a marker of what the sentences after it answer;
- "答：", "问：", "第八条", "【单人户施保】" prefixes are dropped;
- a bare "不用。" / "可以。" / "能报。" opens the next sentence instead of standing alone;
- ASCII punctuation between Chinese characters becomes full width; stray spaces inside Chinese
  text and numbers ("40 0元") go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.kb.answer_type import TABLE_ROW
from bot.kb.chunking import split_sentences

_NUM = "一二三四五六七八九十百千零〇两"
_QA_PREFIX = re.compile(r"^\s*(?:问|答|Q|A)\s*[：:]\s*")
_ARTICLE_PREFIX = re.compile(rf"^\s*第[{_NUM}\d]+条\s*(?:【[^】]{{1,20}}】)?\s*")
_TAG_PREFIX = re.compile(r"^\s*【[^】]{1,20}】\s*")
_NUMBERED = re.compile(rf"^\s*(?:[{_NUM}]+[、.．]|[（(][{_NUM}\d]+[)）]|\d{{1,2}}[.．、](?!\d)|[①-⑳])\s*")
_TERMINAL = "。！？；!?;：:，,、…）)”」』】|"
_STARTS_UNIT = re.compile(
    rf"^\s*(?:问|答|Q|A)\s*[：:]|^\s*第[{_NUM}\d]+[章节条]|^\s*(?:[{_NUM}]+[、.．]|[（(][{_NUM}\d]+[)）]|\d{{1,2}}[.．、](?!\d)|[①-⑳])"
)
_YES_NO = re.compile(r"^(?:不用|不需要|不要|不能|不可以|不行|不是|不会|没有|可以|能|能报|会|是|是的|有|要|需要|对)[。！，,!]?$")
_CJK = r"\u3400-\u9fff"
_HALF_TO_FULL = {",": "，", ";": "；", "?": "？", "!": "！", ":": "："}
_LONE_SPACE = re.compile(rf"(?<=[{_CJK}\d])[ \t\u3000]+(?=[{_CJK}\d])")
# A heading: no sentence inside, short, or a numbered line without a full stop.
_SENTENCE_MARK = re.compile(r"[。！？；!?;]")
HEADING_MAX_CHARS = 20
LABEL_MAX_CHARS = 12
LIST_ITEM_MAX_CHARS = 100


@dataclass(frozen=True)
class Sentence:
    text: str  # cleaned, full-width punctuation, no prefixes
    position: int  # order within the passage
    is_item: bool  # a numbered list item ("1. 住院发票原件；")
    opens_list: bool  # ends with "：" and items follow ("需要带：")
    answers: str  # the question or heading it stands under in the passage ("" if none)
    is_label: bool = False  # a short numbered item that only names something


# A table cell whose unit is in its column name: "补助标准（元/户）：35000" reads "补助标准：35000元/户".
_UNIT_CELL = re.compile(r"[（(]\s*(元|万元|岁|天|个月|平方米)\s*(/[^）)]{1,4})?\s*[）)]\s*[：:]\s*([0-9][0-9,.]*)")


def full_width(text: str) -> str:
    """ASCII ,;?!: and () next to Chinese text in full width; digits' own marks (9:00, 1,000) kept."""
    text = _LONE_SPACE.sub("", text)
    text = _UNIT_CELL.sub(lambda m: f"：{m.group(3)}{m.group(1)}{m.group(2) or ''}", text)

    def swap(match: re.Match[str]) -> str:
        mark = match.group(0)
        start, end = match.start(), match.end()
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        if mark in ",:" and before.isdigit() and after.isdigit():
            return mark
        return _HALF_TO_FULL[mark]

    text = re.sub(r"[,;?!:]", swap, text)
    text = re.sub(rf"\(([^()]*[{_CJK}][^()]*)\)", r"（\1）", text)
    return text.strip()


def _lines(text: str) -> list[str]:
    """Non-empty lines. PDF lines broken mid-sentence are joined by the loader (bot/kb/loaders)."""
    return [ln.strip() for ln in text.split("\n") if ln.strip()]


def _is_question(raw: str) -> bool:
    stripped = raw.strip()
    return bool(re.match(r"^\s*(?:问|Q)\s*[：:]", stripped)) or stripped.endswith(("？", "?"))


def _is_heading(raw: str) -> bool:
    stripped = raw.strip()
    if _SENTENCE_MARK.search(stripped) or stripped.endswith(("：", ":", "，", ",", "、")):
        return False
    if "|" in stripped or "｜" in stripped:
        return False  # a table row: data, not a title
    return len(stripped) <= HEADING_MAX_CHARS or bool(_NUMBERED.match(stripped))


def _is_label(raw: str, numbered: bool) -> bool:
    """"14.“雨露计划”补助初审。": a numbered item that only names something (a list of duties)."""
    body = _NUMBERED.sub("", raw.strip())
    return numbered and len(body) <= LABEL_MAX_CHARS and body.endswith("。") and "，" not in body


def clean(raw: str) -> str:
    text = raw.strip()
    for pattern in (_QA_PREFIX, _ARTICLE_PREFIX, _TAG_PREFIX):
        text = pattern.sub("", text)
    return full_width(text)


def sentences(passage: str) -> list[Sentence]:
    """The quotable sentences of a passage in reading order (see the module docstring)."""
    out: list[Sentence] = []
    context = ""
    pending = ""  # a bare yes/no waiting for the sentence it opens
    in_list = False  # the previous line opened a list ("可以通过以下方式申报：") or was its item
    for line in _lines(passage):
        # Markdown and web bullets lose their "- " in the loaders: a short line under a lead-in
        # ending in "：" is an item as much as a numbered one.
        item = (bool(_NUMBERED.match(line)) or (in_list and len(line) <= LIST_ITEM_MAX_CHARS)) and not (
            _ARTICLE_PREFIX.match(line)
        )
        in_list = line.endswith(("：", ":")) or (in_list and item)
        pieces = [line] if TABLE_ROW.match(line) else split_sentences(line)
        for index, raw in enumerate(pieces):
            if _is_question(raw):
                context, pending = clean(raw), ""
                continue
            if index == 0 and len(pieces) == 1 and _is_heading(raw):
                context, pending = clean(raw), ""
                continue
            text = clean(raw)
            if not text or (len(re.sub(rf"[^{_CJK}A-Za-z0-9]", "", text)) < 2 and not _YES_NO.match(text)):
                continue
            if _YES_NO.match(text):
                pending += text if text.endswith(("。", "！", "，")) else text + "。"
                continue
            if pending:
                text, pending = pending + text, ""
            label = index == 0 and _is_label(raw, item)
            out.append(Sentence(text, len(out), item and index == 0, text.endswith("："), context, label))
    if pending:
        out.append(Sentence(pending, len(out), False, False, context))
    return out
