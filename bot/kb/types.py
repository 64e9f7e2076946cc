"""Plain data passed between the knowledge-base stages (load → clean → chunk → index → search)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class SkipReason(StrEnum):
    """Why a file was not ingested, as a code: front ends word it (bot/texts.py BOT_REASONS)."""

    UNSUPPORTED = "unsupported"  # a file type no reader reads
    UNREADABLE = "unreadable"  # the file system refused (permissions, not a regular file)
    LINK = "link"  # a symbolic link that is not followed
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    NO_TEXT = "no_text"  # a document format with no text in it
    NO_TEXT_LAYER = "no_text_layer"  # a PDF with neither a text layer nor pictures to read
    ENCRYPTED = "encrypted"  # a password-protected PDF
    PASSWORD = "password"  # another password-protected file (a spreadsheet)
    CORRUPT = "corrupt"  # a file its library cannot open
    BINARY = "binary"  # a text file that holds binary data
    UNDECODABLE = "undecodable"  # text in no encoding we can tell
    TOO_LONG = "too_long"  # more text than one document may have
    NOTHING_LEFT = "nothing_left"  # nothing left once page chrome is cleaned away
    CONVERSION_TIMEOUT = "conversion_timeout"  # LibreOffice took too long
    CONVERTER_MISSING = "converter_missing"  # LibreOffice is not installed
    OCR_UNCLEAR = "ocr_unclear"  # a scan or photo too blurred to read with confidence
    NOTHING_INDEXED = "nothing_indexed"  # a scan that gave no usable text
    NO_TEXT_RECOGNISED = "no_text_recognised"  # a picture with no text in it
    IMAGE_TOO_LARGE = "image_too_large"
    BOMB = "bomb"  # a container that unpacks to far more than its size (bot.kb.limits)
    TOO_MANY = "too_many"  # more pages, paragraphs or HTML elements than one document has
    OTHER = "other"


# For readers that raise without a code: the code their English reason starts a phrase with,
# first match wins. A reader that knows its reason should pass the code instead.
_REASON_PHRASES: tuple[tuple[str, SkipReason], ...] = (
    ("empty file", SkipReason.EMPTY),
    ("no text content", SkipReason.NO_TEXT),
    ("no text layer and no pictures", SkipReason.NO_TEXT_LAYER),
    ("corrupt or unreadable", SkipReason.CORRUPT),
    ("binary content", SkipReason.BINARY),
    ("undecodable text", SkipReason.UNDECODABLE),
    ("file too large", SkipReason.TOO_LARGE),
    ("text too long", SkipReason.TOO_LONG),
    ("no text left after cleaning", SkipReason.NOTHING_LEFT),
    ("unsupported file type", SkipReason.UNSUPPORTED),
    ("password-protected", SkipReason.PASSWORD),
    ("conversion timed out", SkipReason.CONVERSION_TIMEOUT),
    ("converter missing", SkipReason.CONVERTER_MISSING),
    ("ocr confidence too low", SkipReason.OCR_UNCLEAR),
    ("nothing indexed", SkipReason.NOTHING_INDEXED),
    ("no text recognised", SkipReason.NO_TEXT_RECOGNISED),
    ("image too large", SkipReason.IMAGE_TOO_LARGE),
)


def reason_code(reason: str) -> SkipReason:
    """The code of an English skip reason raised without one (see `_REASON_PHRASES`)."""
    lowered = reason.lower()
    return next((code for phrase, code in _REASON_PHRASES if phrase in lowered), SkipReason.OTHER)


class DocumentError(Exception):
    """A source file that cannot be ingested: `code` says why, `reason` in English for the report."""

    def __init__(self, source: str, reason: str, code: SkipReason | None = None) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
        self.code = code or reason_code(reason)


@dataclass(frozen=True)
class Document:
    """A cleaned document in simplified Chinese, ready for chunking."""

    source: str  # path relative to the source folder, with forward slashes
    title: str
    text: str  # cleaned body, simplified Chinese, pinyin glosses and chrome removed
    meta: dict[str, str] = field(default_factory=dict)  # author, date, origin (where known)


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage. `text` is what users are shown; it never spans two sections."""

    id: str  # stable: derived from source + ordinal + text hash
    source: str
    title: str
    section: str  # nearest heading chain, e.g. "二、存在问题 > （一）经费保障"; "" if none
    text: str
    ordinal: int  # position within the document
    ocr: bool = False  # text recognised from a scan or photo (bot.kb.ocr): may hold misreadings

    @property
    def dense_text(self) -> str:
        """What the embedding model sees: the passage alone.

        Measured on the seed corpus (docs/retrieval.md): prefixing the heading chain cut dense
        MRR from 0.72 to 0.59 and the title cut it further, because every passage of a section
        then looks alike to the model. Headings and titles go to the lexical side instead.
        """
        return self.text

    @property
    def lexical_text(self) -> str:
        """What BM25 sees: title + section + passage, so document-level terms still match."""
        return "\n".join(p for p in (self.title, self.section, self.text) if p)


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with its fused score and the two signals it came from."""

    chunk: Chunk
    score: float  # fused, 0..1
    dense: float  # cosine similarity of query and passage
    lexical: float  # normalised BM25


class SourceMissingError(FileNotFoundError):
    """The source folder does not exist or is not a folder (raised by ingest; here so that callers
    can catch it without importing the ingest path)."""
