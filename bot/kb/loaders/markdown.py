"""Markdown: headings kept as "#" lines, tables as rows naming their columns, inline marks dropped."""

from __future__ import annotations

import re
from pathlib import Path

from bot.kb.loaders.reflow import reflow_lines
from bot.kb.loaders.tables import row_texts
from bot.kb.loaders.text import load_txt

__all__ = ["load_markdown"]

_FRONT_MATTER_RE = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_MD_HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s*(.+?)\s*#*\s*$")
_MD_SETEXT_RE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_MD_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK_RE = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_MD_LIST_RE = re.compile(r"^\s*(?:[-*+]\s+|>+\s*)")
_MD_QUOTE_ONLY_RE = re.compile(r"^\s*>+\s*$")
_MD_ORDERED_RE = re.compile(r"^\s*\d{1,3}[.)]\s+")
_MD_EMPHASIS_RE = re.compile(r"(\*\*|__|\*|~~|`)(?=\S)(.+?)(?<=\S)\1")
_HTML_TAG_RE = re.compile(r"</?[a-zA-Z][^>]*>")


def load_markdown(path: Path, src: str) -> tuple[str, dict[str, str]]:
    """Markdown to plain lines, keeping ATX/setext headings as "#"-prefixed lines."""
    text, meta = load_txt(path, src)
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
    table: list[list[str]] = []
    header: list[str] | None = None

    def flush() -> None:
        nonlocal header
        if paragraph:
            out.append(_join_wrapped([_md_inline(line) for line in paragraph]))
            paragraph.clear()
        if table:
            out.extend(row_texts(table, header=header))
            table.clear()
            header = None

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
        if _MD_TABLE_RULE_RE.match(line) and "-" in line and "|" in line and len(table) == 1:
            header = table.pop()  # the row above the rule line is the header
            continue
        if not stripped or _MD_QUOTE_ONLY_RE.match(line) or (_MD_TABLE_RULE_RE.match(line) and "-" in line):
            flush()
            continue
        if stripped.startswith("|") and stripped.endswith("|"):
            if paragraph:
                out.append(_join_wrapped([_md_inline(ln) for ln in paragraph]))
                paragraph.clear()
            table.append([_md_inline(c.strip()) for c in stripped.strip("|").split("|")])
            continue
        if table:
            flush()
        if _MD_LIST_RE.match(line) or _MD_ORDERED_RE.match(line):
            flush()
        paragraph.append(_MD_LIST_RE.sub("", line).strip())
    flush()
    return "\n".join(out), meta


def _join_wrapped(lines: list[str]) -> str:
    """Markdown joins a paragraph's lines, but Chinese authors often put a title line right above
    its text, or one paragraph per line: join only lines that were wrapped at the block's width."""
    return "\n".join(reflow_lines([ln for ln in lines if ln]))


def _md_inline(text: str) -> str:
    text = _MD_IMAGE_RE.sub("", text)
    text = _MD_LINK_RE.sub(r"\1", text)
    text = text.replace("<br>", "\n").replace("<br/>", "\n").replace("<br />", "\n")
    text = _HTML_TAG_RE.sub("", text)
    return _MD_EMPHASIS_RE.sub(r"\2", text)
