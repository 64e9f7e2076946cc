"""Tables as text a villager's question can find: every row names its columns.

"全失能 | 每人每月 | 1200元" means nothing on its own: neither BM25 nor the embedding model knows
that 1200元 is a 护理标准 for a 全失能 person. A row rendered as
"类别：全失能；发放方式：每人每月；标准：1200元。" carries its header with it, so the figure is found
by the words of its column and row, and the answer can quote one row as a sentence.

Two sources: real tables (docx, HTML, markdown: rows of cells) and flattened tables, where a
saved web page or a PDF grid gives one cell per line. For the latter the grid is rebuilt from
the shape of the lines (short cells, a header, rows with numbers in the same columns); when no
consistent grid fits, the cells are kept on one line joined by " | " so no figure is lost.
"""

from __future__ import annotations

import re

__all__ = ["row_text", "row_texts", "unflatten_cells"]

_WS_RE = re.compile(r"\s+")
_SENTENCE_RE = re.compile(r"[。！？；!?;]")
# A cell that is a figure: 400, 1,200, 12.5%, 485元, 3万元, 0.
_NUMERIC_RE = re.compile(r"^[\d,，.．]+\s*(?:%|％|元|万元|万|千元|亿元)?(?:/[\u4e00-\u9fff]{1,2})?$")
_NUMBERED_RE = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[、.．](?!\d)|第[一二三四五六七八九十百\d]+[章节条])")
MAX_CELL_CHARS = 40
MAX_HEADER_CELL_CHARS = 24


def _clean(cell: str) -> str:
    return _WS_RE.sub(" ", cell).strip()


def is_numeric(cell: str) -> bool:
    return bool(_NUMERIC_RE.match(cell.strip()))


def row_text(header: list[str], cells: list[str]) -> str:
    """"列名：值；列名：值。" for the non-empty cells; a cell repeating its left neighbour (a merged
    cell) is said once; a cell without a header is kept bare."""
    parts: list[str] = []
    previous = None
    for i, value in enumerate(cells):
        value = _clean(value)
        if not value or (value == previous and not is_numeric(value)) or value in ("—", "-", "/"):
            previous = value
            continue
        previous = value
        name = _clean(header[i]) if i < len(header) else ""
        parts.append(f"{name}：{value}" if name and name != value else value)
    if not parts:
        return ""
    return "；".join(parts).rstrip("。；;") + "。"


def _looks_like_header(cells: list[str]) -> bool:
    filled = [_clean(c) for c in cells if _clean(c)]
    return (
        len(filled) >= 2
        and all(len(c) <= MAX_HEADER_CELL_CHARS and not is_numeric(c) for c in filled)
        and not any(_SENTENCE_RE.search(c) for c in filled)
    )


