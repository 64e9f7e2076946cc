"""Text from pictures: photos and scans (.jpg .png .tif …) and PDF pages without a text layer.

Recognition is RapidOCR (PyPI `rapidocr-onnxruntime`): the PP-OCRv4 Chinese detection and
recognition models ship inside the wheel (about 16 MB) and run on the CPU with ONNX Runtime, so
nothing is downloaded at run time. Accuracy and speed on this project's test scans are in
docs/benchmarks.md ("OCR").

What makes the output usable, and honest:
- Boxes are put back into reading order (rows by vertical position, left to right), lines that
  run to the right margin without a full stop are joined into one paragraph, and a few frequent
  confusions are undone (ASCII punctuation between Chinese characters, spaces inside Chinese
  text, "O"/"l" between digits).
- Each page gets a confidence: the recogniser's scores weighted by characters. A page below
  `ReadOptions.ocr_min_confidence` is not indexed — blurred text read as noise answers nothing and
  can mislead — and the ingest summary names it. A picture with no usable text is skipped with
  that reason.
- Time is bounded: a picture is downscaled to `ocr_max_side` pixels before recognition (that is
  what bounds one page), a PDF is read for at most `ocr_max_pages` pages, and a scan stops when
  it has used `ocr_page_seconds` per page to read; what was not read is reported.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from bot.kb.formats import META_OCR, META_WARNINGS, ReadOptions, join_warnings
from bot.kb.ocr_clean import clean_ocr_text
from bot.kb.types import DocumentError, SkipReason

__all__ = [
    "IMAGE_SUFFIXES",
    "OcrPage",
    "clean_ocr_text",
    "fill_scanned_pages",
    "load_image",
    "nothing_read",
    "ocr_pdf_pages",
    "recognise",
    "scanned_pages",
]

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp"})
# Pictures are refused above this many pixels before any decoding (a decompression bomb is a
# small PNG that claims a huge canvas); a 40-megapixel phone photo is well inside.
MAX_IMAGE_PIXELS = 200_000_000
# A PDF page with fewer visible characters than this in its text layer, and a picture on it, is
# read by OCR: scanners often add a page number or an invisible one-word layer.
_MIN_LAYER_CHARS = 20
# Single characters below this score are specks of noise (stamps, paper texture), not text.
_SPECK_SCORE = 0.85

_engine: Any = None
_engine_lock = threading.Lock()


@dataclass(frozen=True)
class OcrPage:
    text: str
    confidence: float  # recogniser scores weighted by characters, 0..1; 0 when nothing was read
    chars: int
    seconds: float
    boxes: int = 0


@dataclass
class _Box:
    text: str
    score: float
    x0: float
    x1: float
    y0: float
    y1: float

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 1.0)

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class _Line:
    boxes: list[_Box] = field(default_factory=list)

    @property
    def x0(self) -> float:
        return min(b.x0 for b in self.boxes)

    @property
    def x1(self) -> float:
        return max(b.x1 for b in self.boxes)

    @property
    def cy(self) -> float:
        return sum(b.cy for b in self.boxes) / len(self.boxes)

    @property
    def height(self) -> float:
        return sum(b.height for b in self.boxes) / len(self.boxes)


# --------------------------------------------------------------------------- engine


def _get_engine(max_side: int) -> Any:
    """The RapidOCR engine, created once per process (model load ≈2 s) and shared by all threads."""
    global _engine
    with _engine_lock:
        if _engine is None:
            # Deferred: onnxruntime and OpenCV cost about a second to import and most processes
            # (the bot answering questions, the help-request CLI) never read a scan.
            from rapidocr_onnxruntime import RapidOCR

            _engine = RapidOCR(max_side_len=max_side, print_verbose=False)
        return _engine


def recognise(image: Image.Image, *, max_side: int = 2400) -> OcrPage:
    """Recognise one picture (any mode/size); text in reading order, cleaned, with a confidence."""
    started = time.perf_counter()
    image = _prepare(image, max_side)
    engine = _get_engine(max_side)
    with _engine_lock:  # one recognition at a time: ONNX Runtime already uses every core
        result, _ = engine(np.asarray(image))
    boxes = [_box(item) for item in result or ()]
    boxes = [b for b in boxes if b.text.strip() and not (len(b.text.strip()) == 1 and b.score < _SPECK_SCORE)]
    text = clean_ocr_text(_layout(boxes))
    chars = sum(len(b.text) for b in boxes)
    confidence = sum(b.score * len(b.text) for b in boxes) / chars if chars else 0.0
    return OcrPage(text, round(confidence, 4), chars, time.perf_counter() - started, len(boxes))


def _prepare(image: Image.Image, max_side: int) -> Image.Image:
    image = ImageOps.exif_transpose(image) or image  # phone photos are stored sideways + a tag
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")  # transparent PNG: text on white
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image = image.convert("RGB")
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return image


def _box(item: list[Any]) -> _Box:
    points, text, score = item[0], str(item[1]), float(item[2])
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    return _Box(text.strip(), score, min(xs), max(xs), min(ys), max(ys))


# --------------------------------------------------------------------------- layout


_SENTENCE_END = tuple("。！？；：!?;:…")
_CLOSERS = "”’」』）)》】"
_LIST_START_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．]|第[一二三四五六七八九十百零〇\d]+[章节条]|附件)"
)


def _layout(boxes: list[_Box]) -> str:
    """Boxes → lines (same row, left to right) → paragraphs (a line reaching the right margin
    without a full stop continues on the next)."""
    lines: list[_Line] = []
    for box in sorted(boxes, key=lambda b: b.cy):
        for line in reversed(lines[-3:]):  # rows of a slightly rotated photo overlap a little
            if abs(box.cy - line.cy) < 0.5 * min(box.height, line.height):
                line.boxes.append(box)
                break
        else:
            lines.append(_Line([box]))
    if not lines:
        return ""
    texts = [_join_row(sorted(line.boxes, key=lambda b: b.x0)) for line in lines]
    right = max(line.x1 for line in lines)
    out: list[str] = []
    paragraph = texts[0]
    for (prev, _), (line, text) in itertools.pairwise(zip(lines, texts, strict=True)):
        ends = paragraph.rstrip(_CLOSERS).endswith(_SENTENCE_END)
        reaches_margin = prev.x1 >= right - 1.5 * prev.height
        gap = line.cy - prev.cy > 2.5 * max(prev.height, line.height)
        if ends or not reaches_margin or gap or _LIST_START_RE.match(text):
            out.append(paragraph)
            paragraph = text
        else:
            paragraph += ("" if _cjk_edge(paragraph[-1:], text[:1]) else " ") + text
    out.append(paragraph)
    return "\n".join(out)


def _join_row(boxes: list[_Box]) -> str:
    """One row's boxes: Chinese continues without a space; a wide gap (table columns) gets " | "."""
    text = boxes[0].text
    for prev, box in itertools.pairwise(boxes):
        gap = box.x0 - prev.x1
        if gap > 2.0 * max(prev.height, box.height):
            text += " | "
        elif not _cjk_edge(text[-1:], box.text[:1]):
            text += " "
        text += box.text
    return text


