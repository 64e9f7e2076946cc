"""Turn a source file into plain text plus whatever metadata the format carries.

Each loader returns `(text, meta)`: `text` uses "\\n" line breaks, one paragraph per line,
and headings the format marks explicitly (HTML <h1>–<h6>, docx heading styles, markdown)
as "# "-prefixed lines so the chunker can rebuild the section tree. `meta` may hold
title, author, date, origin, format and encoding. Cleaning (junk lines, script
conversion) is not done here: that is `clean.py`, which works the same for every format.

Size cap: files above `max_bytes` (default 50 MiB) are rejected by their size, before any
byte is read, with the reason "file too large: N bytes exceeds the M-byte limit". Below the
cap a file is read whole. Measured on a 50 MB GB18030 text (27 M characters, 150 k chunks):
load ≈1 s, clean ≈10 s, chunk ≈3 s on an idle 2-core machine (2–3× that under load), peak
RSS ≈0.4 GB for the whole load → clean → chunk pipeline. That fits the 24 GiB machines, so
streaming is not worth its complexity; embedding that many chunks is the real cost, which
is why ingestion may apply a lower, policy-level limit of its own.
"""

from __future__ import annotations

import codecs
import itertools
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bot.kb import limits, ocr, sheets
from bot.kb.convert import check_not_garbled, converted
from bot.kb.formats import ReadOptions
from bot.kb.normalize import is_cjk, to_simplified
from bot.kb.types import DocumentError, SkipReason

__all__ = ["DEFAULT_MAX_BYTES", "SUPPORTED_SUFFIXES", "decode_text", "load_text"]

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf"}
    | {".doc", ".wps", ".xlsx", ".xls", ".et", ".csv"}  # converting readers: bot.kb.sheets, bot.kb.convert
    | ocr.IMAGE_SUFFIXES
)

# The 400 most frequent characters of modern (simplified) Chinese, from jieba's word-frequency
# dictionary. Real Chinese text has 60–75 % of its characters here; the same bytes decoded with
# the wrong CJK codec (GBK read as Big5 or vice versa) score below 20 %, which makes the
# GBK/Big5 decision reliable where byte-level detectors hesitate.
_COMMON_CHARS = frozenset(
    "一是人了不在有大中国和为这上他个地年来我会以到时要出的生学说道民家子也成行下们于后就发自之对得主长可"
    "过天作分方用多你着部能市等业全里工公经本都而高政法面门动日进区事代那去心小同北定开产前其军还然起种所"
    "如现理机体表力好外与文当两实重新三么只山水关明从化平建又制南内西没此将员名手最东头者月间无安看见各城"
    "十相但已些正口通想度加第她合院物性战由位常点海意场武使次二向治因立数样身情入原问把路被并利石老教万知"
    "级量任江及应省资委务元美特期世湖回系比气汉总展电科金先声提品设或义王社很统处四首共马形己儿司太目基领"
    "队直计别女权话少流命至报米给打变果书清活几州华解议更称程今决张导术府才保交放管结师便走达族反再题色五"
    "京河接条规式县白它改风光运信受什组听布百济党指论强做取技黄神选记斯真却职号界件花类何眼兵传带空干农边"
    "据集联古广完质阳难增历史专官每住商即步认车台林必死游举线言皇土团收考求德叫近备研争非具李众连调感转笑"
)
_SAMPLE_BYTES = 256 * 1024
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_MAX_CONTROL_RATIO = 0.01
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Legacy codecs tried for Chinese text, widest first: GB18030 ⊃ GBK ⊃ GB2312; cp950 is
# Windows Big5, big5hkscs adds the Hong Kong set.
_CJK_CODECS = ("gb18030", "cp950", "big5hkscs")
_SENTENCE_END = tuple("。！？；!?;…：:")
_CLOSERS = "”’」』）)》】"
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "cp950"}


# --------------------------------------------------------------------------- entry point


