"""The answer as front ends receive it: text, whether it is grounded, and its source passages."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bot import texts


@dataclass(frozen=True)
class Source:
    title: str
    source: str
    section: str
    text: str
    score: float
    ocr: bool = False  # passage read from a scan or photo: labelled 扫描件, it may hold misreadings


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    grounded: bool
    sources: list[Source]

    @property
    def body(self) -> str:
        """The answer without the "根据知识库中的政策资料：" header: what is measured and shown."""
        return self.answer.removeprefix(texts.ANSWER_HEADER)

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "grounded": self.grounded,
            "sources": [asdict(s) for s in self.sources],
        }

    def render(self) -> str:
        """Plain-text form for the terminal: answer, then numbered sources."""
        if not self.grounded:
            return self.answer
        lines = [self.answer, "", texts.SOURCES_HEADER]
        lines += [f"[{n}] {source_label(s)}" for n, s in enumerate(self.sources, 1)]
        return "\n".join(lines)


def source_label(source: Source) -> str:
    scanned = texts.SOURCE_SCANNED if source.ocr else ""
    return f"《{source.title}》{scanned}" + (f" · {source.section}" if source.section else "")
