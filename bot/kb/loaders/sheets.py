"""Spreadsheets (.xlsx, .xls, .et, .csv) → lines of text in which every value names its column.

A county's tables (补助标准, 名单, 缴费档次) are only useful to retrieval if a row carries its
header: "1200" alone answers nothing, "类别：全失能人员；照料护理标准：每人每月1200元。" answers
"全失能的老人护理补贴一个月多少". So each data row becomes one sentence in which every cell names
its column (a 序号 column is left out), the same form the .docx/HTML table rows take. A sheet's
name and the title rows above a table (a single filled cell, often a merged banner) become
headings, so the chunker files the rows under them.

Readers: openpyxl for .xlsx (read-only mode: memory stays flat however long the sheet), xlrd for
.xls and WPS .et (both BIFF, the same binary format). Files xlrd cannot parse — an .xls that is
really HTML or XML (common in exports from government systems), a newer .et — go through
LibreOffice (`bot.kb.convert`) to .xlsx. A password-protected workbook is reported as such.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import openpyxl
import xlrd
from openpyxl.utils.exceptions import InvalidFileException

from bot.kb import limits
from bot.kb.convert import check_not_garbled, converted
from bot.kb.formats import ReadOptions
from bot.kb.loaders.tables import row_text
from bot.kb.types import DocumentError, SkipReason

__all__ = ["csv_lines", "load_xls", "load_xlsx", "table_lines"]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WS_RE = re.compile(r"\s+")
# Column headers that number rows rather than name them: never used as a row's label.
_SERIAL_RE = re.compile(r"^(?:序号|编号|序|no\.?|#|行号)$", re.IGNORECASE)
# Default sheet names say nothing; "input" is what LibreOffice names the one sheet of an HTML or
# text file it converted (bot.kb.convert copies the file to "input.<ext>").
_DEFAULT_SHEET_RE = re.compile(r"^(?:sheet|工作表|表|input)\s*\d*$", re.IGNORECASE)
_MAX_TITLE_CHARS = 40
_NOTE_RE = re.compile(r"^(?:注|说明|备注|附注)\s*[:：]?")
# Cell values that say nothing on their own line (a separator row, a dash for "none").
_EMPTY_VALUES = {"", "-", "—", "/", "\\", "无"}


# --------------------------------------------------------------------------- rows → text


def table_lines(rows: Iterable[list[str]]) -> list[str]:
    """Rows of cell strings → text lines: titles as "## " headings, data rows naming their columns.

    Blocks are separated by empty rows. In each block, rows with a single filled cell before the
    first row with two or more are titles (a short one; a long one or a 注/说明 note stays a
    plain line); that first wider row is the header; the rows after it are data. A data row
    identical to the header (headers repeated on each printed page) is dropped; an empty label
    cell under a filled one (a vertically merged category) is filled down. A header with no data
    under it is kept as one plain line, so no cell is lost.
    """
    out: list[str] = []
    header: list[str] | None = None
    data_rows = 0
    label_col = 0
    last_label = ""

    def close() -> None:
        if header is not None and not data_rows:
            out.append(" | ".join(c for c in header if c))

    for raw in rows:
        cells = [_WS_RE.sub(" ", "" if c is None else str(c)).strip() for c in raw]
        filled = [c for c in cells if c]
        if not filled:
            close()
            header = None  # a blank row ends the table; the next wide row is a new header
            continue
        if header is None:
            if len(filled) == 1:
                title = filled[0]
                is_title = len(title) <= _MAX_TITLE_CHARS and not _NOTE_RE.match(title) and "。" not in title
                out.append(f"## {title}" if is_title else title)
                continue
            header, data_rows, last_label = cells, 0, ""
            label_col = next((i for i, h in enumerate(header) if h and not _SERIAL_RE.match(h)), 0)
            continue
        if cells[: len(header)] == header[: len(cells)]:
            continue
        if len(filled) == 1 and label_col < len(cells) and cells[label_col] == filled[0]:
            # A single cell in the label column is a sub-heading inside the table ("一、城市").
            out.append(filled[0])
            last_label = ""
            continue
        line = _row_line(cells, header, label_col, last_label)
        if line:
            out.append(line)
            data_rows += 1
        if label_col < len(cells) and cells[label_col]:
            last_label = cells[label_col]
    close()
    return out


def _row_line(cells: list[str], header: list[str], label_col: int, last_label: str) -> str:
    """"列名：值；列名：值。" — bot.kb.loaders.tables.row_text, the form .docx and HTML table rows
    take — after filling a merged label down and leaving out a 序号 column."""
    cells = list(cells)
    if label_col < len(cells) and not cells[label_col] and last_label:
        cells[label_col] = last_label  # vertically merged category: only the top cell is filled
    cells = [
        "" if value in _EMPTY_VALUES or (i < len(header) and _SERIAL_RE.match(header[i])) else value
        for i, value in enumerate(cells)
    ]
    return row_text(header, cells)


def _sheet_lines(name: str, rows: Iterable[list[str]], named: bool) -> list[str]:
    lines = table_lines(rows)
    if not lines:
        return []
    if named:
        # Title rows sit one level under the sheet's own heading.
        return [f"# {name}", *lines]
    # An unnamed sheet ("Sheet1"): its first title row is the top heading.
    return [ln.replace("## ", "# ", 1) if ln.startswith("## ") else ln for ln in lines]


def _sheets_text(sheets: list[tuple[str, Iterator[list[str]]]], src: str) -> str:
    named = len(sheets) > 1 or any(not _DEFAULT_SHEET_RE.match(n.strip()) for n, _ in sheets)
    budget = limits.CharBudget(src)  # a sheet of a million rows stops here, not after parsing it all
    out: list[str] = []
    for name, rows in sheets:
        counted = _counted(rows, budget)
        out.extend(_sheet_lines(name.strip(), counted, named and not _DEFAULT_SHEET_RE.match(name.strip())))
    return "\n".join(out)


def _counted(rows: Iterator[list[str]], budget: limits.CharBudget) -> Iterator[list[str]]:
    """The rows, each counted against the document's character and block limits as it is read."""
    for row in rows:
        budget.take("".join(row))
        yield row


