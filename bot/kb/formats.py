"""Settings and side channels shared by the loaders that convert or recognise (sheets, .doc, OCR).

The plain loaders need only a path; these need limits from the settings (conversion timeout, OCR
time and page bounds), a progress callback for long scans, and a way to report a partial result
(pages not read, pages too blurry to trust) without failing the whole file. Those travel in one
`ReadOptions`; the partial-result notes go back in the loader's meta under `META_WARNINGS`, and
a document whose text came from OCR carries `META_OCR` so its passages can be shown as 扫描件.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["META_OCR", "META_WARNINGS", "PageProgress", "ReadOptions", "join_warnings"]

META_OCR = "ocr"  # value: how many pages (images count as one) were recognised by OCR
META_WARNINGS = "warnings"  # value: "; "-joined English notes for the ingest summary

PageProgress = Callable[[int, int], None]
"""progress(done, total) in pages while a scan is recognised."""


@dataclass(frozen=True)
class ReadOptions:
    """Limits for the converting and recognising loaders; defaults match bot.config's.

    convert_timeout: seconds a LibreOffice conversion may run before its process group is killed.
    ocr_page_seconds: OCR time budget per page; a scan gets `pages × this` in total and stops
        there (the pages read so far are kept and the rest reported). Images are downscaled to
        `ocr_max_side` pixels first, which is what bounds a single page's time.
    ocr_max_pages: pages of one PDF that are recognised at most; the rest are reported as not read.
    ocr_min_confidence: pages (or images) whose mean recognition confidence is below this are
        not indexed and are reported instead: blurred text indexed as noise answers nothing and
        can mislead.
    """

    convert_timeout: float = 120.0
    ocr_page_seconds: float = 60.0
    ocr_max_pages: int = 100
    ocr_min_confidence: float = 0.80
    ocr_max_side: int = 2400
    progress: PageProgress | None = None


def join_warnings(notes: list[str]) -> str:
    return "; ".join(n for n in notes if n)
