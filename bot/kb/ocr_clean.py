"""Clean-up of OCR text: the confusions a recogniser typically makes in Chinese documents.

Kept apart from bot.kb.ocr (which drives the recogniser and the page layout) because it is pure
text work with its own tests, and conservative on purpose: it only rewrites what is almost never
right in a Chinese policy document (ASCII punctuation between Chinese characters, spaces inside
Chinese text, "O"/"l" between digits, bar-shaped noise at line edges).
"""

from __future__ import annotations

import re

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef"
_FULLWIDTH = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_SPACE_IN_CJK_RE = re.compile(rf"(?<=[{_CJK}])[ \t]+(?=[{_CJK}])")
_ASCII_PUNCT_RE = re.compile(rf"(?<=[{_CJK}])\s*([,:;?!])(?!\d)|([,:;?!])\s*(?=[{_CJK}])(?<!\d[,:])")
_PAREN_RE = re.compile(rf"\(([^()\n]{{0,30}}[{_CJK}][^()\n]{{0,30}})\)")
_DIGIT_CONFUSION_RE = re.compile(r"(?<=\d)[oO](?=\d)|(?<=\d)[lI](?=\d)")
_DOT_IN_CJK_RE = re.compile(rf"(?<=[{_CJK}])\.(?=\s*$)", re.MULTILINE)
_EDGE_NOISE_RE = re.compile(r"^[|｜丨]\s*|\s*[|｜丨]$", re.MULTILINE)


def clean_ocr_text(text: str) -> str:
    """Undo the confusions OCR typically makes in Chinese documents; conservative on purpose."""
    text = _EDGE_NOISE_RE.sub("", text)
    text = _SPACE_IN_CJK_RE.sub("", text)
    text = _ASCII_PUNCT_RE.sub(lambda m: _FULLWIDTH[m.group(1) or m.group(2)], text)
    text = _PAREN_RE.sub(r"（\1）", text)
    text = _DIGIT_CONFUSION_RE.sub(lambda m: "0" if m.group(0) in "oO" else "1", text)
    text = _DOT_IN_CJK_RE.sub("。", text)  # a sentence-final "." after Chinese is a misread "。"
    return _SPACE_IN_CJK_RE.sub("", text)  # again: full-width brackets are CJK too
