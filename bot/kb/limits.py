"""Limits on what a document may expand to, checked before and while it is parsed.

A document is small on disk but may be huge once unpacked: a 5 MB .docx can hold 2 GiB of
paragraphs (XML compresses about 400:1), which python-docx would parse into a tree of several GB
before any text limit is reached; ingest runs on every `docker compose up`, so one such upload
would take the bot's host down at each start. The checks here are cheap and happen first:

- a zip container (.docx, .xlsx and any other Office Open XML file) is refused by its central
  directory alone — the declared uncompressed sizes, which zipfile enforces while reading (a
  member that inflates past its declared size fails its CRC check instead of growing);
- an HTML page by its tag count (BeautifulSoup makes an object per tag);
- a PDF by its page count, and as a bomb when pypdf stops inflating a page at its 75 MB limit
  (before OCR would render that page without any limit);
- loaders count the characters and blocks they extract and stop at `MAX_DOCUMENT_CHARS` /
  `MAX_BLOCKS`.

The numbers keep a real policy document far inside (a 500-page Word file has a few MB of XML) and
bound ingest's peak memory under 1.5 GB for any file under the 20 MB upload limit (measured with
the bombs of bench/bench_bombs.py; docs/benchmarks.md). Skip reasons are English, for the
operator's ingest report.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from pypdf.errors import LimitReachedError

from bot.kb.types import DocumentError, SkipReason

# Characters of text per document: about 1,000 pages of Chinese; past this a file is a dump or a
# mistake and would tie up the embedder for an hour.
MAX_DOCUMENT_CHARS = 2_000_000
# Zip containers: all members together, the XML members (what gets parsed into a tree), members.
MAX_ZIP_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
MAX_ZIP_XML_BYTES = 20 * 1024 * 1024
MAX_ZIP_MEMBERS = 10_000
# PDF pages: a 2,000-page PDF is a gazette volume, not one policy.
MAX_PDF_PAGES = 2_000
# Paragraphs, table rows or pages a loader walks through (empty ones included): a million empty
# paragraphs hold no text but take minutes to walk (python-docx looks each style up anew: ~4 ms a
# paragraph on a busy 2-core machine); a 500-page document has ~10,000.
MAX_BLOCKS = 50_000
# Elements of an HTML page: BeautifulSoup builds a Python object per tag (~1 KB each); a big real
# page has ~10,000.
MAX_HTML_TAGS = 100_000

_XML_SUFFIXES = (".xml", ".rels", ".vml")


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MB"


def check_before_parsing(path: Path, src: str) -> None:
    """Refuse a file whose parsed form would blow past the limits, from cheap facts only: a zip's
    central directory, an HTML page's tag count. Other files: the format's own loader judges."""
    if path.suffix.lower() in (".html", ".htm"):
        _check_markup(path, src)
    elif zipfile.is_zipfile(path):
        _check_zip(path, src)


def _check_markup(path: Path, src: str) -> None:
    tags = path.read_bytes().count(b"<")
    if tags > MAX_HTML_TAGS:
        raise DocumentError(
            src, f"too many HTML elements: {tags:,} (limit {MAX_HTML_TAGS:,}); split the page",
            SkipReason.TOO_MANY,
        )


def _check_zip(path: Path, src: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentError(
            src, f"corrupt or unreadable zip container ({type(exc).__name__})", SkipReason.CORRUPT
        ) from exc
    if len(members) > MAX_ZIP_MEMBERS:
        raise DocumentError(
            src, f"too many parts: {len(members):,} (limit {MAX_ZIP_MEMBERS:,}), a compression bomb; not read",
            SkipReason.BOMB,
        )
    total = sum(m.file_size for m in members)
    if total > MAX_ZIP_UNCOMPRESSED_BYTES:
        raise DocumentError(
            src,
            f"unpacks to {_mb(total)} (limit {_mb(MAX_ZIP_UNCOMPRESSED_BYTES)}): a compression bomb "
            "or an oversized file; not read",
            SkipReason.BOMB,
        )
    xml = sum(m.file_size for m in members if m.filename.lower().endswith(_XML_SUFFIXES))
    if xml > MAX_ZIP_XML_BYTES:
        raise DocumentError(
            src,
            f"its text unpacks to {_mb(xml)} of XML (limit {_mb(MAX_ZIP_XML_BYTES)}): a compression bomb "
            "or far more text than one document; split the file",
            SkipReason.BOMB,
        )


def refuse_stream_bomb(exc: Exception, src: str) -> None:
    """Turn pypdf's "limit reached while decompressing" into a refusal of the whole file. Treating
    the page as merely unreadable sent it to OCR, whose renderer has no such limit (7 GB for one
    page whose content stream inflates to 1 GiB)."""
    if isinstance(exc, LimitReachedError):
        raise DocumentError(
            src, f"a page unpacks past pypdf's limit ({exc}): a compression bomb; not read", SkipReason.BOMB
        ) from exc


def check_pages(pages: int, src: str) -> None:
    """Refuse a PDF with more pages than any one policy document has."""
    if pages > MAX_PDF_PAGES:
        raise DocumentError(
            src, f"too many pages: {pages:,} (limit {MAX_PDF_PAGES:,}); split the file", SkipReason.TOO_MANY
        )


class CharBudget:
    """Counts extracted characters and stops a loader as soon as a document has too many, so the
    rest of a huge file is never extracted."""

    def __init__(self, src: str, limit: int = MAX_DOCUMENT_CHARS) -> None:
        self.src = src
        self.limit = limit
        self.used = 0
        self.blocks = 0

    def take(self, text: str) -> str:
        """Count one block (paragraph, row, page) and its text; raise once past either limit."""
        self.used += len(text)
        self.blocks += 1
        if self.used > self.limit:
            raise too_long(self.src, self.used, self.limit, partial=True)
        if self.blocks > MAX_BLOCKS:
            raise DocumentError(
                self.src, f"too many paragraphs or rows: more than {MAX_BLOCKS:,}; split the file",
                SkipReason.TOO_MANY,
            )
        return text


def too_long(src: str, chars: int, limit: int = MAX_DOCUMENT_CHARS, *, partial: bool = False) -> DocumentError:
    more = "more than " if partial else ""
    return DocumentError(
        src, f"text too long: {more}{chars:,} characters (limit {limit:,}); split the file", SkipReason.TOO_LONG
    )


def check_chars(text: str, src: str) -> str:
    """The whole extracted text of any format, against the same limit."""
    if len(text) > MAX_DOCUMENT_CHARS:
        raise too_long(src, len(text))
    return text
