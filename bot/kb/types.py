"""Plain data passed between the knowledge-base stages (load → clean → chunk → index → search)."""

from __future__ import annotations

from dataclasses import dataclass, field


class DocumentError(Exception):
    """A source file that cannot be ingested; `reason` is a short English explanation for the report."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


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
