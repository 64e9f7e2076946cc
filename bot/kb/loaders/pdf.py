"""PDF text layers: page headers, footers and numbers dropped, lines wrapped at the page width rejoined."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from bot.kb import limits, ocr
from bot.kb.formats import ReadOptions
from bot.kb.loaders.reflow import reflow_lines
from bot.kb.loaders.tables import unflatten_cells
from bot.kb.types import DocumentError, SkipReason

__all__ = ["load_pdf"]

_PAGE_NUMBER_RE = re.compile(
    r"^\s*(?:[-—–]\s*\d{1,4}\s*[-—–]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}"
    r"|(?:page\s*)?\d{1,4}(?:\s*of\s*\d{1,4})?)\s*$",
    re.IGNORECASE,
)


def load_pdf(path: Path, src: str, options: ReadOptions) -> tuple[str, dict[str, str]]:
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(src, "encrypted PDF (password required)", SkipReason.ENCRYPTED)
        limits.check_pages(len(reader.pages), src)
        pages: list[str] = []
        budget = limits.CharBudget(src)
        for page in reader.pages:
            try:
                text = page.extract_text() or ""
            except Exception as exc:  # one damaged page must not lose the rest…
                limits.refuse_stream_bomb(exc, src)  # …but a bomb loses the file
                text = ""
            pages.append(budget.take(text))
        info = reader.metadata
        meta = {
            "title": str(info.title or "") if info else "",
            "author": str(info.author or "") if info else "",
        }
        created = info.creation_date if info else None
        if created is not None:
            meta["date"] = created.date().isoformat()
    except DocumentError:
        raise
    except Exception as exc:  # pypdf raises PdfReadError, ValueError, KeyError… on broken files
        raise DocumentError(src, f"corrupt or unreadable .pdf ({type(exc).__name__})", SkipReason.CORRUPT) from exc
    pages, scan_meta = ocr.fill_scanned_pages(path, src, pages, options)  # pages without a text layer
    meta.update(scan_meta)
    if sum(len("".join(p.split())) for p in pages) < 10:
        raise DocumentError(src, ocr.nothing_read(scan_meta) or "no text layer and no pictures to read")
    return "\n".join(_reflow_pdf(pages)), meta


def _is_page_number(line: str, page_no: int) -> bool:
    """"— 3 —", "- 3 -", "第3页", "3/5": always; a bare "3" only when it is about this page's number
    (a table's last row may end a page with "400")."""
    text = line.strip()
    if not _PAGE_NUMBER_RE.match(text):
        return False
    return not text.isdigit() or abs(int(text) - page_no) <= 2


def _reflow_pdf(pages: list[str]) -> list[str]:
    """Undo visual line wrapping across the whole document (a paragraph may continue on the next
    page); drop running headers, page numbers ("— 3 —", "- 3 -") and rebuild grid tables whose
    cells come out one per line."""
    page_lines = [[ln.rstrip() for ln in page.split("\n") if ln.strip()] for page in pages]
    # A line repeated at the top or bottom of most pages is a running header/footer.
    repeated: set[str] = set()
    if len(page_lines) >= 3:
        edges = Counter(ln.strip() for lines in page_lines for ln in {*lines[:2], *lines[-2:]})
        repeated = {ln for ln, n in edges.items() if n >= max(3, len(page_lines) // 2)}
    body: list[str] = []
    for page_no, lines in enumerate(page_lines, 1):
        # A page number sits at the top or bottom of its page; a bare "400" mid-page is a table cell.
        edge = {*range(min(2, len(lines))), *range(max(0, len(lines) - 2), len(lines))}
        body += [
            ln for i, ln in enumerate(lines)
            if ln.strip() not in repeated and not (i in edge and _is_page_number(ln, page_no))
        ]
    if not body:
        return []
    lengths = sorted(len(ln.strip()) for ln in body)
    width = lengths[int(0.9 * (len(lengths) - 1))]
    return reflow_lines(unflatten_cells(body, max_chars=max(4, int(0.8 * width)), row_prefix="\u3000\u3000"))
