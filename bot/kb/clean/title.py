"""The document's title (and a subtitle or author line right under it) and its metadata."""

from __future__ import annotations

import re

from bot.kb.chunking.sentences import split_sentences
from bot.kb.clean.lines import _has_sentence, _is_person_name, _Line
from bot.kb.clean.vocab import _DATE_RE
from bot.kb.normalize import normalize_for_match

_NUMBERED_HEADING_RE = re.compile(
    r"^(?:[一二三四五六七八九十百零〇]+[、.．]|[（(][一二三四五六七八九十百零〇\d]+[)）]|\d{1,2}[.．、)）](?!\d)|"
    r"第[一二三四五六七八九十百零〇\d]+[章节条编])"
)
_SITE_SUFFIX_RE = re.compile(r"\s*(?:[_|｜]| - | – | — |--)\s*")
# What PDF and Office writers put in the title field when nobody typed one.
_PLACEHOLDER_TITLE_RE = re.compile(r"^(?:untitled|无标题|未命名|document\d*|文档\d*|新建.{0,20}文档)$", re.IGNORECASE)
# "XX关于印发《石岭县临时救助实施细则》的通知": the notice wraps the document people mean.
_ISSUING_NOTICE_RE = re.compile(r"关于印发《(?P<inner>[^《》]{4,60})》的通知$")
MAX_TITLE_CHARS = 80
# One or more issuing bodies: "石岭县农业农村局 石岭县教育体育局 石岭县财政局".
_ISSUERS_RE = re.compile(r"^(?:[\u4e00-\u9fff（）]{2,24}(?:局|政府|委员会|委|会|厅|部|院|室|办|中心|社|联合会|公司)[\s\u3000]*)+$")


def _title_like(text: str) -> bool:
    """Short, a heading rather than a sentence, not a numbered section."""
    if not 2 <= len(text) <= MAX_TITLE_CHARS or text.endswith(("。", "；", "，", ",", "：", ":", ";")):
        return False
    if _has_sentence(text[:-1]) or _NUMBERED_HEADING_RE.match(text) or text.startswith(("——", "--", "问：", "问:")):
        return False
    return any(ch.isalnum() for ch in text)


def _strip_site_suffix(title: str) -> str:
    """Keep the article's own title: "打好基层党建 决胜脱贫攻坚_中国社会科学网" → its longest part."""
    parts = [p for p in _SITE_SUFFIX_RE.split(title) if p.strip()]
    return max(parts, key=len).strip() if len(parts) > 1 else title.strip()


def _extract_title(lines: list[_Line], meta: dict[str, str], found: dict[str, str]) -> str:
    """Pick the title and consume it (and a subtitle / author line right under it) from the body."""
    kept = [ln for ln in lines if ln.keep]
    meta_title = _strip_site_suffix(meta.get("title", ""))
    if _PLACEHOLDER_TITLE_RE.match(meta_title):
        meta_title = ""
    first = kept[0] if kept else None
    body_title = first.text if first is not None and _title_like(first.text) else ""
    # "石岭县民政局 石岭县财政局" / "关于印发《…》的通知": the issuers' line and the subject line are one title.
    subject = kept[1] if len(kept) > 1 else None
    joins = subject is not None and subject.text.startswith("关于") and not subject.heading
    if body_title and joins and _title_like(subject.text) and _ISSUERS_RE.match(body_title):  # type: ignore[union-attr]
        body_title += subject.text  # type: ignore[union-attr]
        subject.keep = False  # type: ignore[union-attr]
    title = ""
    if body_title:
        a, b = normalize_for_match(body_title), normalize_for_match(meta_title)
        if not meta_title or (a and b and (a in b or b in a)) or first.heading == 1:  # type: ignore[union-attr]
            title = body_title
            first.keep = False  # type: ignore[union-attr]
    if not title and meta_title:
        title = meta_title
    inner = _ISSUING_NOTICE_RE.search(title)
    if inner:
        title = inner.group("inner")
    elif _ISSUERS_RE.match(title.split("关于")[0]) and "关于" in title:
        title = title[title.index("关于") :]  # the issuers are in the text; the subject names it
    if title:
        meta["title"] = title
        _consume_lead(kept[1:] if first is not None and not first.keep else kept, found)
    else:
        title = _derived_title(kept)
        if title:
            meta["title_source"] = "derived"
    return title


def _consume_lead(lines: list[_Line], found: dict[str, str]) -> None:
    """Right under a title: "——subtitle" and a bare author name, before the first paragraph."""
    for line in lines[:3]:
        if not line.keep or line.heading:
            break
        text = line.text
        if text.startswith(("——", "--", "—")) and len(text) <= 60 and not _has_sentence(text[:-1]):
            found.setdefault("subtitle", text.lstrip("—- ").strip())
            line.keep = False
        elif _is_person_name(text):
            found.setdefault("author", text)
            line.keep = False
        else:
            break


def _derived_title(lines: list[_Line]) -> str:
    """No title anywhere: the document's opening clause, so users still see what it is about."""
    for line in lines:
        if line.heading or _NUMBERED_HEADING_RE.match(line.text):
            continue
        first = split_sentences(line.text)[0].rstrip("。！？；!?;")
        return first if len(first) <= 40 else first[:40].rstrip("，,、：: ") + "…"
    return lines[0].text[:40] if lines else ""


def _iso_date(value: str) -> str:
    date = _DATE_RE.search(value)
    if date:
        return f"{date.group('y')}-{int(date.group('m')):02d}-{int(date.group('d')):02d}"
    return value
