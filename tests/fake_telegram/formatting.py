"""Telegram's text rules: HTML parse mode, entity offsets in UTF-16 code units, length limits.

The HTML parser follows tdlib's ``parse_html`` (the code behind the Bot API server) closely, so
that a bot which passes against the fake also passes against Telegram: the same tags are
allowed, the same nesting rules apply and the error texts are the ones Telegram sends after
``"Bad Request: can't parse entities: "``. One deliberate difference: Telegram keeps an ``&``
that does not start an entity as a literal character, while the Bot API documentation says it
must be escaped. With ``strict_ampersand`` (the default in :class:`FakeTelegram`) the fake
rejects it, so a bot that forgets ``html.escape`` on user or knowledge-base text fails in tests
instead of by luck in production.

MarkdownV2 and the legacy Markdown mode are parsed with a simplified version of tdlib's rules:
reserved characters, unclosed entities and links are checked; rare corner cases may differ.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MESSAGE_TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

_AMP, _LT, _GT, _SLASH, _EQ, _DQ, _SQ, _SEMI, _HASH = (ord(c) for c in "&<>/=\"';#")
# tdlib's is_space(): the NUL that ends a C string counts as a space.
_SPACES = frozenset(b" \t\r\n\x00\x0b")
_ALLOWED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip
# Lower number sorts first among entities with the same offset and length (tdlib priorities).
_TYPE_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}
_TRAILING_SPACE = " \t\r\n\x0b\x0c"


class EntityParseError(ValueError):
    """The text can't be parsed in its parse mode; ``str(exc)`` is Telegram's detail message."""


@dataclass(frozen=True)
class ParsedText:
    """Text as the recipient sees it, with Bot API ``MessageEntity`` dicts (UTF-16 offsets)."""

    text: str
    entities: tuple[dict[str, Any], ...]


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def utf16_slice(text: str, offset: int, length: int) -> str:
    """The part of ``text`` an entity covers (``offset``/``length`` in UTF-16 code units)."""
    encoded = text.encode("utf-16-le")
    return encoded[2 * offset : 2 * (offset + length)].decode("utf-16-le", errors="replace")


def _is_space(c: int) -> bool:
    return c in _SPACES


def _is_alnum(c: int) -> bool:
    return 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122


def _is_alpha(c: int) -> bool:
    return 65 <= c <= 90 or 97 <= c <= 122


def _is_hex(c: int) -> bool:
    return 48 <= c <= 57 or 65 <= c <= 70 or 97 <= c <= 102


def _decode_html_entity(data: bytes, pos: int) -> tuple[int, int]:
    """tdlib's decode_html_entity: (code point or 0 when not an entity, position after it)."""

    def at(i: int) -> int:
        return data[i] if i < len(data) else 0

    end = pos + 1
    code = 0
    if at(pos + 1) == _HASH:
        end += 1
        if at(pos + 2) == ord("x"):
            end += 1
            while _is_hex(at(end)):
                code = code * 16 + int(chr(at(end)), 16)
                end += 1
        else:
            while 48 <= at(end) <= 57:
                code = code * 10 + at(end) - 48
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while _is_alpha(at(end)):
            end += 1
        name = data[pos + 1 : end]
        code = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}.get(name, 0)
        if not code:
            return 0, pos
    if at(end) == _SEMI:
        end += 1
    return code, end


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    out_pos: int


