"""Split a cleaned Document into retrievable passages that follow Chinese document structure.

Policy texts are organised by numbered headings (一、 → （一） → 1. → (1)), chapters and
articles (第一章, 第一条), or markdown/docx headings that loaders mark with "# ". A passage
never spans two sections and carries its heading chain, so "（二）经费保障" is searchable
even when the passage itself never repeats those words.

Inside a section, the units a reader needs whole (units.py) are kept whole where they fit in
`max_chars`: a question with its answer, an article with its clauses, a lead-in with its list
or table rows; each is its own passage. Other paragraphs are packed sentence by sentence
towards `target_chars`; a sentence is never cut, except a single sentence longer than
`max_chars`, which is split at ，/、/： as a last resort. A unit longer than `max_chars` is
packed the same way, and a question's later passages carry the question in their heading
chain, so no passage starts with an answer whose question is elsewhere.

Sizes are parameters because the right ones are measured (retrieval quality vs. speed);
the module constants are only defaults.
"""

from __future__ import annotations

import hashlib

from bot.kb.chunking.pack import pack, pieces, render
from bot.kb.chunking.sentences import split_sentences
from bot.kb.chunking.structure import SECTION_SEPARATOR, Section, parse_sections
from bot.kb.chunking.units import Block, blocks
from bot.kb.types import Chunk, Document

__all__ = [
    "MAX_CHARS",
    "MIN_CHARS",
    "SECTION_SEPARATOR",
    "TARGET_CHARS",
    "Section",
    "chunk_document",
    "parse_sections",
    "split_sentences",
]

TARGET_CHARS = 200
MAX_CHARS = 320
MIN_CHARS = 40


def _chunk_id(source: str, ordinal: int, text: str) -> str:
    digest = hashlib.sha256(f"{source}\x00{ordinal}\x00{text}".encode()).hexdigest()
    return digest[:24]


def _passages(section: Section, target: int, max_chars: int, min_chars: int) -> list[tuple[str, str]]:
    """(heading chain, text) of the section's passages in order."""
    out: list[tuple[str, str]] = []
    flow: list[str] = []

    def packed(paragraphs: list[str]) -> list[str]:
        groups = pack(pieces(paragraphs, target, max_chars), target, max_chars, min_chars)
        return [text for text in (render(g) for g in groups) if text]

    def flush() -> None:
        out.extend((section.heading, text) for text in packed(flow))
        flow.clear()

    for block in blocks(section):
        if not block.atomic:
            flow.extend(block.paragraphs)
            continue
        flush()
        if block.size <= max_chars:
            out.append((section.heading, "\n".join(block.paragraphs)))
            continue
        for n, text in enumerate(packed(block.paragraphs)):
            chain = section.heading
            if n and block.lead:  # a later part of a long answer is filed under its question
                chain = SECTION_SEPARATOR.join([*section.chain, _lead(block)])
            out.append((chain, text))
    flush()
    return out


def _lead(block: Block) -> str:
    return block.lead.strip()


def chunk_document(
    doc: Document,
    *,
    target_chars: int = TARGET_CHARS,
    max_chars: int = MAX_CHARS,
    min_chars: int = MIN_CHARS,
) -> list[Chunk]:
    """Passages of `doc` in order; each knows its document title and section heading chain.

    No chunk exceeds `max_chars` unless it is a single sentence without any ，/、/： to cut at;
    heading lines are never chunks on their own.
    """
    if not 0 < min_chars <= target_chars <= max_chars:
        raise ValueError(
            f"need 0 < min_chars <= target_chars <= max_chars, got {min_chars}/{target_chars}/{max_chars}"
        )
    chunks: list[Chunk] = []
    for section in parse_sections(doc.text):
        for heading, text in _passages(section, target_chars, max_chars, min_chars):
            ordinal = len(chunks)
            chunks.append(
                Chunk(
                    id=_chunk_id(doc.source, ordinal, text),
                    source=doc.source,
                    title=doc.title,
                    section=heading,
                    text=text,
                    ordinal=ordinal,
                )
            )
    return chunks
