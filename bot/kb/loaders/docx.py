"""Word .docx: paragraphs in body order, heading styles as "#" lines, tables as rows naming their columns."""

from __future__ import annotations

import re
from pathlib import Path

from bot.kb import limits
from bot.kb.loaders.tables import row_texts
from bot.kb.types import DocumentError, SkipReason

__all__ = ["load_docx"]

_WS_RE = re.compile(r"\s+")
_HEADING_STYLE_RE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)


def load_docx(path: Path, src: str) -> tuple[str, dict[str, str]]:
    """Paragraphs in order, heading styles as "#" lines, table rows naming their columns."""
    import docx
    from docx.table import Table

    try:
        document = docx.Document(str(path))
        lines: list[str] = []
        budget = limits.CharBudget(src)
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(budget.take(row) for row in _docx_table_rows(block))
                continue
            text = budget.take(block.text.strip())
            if not text:
                continue
            level = _docx_heading_level(block)
            lines.append(f"{'#' * level} {text}" if level else text)
        props = document.core_properties
        meta = {"title": props.title or "", "author": props.author or ""}
        if props.created is not None:
            meta["date"] = props.created.date().isoformat()
    except DocumentError:
        raise
    except Exception as exc:  # python-docx surfaces zip, XML and OPC errors with many types
        raise DocumentError(src, f"corrupt or unreadable .docx ({type(exc).__name__})", SkipReason.CORRUPT) from exc
    meta["title"] = re.sub(r"^Microsoft Word\s*-\s*", "", meta["title"]).strip()
    return "\n".join(lines), meta


def _docx_heading_level(paragraph: object) -> int:
    style = getattr(paragraph, "style", None)
    name = (getattr(style, "name", "") or "").strip()
    if name.lower() == "title" or name == "标题":
        return 1
    match = _HEADING_STYLE_RE.match(name)
    if match:
        return max(1, min(6, int(match.group(1))))
    outline = paragraph._p.xpath("./w:pPr/w:outlineLvl/@w:val")  # type: ignore[attr-defined]
    if outline and outline[0].isdigit() and int(outline[0]) < 6:
        return int(outline[0]) + 1
    return 0


def _docx_table_rows(table: object) -> list[str]:
    """Cells stay in their column (merged cells repeat their text; `row_texts` says it once), so
    each value lines up with its header."""
    rows = [[_WS_RE.sub(" ", cell.text).strip() for cell in row.cells] for row in table.rows]  # type: ignore[attr-defined]
    return row_texts(rows)
