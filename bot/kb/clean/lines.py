"""Line-level rules: is this line chrome (menu, breadcrumb, byline, share bar, copyright, spam)?

Metadata a chrome line carries (date, author, origin, keywords) is collected on the way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.kb.clean.vocab import (
    _AUTHOR_RE,
    _BREADCRUMB_ARROWS_RE,
    _BREADCRUMB_HEAD_RE,
    _BREADCRUMB_ROOTS,
    _BYLINE_FIELD_RE,
    _BYLINE_FILLER,
    _COMPOUND_SURNAMES,
    _COPYRIGHT_RE,
    _COUNTER_RE,
    _DATE_RE,
    _DISCLAIMER_HEAD_RE,
    _DISCLAIMER_WORDS_RE,
    _EDITOR_RE,
    _FONT_SIZE_RE,
    _IMAGE_LINE_RE,
    _INTERACTION_RE,
    _LABEL_ONLY_RE,
    _MD_HEADING_RE,
    _META_FIELD_RE,
    _NAV_WORDS,
    _PUBLICATION_RE,
    _SECTION_WORDS,
    _SEPARATORS_RE,
    _SHARE_WORDS,
    _SOURCE_RE,
    _SPACES_RE,
    _SPAM_MARKER_RE,
    _SPAM_RE,
    _SURNAMES,
    _TOOLBAR_PARTS_RE,
    _URL_LINE_RE,
    _WORD_CHAR_RE,
)


@dataclass
class _Line:
    """One non-empty input line; `text` is the content without any "#" heading marker."""

    text: str
    raw: str  # before whitespace was collapsed: runs of spaces still separate menu items
    heading: int = 0  # markdown/loader heading level, 0 = none
    keep: bool = True

    def render(self) -> str:
        return f"{'#' * self.heading} {self.text}" if self.heading else self.text



def _split_lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    for raw in text.split("\n"):
        raw = raw.strip()
        if not raw:
            continue
        collapsed = _SPACES_RE.sub(" ", raw)
        heading = _MD_HEADING_RE.match(collapsed)
        if heading:
            lines.append(_Line(heading.group(2), raw, len(heading.group(1))))
        else:
            lines.append(_Line(collapsed, raw))
    return lines


def _has_sentence(text: str) -> bool:
    return any(p in text for p in "。！？；")


def _is_junk(line: _Line, found: dict[str, str]) -> bool:
    """True when the line is chrome; metadata it carries (date, author…) goes into `found`."""
    text = line.text
    n = len(text)
    if n > 300:  # every chrome shape below is short; long lines can only be spam
        return _is_spam(text)
    if not _WORD_CHAR_RE.search(text) or _LABEL_ONLY_RE.match(text):
        return True  # separators, bullets, decorations; a label with nothing after it
    if text.isdigit() or (n <= 12 and re.fullmatch(r"[\d\s.\-•·:：/]+", text)):
        return True  # bare numbers: counters, phone stubs, page numbers
    if _is_spam(text):
        return True
    if _COPYRIGHT_RE.search(text) or (_DISCLAIMER_HEAD_RE.match(text) and _DISCLAIMER_WORDS_RE.search(text)):
        source = _SOURCE_RE.match(text)
        if source:
            found.setdefault("origin", source.group("value"))
        return True
    sentence = _has_sentence(text)
    if n <= 200 and not sentence and (_is_breadcrumb(line) or _is_nav(line)):
        return True
    if n <= 120 and (_INTERACTION_RE.match(text) or _COUNTER_RE.match(text) or _FONT_SIZE_RE.match(text)):
        return True
    if n <= 120 and not sentence and _is_toolbar(text):
        return True
    if n <= 100 and (_IMAGE_LINE_RE.match(text) or _URL_LINE_RE.match(text)):
        return True
    if n <= 80 and _EDITOR_RE.match(text) and not _has_sentence(text[:-1]):
        return True
    if n <= 80:
        field = _META_FIELD_RE.match(text)
        if field and (field.group(0).rstrip().endswith(("】", "]", ":", "：")) or not text[field.end() :]):
            label = field.group("label").lower()
            if label in ("关键词", "关键字", "标签", "tag", "tags"):
                value = re.split(r"[【\[]", text[field.end() :])[0]
                found.setdefault("keywords", " ".join(re.split(r"[\s;；,，、]+", value)).strip())
            return True
    if n <= 60:
        author = _AUTHOR_RE.match(text)
        if author and not _has_sentence(author.group("value")):
            key = "affiliation" if author.group("label") == "作者单位" else "author"
            found.setdefault(key, _SPACES_RE.sub(" ", author.group("value")).strip())
            return True
        source = _SOURCE_RE.match(text)
        if source and not _has_sentence(text):
            found.setdefault("origin", source.group("value"))
            return True
        publication = _PUBLICATION_RE.match(text)
        if publication:
            found.setdefault("origin", text)
            return True
    return n <= 80 and not sentence and _parse_byline(text, found)


def _is_spam(text: str) -> bool:
    if _SPAM_MARKER_RE.search(text):
        return True
    hits = _SPAM_RE.findall(text)
    return len(hits) >= 3 and sum(map(len, hits)) >= 0.3 * len(text)


def _is_breadcrumb(line: _Line) -> bool:
    """首页 > 理论前沿 > 正文, 当前位置：…, or a home link followed by space-separated crumbs."""
    text = line.text
    if _BREADCRUMB_HEAD_RE.match(text):
        return True
    if _has_sentence(text):
        return False
    crumbs = [c for c in _BREADCRUMB_ARROWS_RE.split(text) if c]
    if len(crumbs) >= 2 and (crumbs[0] in _BREADCRUMB_ROOTS or crumbs[-1] == "正文"):
        return True
    if len(crumbs) >= 3 and all(len(c) <= 20 for c in crumbs) and re.search(r">|»|›|→|＞", text):
        return True
    spaced = [c for c in re.split(r"\s{2,}|\t", line.raw) if c.strip()]
    return len(spaced) >= 2 and spaced[0].strip() in _BREADCRUMB_ROOTS


def _is_toolbar(text: str) -> bool:
    """Font-size switches, print/close buttons and share targets, in any combination."""
    rest = _TOOLBAR_PARTS_RE.sub(" ", text)
    if rest == text:
        return False
    items = [i.lower() for i in rest.split()]
    return all(i in _NAV_WORDS or i in _SHARE_WORDS for i in items)


def _is_nav(line: _Line) -> bool:
    """A line made of menu items: every item (or most, for long menus) is site furniture."""
    items = [i.strip().lower() for i in _SEPARATORS_RE.split(line.raw.strip()) if i and i.strip()]
    items = [i.lstrip("•·●▪■◆-* ") for i in items]
    items = [i for i in items if i]
    if not items or any(len(i) > 15 for i in items) or _has_sentence(line.text):
        return False
    nav = sum(1 for i in items if i in _NAV_WORDS or i.isdigit())
    return nav == len(items) or (len(items) >= 3 and nav >= 2 and nav >= len(items) / 3)


def _parse_byline(text: str, found: dict[str, str]) -> bool:
    """Date/source/author lines such as "2016年05月19日 14:08 来源:中国社会科学网 作者:吴益美 字号"."""
    date = _DATE_RE.search(text)
    fields = list(_BYLINE_FIELD_RE.finditer(text))
    if not date and not fields:
        return False
    if date and date.start() > 0 and not fields and not text[: date.start()].strip().endswith((":", "：")):
        return False  # a date inside a sentence, not a byline
    meta: dict[str, str] = {}
    spans = [field.span() for field in fields]
    if date:
        meta["date"] = f"{date.group('y')}-{int(date.group('m')):02d}-{int(date.group('d')):02d}"
        spans.append(date.span())
    for field in fields:
        label, value = field.group("label"), field.group("value")
        if label.endswith("来源"):
            meta["origin"] = value
        elif label in ("作者", "发布者", "发布人", "供稿"):
            meta["author"] = value
    chars = list(text)
    for start, end in spans:
        chars[start:end] = [" "] * (end - start)
    rest = _BYLINE_FILLER.sub(" ", "".join(chars)).strip(" :：,，")
    if rest and _is_person_name(rest):
        meta.setdefault("author", rest)
        rest = ""
    if rest:
        return False  # leftover prose: this line says more than a byline
    for key, value in meta.items():
        if value:
            found.setdefault(key, value)
    return True


def _is_person_name(text: str) -> bool:
    """One to three Chinese personal names ("李建国", "陶建群 刘广为"), not a section word."""
    names = [n for n in re.split(r"[\s、，,]+", text) if n]
    if not names or len(names) > 4:
        return False
    for name in names:
        if not re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name) or name in _SECTION_WORDS:
            return False
        if name[0] not in _SURNAMES and not name.startswith(_COMPOUND_SURNAMES):
            return False
    return True

