"""Positional rules: junk recognised by where it sits (a "related articles" list under its marker,
menus above a breadcrumb, references and author bios at the end), and duplicate paragraphs."""

from __future__ import annotations

import re

from bot.kb.clean.lines import _has_sentence, _is_breadcrumb, _Line
from bot.kb.clean.vocab import (
    _BIO_LABEL_RE,
    _BIO_RE,
    _BREADCRUMB_ARROWS_RE,
    _CITATION_RE,
    _NON_WORD_RE,
    _REFERENCES_HEAD_RE,
    _RELATED_RE,
)


def _drop_related_tails(lines: list[_Line]) -> None:
    """Drop a "猜你喜欢"/"相关阅读" marker and the list of short link titles under it."""
    i = 0
    while i < len(lines):
        if lines[i].keep and _RELATED_RE.match(lines[i].text) and not _has_sentence(lines[i].text):
            lines[i].keep = False
            j = i + 1
            while j < len(lines) and len(lines[j].text) <= 40 and not _has_sentence(lines[j].text):
                lines[j].keep = False
                j += 1
            i = j
        else:
            i += 1


def _drop_references(lines: list[_Line]) -> None:
    """Bibliography entries ("[1]作者.题名[J].刊名…") and their heading: citations, not content."""
    for idx, line in enumerate(lines):
        if not line.keep:
            continue
        if _CITATION_RE.match(line.text):
            line.keep = False
        elif _REFERENCES_HEAD_RE.match(line.text):
            following = [ln for ln in lines[idx + 1 : idx + 3] if ln.keep]
            if not following or any(_CITATION_RE.match(ln.text) for ln in following):
                line.keep = False


def _drop_author_bios(lines: list[_Line]) -> None:
    """Drop "作者简介：" and the biography under it (birth year, gender, research field)."""
    for idx, line in enumerate(lines):
        if not line.keep or not _BIO_LABEL_RE.match(line.text):
            continue
        inline = _BIO_LABEL_RE.sub("", line.text).strip()
        if not inline:
            line.keep = False
            nxt = next((ln for ln in lines[idx + 1 :] if ln.keep), None)
            if nxt is not None and len(nxt.text) <= 300 and _BIO_RE.search(nxt.text):
                nxt.keep = False
        elif len(inline) <= 300 and _BIO_RE.search(inline):
            line.keep = False


def _drop_chrome_before_breadcrumb(lines: list[_Line]) -> None:
    """On scraped pages the breadcrumb marks where the article starts: what precedes it is menus.

    Applied only when the breadcrumb is in the first part of the page and nothing before it
    looks like prose (a paragraph with sentences); the line just before the breadcrumb is kept
    when the breadcrumb ends with it (a title shown above its own breadcrumb).
    """
    total = sum(len(ln.text) for ln in lines) or 1
    crumb_at, seen = None, 0
    for i, ln in enumerate(lines):
        if i > max(12, len(lines) // 3) and seen > 0.4 * total:
            break
        if not ln.keep and _is_breadcrumb(ln):
            crumb_at = i
            break
        seen += len(ln.text)
    if crumb_at is None:
        return
    before = [ln for ln in lines[:crumb_at] if ln.keep]
    # Prose: a sentence that is long or has clauses. Menu blurbs like "党组分工:主持全面工作。" are neither.
    if any(_has_sentence(ln.text) and (len(ln.text) >= 60 or re.search("[，,]", ln.text)) for ln in before):
        return
    crumbs = [c for c in _BREADCRUMB_ARROWS_RE.split(lines[crumb_at].text) if c]
    crumbs += [c.strip() for c in re.split(r"\s{2,}|\t", lines[crumb_at].raw) if c.strip()]
    title_line = before[-1] if before else None
    for ln in before:
        if ln is title_line and any(c == ln.text for c in crumbs):
            continue
        ln.keep = False


def _drop_duplicates(lines: list[_Line]) -> None:
    """Scraped pages often repeat the summary ("核心提示" and "【摘要】"): keep the first copy."""
    seen: set[str] = set()
    for line in lines:
        if not line.keep or line.heading:
            continue
        key = _NON_WORD_RE.sub("", line.text)  # already simplified: punctuation/spacing only
        if len(key) < 12:
            continue
        if key in seen:
            line.keep = False
        seen.add(key)



_LETTERHEAD_RE = re.compile(r"^[\u4e00-\u9fff（）()·、 ]{2,30}文件$")
_DOC_NUMBER_RE = re.compile(r"^[\u4e00-\u9fff]{1,12}\s*[〔\[［【(（]\s*\d{4}\s*[〕\]］】)）]\s*\d{1,4}\s*号$")
_PUBLISHED_RE = re.compile(r"^[（(]此件(?:公开发布|主动公开|不公开|依申请公开)[)）]$")
_CC_RE = re.compile(r"^抄\s*送\s*[:：]")
_ISSUED_RE = re.compile(r"^.{0,40}?\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*印\s*发$")
_EDITOR_NOTE_RE = re.compile(r"^[【\[]?\s*编者按\s*[】\]]?\s*[:：]")
_EDITOR_NOTE_WORDS_RE = re.compile(r"转载|转发|本网|本站|读者|编印|整理|摘编|参考")


def _drop_official_furniture(lines: list[_Line], found: dict[str, str]) -> None:
    """Parts of an official document that answer no question: the red letterhead ("XX局文件"), the
    document number ("石政办发〔2025〕23号", kept as metadata), "（此件公开发布）", the 抄送 list and the
    closing "XX办公室 2025年6月12日印发"; and an editor's note that only says the page reprints or
    compiles the text ("本网全文转载，供读者参考").
    """
    kept = [ln for ln in lines if ln.keep and not ln.heading]
    for idx, line in enumerate(kept):
        text = line.text
        if _DOC_NUMBER_RE.match(text):
            found.setdefault("doc_number", text.replace(" ", ""))
            line.keep = False
            # The letterhead stands right above the number.
            if idx and _LETTERHEAD_RE.match(kept[idx - 1].text):
                kept[idx - 1].keep = False
        elif _PUBLISHED_RE.match(text) or _CC_RE.match(text) or (len(text) <= 60 and _ISSUED_RE.match(text)) or (_EDITOR_NOTE_RE.match(text) and len(text) <= 250 and _EDITOR_NOTE_WORDS_RE.search(text)):
            line.keep = False