def _cjk_edge(left: str, right: str) -> bool:
    return bool(left and right) and (not left.isascii() or not right.isascii())


# --------------------------------------------------------------------------- pictures


def _open_image(path: Path, src: str) -> Image.Image:
    try:
        image = Image.open(path)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise DocumentError(
            src, f"corrupt or unreadable image ({type(exc).__name__})", SkipReason.CORRUPT
        ) from exc
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        image.close()
        raise DocumentError(
            src,
            f"image too large: {width}x{height} pixels (limit {MAX_IMAGE_PIXELS // 1_000_000} megapixels)",
            SkipReason.IMAGE_TOO_LARGE,
        )
    return image


def _frames(image: Image.Image, limit: int) -> Iterator[Image.Image]:
    for n, frame in enumerate(ImageSequence.Iterator(image)):
        if n >= limit:
            return
        yield frame.copy()


def load_image(path: Path, src: str, options: ReadOptions) -> tuple[str, dict[str, str]]:
    """A photo or scanned picture (a multi-page TIFF counts one page per frame)."""
    image = _open_image(path, src)
    try:
        frames = getattr(image, "n_frames", 1)
        if image.format == "JPEG":
            # Decode a big JPEG at reduced scale directly: a 40-megapixel photo costs a quarter
            # of the memory and time, and recognition downscales it anyway.
            image.draft("RGB", (options.ocr_max_side, options.ocr_max_side))
        pages = enumerate(_frames(image, options.ocr_max_pages), 1)
        texts, warnings = _recognise_pages(pages, min(frames, options.ocr_max_pages), src, options)
    except DocumentError:
        raise
    except (OSError, ValueError, SyntaxError) as exc:  # truncated or damaged image data
        raise DocumentError(
            src, f"corrupt or unreadable image ({type(exc).__name__})", SkipReason.CORRUPT
        ) from exc
    finally:
        image.close()
    if frames > options.ocr_max_pages:
        warnings.append(
            f"pages {options.ocr_max_pages + 1}-{frames} not read (OCR_MAX_PAGES={options.ocr_max_pages})"
        )
    body = "\n".join(texts[n] for n in sorted(texts))
    if not body.strip():
        unclear = any("confidence" in w for w in warnings)
        raise DocumentError(
            src, _nothing_read(warnings), SkipReason.OCR_UNCLEAR if unclear else SkipReason.NO_TEXT_RECOGNISED
        )
    meta = {META_OCR: str(len(texts)), META_WARNINGS: join_warnings(warnings)}
    return body, meta