def load_text(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    source: str | None = None,
    options: ReadOptions | None = None,
) -> tuple[str, dict[str, str]]:
    """Read `path` into `(text, meta)`; raise DocumentError with a short reason if it can't be used.

    `source` names the document in errors (defaults to the file name). `options` bound the
    converting and recognising readers (conversion timeout, OCR pages and time, progress).
    """
    path = Path(path)
    src = source or path.name
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(src, f"unsupported file type '{suffix or path.name}'", SkipReason.UNSUPPORTED)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(src, f"cannot read file ({exc.strerror or exc})", SkipReason.UNREADABLE) from exc
    if not path.is_file():
        raise DocumentError(src, "not a regular file", SkipReason.UNREADABLE)
    if size == 0:
        raise DocumentError(src, "empty file", SkipReason.EMPTY)
    if size > max_bytes:
        raise DocumentError(src, f"file too large: {size} bytes exceeds the {max_bytes}-byte limit", SkipReason.TOO_LARGE)

    limits.check_before_parsing(path, src)  # zip bombs are refused before any parser opens them
    if suffix in _OPTION_LOADERS:
        text, meta = _OPTION_LOADERS[suffix](path, src, options or ReadOptions())
    else:
        text, meta = _LOADERS[suffix](path, src)
    limits.check_chars(text, src)
    text = _tidy(text)
    if not text.strip():
        raise DocumentError(
            src,
            "no text content" if suffix not in (".txt", ".md", ".markdown") else "empty file",
            SkipReason.NO_TEXT if suffix not in (".txt", ".md", ".markdown") else SkipReason.EMPTY,
        )
    meta = {k: v.strip() for k, v in meta.items() if isinstance(v, str) and v.strip()}
    meta.setdefault("format", suffix.lstrip("."))
    return text, meta


_ODD_BREAKS_RE = re.compile("[\u2028\u2029\x0b\x0c\x85]")
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def _tidy(text: str) -> str:
    """Uniform line breaks and no invisible characters, whatever the format produced."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ODD_BREAKS_RE.sub("\n", text)
    return _INVISIBLE_RE.sub("", text)  # regex, not str.translate: 10x faster on 50 MB


# --------------------------------------------------------------------------- text decoding


def _common_ratio(text: str) -> tuple[float, int]:
    """Share of CJK characters that are among the most frequent ones, and the CJK count."""
    hanzi = [ch for ch in text if is_cjk(ch)]
    if not hanzi:
        return 0.0, 0
    simplified = to_simplified("".join(hanzi))
    return sum(ch in _COMMON_CHARS for ch in simplified) / len(simplified), len(hanzi)


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    return sum(1 for _ in _CONTROL_RE.finditer(text)) / len(text)


def _decode_sample(data: bytes, encoding: str) -> str | None:
    """Strictly decode the first bytes of `data`, tolerating a multi-byte char cut at the end."""
    try:
        return codecs.getincrementaldecoder(encoding)("strict").decode(data[:_SAMPLE_BYTES], final=False)
    except (UnicodeDecodeError, LookupError):
        return None


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _check_not_binary(text: str, src: str) -> str:
    if (
        _control_ratio(text[: 4 * _SAMPLE_BYTES]) > _MAX_CONTROL_RATIO
        or _control_ratio(text) > _MAX_CONTROL_RATIO
    ):
        raise DocumentError(src, "binary content (too many control characters)", SkipReason.BINARY)
    return text


def decode_text(data: bytes, src: str) -> tuple[str, str]:
    """Decode bytes of a text file into `(text, encoding)`, or raise DocumentError.

    Order: BOM → strict UTF-8 → legacy Chinese codecs ranked by how common the decoded
    characters are → charset-normalizer's guess, verified. Strict decoding everywhere: a
    wrong guess must fail, not produce mojibake.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _strict(data, encoding)
            if text is None:
                raise DocumentError(src, f"undecodable text (invalid {encoding} after byte-order mark)", SkipReason.UNDECODABLE)
            return _check_not_binary(text, src), encoding.replace("-sig", "") + " (BOM)"

    if b"\x00" in data:
        utf16 = _bomless_utf16(data)
        if utf16 is not None:
            return _check_not_binary(utf16[0], src), utf16[1]
        raise DocumentError(src, "binary content (NUL bytes)", SkipReason.BINARY)

    text = _strict(data, "utf-8")
    if text is not None:
        return _check_not_binary(text, src), "utf-8"

    # Rank the Chinese legacy codecs on a sample, then strictly decode the whole file.
    ranked: list[tuple[float, int, str]] = []
    for order, encoding in enumerate(_CJK_CODECS):
        sample = _decode_sample(data, encoding)
        if sample is None:
            continue
        ratio, hanzi = _common_ratio(sample)
        if hanzi and _control_ratio(sample) <= _MAX_CONTROL_RATIO:
            ranked.append((ratio, -order, encoding, hanzi))
    # Ties (tiny files where the statistics say nothing) go to GB18030, the mainland default.
    for ratio, _, encoding, hanzi in sorted(ranked, reverse=True):
        if ratio < 0.25 and hanzi >= 20:
            break  # decodes, but as rare characters: mojibake, not Chinese
        text = _strict(data, encoding)
        if text is not None:
            return _check_not_binary(text, src), encoding

    guess = _charset_normalizer_guess(data)
    if guess is not None:
        text = _strict(data, guess)
        if text is not None and _control_ratio(text) <= _MAX_CONTROL_RATIO:
            ratio, hanzi = _common_ratio(text[:_SAMPLE_BYTES])
            if hanzi < 20 or ratio >= 0.25:
                return text, guess
    raise DocumentError(src, "undecodable text (unknown encoding or binary content)", SkipReason.UNDECODABLE)