def row_texts(rows: list[list[str]], *, header: list[str] | None = None) -> list[str]:
    """Rows of a table as lines that name their columns.

    `header` when the format marks it (HTML <th>, the markdown rule line); otherwise the first
    row is the header when it looks like one (short, no figures) and the table has more rows.
    A two-column table without a header is a list of "名称：值" pairs. A one-column table is
    plain lines.
    """
    rows = [[_clean(c) for c in row] for row in rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        return []
    width = max(len(r) for r in rows)
    if width == 1:
        return [r[0] for r in rows if r[0]]
    if header is None and len(rows) >= 2 and _looks_like_header(rows[0]):
        header, rows = rows[0], rows[1:]
    out: list[str] = []
    for row in rows:
        if header is None and len([c for c in row if c]) == 2 and len(row) == 2:
            name, value = row
            out.append(f"{name}：{value}。" if not _SENTENCE_RE.search(name) else f"{name} {value}")
            continue
        line = row_text(header or [], row)
        if line:
            out.append(line)
    return out


# --------------------------------------------------------------------------- flattened tables


def _is_cell(line: str, max_chars: int) -> bool:
    text = line.strip()
    return (
        0 < len(text) <= max_chars
        and not line.startswith(("\u3000", "  "))  # an indented line opens a paragraph
        and not _SENTENCE_RE.search(text)
        and not text.startswith("#")
        and not text.endswith(("：", ":"))
        and not _NUMBERED_RE.match(text)
    )


def _merge_wrapped(cells: list[str]) -> list[str]:
    """A PDF cell wrapped inside its box comes out as two lines: "资助金额（元" + "）",
    "个人缴费标准" + "（元）", "特困人员（含孤儿、事实无人抚" + "养儿童）". Rejoin them."""
    out: list[str] = []
    for cell in cells:
        if out and not is_numeric(cell) and not is_numeric(out[-1]):
            prev = out[-1]
            unclosed = prev.count("（") + prev.count("(") > prev.count("）") + prev.count(")")
            if unclosed or re.match(r"^[（(][^）)]{0,6}[）)]$", cell) or cell[0] in "）)":
                out[-1] = prev + cell
                continue
        out.append(cell)
    return out


_Grid = tuple[list[str], list[list[str]], int]  # header, rows, cells used


def _periodic(cells: list[str]) -> _Grid | None:
    """Header of n cells, then rows of n cells whose figure columns agree in every row."""
    kinds = [is_numeric(c) for c in cells]
    for n in range(2, 9):
        body = cells[n:]
        if len(body) < n or len(body) % n or any(kinds[:n]):
            continue
        rows = [body[i : i + n] for i in range(0, len(body), n)]
        shapes = {tuple(is_numeric(c) for c in row) for row in rows}
        if len(shapes) == 1 and any(next(iter(shapes))):
            return cells[:n], rows, len(cells)
    return None


def _spanned(cells: list[str]) -> _Grid | None:
    """Rows that end in figures, where a cell spanning rows (拆除重建 over three rows) is printed
    once: a short row borrows its leading cells from the row above. Text cells after the last
    figure ("【打印本页】") are not part of the table."""
    last = max((i for i, c in enumerate(cells) if is_numeric(c)), default=-1)
    groups: list[list[str]] = []
    current: list[str] = []
    for i, cell in enumerate(cells[: last + 1]):
        current.append(cell)
        if is_numeric(cell) and (i == last or not is_numeric(cells[i + 1])):
            groups.append(current)
            current = []
    if len(groups) < 2:
        return None
    n = max(len(g) for g in groups[1:])
    figures = {sum(is_numeric(c) for c in g) for g in groups}
    if len(figures) != 1 or n < 2 or len(groups[0]) <= n:
        return None
    header, first = groups[0][:-n], groups[0][-n:]
    if len(header) != n or not _looks_like_header(header):
        return None
    rows = [first]
    for group in groups[1:]:
        rows.append(rows[-1][: n - len(group)] + group)
    return header, rows, last + 1


def unflatten_cells(
    lines: list[str], *, max_chars: int = MAX_CELL_CHARS, min_cells: int = 6, row_prefix: str = ""
) -> list[str]:
    """Replace runs of one-cell-per-line table text with one line per row naming its columns.

    A run is at least `min_cells` unindented lines of at most `max_chars` (a PDF passes less than
    its line width, so wrapped prose is never a cell) without sentence punctuation, two of them
    figures. Other lines pass through unchanged (with their original indentation); rebuilt rows
    start with `row_prefix` (a PDF indents them so that reflowing keeps one row per paragraph).
    """
    out: list[str] = []
    i = 0
    while i < len(lines):
        if not _is_cell(lines[i], max_chars):
            out.append(lines[i])
            i += 1
            continue
        j = i
        while j < len(lines) and _is_cell(lines[j], max_chars):
            j += 1
        run = [ln.strip() for ln in lines[i:j]]
        if len(run) >= min_cells and sum(is_numeric(c) for c in run) >= 2:
            out.extend(_rebuild(run, row_prefix))
        else:
            out.extend(lines[i:j])
        i = j
    return out


def _rebuild(run: list[str], row_prefix: str) -> list[str]:
    cells = _merge_wrapped(run)
    # A caption or lead-in line can sit right above the header: try the grid from each of the
    # first few cells, and keep what precedes and follows it as it was.
    for start in range(0, min(3, len(cells))):
        grid = _periodic(cells[start:]) or _spanned(cells[start:])
        if grid is not None:
            header, rows, used = grid
            rebuilt = [row_prefix + row_text(header, row) for row in rows]
            return cells[:start] + rebuilt + cells[start + used :]
    return [" | ".join(cells)]