def nothing_read(meta: dict[str, str]) -> str | None:
    """Why a scanned document yielded no text, from its OCR warnings (None if OCR did not run)."""
    warnings = meta.get(META_WARNINGS, "")
    if META_OCR not in meta:
        return None
    return "scanned PDF, nothing indexed: " + (warnings or "no text recognised")


def fill_scanned_pages(
    path: Path, src: str, layer_texts: list[str], options: ReadOptions
) -> tuple[list[str], dict[str, str]]:
    """A PDF's page texts with the scanned pages (no text layer, a picture) recognised by OCR.

    Returns the pages (text layer where there is one, OCR text where it was read) and meta to
    merge into the loader's: how many pages came from OCR and the warnings for the report.
    """
    scanned = scanned_pages(path, layer_texts, src)
    if not scanned:
        return layer_texts, {}
    found, warnings = ocr_pdf_pages(path, src, scanned, options)
    pages = [found.get(i, text) for i, text in enumerate(layer_texts)]
    return pages, {META_OCR: str(len(found)), META_WARNINGS: join_warnings(warnings)}


def _nothing_read(warnings: list[str]) -> str:
    low = next((w for w in warnings if "confidence" in w), None)
    if low:
        return f"OCR confidence too low, nothing indexed ({low}); the picture is probably blurred or dark"
    return "no text recognised in the picture"