def _charset_normalizer_guess(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 4 * _SAMPLE_BYTES]).best()
    return best.encoding if best is not None else None


def _bomless_utf16(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without a BOM (some Windows tools write it): NULs sit in every other byte of ASCII."""
    sample = data[: _SAMPLE_BYTES & ~1]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if max(even, odd) < len(sample) // 8 or min(even, odd) > max(even, odd) // 10:
        return None
    encoding = "utf-16-le" if odd > even else "utf-16-be"
    text = _strict(data[: len(data) & ~1], encoding)
    if text is None or _control_ratio(text) > _MAX_CONTROL_RATIO:
        return None
    return text, encoding


def _load_txt(path: Path, src: str) -> tuple[str, dict[str, str]]:
    data = path.read_bytes()
    if not data.strip():
        raise DocumentError(src, "empty file", SkipReason.EMPTY)
    text, encoding = decode_text(data, src)
    return _unwrap_hard_wrapped(text), {"encoding": encoding}


def _unwrap_hard_wrapped(text: str) -> str:
    """Rejoin paragraphs of a text file wrapped at a fixed width (one sentence over two lines).

    Detected by shape: most lines stop mid-sentence and the long ones share one width of
    30–120 characters. Files with one paragraph per line (the usual case) are left alone.
    """
    lines = [ln.strip() for ln in text[: 4 * _SAMPLE_BYTES].split("\n") if len(ln.strip()) >= 10]
    if len(lines) < 5:
        return text
    lengths = sorted(len(ln) for ln in lines)
    width = lengths[int(0.9 * (len(lengths) - 1))]
    open_ended = [ln for ln in lines if not ln.rstrip(_CLOSERS).endswith(_SENTENCE_END)]
    at_width = [ln for ln in open_ended if len(ln) >= 0.8 * width]
    if not 30 <= width <= 120 or len(open_ended) < 0.5 * len(lines) or len(at_width) < 0.3 * len(lines):
        return text
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    lines = ([ln.strip() for ln in block.split("\n") if ln.strip()] for block in blocks)
    return "\n\n".join("\n".join(_reflow_lines(block)) for block in lines if block)


# --------------------------------------------------------------------------- markdown

_FRONT_MATTER_RE = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_MD_HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s*(.+?)\s*#*\s*$")
_MD_SETEXT_RE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_MD_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK_RE = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_MD_LIST_RE = re.compile(r"^\s*(?:[-*+]|>+)\s+")
_MD_ORDERED_RE = re.compile(r"^\s*\d{1,3}[.)]\s+")
_MD_EMPHASIS_RE = re.compile(r"(\*\*|__|\*|~~|`)(?=\S)(.+?)(?<=\S)\1")
_HTML_TAG_RE = re.compile(r"</?[a-zA-Z][^>]*>")


def _load_markdown(path: Path, src: str) -> tuple[str, dict[str, str]]:
    """Markdown to plain lines, keeping ATX/setext headings as "#"-prefixed lines."""
    text, meta = _load_txt(path, src)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    front = _FRONT_MATTER_RE.match(text)
    if front:
        for line in front.group(1).splitlines():
            key, sep, value = line.partition(":")
            key = key.strip().lower()
            if sep and key in {"title", "author", "date", "source", "origin"}:
                meta["origin" if key == "source" else key] = value.strip().strip("'\"")
        text = text[front.end() :]

    out: list[str] = []
    paragraph: list[str] = []  # consecutive plain lines: one paragraph unless a line ends a sentence

    def flush() -> None:
        if paragraph:
            out.append(_join_wrapped([_md_inline(line) for line in paragraph]))
            paragraph.clear()

    in_code = False
    for line in text.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            flush()
            in_code = not in_code
            continue
        if in_code:
            out.append(line)
            continue
        setext = _MD_SETEXT_RE.match(line)
        if setext:
            if len(paragraph) == 1:  # "标题\n====" is a heading; a lone "---" is a rule
                out.append(
                    ("# " if setext.group(1)[0] == "=" else "## ") + _md_inline(paragraph.pop().strip())
                )
            flush()
            continue
        heading = _MD_HEADING_RE.match(line)
        if heading:
            flush()
            out.append(f"{heading.group(1)} {_md_inline(heading.group(2))}")
            continue
        stripped = line.strip()
        if not stripped or (_MD_TABLE_RULE_RE.match(line) and "-" in line):
            flush()
            continue
        if stripped.startswith("|") and stripped.endswith("|"):
            flush()
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            out.append(_md_inline(" | ".join(c for c in cells if c)))
            continue
        if _MD_LIST_RE.match(line) or _MD_ORDERED_RE.match(line):
            flush()
        paragraph.append(_MD_LIST_RE.sub("", line).strip())
    flush()
    return "\n".join(out), meta


def _join_wrapped(lines: list[str]) -> str:
    """Markdown joins a paragraph's lines, but Chinese authors often put a title line right above
    its text, or one paragraph per line: join only lines that were wrapped at the block's width."""
    return "\n".join(_reflow_lines([ln for ln in lines if ln]))


def _md_inline(text: str) -> str:
    text = _MD_IMAGE_RE.sub("", text)
    text = _MD_LINK_RE.sub(r"\1", text)
    text = text.replace("<br>", "\n").replace("<br/>", "\n").replace("<br />", "\n")
    text = _HTML_TAG_RE.sub("", text)
    return _MD_EMPHASIS_RE.sub(r"\2", text)


# --------------------------------------------------------------------------- HTML

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_DROP_TAGS = (
    "script", "style", "noscript", "template", "iframe", "nav", "aside", "form", "button",
    "select", "input", "textarea", "svg", "canvas", "object", "embed", "footer",
)  # fmt: skip
# class/id tokens that mark page chrome on Chinese and English sites alike.
_CHROME_TOKENS = {
    "nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "crumb", "crumbs", "footer",
    "sidebar", "share", "bdsharebuttonbox", "social", "comment", "comments", "copyright", "advert",
    "ads", "ad", "banner", "pagination", "pager", "toolbar", "related", "recommend", "topbar",
}  # fmt: skip
_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "blockquote",
    "pre", "address", "figure", "figcaption", "center", "table", "tbody", "thead", "tfoot", "hr",
    "caption", "details", "summary",
}  # fmt: skip
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_META_KEYS = {
    "author": "author", "作者": "author", "article:author": "author", "dc.creator": "author",
    "date": "date", "pubdate": "date", "publishdate": "date", "publish_date": "date",
    "article:published_time": "date", "og:published_time": "date", "dc.date": "date",
    "dc.date.issued": "date", "firstpublishedtime": "date",
    "source": "origin", "contentsource": "origin", "og:site_name": "origin", "sitename": "origin",
}  # fmt: skip
_WS_RE = re.compile(r"\s+")
_CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_CJK_WRAP_RE = re.compile(rf"(?<=[{_CJK_CLASS}])[ \t]*\n\s*(?=[{_CJK_CLASS}])")