def parse_html(source: str, *, strict_ampersand: bool = True) -> ParsedText:
    """Parse ``source`` like Telegram does for ``parse_mode=HTML``; raise EntityParseError.

    Byte offsets in error messages are UTF-8 byte offsets into ``source``, as in Telegram's.
    """
    data = source.encode("utf-8")
    size = len(data)

    def at(i: int) -> int:
        return data[i] if i < size else 0

    out = bytearray()
    utf16 = 0
    entities: list[dict[str, Any]] = []
    stack: list[_OpenTag] = []
    bad_surrogate = False
    i = 0
    while i < size:
        c = data[i]
        if c == _AMP:
            code, end = _decode_html_entity(data, i)
            if code:
                utf16 += 1 + (code > 0xFFFF)
                if 0xD800 <= code <= 0xDFFF:
                    bad_surrogate = True
                    out += b"?"
                else:
                    out += chr(code).encode("utf-8")
                i = end
                continue
            if strict_ampersand:
                raise EntityParseError(
                    f'Character "&" at byte offset {i} does not start an HTML entity; '
                    "escape it as &amp; (this fake is stricter than Telegram here)"
                )
        if c != _LT:
            if c & 0xC0 != 0x80:
                utf16 += 1 + (c >= 0xF0)
            out.append(c)
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != _SLASH:
            while not _is_space(at(i)) and at(i) != _GT:
                i += 1
            if at(i) == 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            tag = data[begin + 1 : i].decode("utf-8", errors="replace").lower()
            if tag not in _ALLOWED_TAGS:
                raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while at(i) != _GT:
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) == _GT:
                    break
                attr_begin = i
                while not _is_space(at(i)) and at(i) not in (_EQ, _GT, _SLASH, _DQ, _SQ):
                    i += 1
                attr_name = data[attr_begin:i].decode("utf-8", errors="replace")
                if not attr_name:
                    raise EntityParseError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) != _EQ:
                    if at(i) == 0:
                        raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                    if tag == "blockquote" and attr_name == "expandable":
                        argument = "1"
                    continue
                i += 1
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) == 0:
                    raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if at(i) not in (_SQ, _DQ):
                    token_begin = i
                    while _is_alnum(at(i)) or at(i) in (ord("."), ord("-")):
                        i += 1
                    value = data[token_begin:i].decode("utf-8").lower()
                    if not _is_space(at(i)) and at(i) != _GT:
                        raise EntityParseError(f"Unexpected end of name token at byte offset {token_begin}")
                else:
                    quote = at(i)
                    i += 1
                    raw_value = bytearray()
                    while at(i) != quote and at(i) != 0:
                        if at(i) == _AMP:
                            code, end = _decode_html_entity(data, i)
                            if code:
                                raw_value += chr(code).encode("utf-8", errors="replace")
                                i = end
                                continue
                        raw_value.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = raw_value.decode("utf-8", errors="replace")
                if at(i) == 0:
                    raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
                if tag == "a" and attr_name == "href":
                    argument = value
                elif tag == "code" and attr_name == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attr_name == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and attr_name == "emoji-id":
                    argument = value
                elif tag == "blockquote" and attr_name == "expandable":
                    argument = "1"
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
            stack.append(_OpenTag(tag, argument, utf16, len(out)))
            i += 1  # the '>'
            continue

        # An end tag.
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
        while not _is_space(at(i)) and at(i) != _GT:
            i += 1
        end_name = data[begin + 2 : i].decode("utf-8", errors="replace").lower()
        while _is_space(at(i)) and at(i) != 0:
            i += 1
        if at(i) != _GT:
            raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
        top = stack[-1]
        if end_name and end_name != top.name:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{top.name}>", found "</{end_name}>"'
            )
        if utf16 > top.utf16_offset:
            _close_entity(entities, top, utf16, bytes(out[top.out_pos :]))
        stack.pop()
        i += 1

    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    if bad_surrogate:
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, check for "
            "unmatched surrogate code units"
        )
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    return ParsedText(out.decode("utf-8"), tuple(sort_entities(entities)))


def _close_entity(entities: list[dict[str, Any]], tag: _OpenTag, utf16_end: int, inner: bytes) -> None:
    """Turn a closed tag into a Bot API entity (tdlib's end-of-entity branch)."""
    offset, length = tag.utf16_offset, utf16_end - tag.utf16_offset
    simple = {
        "i": "italic", "em": "italic", "b": "bold", "strong": "bold",
        "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
        "u": "underline", "ins": "underline", "tg-spoiler": "spoiler", "span": "spoiler",
    }  # fmt: skip
    last = entities[-1] if entities else None
    same_span = last is not None and last["offset"] == offset and last["length"] == length
    if tag.name in simple:
        entities.append({"type": simple[tag.name], "offset": offset, "length": length})
    elif tag.name == "tg-emoji":
        if not tag.argument.isdigit() or int(tag.argument) == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        entities.append(
            {"type": "custom_emoji", "offset": offset, "length": length, "custom_emoji_id": tag.argument}
        )
    elif tag.name == "a":
        url = tag.argument or inner.decode("utf-8", errors="replace")
        if url.strip():
            entities.append({"type": "text_link", "offset": offset, "length": length, "url": url})
    elif tag.name == "pre":
        if same_span and last is not None and last["type"] == "code" and last.get("language"):
            last["type"] = "pre"
        else:
            entities.append({"type": "pre", "offset": offset, "length": length})
    elif tag.name == "code":
        if same_span and last is not None and last["type"] == "pre" and tag.argument:
            last["language"] = tag.argument
        else:
            entity: dict[str, Any] = {"type": "code", "offset": offset, "length": length}
            if tag.argument:
                entity["language"] = tag.argument  # dropped at the end unless a <pre> claims it
            entities.append(entity)
    elif tag.name == "blockquote":
        kind = "expandable_blockquote" if tag.argument else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})