def _recognise_pages(
    pages: Iterator[tuple[int, Image.Image]], total: int, src: str, options: ReadOptions
) -> tuple[dict[int, str], list[str]]:
    """OCR (page number, picture) pairs in order within the time budget.

    Returns the text of each page that was read with enough confidence, by page number, and the
    warnings for the ingest summary (low-confidence, empty and unread pages, by number).
    """
    budget = options.ocr_page_seconds * max(total, 1)
    started = time.monotonic()
    tick: Callable[[int, int], None] = options.progress or (lambda done, total: None)
    texts: dict[int, str] = {}
    warnings: list[str] = []
    low: list[str] = []
    empty: list[str] = []
    for done, (number, image) in enumerate(pages, 1):
        if done > 1 and time.monotonic() - started > budget:
            warnings.append(
                f"OCR stopped before page {number} after {done - 1} of {total} pages: time limit "
                f"({options.ocr_page_seconds:g} s per page, OCR_PAGE_SECONDS); later pages not read"
            )
            break
        try:
            page = recognise(image, max_side=options.ocr_max_side)
        except Exception:  # one picture the recogniser chokes on must not lose the rest
            log.exception("%s: OCR failed on page %d", src, number)
            page = OcrPage("", 0.0, 0, 0.0)
        tick(done, total)
        log.info("%s: OCR page %d (%d/%d), %d chars, confidence %.2f, %.1f s",
                 src, number, done, total, page.chars, page.confidence, page.seconds)  # fmt: skip
        if page.chars == 0:
            empty.append(str(number))
        elif page.confidence < options.ocr_min_confidence:
            low.append(f"{number} ({page.confidence:.2f})")
        else:
            texts[number] = page.text
    if low:
        warnings.insert(
            0, f"page(s) {', '.join(low)} not indexed: OCR confidence below {options.ocr_min_confidence:.2f}"
        )
    if empty:
        warnings.append(f"no text recognised on page(s) {', '.join(empty)}")
    return texts, warnings


# --------------------------------------------------------------------------- PDF pages


def scanned_pages(path: Path, layer_texts: list[str], src: str = "") -> list[int]:
    """0-based numbers of the pages whose text layer is (nearly) empty but which show a picture."""
    candidates = [i for i, t in enumerate(layer_texts) if len("".join(t.split())) < _MIN_LAYER_CHARS]
    if not candidates:
        return []
    try:
        pdf = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as exc:  # pypdf read it, PDFium cannot: damaged
        raise DocumentError(
            src or path.name, f"corrupt or unreadable .pdf (PDFium: {exc})", SkipReason.CORRUPT
        ) from exc
    try:
        return [i for i in candidates if i < len(pdf) and _has_picture(pdf[i])]
    finally:
        pdf.close()


def _has_picture(page: pypdfium2.PdfPage) -> bool:
    return any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3))


def ocr_pdf_pages(
    path: Path, src: str, pages: list[int], options: ReadOptions
) -> tuple[dict[int, str], list[str]]:
    """Render and recognise `pages` (0-based) of a PDF, up to the page and time limits.

    Returns the recognised text by 0-based page (pages read with too low a confidence absent)
    and the warnings for the ingest summary, which name pages as people do, from 1.
    """
    chosen = pages[: options.ocr_max_pages]
    try:
        pdf = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as exc:
        raise DocumentError(src, f"corrupt or unreadable .pdf ({exc})", SkipReason.CORRUPT) from exc
    try:
        texts, warnings = _recognise_pages(
            _render(pdf, chosen, options.ocr_max_side), len(chosen), src, options
        )
    finally:
        pdf.close()
    if len(pages) > len(chosen):
        rest = pages[len(chosen) :]
        warnings.append(
            f"{len(rest)} scanned page(s) not read, pages {rest[0] + 1}-{rest[-1] + 1} "
            f"(OCR_MAX_PAGES={options.ocr_max_pages})"
        )
    return {number - 1: text for number, text in texts.items()}, warnings


def _render(pdf: pypdfium2.PdfDocument, pages: list[int], max_side: int) -> Iterator[tuple[int, Image.Image]]:
    """(1-based page number, picture) at 300 dpi or `max_side` pixels, whichever is smaller."""
    for index in pages:
        page = pdf[index]
        try:
            width, height = page.get_size()
            scale = min(300 / 72, max_side / max(width, height, 1))
            image = page.render(scale=scale, grayscale=True).to_pil()
        except pypdfium2.PdfiumError:
            log.warning("page %d of a PDF could not be rendered", index + 1)
            image = Image.new("L", (8, 8), 255)  # counted as a page with no text
        finally:
            page.close()
        yield index + 1, image