def _decode_html(data: bytes, src: str) -> tuple[str, str]:
    """Honour a declared <meta charset> when it decodes strictly; otherwise detect."""
    if not any(data.startswith(bom) for bom, _ in _BOMS):
        declared = _META_CHARSET_RE.search(data[:4096])
        if declared:
            name = declared.group(1).decode("ascii", "ignore").lower()
            encoding = _CHARSET_ALIASES.get(name, name)
            text = _strict(data, encoding)
            if text is not None:
                return _check_not_binary(text, src), encoding
    return decode_text(data, src)


def _is_chrome(tag: object) -> bool:
    attrs = getattr(tag, "attrs", None) or {}
    tokens: list[str] = []
    for key in ("class", "id", "role"):
        value = attrs.get(key)
        if isinstance(value, str):
            value = value.split()
        for item in value or ():
            tokens.extend(t for t in re.split(r"[-_\s]+", str(item).lower()) if t)
    if attrs.get("role") in ("navigation", "contentinfo", "banner", "complementary"):
        return True
    return any(t in _CHROME_TOKENS for t in tokens)


_LINK_BLOCKS = ("ul", "ol", "dl", "div", "p", "td", "table", "section", "span", "center")


def _drop_link_lists(soup: object, total: int) -> None:
    """Menus without telling class names: blocks that are mostly short links ("首页 机构概况 政务公开").

    Link density is the classic boilerplate signal; a paragraph that cites a law through a link
    has far more plain text than link text, so it stays.
    """
    for tag in soup.find_all(_LINK_BLOCKS):  # type: ignore[attr-defined]
        if tag.decomposed:
            continue
        links = tag.find_all("a")
        if len(links) < 3:
            continue
        text = "".join(tag.get_text().split())
        if not text or len(text) > 0.5 * total:
            continue
        link_chars = sum(len("".join(a.get_text().split())) for a in links)
        if link_chars >= 0.6 * len(text) and link_chars / len(links) <= 20:
            tag.decompose()


