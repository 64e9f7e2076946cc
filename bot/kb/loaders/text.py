"""Plain-text files: decoding (BOM, UTF-8, the Chinese legacy codecs, a verified guess) and unwrapping
text hard-wrapped at a fixed width."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from bot.kb.loaders.reflow import CLOSERS, SENTENCE_END, reflow_lines
from bot.kb.normalize import is_cjk, to_simplified
from bot.kb.types import DocumentError, SkipReason

__all__ = ["BOMS", "CHARSET_ALIASES", "check_not_binary", "decode_text", "load_txt", "strict"]


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
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Legacy codecs tried for Chinese text, widest first: GB18030 ⊃ GBK ⊃ GB2312; cp950 is
# Windows Big5, big5hkscs adds the Hong Kong set.
_CJK_CODECS = ("gb18030", "cp950", "big5hkscs")
CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "cp950"}


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


def strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def check_not_binary(text: str, src: str) -> str:
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
    for bom, encoding in BOMS:
        if data.startswith(bom):
            text = strict(data, encoding)
            if text is None:
                raise DocumentError(src, f"undecodable text (invalid {encoding} after byte-order mark)", SkipReason.UNDECODABLE)
            return check_not_binary(text, src), encoding.replace("-sig", "") + " (BOM)"

    if b"\x00" in data:
        utf16 = _bomless_utf16(data)
        if utf16 is not None:
            return check_not_binary(utf16[0], src), utf16[1]
        raise DocumentError(src, "binary content (NUL bytes)", SkipReason.BINARY)

    text = strict(data, "utf-8")
    if text is not None:
        return check_not_binary(text, src), "utf-8"

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
        text = strict(data, encoding)
        if text is not None:
            return check_not_binary(text, src), encoding

    guess = _charset_normalizer_guess(data)
    if guess is not None:
        text = strict(data, guess)
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
    text = strict(data[: len(data) & ~1], encoding)
    if text is None or _control_ratio(text) > _MAX_CONTROL_RATIO:
        return None
    return text, encoding


def load_txt(path: Path, src: str) -> tuple[str, dict[str, str]]:
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
    open_ended = [ln for ln in lines if not ln.rstrip(CLOSERS).endswith(SENTENCE_END)]
    at_width = [ln for ln in open_ended if len(ln) >= 0.8 * width]
    if not 30 <= width <= 120 or len(open_ended) < 0.5 * len(lines) or len(at_width) < 0.3 * len(lines):
        return text
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    lines = ([ln.strip() for ln in block.split("\n") if ln.strip()] for block in blocks)
    return "\n\n".join("\n".join(reflow_lines(block)) for block in lines if block)
