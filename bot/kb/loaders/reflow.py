"""Rejoining lines that a page or a fixed-width file wrapped in mid-sentence."""

from __future__ import annotations

import re

__all__ = ["CLOSERS", "LIST_START_RE", "SENTENCE_END", "reflow_lines"]

SENTENCE_END = tuple("。！？；!?;…：:")
CLOSERS = "”’」』）)》】"
LIST_START_RE = re.compile(
    r"^\s*(?:#|[一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．]\D|第[一二三四五六七八九十百零〇\d]+[章节条款部分编]"
    r"|[•·●▪■◆\-*])"
)

# A line that starts with these continues the previous one, whatever its length ("40" / "0元。"
# is one number; "…次年" / "，不设待遇等待期" one sentence).
_CONTINUES = tuple("。，、；：！？）》」』”’%％")
_INDENT_RE = re.compile(r"^(?:\u3000|\s{2,})")
_CENTERED_RE = re.compile(r"^ (?! )")


def reflow_lines(lines: list[str]) -> list[str]:
    """Join lines that were wrapped at the block's width; a short line or a full stop ends a paragraph.

    Lines may keep their leading whitespace (PDF pages do): where a block indents its paragraphs
    ("　　第一条 …"), an indented line starts a paragraph and an unindented one continues it, even
    after a full stop; a line with one leading space is a centred title's second line.
    """
    lines = [ln.rstrip() for ln in lines if ln.strip()]
    if not lines:
        return []
    indented = [bool(_INDENT_RE.match(ln)) for ln in lines]
    centered = [bool(_CENTERED_RE.match(ln)) for ln in lines]
    indent_mode = sum(indented) >= max(2, 0.1 * len(lines))
    lines = [ln.strip() for ln in lines]
    lengths = sorted(len(ln) for ln in lines)
    # Full line width: the 90th percentile resists one overlong line; few lines → the longest.
    full = lengths[int(0.9 * (len(lengths) - 1))] if len(lengths) >= 8 else lengths[-1]
    out: list[str] = []
    paragraph = lines[0]
    for i in range(1, len(lines)):
        prev, line = lines[i - 1], lines[i]
        ends_sentence = prev.rstrip(CLOSERS).endswith(SENTENCE_END)
        short = len(prev) < 0.7 * full
        if line.startswith(_CONTINUES) or (centered[i] and not ends_sentence):
            new = False
        elif indent_mode:
            new = indented[i] or short or (ends_sentence and LIST_START_RE.match(line) is not None)
        else:
            new = ends_sentence or short or LIST_START_RE.match(line) is not None
        if new:
            out.append(paragraph)
            paragraph = line
        else:
            # Words of Latin script keep their space; digits of one number do not ("40" + "0元").
            joiner = " " if paragraph[-1:].isascii() and paragraph[-1:].isalpha() and line[:1].isascii() and line[:1].isalpha() else ""
            paragraph += joiner + line
    out.append(paragraph)
    return out