def _load_html(path: Path, src: str) -> tuple[str, dict[str, str]]:
    from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, Tag

    text, encoding = _decode_html(path.read_bytes(), src)
    soup = BeautifulSoup(text, "lxml")
    meta: dict[str, str] = {"encoding": encoding}
    if soup.title and soup.title.get_text(strip=True):
        meta["title"] = _WS_RE.sub(" ", soup.title.get_text(" ", strip=True))
    for tag in soup.find_all("meta"):
        name = str(tag.get("name") or tag.get("property") or tag.get("itemprop") or "").lower()
        key = _META_KEYS.get(name)
        content = tag.get("content")
        if key and isinstance(content, str) and content.strip():
            meta.setdefault(key, content.strip())

    for tag in soup.find_all(list(_DROP_TAGS)):
        if not tag.decomposed:
            tag.decompose()
    # A page header is chrome, but an <article>'s own header holds its title and byline.
    for tag in soup.find_all("header"):
        if not tag.decomposed and tag.find_parent("article") is None:
            tag.decompose()
    # Chrome by class/id, but never a container holding most of the page's text: a body class
    # like "page-nav-open" must not wipe the article.
    total = len((soup.body or soup).get_text(strip=True)) or 1
    for tag in [t for t in soup.find_all(True) if _is_chrome(t)]:
        if tag.decomposed or tag.name in ("html", "body", "main", "article"):
            continue
        if len(tag.get_text(strip=True)) <= 0.5 * total:
            tag.decompose()
    _drop_link_lists(soup, total)

    root: Tag = soup.body or soup
    mains = [t for t in root.find_all(["main", "article"]) if t.find_parent(["main", "article"]) is None]
    if len(mains) == 1 and len(mains[0].get_text(strip=True)) >= 0.3 * len(root.get_text(strip=True)):
        root = mains[0]

    parts: list[str] = []

    def text_of(node: Tag) -> str:
        return _WS_RE.sub(" ", _CJK_WRAP_RE.sub("", node.get_text(" "))).strip()

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, (Comment, Doctype)):
                continue
            if isinstance(child, NavigableString):
                parts.append(_CJK_WRAP_RE.sub("", str(child)))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in _HEADINGS:
                heading = text_of(child)
                if heading:
                    parts.append(f"\n{'#' * _HEADINGS[name]} {heading}\n")
            elif name == "br":
                parts.append("\n")
            elif name == "tr":
                cells = [text_of(c) for c in child.find_all(["td", "th"], recursive=False)]
                parts.append("\n" + " | ".join(c for c in cells if c) + "\n")
            elif name == "pre":
                parts.append("\n" + child.get_text() + "\n")
            elif name in _BLOCK_TAGS:
                parts.append("\n")
                walk(child)
                parts.append("\n")
            else:
                walk(child)

    walk(root)
    lines = (_WS_RE.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line), meta


# --------------------------------------------------------------------------- docx

_HEADING_STYLE_RE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)


def _load_docx(path: Path, src: str) -> tuple[str, dict[str, str]]:
    """Paragraphs in order, heading styles as "#" lines, tables as " | "-joined rows."""
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
    rows: list[str] = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells: list[str] = []
        for cell in row.cells:
            value = _WS_RE.sub(" ", cell.text).strip()
            if value and (not cells or cells[-1] != value):  # merged cells repeat their text
                cells.append(value)
        if cells:
            rows.append(" | ".join(cells))
    return rows


