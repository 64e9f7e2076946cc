"""Real office files, scans and photos for the format tests, made on the spot.

Old formats are produced the way a county office gets them: LibreOffice writes the .doc and
.xls (from an HTML page and an .xlsx the test writes), a password is set through LibreOffice's
UNO API, scans are Chinese text rendered with a CJK font at 300 dpi and wrapped in a PDF, photos
are the same text smaller, rotated, shaded and noisy. Nothing here is mocked or downloaded.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import openpyxl
from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).parent
# Debian's fonts-noto-cjk (scripts/install.sh installs it); the tests need a real CJK font.
CJK_FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)


def cjk_font(size: int, *, sans: bool = False) -> ImageFont.FreeTypeFont:
    path = CJK_FONTS[1 if sans else 0]
    assert path.is_file(), f"{path} missing: install the Debian package fonts-noto-cjk (scripts/install.sh)"
    return ImageFont.truetype(str(path), size)


def soffice_convert(source: Path, target: str, out_dir: Path) -> Path:
    """Convert with the LibreOffice command line (independently of bot.kb.convert)."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice missing: install libreoffice-writer-nogui and libreoffice-calc-nogui"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
             "--convert-to", target, "--outdir", str(out_dir), str(source)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
    result = out_dir / f"{source.stem}.{target.split(':')[0]}"
    assert result.is_file(), f"LibreOffice did not write {result}"
    return result


def word97_doc(folder: Path, name: str, title: str, paragraphs: list[str], table: list[list[str]]) -> Path:
    """A Word 97 .doc with a heading, paragraphs and a table, written by LibreOffice from HTML."""
    rows = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in table)
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = folder / f"{Path(name).stem}.html"
    html.write_text(
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f"<h1>{title}</h1>{body}<table border=1>{rows}</table></body></html>",
        "utf-8",
    )
    doc = soffice_convert(html, "doc:MS Word 97", folder)
    html.unlink()
    return doc.rename(folder / name) if doc.name != name else doc


def xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def excel97_xls(folder: Path, name: str, sheets: dict[str, list[list[object]]]) -> Path:
    """A BIFF8 .xls written by LibreOffice from an .xlsx the test writes."""
    source = xlsx(folder / f"{Path(name).stem}-src.xlsx", sheets)
    out = soffice_convert(source, "xls:MS Excel 97", folder)
    source.unlink()
    return out.rename(folder / name)


def password_xls(folder: Path, name: str, sheets: dict[str, list[list[object]]], password: str) -> Path:
    """An .xls protected by a password to open, saved by LibreOffice over UNO (system python3)."""
    source = xlsx(folder / f"{Path(name).stem}-src.xlsx", sheets)
    target = folder / name
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            ["/usr/bin/python3", str(HERE / "uno_save.py"), str(source), str(target), "MS Excel 97", password,
             profile],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
    source.unlink()
    assert target.is_file(), "LibreOffice did not save the protected workbook"
    return target


# --------------------------------------------------------------------------- scans and photos


def render_page(
    lines: list[str], *, dpi: int = 300, width_mm: float = 148, font_pt: float = 12, sans: bool = False
) -> Image.Image:
    """Black text on white paper, one entry per printed line, as a 300-dpi scanner sees it."""
    px_per_mm = dpi / 25.4
    size = round(font_pt * dpi / 72)
    font = cjk_font(size, sans=sans)
    margin = round(15 * px_per_mm)
    height = margin * 2 + round(size * 1.8) * len(lines)
    page = Image.new("L", (round(width_mm * px_per_mm), height), 255)
    draw = ImageDraw.Draw(page)
    y = margin
    for line in lines:
        draw.text((margin, y), line, font=font, fill=0)
        y += round(size * 1.8)
    return page


def scanned_pdf(path: Path, pages: list[Image.Image], *, dpi: int = 300) -> Path:
    """A PDF holding only pictures of pages (no text layer), as an office copier writes it."""
    first, *rest = [p.convert("L") for p in pages]
    first.save(path, "PDF", resolution=dpi, save_all=True, append_images=rest)
    return path


def repeated_scan_pdf(path: Path, page: Image.Image, count: int) -> Path:
    """A `count`-page scan that stores the page picture once (reportlab reuses the image)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = ImageReader(page.convert("L"))
    w, h = page.size
    size = (w * 72 / 300, h * 72 / 300)
    pdf = canvas.Canvas(str(path), pagesize=size)
    for _ in range(count):
        pdf.drawImage(image, 0, 0, *size)
        pdf.showPage()
    pdf.save()
    return path


def mixed_pdf(path: Path, typed_lines: list[str], scan: Image.Image) -> Path:
    """Page 1 typed (a CJK text layer, reportlab's built-in STSong-Light), page 2 a scanned picture:
    a notice with a scanned attachment or signature page."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    typed = path.with_suffix(".typed.pdf")
    pdf = canvas.Canvas(str(typed))
    pdf.setFont("STSong-Light", 14)
    for n, line in enumerate(typed_lines):
        pdf.drawString(60, 780 - 24 * n, line)
    pdf.save()
    scanned = scanned_pdf(path.with_suffix(".scan.pdf"), [scan])
    writer = PdfWriter()
    for part in (typed, scanned):
        for page in PdfReader(str(part)).pages:
            writer.add_page(page)
    with open(path, "wb") as fh:
        writer.write(fh)
    typed.unlink()
    scanned.unlink()
    return path


def photo_of(
    page: Image.Image,
    *,
    seed: int = 7,
    angle: float = 2.5,
    scale: float = 0.6,
    blur: float = 0.8,
    noise: float = 10,
    jpeg_quality: int | None = None,
) -> Image.Image:
    """A phone photo of a printed notice: smaller, rotated a little, unevenly lit, blurred, noisy
    (and, with `jpeg_quality`, compressed the way chat apps do)."""
    rng = np.random.default_rng(seed)
    img = page.convert("L").resize((round(page.width * scale), round(page.height * scale)), Image.Resampling.LANCZOS)
    img = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=200)
    arr = np.asarray(img, dtype=np.float32)
    h, w = arr.shape
    light = np.linspace(0.75, 1.0, w)[None, :] * np.linspace(0.85, 1.0, h)[:, None]  # shade across
    arr = arr * light * 0.9 + 15 + rng.normal(0, noise, arr.shape)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(blur))
    tint = Image.merge("RGB", (img, img.point(lambda v: v * 0.97), img.point(lambda v: v * 0.9)))
    if jpeg_quality is not None:
        buffer = io.BytesIO()
        tint.save(buffer, "JPEG", quality=jpeg_quality)
        tint = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return tint


def textless_photo(size: tuple[int, int], *, seed: int = 3) -> Image.Image:
    """A photo with no writing: a sky-to-field gradient with sensor noise."""
    rng = np.random.default_rng(seed)
    w, h = size
    y = np.linspace(0, 1, h)[:, None, None]
    sky, field = np.array([150, 190, 235]), np.array([90, 140, 60])
    arr = sky * (1 - y) + field * y + rng.normal(0, 6, (h, w, 3))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