def sort_entities(entities: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Telegram's order: by offset, longer first, then by type priority."""
    return sorted(entities, key=lambda e: (e["offset"], -e["length"], _TYPE_PRIORITY.get(e["type"], 50)))


# ----------------------------------------------------------------------------- MarkdownV2

_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"


def parse_markdown_v2(source: str) -> ParsedText:
    """A simplified tdlib parse_markdown_v2: same entities, reserved characters and errors."""
    out: list[str] = []
    utf16 = 0
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, int, int]] = []  # (marker, utf16 offset, byte offset of marker)
    i = 0
    n = len(source)
    byte_offsets = _byte_offsets(source)
    while i < n:
        ch = source[i]
        if ch == "\\" and i + 1 < n and 0 < ord(source[i + 1]) <= 126:
            out.append(source[i + 1])
            utf16 += 1
            i += 2
            continue
        if ch not in _MDV2_RESERVED:
            out.append(ch)
            utf16 += utf16_len(ch)
            i += 1
            continue
        if ch in "`":
            # code or pre: take everything verbatim up to the closing backticks
            fence = "```" if source.startswith("```", i) else "`"
            start = i + len(fence)
            j = start
            body: list[str] = []
            while j < n and not source.startswith(fence, j):
                if source[j] == "\\" and j + 1 < n and source[j + 1] in "`\\":
                    body.append(source[j + 1])
                    j += 2
                    continue
                body.append(source[j])
                j += 1
            if j >= n:
                raise EntityParseError(
                    f"Can't find end of {'Pre' if fence == '```' else 'Code'} entity at byte offset "
                    f"{byte_offsets[i]}"
                )
            text = "".join(body)
            language = ""
            if fence == "```":
                first, sep, rest = text.partition("\n")
                if sep and first and " " not in first:
                    language, text = first, rest
            length = utf16_len(text)
            if length:
                entity: dict[str, Any] = {
                    "type": "pre" if fence == "```" else "code",
                    "offset": utf16,
                    "length": length,
                }
                if language:
                    entity["language"] = language
                entities.append(entity)
            out.append(text)
            utf16 += length
            i = j + len(fence)
            continue
        if ch == "[":
            stack.append(("[", utf16, byte_offsets[i]))
            i += 1
            continue
        if ch == "]" and stack and stack[-1][0] == "[":
            _, start_utf16, _ = stack.pop()
            if i + 1 >= n or source[i + 1] != "(":
                raise EntityParseError(f"Can't find end of a URL at byte offset {byte_offsets[i]}")
            close = i + 2
            url_chars: list[str] = []
            while close < n and source[close] != ")":
                if source[close] == "\\" and close + 1 < n:
                    url_chars.append(source[close + 1])
                    close += 2
                    continue
                url_chars.append(source[close])
                close += 1
            if close >= n:
                raise EntityParseError(f"Can't find end of a URL at byte offset {byte_offsets[i + 1]}")
            if utf16 > start_utf16:
                entities.append(
                    {"type": "text_link", "offset": start_utf16, "length": utf16 - start_utf16,
                     "url": "".join(url_chars)}
                )  # fmt: skip
            i = close + 1
            continue
        marker = None
        for candidate in ("__", "||", "*", "_", "~"):
            if source.startswith(candidate, i):
                marker = candidate
                break
        if marker is not None:
            if stack and stack[-1][0] == marker:
                _, start_utf16, _ = stack.pop()
                if utf16 > start_utf16:
                    kind = {
                        "__": "underline",
                        "||": "spoiler",
                        "*": "bold",
                        "_": "italic",
                        "~": "strikethrough",
                    }
                    entities.append(
                        {"type": kind[marker], "offset": start_utf16, "length": utf16 - start_utf16}
                    )
            else:
                stack.append((marker, utf16, byte_offsets[i]))
            i += len(marker)
            continue
        if ch == ">" and (i == 0 or source[i - 1] == "\n"):
            # blockquote marker at the start of a line: accepted, not turned into an entity here
            i += 1
            continue
        raise EntityParseError(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")
    if stack:
        marker, _, byte_offset = stack[-1]
        name = {"__": "Underline", "||": "Spoiler", "*": "Bold", "_": "Italic", "~": "Strikethrough"}
        if marker == "[":
            raise EntityParseError(f"Can't find end of a URL at byte offset {byte_offset}")
        raise EntityParseError(f"Can't find end of {name[marker]} entity at byte offset {byte_offset}")
    return ParsedText("".join(out), tuple(sort_entities(entities)))


def parse_markdown_legacy(source: str) -> ParsedText:
    """Legacy ``Markdown``: *bold*, _italic_, `code`, ```pre```, [text](url); no escaping rules."""
    out: list[str] = []
    utf16 = 0
    entities: list[dict[str, Any]] = []
    byte_offsets = _byte_offsets(source)
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "\\" and i + 1 < n and source[i + 1] in "_*`[":
            out.append(source[i + 1])
            utf16 += 1
            i += 2
            continue
        if ch not in "_*`[":
            out.append(ch)
            utf16 += utf16_len(ch)
            i += 1
            continue
        if ch == "[":
            close = source.find("](", i + 1)
            end = source.find(")", close + 2) if close != -1 else -1
            if close == -1 or end == -1:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {byte_offsets[i]}"
                )
            text = source[i + 1 : close]
            if text:
                entities.append(
                    {"type": "text_link", "offset": utf16, "length": utf16_len(text),
                     "url": source[close + 2 : end]}
                )  # fmt: skip
            out.append(text)
            utf16 += utf16_len(text)
            i = end + 1
            continue
        fence = "```" if source.startswith("```", i) else ch
        end = source.find(fence, i + len(fence))
        if end == -1:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {byte_offsets[i]}")
        text = source[i + len(fence) : end]
        kind = {"```": "pre", "`": "code", "*": "bold", "_": "italic"}[fence]
        if text:
            entities.append({"type": kind, "offset": utf16, "length": utf16_len(text)})
        out.append(text)
        utf16 += utf16_len(text)
        i = end + len(fence)
    return ParsedText("".join(out), tuple(sort_entities(entities)))


