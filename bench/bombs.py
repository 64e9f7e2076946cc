"""Decompression bombs and oversized documents, generated (never committed as binaries).

Used by bench/bench_bombs.py (full-size: the files of issue 12's drill) and by the drill script.
Each writer streams its content, so making a 2 GiB bomb needs little memory.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CHUNK = 1 << 20


def _template_docx() -> dict[str, bytes]:
    """The parts of an empty but valid .docx, as python-docx writes it."""
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    with zipfile.ZipFile(buf) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _deflated(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = 9  # ZipInfo has no public compression-level field before Python 3.13
    return info


def _write_docx(path: Path, body: Iterator[bytes]) -> Path:
    """A .docx whose word/document.xml is the given body chunks (streamed, maximum compression)."""
    parts = _template_docx()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for name, data in parts.items():
            if name == "word/document.xml":
                with out.open(_deflated(name), "w", force_zip64=True) as fh:
                    fh.write(f'<w:document xmlns:w="{W_NS}"><w:body>'.encode())
                    for chunk in body:
                        fh.write(chunk)
                    fh.write(b"</w:body></w:document>")
            else:
                out.writestr(name, data)
    return path


def docx_many_paragraphs(path: Path, unpacked_bytes: int, text: str = "村民委员会") -> Path:
    """`unpacked_bytes` of short paragraphs (the 5 MB / 2 GiB drill file at full size)."""
    para = f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()
    block = para * max(1, _CHUNK // len(para))

    def body() -> Iterator[bytes]:
        for _ in range(max(1, unpacked_bytes // len(block))):
            yield block

    return _write_docx(path, body())


def docx_one_huge_run(path: Path, unpacked_bytes: int) -> Path:
    """One paragraph whose single text run is `unpacked_bytes` long (the 1 MB / 1 GiB drill file)."""
    block = ("政策" * (_CHUNK // 6)).encode()

    def body() -> Iterator[bytes]:
        yield b"<w:p><w:r><w:t>"
        for _ in range(max(1, unpacked_bytes // len(block))):
            yield block
        yield b"</w:t></w:r></w:p>"

    return _write_docx(path, body())


def xlsx_bomb(path: Path, unpacked_bytes: int) -> Path:
    """A workbook whose first sheet unpacks to `unpacked_bytes` of cells."""
    import openpyxl

    buf = io.BytesIO()
    openpyxl.Workbook().save(buf)
    with zipfile.ZipFile(buf) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    row = b'<row><c t="inlineStr"><is><t>AAAAAAAA</t></is></c></row>'
    block = row * (_CHUNK // len(row))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for name, data in parts.items():
            if name == "xl/worksheets/sheet1.xml":
                ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
                with out.open(_deflated(name), "w", force_zip64=True) as fh:
                    fh.write(f'<worksheet xmlns="{ns}"><sheetData>'.encode())
                    for _ in range(max(1, unpacked_bytes // len(block))):
                        fh.write(block)
                    fh.write(b"</sheetData></worksheet>")
            else:
                out.writestr(name, data)
    return path


def pdf_many_pages(path: Path, pages: int) -> Path:
    """A PDF with `pages` pages of a little text each (small on disk)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for n in range(pages):
        c.drawString(72, 720, f"Page {n + 1} of the village gazette.")
        c.showPage()
    c.save()
    return path


def pdf_flate_bomb(path: Path, unpacked_bytes: int) -> Path:
    """A one-page PDF whose content stream inflates to `unpacked_bytes` (text-drawing operators)."""
    import zlib

    op = b"BT /F1 12 Tf 72 720 Td (AAAAAAAAAAAAAAAA) Tj ET\n"
    comp = zlib.compressobj(9)
    block = op * (_CHUNK // len(op))
    stream = b"".join(comp.compress(block) for _ in range(max(1, unpacked_bytes // len(block)))) + comp.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def html_many_tags(path: Path, size_bytes: int) -> Path:
    """An HTML page of `size_bytes` made of tiny elements (parsers build one object per tag)."""
    cell = "<p><b>村</b></p>".encode()
    with open(path, "wb") as fh:
        fh.write(b"<html><body>")
        fh.write(cell * (size_bytes // len(cell)))
        fh.write(b"</body></html>")
    return path
