"""Turn a source file into plain text plus whatever metadata the format carries.

Each loader returns `(text, meta)`: `text` uses "\\n" line breaks, one paragraph per line,
and headings the format marks explicitly (HTML <h1>–<h6>, docx heading styles, markdown)
as "# "-prefixed lines so the chunker can rebuild the section tree. `meta` may hold
title, author, date, origin, format and encoding. Cleaning (junk lines, script
conversion) is not done here: that is `clean.py`, which works the same for every format.

Size cap: files above `max_bytes` (default 50 MiB) are rejected by their size, before any
byte is read, with the reason "file too large: N bytes exceeds the M-byte limit". Below the
cap a file is read whole. Measured on a 50 MB GB18030 text (27 M characters, 150 k chunks):
load ≈1 s, clean ≈10 s, chunk ≈3 s on an idle 2-core machine (2–3× that under load), peak
RSS ≈0.4 GB for the whole load → clean → chunk pipeline. That fits the 24 GiB machines, so
streaming is not worth its complexity; embedding that many chunks is the real cost, which
is why ingestion may apply a lower, policy-level limit of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from bot.kb import limits, ocr
from bot.kb.convert import check_not_garbled, converted
from bot.kb.formats import ReadOptions
from bot.kb.loaders import sheets
from bot.kb.loaders.docx import load_docx
from bot.kb.loaders.html import load_html
from bot.kb.loaders.markdown import load_markdown
from bot.kb.loaders.pdf import load_pdf
from bot.kb.loaders.text import decode_text, load_txt
from bot.kb.types import DocumentError, SkipReason

__all__ = ["DEFAULT_MAX_BYTES", "SUPPORTED_SUFFIXES", "decode_text", "load_text"]

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf"}
    | {".doc", ".wps", ".xlsx", ".xls", ".et", ".csv"}  # converting readers: bot.kb.loaders.sheets, bot.kb.convert
    | ocr.IMAGE_SUFFIXES
)

# --------------------------------------------------------------------------- entry point


def load_text(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    source: str | None = None,
    options: ReadOptions | None = None,
) -> tuple[str, dict[str, str]]:
    """Read `path` into `(text, meta)`; raise DocumentError with a short reason if it can't be used.

    `source` names the document in errors (defaults to the file name). `options` bound the
    converting and recognising readers (conversion timeout, OCR pages and time, progress).
    """
    path = Path(path)
    src = source or path.name
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(src, f"unsupported file type '{suffix or path.name}'", SkipReason.UNSUPPORTED)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(src, f"cannot read file ({exc.strerror or exc})", SkipReason.UNREADABLE) from exc
    if not path.is_file():
        raise DocumentError(src, "not a regular file", SkipReason.UNREADABLE)
    if size == 0:
        raise DocumentError(src, "empty file", SkipReason.EMPTY)
    if size > max_bytes:
        raise DocumentError(src, f"file too large: {size} bytes exceeds the {max_bytes}-byte limit", SkipReason.TOO_LARGE)

    limits.check_before_parsing(path, src)  # zip bombs are refused before any parser opens them
    if suffix in _OPTION_LOADERS:
        text, meta = _OPTION_LOADERS[suffix](path, src, options or ReadOptions())
    else:
        text, meta = _LOADERS[suffix](path, src)
    if suffix not in _PLAIN_TEXT:  # plain text cannot expand: the byte cap above already bounds it
        limits.check_chars(text, src)
    text = _tidy(text)
    if not text.strip():
        raise DocumentError(
            src,
            "no text content" if suffix not in (".txt", ".md", ".markdown") else "empty file",
            SkipReason.NO_TEXT if suffix not in (".txt", ".md", ".markdown") else SkipReason.EMPTY,
        )
    meta = {k: v.strip() for k, v in meta.items() if isinstance(v, str) and v.strip()}
    meta.setdefault("format", suffix.lstrip("."))
    return text, meta


# Formats read as they are stored: no container to inflate, so a file under the byte cap is read
# whole (a 50 MB text file peaks at ~0.4 GB); the character limit is for formats that expand.
_PLAIN_TEXT = frozenset({".txt", ".md", ".markdown"})

_ODD_BREAKS_RE = re.compile("[\u2028\u2029\x0b\x0c\x85]")
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def _tidy(text: str) -> str:
    """Uniform line breaks and no invisible characters, whatever the format produced."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ODD_BREAKS_RE.sub("\n", text)
    return _INVISIBLE_RE.sub("", text)  # regex, not str.translate: 10x faster on 50 MB



_LOADERS: dict[str, Callable[[Path, str], tuple[str, dict[str, str]]]] = {
    ".txt": load_txt,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".html": load_html,
    ".htm": load_html,
    ".docx": load_docx,
}


def _load_converted_doc(path: Path, src: str, options: ReadOptions) -> tuple[str, dict[str, str]]:
    """.doc / .wps: LibreOffice makes a .docx (headings and tables intact), read as any .docx."""
    with converted(path, "docx", src, timeout=options.convert_timeout) as docx_path:
        limits.check_before_parsing(docx_path, src)  # a small .doc can convert into a huge .docx
        text, meta = load_docx(docx_path, src)
    meta["converted"] = "libreoffice"
    return check_not_garbled(text, src, path.suffix.lower()), meta


def _load_csv(path: Path, src: str, options: ReadOptions) -> tuple[str, dict[str, str]]:
    del options
    text, encoding = decode_text(path.read_bytes(), src)
    return sheets.csv_lines(text, src), {"encoding": encoding}


# Readers that take limits: conversion, spreadsheets, OCR (bot.kb.formats.ReadOptions).
_OPTION_LOADERS: dict[str, Callable[[Path, str, ReadOptions], tuple[str, dict[str, str]]]] = {
    ".pdf": load_pdf,
    ".doc": _load_converted_doc,
    ".wps": _load_converted_doc,
    ".xlsx": sheets.load_xlsx,
    ".xls": sheets.load_xls,
    ".et": sheets.load_xls,
    ".csv": _load_csv,
    **dict.fromkeys(ocr.IMAGE_SUFFIXES, ocr.load_image),
}
