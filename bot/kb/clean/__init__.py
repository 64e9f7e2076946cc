"""Strip web/page chrome from loaded text and normalise it into a `Document`.

Scraped policy articles arrive wrapped in navigation menus, breadcrumbs, bylines, share
buttons, comment forms, copyright notices, "related articles" lists and injected SEO spam,
sometimes in traditional script and with pinyin glosses after characters. Every rule here
targets a *class* of junk line (a shape or a vocabulary), not a particular site, and a rule
that could match real prose is guarded by length and punctuation checks: losing a policy
sentence is worse than keeping a stray menu item.

Pipeline: glosses off → simplified → per-line classification (junk / metadata / content)
→ positional rules (chrome before a breadcrumb, "related articles" tails, reference lists,
author bios) → title, subtitle and byline from the lead → de-duplication → text with one
paragraph per line and a blank line between paragraphs. Headings that loaders marked with
"# " keep the marker so the chunker can rebuild the section tree.
"""

from __future__ import annotations

from bot.kb.clean.lines import _is_junk, _split_lines
from bot.kb.clean.positional import (
    _drop_author_bios,
    _drop_chrome_before_breadcrumb,
    _drop_duplicates,
    _drop_official_furniture,
    _drop_references,
    _drop_related_tails,
)
from bot.kb.clean.title import _extract_title, _iso_date
from bot.kb.clean.vocab import _LABEL_PREFIX_RE
from bot.kb.normalize import strip_pinyin_glosses, to_simplified
from bot.kb.types import Document

__all__ = ["clean_document"]


def clean_document(source: str, raw_text: str, meta: dict[str, str]) -> Document:
    """Clean `raw_text` (from a loader) into a simplified-Chinese `Document` with title and meta.

    `meta` from the loader (title, author, date, origin, …) is kept; values found in the text
    (bylines, keyword lines) only fill keys the loader left empty.
    """
    text = to_simplified(strip_pinyin_glosses(raw_text))
    found: dict[str, str] = {}
    lines = _split_lines(text)
    for line in lines:
        if _is_junk(line, found):
            line.keep = False
    _drop_related_tails(lines)
    _drop_references(lines)
    _drop_author_bios(lines)
    _drop_chrome_before_breadcrumb(lines)
    _drop_official_furniture(lines, found)
    for line in lines:
        if line.keep:
            line.text = _LABEL_PREFIX_RE.sub("", line.text)
    _drop_duplicates(lines)

    out_meta = {
        k: to_simplified(v) if k in ("title", "author", "origin") else v for k, v in meta.items() if v
    }
    title = _extract_title(lines, out_meta, found)
    for key, value in found.items():
        out_meta.setdefault(key, value)
    if "date" in out_meta:
        out_meta["date"] = _iso_date(out_meta["date"])
    body = "\n\n".join(line.render() for line in lines if line.keep)
    return Document(source=source, title=title, text=body, meta=out_meta)
