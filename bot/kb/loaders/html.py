"""Saved web pages: site chrome (menus, breadcrumbs, share bars, footers) dropped by tag, class and link
density; headings as "#" lines; tables as rows naming their columns."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.kb.loaders.tables import row_texts, unflatten_cells
from bot.kb.loaders.text import BOMS, CHARSET_ALIASES, check_not_binary, decode_text, strict

if TYPE_CHECKING:  # BeautifulSoup is imported when a page is loaded, not with the package
    from bs4 import Tag

__all__ = ["load_html"]

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
    if not any(data.startswith(bom) for bom, _ in BOMS):
        declared = _META_CHARSET_RE.search(data[:4096])
        if declared:
            name = declared.group(1).decode("ascii", "ignore").lower()
            encoding = CHARSET_ALIASES.get(name, name)
            text = strict(data, encoding)
            if text is not None:
                return check_not_binary(text, src), encoding
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
    joined = ["".join(re.split(r"[-_]+", str(v).lower())) for key in ("class", "id") for v in _values(attrs.get(key))]
    return any(t in _CHROME_TOKENS for t in [*tokens, *joined])


def _values(value: object) -> list[str]:
    return value.split() if isinstance(value, str) else [str(v) for v in value or ()]


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


def load_html(path: Path, src: str) -> tuple[str, dict[str, str]]:
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
            elif name == "table":
                parts.append("\n" + "\n".join(_table_lines(child, text_of)) + "\n")
            elif name == "pre":
                parts.append("\n" + child.get_text() + "\n")
            elif name in _BLOCK_TAGS:
                parts.append("\n")
                walk(child)
                parts.append("\n")
            else:
                walk(child)

    walk(root)
    lines = [_WS_RE.sub(" ", line).strip() for line in "".join(parts).split("\n")]
    # Pages pasted from Word often lay a table out as one <p> per cell: rebuild its rows.
    return "\n".join(unflatten_cells([line for line in lines if line])), meta


def _table_lines(table: Tag, text_of: Callable[[Tag], str]) -> list[str]:
    """A table's rows naming their columns: a first row of <th> is the header; rows that pair
    <th> and <td> ("事项名称 | 农村危房改造补助申请 | 事项类型 | 公共服务") are name：value lists."""
    rows: list[list[tuple[bool, str]]] = []
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue  # a nested table's rows belong to it
        rows.append([(c.name == "th", text_of(c)) for c in tr.find_all(["td", "th"], recursive=False)])
    rows = [r for r in rows if any(text for _, text in r)]
    if not rows:
        return []
    paired = all(len(r) % 2 == 0 and all(r[i][0] and not r[i + 1][0] for i in range(0, len(r), 2)) for r in rows)
    if paired:
        return [
            "；".join(f"{r[i][1]}：{r[i + 1][1]}" for i in range(0, len(r), 2) if r[i + 1][1]) + "。" for r in rows
        ]
    header = [text for _, text in rows[0]] if all(is_th for is_th, _ in rows[0]) else None
    body = rows[1:] if header is not None else rows
    return row_texts([[text for _, text in r] for r in body], header=header)