# --------------------------------------------------------------------------- cell values


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _cell_text(value: object, number_format: str = "General") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        if "%" in number_format:
            return _number(float(value) * 100) + "%"
        return _number(float(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ", "minutes")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- .xlsx


def load_xlsx(path: Path, src: str, options: ReadOptions) -> tuple[str, dict[str, str]]:
    """Every sheet of an .xlsx workbook (values as last computed by the spreadsheet program)."""
    del options
    with open(path, "rb") as fh:
        if fh.read(8) == _OLE_MAGIC:
            # Office writes an encrypted .xlsx as an OLE container around the encrypted package.
            raise DocumentError(
                src,
                "password-protected spreadsheet (remove the password and upload again)",
                SkipReason.PASSWORD,
            )
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DocumentError(
            src, f"corrupt or unreadable .xlsx ({type(exc).__name__})", SkipReason.CORRUPT
        ) from exc
    try:
        sheets = [(ws.title, _openpyxl_rows(ws)) for ws in book.worksheets]
        text = _sheets_text(sheets, src)
        # Only the title: a workbook's "creator" is mostly the program ("openpyxl", "Calc").
        meta = {"title": book.properties.title or ""}
    except DocumentError:
        raise
    except Exception as exc:  # openpyxl surfaces broken XML and styles with many types
        raise DocumentError(
            src, f"corrupt or unreadable .xlsx ({type(exc).__name__})", SkipReason.CORRUPT
        ) from exc
    finally:
        book.close()
    return text, meta


def _openpyxl_rows(ws: object) -> Iterator[list[str]]:
    for row in ws.iter_rows():  # type: ignore[attr-defined]
        yield [
            _cell_text(getattr(c, "value", None), getattr(c, "number_format", "General") or "") for c in row
        ]


# --------------------------------------------------------------------------- .xls / .et


def load_xls(path: Path, src: str, options: ReadOptions) -> tuple[str, dict[str, str]]:
    """.xls and WPS .et (BIFF) with xlrd; anything xlrd cannot parse goes through LibreOffice."""
    data = path.read_bytes()
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise DocumentError(
                src,
                "password-protected spreadsheet (remove the password and upload again)",
                SkipReason.PASSWORD,
            ) from exc
        return _unparsed(path, src, options, exc)
    except Exception as exc:  # xlrd's own parser errors are not all XLRDError (struct, index, assertion)
        return _unparsed(path, src, options, exc)
    try:
        sheets = []
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            sheets.append((sheet.name, _xlrd_rows(sheet, book.datemode)))
        text = _sheets_text(sheets, src)
    except Exception as exc:
        raise DocumentError(
            src, f"corrupt or unreadable {path.suffix.lower()} ({type(exc).__name__})", SkipReason.CORRUPT
        ) from exc
    finally:
        book.release_resources()
    return text, {}


def _unparsed(path: Path, src: str, options: ReadOptions, exc: Exception) -> tuple[str, dict[str, str]]:
    """A file xlrd cannot read. A damaged binary .xls is reported (LibreOffice would import its
    bytes as a text table of garbage); an HTML/XML/text "xls" and any .et go to LibreOffice."""
    with open(path, "rb") as fh:
        binary = fh.read(8) == _OLE_MAGIC
    if binary and path.suffix.lower() == ".xls":
        raise DocumentError(
            src, f"corrupt or unreadable .xls ({type(exc).__name__})", SkipReason.CORRUPT
        ) from exc
    return _via_libreoffice(path, src, options)


def _xlrd_rows(sheet: xlrd.sheet.Sheet, datemode: int) -> Iterator[list[str]]:
    for r in range(sheet.nrows):
        row: list[str] = []
        for cell in sheet.row(r):
            if cell.ctype == xlrd.XL_CELL_DATE:
                try:
                    row.append(_cell_text(xlrd.xldate_as_datetime(cell.value, datemode)))
                except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                    row.append(_cell_text(cell.value))
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                row.append(_cell_text(bool(cell.value)))
            elif cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                row.append("")
            else:
                row.append(_cell_text(cell.value))
        yield row


def _via_libreoffice(path: Path, src: str, options: ReadOptions) -> tuple[str, dict[str, str]]:
    with converted(path, "xlsx", src, timeout=options.convert_timeout) as xlsx:
        limits.check_before_parsing(xlsx, src)  # what LibreOffice wrote is bounded like an upload
        text, meta = load_xlsx(xlsx, src, options)
    meta["converted"] = "libreoffice"
    return check_not_garbled(text, src, path.suffix.lower()), meta


# --------------------------------------------------------------------------- .csv


def csv_lines(text: str, src: str) -> str:
    """Decoded CSV (comma, tab, semicolon or vertical-bar separated) → table text."""
    sample = text[:20_000]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|，")
    except csv.Error:
        dialect = csv.excel
    rows = csv.reader(io.StringIO(text), dialect)
    return "\n".join(table_lines(_counted(rows, limits.CharBudget(src))))