# --------------------------------------------------------------------------- PDF

_PAGE_NUMBER_RE = re.compile(
    r"^\s*(?:[-—–]\s*\d{1,4}\s*[-—–]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}"
    r"|(?:page\s*)?\d{1,4}(?:\s*of\s*\d{1,4})?)\s*$",
    re.IGNORECASE,
)
_LIST_START_RE = re.compile(
    r"^\s*(?:#|[一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．]\D|第[一二三四五六七八九十百零〇\d]+[章节条款部分编]"
    r"|[•·●▪■◆\-*])"
)


def _load_pdf(path: Path, src: str, options: ReadOptions) -> tuple[str, dict[str, str]]:
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
            except Exception:  # one damaged page must not lose the rest
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


def _reflow_pdf(pages: list[str]) -> list[str]:
    """Undo visual line wrapping (PDF pages, fixed-width text); drop running headers and page numbers."""
    page_lines = [[ln.strip() for ln in page.split("\n") if ln.strip()] for page in pages]
    # A line repeated at the top or bottom of most pages is a running header/footer.
    repeated: set[str] = set()
    if len(page_lines) >= 3:
        edges = Counter(ln for lines in page_lines for ln in {*lines[:2], *lines[-2:]})
        repeated = {ln for ln, n in edges.items() if n >= max(3, len(page_lines) // 2)}

    out: list[str] = []
    for lines in page_lines:
        out.extend(
            _reflow_lines([ln for ln in lines if ln not in repeated and not _PAGE_NUMBER_RE.match(ln)])
        )
    return out


def _reflow_lines(lines: list[str]) -> list[str]:
    """Join lines that were wrapped at the block's width; a short line or a full stop ends a paragraph."""
    if not lines:
        return []
    lengths = sorted(len(ln) for ln in lines)
    # Full line width: the 90th percentile resists one overlong line; few lines → the longest.
    full = lengths[int(0.9 * (len(lengths) - 1))] if len(lengths) >= 8 else lengths[-1]
    out: list[str] = []
    paragraph = lines[0]
    for prev, line in itertools.pairwise(lines):
        ends_sentence = prev.rstrip(_CLOSERS).endswith(_SENTENCE_END)
        short = len(prev) < 0.7 * full
        if ends_sentence or short or _LIST_START_RE.match(line):
            out.append(paragraph)
            paragraph = line
        else:
            joiner = " " if paragraph[-1:].isascii() and line[:1].isascii() else ""
            paragraph += joiner + line
    out.append(paragraph)
    return out


_LOADERS: dict[str, Callable[[Path, str], tuple[str, dict[str, str]]]] = {
    ".txt": _load_txt,
    ".md": _load_markdown,
    ".markdown": _load_markdown,
    ".html": _load_html,
    ".htm": _load_html,
    ".docx": _load_docx,
}


def _load_converted_doc(path: Path, src: str, options: ReadOptions) -> tuple[str, dict[str, str]]:
    """.doc / .wps: LibreOffice makes a .docx (headings and tables intact), read as any .docx."""
    with converted(path, "docx", src, timeout=options.convert_timeout) as docx_path:
        text, meta = _load_docx(docx_path, src)
    meta["converted"] = "libreoffice"
    return check_not_garbled(text, src, path.suffix.lower()), meta


def _load_csv(path: Path, src: str, options: ReadOptions) -> tuple[str, dict[str, str]]:
    del options
    text, encoding = decode_text(path.read_bytes(), src)
    return sheets.csv_lines(text), {"encoding": encoding}


# Readers that take limits: conversion, spreadsheets, OCR (bot.kb.formats.ReadOptions).
_OPTION_LOADERS: dict[str, Callable[[Path, str, ReadOptions], tuple[str, dict[str, str]]]] = {
    ".pdf": _load_pdf,
    ".doc": _load_converted_doc,
    ".wps": _load_converted_doc,
    ".xlsx": sheets.load_xlsx,
    ".xls": sheets.load_xls,
    ".et": sheets.load_xls,
    ".csv": _load_csv,
    **dict.fromkeys(ocr.IMAGE_SUFFIXES, ocr.load_image),
}