def _byte_offsets(text: str) -> list[int]:
    """UTF-8 byte offset of each character index (plus the end), for Telegram-style messages."""
    offsets = [0]
    for ch in text:
        offsets.append(offsets[-1] + len(ch.encode("utf-8", errors="surrogatepass")))
    return offsets


# ----------------------------------------------------------------------------- entry point


def parse_formatted(
    text: str,
    parse_mode: str | None,
    entities: Sequence[Mapping[str, Any]] | None = None,
    *,
    strict_ampersand: bool = True,
) -> ParsedText:
    """Apply ``parse_mode`` (or explicit ``entities``) and trim whitespace as Telegram does.

    Raises EntityParseError for markup errors and ValueError for an unknown parse mode.
    """
    mode = (parse_mode or "").lower()
    if mode == "html":
        parsed = parse_html(text, strict_ampersand=strict_ampersand)
    elif mode == "markdownv2":
        parsed = parse_markdown_v2(text)
    elif mode == "markdown":
        parsed = parse_markdown_legacy(text)
    elif mode:
        raise ValueError(f"Unsupported parse_mode {parse_mode!r}")
    else:
        parsed = ParsedText(text, tuple(dict(e) for e in entities or ()))
    return _trim(parsed)


def _trim(parsed: ParsedText) -> ParsedText:
    """Drop leading/trailing whitespace and clip entities to what is left."""
    text = parsed.text
    stripped_start = text.lstrip(_TRAILING_SPACE)
    lead = utf16_len(text) - utf16_len(stripped_start)
    result = stripped_start.rstrip(_TRAILING_SPACE)
    total = utf16_len(result)
    clipped: list[dict[str, Any]] = []
    for entity in parsed.entities:
        start = max(0, entity["offset"] - lead)
        end = min(total, entity["offset"] + entity["length"] - lead)
        if end > start:
            clipped.append({**entity, "offset": start, "length": end - start})
    return ParsedText(result, tuple(clipped))
