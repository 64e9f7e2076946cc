"""Loaders: every supported format with Chinese text, every encoding, every way a file can be unusable.

All inputs are generated here (python-docx for .docx, a hand-written PDF with a CJK text
layer for .pdf) so the tests exercise the real parsers without fixtures from elsewhere.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from pathlib import Path

import docx
import opencc
import pypdf
import pytest

from bot.kb.documents import load_document
from bot.kb.loaders import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, load_text
from bot.kb.normalize import to_simplified
from bot.kb.types import DocumentError

_RANDOM = random.Random(20240501)  # reproducible "random" binaries
SIMPLIFIED = (
    "一、总体要求\n"
    "坚持精准扶贫、精准脱贫基本方略，建立健全稳定脱贫长效机制。各地要加强组织领导，压实工作责任，"
    "确保各项政策措施落地见效，让脱贫群众的生活更上一层楼。\n"
    "（一）经费保障\n"
    "按照村年均运转经费、服务群众专项经费分别不低于十万元、五万元予以保障。\n"
)
TRADITIONAL = (
    "一、總體要求\n"
    "堅持精準扶貧、精準脫貧基本方略，建立健全穩定脫貧長效機制。各地要加強組織領導，壓實工作責任，"
    "確保各項政策措施落地見效，讓脫貧群眾的生活更上一層樓。\n"
    "（一）經費保障\n"
    "按照村年均運轉經費、服務群眾專項經費分別不低於十萬元、五萬元予以保障。\n"
)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def reason_of(path: Path, **kwargs: object) -> str:
    with pytest.raises(DocumentError) as info:
        load_text(path, **kwargs)  # type: ignore[arg-type]
    return info.value.reason


# --------------------------------------------------------------------------- text encodings


@pytest.mark.parametrize(
    ("encoding", "text", "expected_label"),
    [
        ("utf-8", SIMPLIFIED, "utf-8"),
        ("utf-8-sig", SIMPLIFIED, "utf-8 (BOM)"),
        ("utf-16", SIMPLIFIED, "utf-16 (BOM)"),
        ("utf-16", TRADITIONAL, "utf-16 (BOM)"),
        ("gbk", SIMPLIFIED, "gb18030"),
        ("gbk", TRADITIONAL, "gb18030"),  # GBK also encodes traditional characters
        ("gb18030", SIMPLIFIED + "生僻字：𠀀䶮。\n", "gb18030"),  # 4-byte GB18030 sequences
        ("big5", TRADITIONAL, "cp950"),
        ("cp950", TRADITIONAL, "cp950"),
    ],
)
def test_txt_encodings_decode_exactly(tmp_path: Path, encoding: str, text: str, expected_label: str) -> None:
    path = write(tmp_path, f"doc_{encoding}.txt", text.encode(encoding))
    loaded, meta = load_text(path)
    assert loaded == text
    assert meta["encoding"] == expected_label
    assert meta["format"] == "txt"


def test_utf16_big_endian_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "be.txt", b"\xfe\xff" + SIMPLIFIED.encode("utf-16-be"))
    assert load_text(path)[0] == SIMPLIFIED


def test_utf16_without_bom_is_recognised(tmp_path: Path) -> None:
    text = "Village notice 村务公开\n" * 20
    path = write(tmp_path, "nobom.txt", text.encode("utf-16-le"))
    assert load_text(path)[0] == text


@pytest.mark.parametrize(
    "text",
    [
        "扶贫关键在扶志，村里办事要有钱。",
        "村民委员会每届任期五年，届满应当及时举行换届选举。",
        "驻村工作队要帮助群众解决实际困难。",
    ],
)
def test_short_gbk_and_big5_are_told_apart(tmp_path: Path, text: str) -> None:
    """Short files are where byte statistics are weakest; both directions must still be right."""
    traditional = opencc.OpenCC("s2tw").convert(text)  # Taiwan forms: what Big5 encodes
    gbk = write(tmp_path, "s.txt", text.encode("gbk"))
    big5 = write(tmp_path, "t.txt", traditional.encode("big5"))
    assert load_text(gbk)[0] == text
    assert load_text(big5)[0] == traditional
    assert to_simplified(load_text(big5)[0]) == text


def test_crlf_and_invisible_characters_are_normalised(tmp_path: Path) -> None:
    path = write(tmp_path, "crlf.txt", "第一行\r\n第二\u200b行\r第三行".encode())
    assert load_text(path)[0] == "第一行\n第二行\n第三行"


def test_hard_wrapped_text_is_rejoined(tmp_path: Path) -> None:
    paragraph = (
        "扶贫工作要坚持精准方略，做到扶持对象精准、项目安排精准、资金使用精准、措施到户精准、"
        "因村派人精准、脱贫成效精准。要建立健全稳定脱贫长效机制，巩固拓展脱贫攻坚成果，同乡村振兴有效衔接。"
    )
    wrapped = "\n".join(paragraph[i : i + 30] for i in range(0, len(paragraph), 30))
    path = write(tmp_path, "wrapped.txt", (wrapped + "\n\n" + wrapped + "\n").encode())
    text, _ = load_text(path)
    assert text.split("\n\n") == [paragraph, paragraph]


def test_one_paragraph_per_line_is_left_alone(tmp_path: Path) -> None:
    path = write(tmp_path, "lines.txt", SIMPLIFIED.encode())
    assert load_text(path)[0] == SIMPLIFIED


# --------------------------------------------------------------------------- unusable files


def test_empty_file(tmp_path: Path) -> None:
    assert reason_of(write(tmp_path, "empty.txt", b"")) == "empty file"


def test_whitespace_only_file(tmp_path: Path) -> None:
    assert reason_of(write(tmp_path, "blank.txt", b" \n\r\n\t  \n")) == "empty file"


def test_binary_with_nul_bytes_named_txt(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
    assert "binary" in reason_of(write(tmp_path, "image.txt", png))


def test_binary_without_nul_bytes_named_txt(tmp_path: Path) -> None:
    noise = bytes((b % 255) + 1 for b in _RANDOM.randbytes(20000))  # every byte value except 0
    reason = reason_of(write(tmp_path, "noise.txt", noise))
    assert reason == "undecodable text (unknown encoding or binary content)"


def test_text_full_of_control_characters(tmp_path: Path) -> None:
    data = ("正常文字" + "\x01\x02\x03\x1b" * 5).encode() * 50
    assert "binary" in reason_of(write(tmp_path, "ctrl.txt", data))


@pytest.mark.parametrize("name", ["slides.pptx", "drawing.dwg", "README", "archive.zip"])
def test_unsupported_suffix(tmp_path: Path, name: str) -> None:
    reason = reason_of(write(tmp_path, name, "内容".encode()))
    assert reason.startswith("unsupported file type")


def test_supported_suffixes_constant() -> None:
    assert {".txt", ".md", ".html", ".htm", ".docx", ".pdf"} <= SUPPORTED_SUFFIXES
    assert all(s.startswith(".") and s == s.lower() for s in SUPPORTED_SUFFIXES)


def test_oversize_file_is_rejected_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", "扶贫".encode() * 200)  # 1200 bytes
    reason = reason_of(path, max_bytes=1000)
    assert "too large" in reason and "1200" in reason and "1000" in reason
    assert load_text(path, max_bytes=1200)[0].startswith("扶贫")


def test_default_cap_is_50_mib_and_checked_by_size(tmp_path: Path) -> None:
    assert DEFAULT_MAX_BYTES == 50 * 1024 * 1024
    sparse = tmp_path / "huge.txt"
    with open(sparse, "wb") as fh:  # a sparse file: its size is known without writing 50 MiB
        fh.truncate(DEFAULT_MAX_BYTES + 1)
    assert "too large" in reason_of(sparse)


def test_error_names_the_source(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.md", b"")
    with pytest.raises(DocumentError) as info:
        load_document(path, "policies/empty.md")
    assert info.value.source == "policies/empty.md"
    assert str(info.value) == "policies/empty.md: empty file"


@pytest.mark.slow
def test_fifty_megabyte_text_file_is_ingested(tmp_path: Path) -> None:
    """Decision: files up to the 50 MiB cap are read whole (≈0.4 GB peak RSS, measured)."""
    from bot.kb.chunking import chunk_document

    paragraph = (
        "第{}项：建立健全稳定脱贫长效机制，巩固拓展脱贫攻坚成果，同乡村振兴有效衔接。"
        "各地要加强组织领导，压实工作责任，确保各项政策措施落地见效。"
        "驻村工作队要吃透政策、找准方向、明确目标，通过学习夯实扶贫工作的基本功。"
        "要把抓基层党建作为脱贫工作的关键，建强组织，完善制度，同乡村振兴有效衔接。\n"
    )
    lines, size, i = [], 0, 0
    while size < 50_000_000:
        line = paragraph.format(i).encode("gb18030")
        lines.append(line)
        size += len(line)
        i += 1
    path = write(tmp_path, "fifty.txt", b"".join(lines))
    assert 50_000_000 <= path.stat().st_size <= DEFAULT_MAX_BYTES
    doc = load_document(path, "fifty.txt")
    assert doc.text.count("同乡村振兴有效衔接") == 2 * i
    chunks = chunk_document(doc)
    assert len(chunks) >= i
    assert chunks[-1].text.endswith(paragraph.format(i - 1).strip())


# --------------------------------------------------------------------------- markdown


def test_markdown_headings_paragraphs_tables_lists(tmp_path: Path) -> None:
    md = (
        "---\ntitle: 驻村工作手册\nauthor: 李建国\ndate: 2021-03-01\n---\n"
        "# 驻村工作手册\n\n"
        "## 一、工作职责\n\n"
        "驻村工作队要**吃透政策**、找准方向，\n通过[学习](http://example.com)夯实基本功。\n\n"
        "- 学理论\n- 学业务\n\n"
        "| 项目 | 标准 |\n|---|---|\n| 运转经费 | 十万元 |\n\n"
        "二、经费保障\n----------\n\n"
        "```\n代码块保留\n```\n"
        "![图片](a.png)\n"
    )
    text, meta = load_text(write(tmp_path, "guide.md", md.encode()))
    lines = text.split("\n")
    assert lines[0] == "# 驻村工作手册"
    assert "## 一、工作职责" in lines
    assert "驻村工作队要吃透政策、找准方向，通过学习夯实基本功。" in lines  # wrapped line joined
    assert "学理论" in lines and "学业务" in lines
    assert "项目：运转经费；标准：十万元。" in lines  # a row names its columns
    assert "## 二、经费保障" in lines  # setext heading
    assert "代码块保留" in lines
    assert "png" not in text and "http" not in text and "**" not in text
    assert meta["title"] == "驻村工作手册" and meta["author"] == "李建国" and meta["date"] == "2021-03-01"


def test_markdown_title_line_above_text_is_not_joined(tmp_path: Path) -> None:
    md = "农村饮水安全工程\n各村要保障群众喝上干净的自来水，水质检测每季度一次，发现问题及时维修管网。\n"
    text, _ = load_text(write(tmp_path, "water.md", md.encode()))
    assert text.split("\n") == [
        "农村饮水安全工程",
        "各村要保障群众喝上干净的自来水，水质检测每季度一次，发现问题及时维修管网。",
    ]
    doc = load_document(tmp_path / "water.md", "water.md")
    assert doc.title == "农村饮水安全工程"


# --------------------------------------------------------------------------- HTML

HTML_PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>打好基层党建 决胜脱贫攻坚_中国社会科学网</title>
<meta name="author" content="吴益美"><meta name="PubDate" content="2016-05-19 14:08">
<style>.x{color:red}</style><script>var 广告 = "不要";</script></head>
<body>
<header><a href="/">网站首页</a> | <a>网站地图</a></header>
<nav><ul><li>首页</li><li>党政院校</li></ul></nav>
<div class="breadcrumb">首页 &gt;&gt; 党政院校 &gt;&gt; 原创专区</div>
<div id="content">
<h1>打好基层党建 决胜脱贫攻坚</h1>
<p>近日，中组部召开集中连片贫困地区抓党建促脱贫攻坚工作座谈会，
强调要深入学习贯彻重要指示精神。</p>
<h2>一、坚定信念</h2>
<p>啃下脱贫攻坚这块硬骨头，关键在落实，根本在基层。<br>只有紧紧牵住基层党组织这个“牛鼻子”，才能如期脱贫。</p>
<table><tr><th>指标</th><th>目标</th></tr><tr><td>贫困人口</td><td>全部脱贫</td></tr></table>
</div>
<aside>热门文章</aside>
<div class="share-box">分享到：微信 微博</div>
<footer>版权所有 中国社会科学网</footer>
</body></html>
"""


def test_html_structure_meta_and_chrome(tmp_path: Path) -> None:
    path = write(tmp_path, "page.html", HTML_PAGE.encode("gbk"))
    text, meta = load_text(path)
    lines = text.split("\n")
    assert meta["title"] == "打好基层党建 决胜脱贫攻坚_中国社会科学网"
    assert meta["author"] == "吴益美" and meta["date"].startswith("2016-05-19")
    assert meta["encoding"] == "gb18030"
    assert "# 打好基层党建 决胜脱贫攻坚" in lines
    assert "## 一、坚定信念" in lines
    # A newline inside a CJK paragraph in the source is not a space in the text.
    assert (
        "近日，中组部召开集中连片贫困地区抓党建促脱贫攻坚工作座谈会，强调要深入学习贯彻重要指示精神。"
        in lines
    )
    assert "啃下脱贫攻坚这块硬骨头，关键在落实，根本在基层。" in lines  # <br> breaks the line
    assert "指标：贫困人口；目标：全部脱贫。" in lines  # a <th> row heads the others
    for junk in ("网站地图", "党政院校", "原创专区", "热门文章", "分享到", "版权所有", "广告", "color"):
        assert junk not in text, junk


def test_html_document_end_to_end(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, "page.html", HTML_PAGE.encode("gbk")), "web/page.html")
    assert doc.title == "打好基层党建 决胜脱贫攻坚"  # the <h1>, agreeing with <title> minus the site name
    assert doc.meta["author"] == "吴益美" and doc.meta["date"] == "2016-05-19"
    assert doc.text.startswith("近日，中组部召开")
    assert "## 一、坚定信念" in doc.text.split("\n\n")


def test_html_article_header_keeps_title(tmp_path: Path) -> None:
    page = (
        "<html><head><meta charset='utf-8'><title>站点</title></head><body>"
        "<header>站点导航</header><article><header><h1>驻村工作八个着力</h1></header>"
        "<p>驻村队员要吃透政策、找准方向、明确目标。</p></article></body></html>"
    )
    text, _ = load_text(write(tmp_path, "a.htm", page.encode()))
    assert text.split("\n") == ["# 驻村工作八个着力", "驻村队员要吃透政策、找准方向、明确目标。"]


def test_html_link_menus_without_class_names_are_dropped(tmp_path: Path) -> None:
    page = (
        "<html><head><meta charset='utf-8'></head><body>"
        "<div><a href='/'>首页</a><a href='/a'>机构概况</a><a href='/b'>政务公开</a><a href='/c'>办事服务</a></div>"
        "<div><p>根据<a href='/law'>《乡村振兴促进法》</a>规定，各地要健全乡村振兴考核评价制度，"
        "把<a href='/x'>巩固脱贫成果</a>纳入<a href='/y'>考核</a>内容。</p></div>"
        "<ul><li><a>关于做好2023年农村低保工作的通知</a></li><li><a>低保政策问答</a></li>"
        "<li><a>防返贫监测</a></li></ul>"
        "</body></html>"
    )
    text, _ = load_text(write(tmp_path, "links.html", page.encode()))
    assert text == "根据《乡村振兴促进法》规定，各地要健全乡村振兴考核评价制度，把巩固脱贫成果纳入考核内容。"


def test_html_with_only_script_has_no_text(tmp_path: Path) -> None:
    page = b"<html><body><script>document.write('x')</script></body></html>"
    assert reason_of(write(tmp_path, "empty.html", page)) == "no text content"


def test_html_without_charset_detects_big5(tmp_path: Path) -> None:
    page = f"<html><body><p>{TRADITIONAL}</p></body></html>"
    text, meta = load_text(write(tmp_path, "big5.html", page.encode("big5")))
    assert "堅持精準扶貧" in text and meta["encoding"] == "cp950"


# --------------------------------------------------------------------------- docx


def make_docx(path: Path) -> None:
    document = docx.Document()
    document.add_heading("关于加强贫困村党建工作的调研报告", 0)
    document.add_heading("一、调研情况", 1)
    document.add_heading("（一）基本情况分析", 2)
    document.add_paragraph("我市有自治区级贫困村若干个，建档立卡贫困人口若干户。")
    document.add_paragraph("")
    table = document.add_table(rows=2, cols=3)
    for row, values in zip(
        table.rows, [("村名", "人口", "状态"), ("柳家坪村", "812", "已脱贫")], strict=True
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_paragraph("表格之后的段落。")
    props = document.core_properties
    props.title = "贫困村党建调研"
    props.author = "组织部"
    props.created = dt.datetime(2020, 6, 1, 9, 30)
    document.save(str(path))


def test_docx_headings_tables_and_properties(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    make_docx(path)
    text, meta = load_text(path)
    assert text.split("\n") == [
        "# 关于加强贫困村党建工作的调研报告",
        "# 一、调研情况",
        "## （一）基本情况分析",
        "我市有自治区级贫困村若干个，建档立卡贫困人口若干户。",
        "村名：柳家坪村；人口：812；状态：已脱贫。",  # a row names its columns
        "表格之后的段落。",
    ]
    assert meta == {"title": "贫困村党建调研", "author": "组织部", "date": "2020-06-01", "format": "docx"}


def test_docx_document_title_prefers_the_heading_in_the_body(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    make_docx(path)
    doc = load_document(path, "report.docx")
    # Core title "贫困村党建调研" differs from the Title-style paragraph, which is the real title.
    assert doc.title == "关于加强贫困村党建工作的调研报告"
    assert doc.meta["author"] == "组织部"
    assert doc.text.startswith("# 一、调研情况")


def test_corrupt_docx_random_bytes(tmp_path: Path) -> None:
    reason = reason_of(write(tmp_path, "broken.docx", _RANDOM.randbytes(3000)))
    assert reason.startswith("corrupt or unreadable .docx")


def test_corrupt_docx_zip_without_document(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("hello.txt", "不是 Word 文档")
    reason = reason_of(write(tmp_path, "fake.docx", buffer.getvalue()))
    assert reason.startswith("corrupt or unreadable .docx")


def test_truncated_docx(tmp_path: Path) -> None:
    good = tmp_path / "good.docx"
    make_docx(good)
    data = good.read_bytes()
    reason = reason_of(write(tmp_path, "cut.docx", data[: len(data) // 2]))
    assert reason.startswith("corrupt or unreadable .docx")


# --------------------------------------------------------------------------- PDF


def _pdf_string(text: str) -> bytes:
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def make_pdf(pages: list[list[str]], *, title: str = "", author: str = "") -> bytes:
    """A minimal valid PDF whose text layer is CJK: a Type0 font (Identity-H, STSong-Light,
    not embedded) with a ToUnicode CMap, as real Chinese PDFs carry. Each page is a list of
    text lines drawn top to bottom; an empty page has no text at all (a scanned page)."""
    chars = sorted({ch for page in pages for line in page for ch in line})
    cid = {ch: i + 1 for i, ch in enumerate(chars)}
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in once the page tree exists
    pages_id = add(b"")
    bfchars = []
    for start in range(0, len(chars), 100):
        block = chars[start : start + 100]
        entries = b"\n".join(
            b"<%04X> <%s>" % (cid[ch], ch.encode("utf-16-be").hex().upper().encode()) for ch in block
        )
        bfchars.append(b"%d beginbfchar\n%s\nendbfchar" % (len(block), entries))
    cmap = (
        b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        b"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + b"\n".join(bfchars)
        + b"\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    )
    to_unicode = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap))
    descriptor = add(
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 4 /FontBBox [0 -200 1000 900] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>"
    )
    cid_font = add(
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
        b"/FontDescriptor %d 0 R /DW 1000 >>" % descriptor
    )
    font = add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
        b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (cid_font, to_unicode)
    )
    page_ids = []
    for lines in pages:
        ops = [b"0 0 m 300 300 l S"]  # some vector graphics on every page
        for n, line in enumerate(lines):
            hexed = "".join(f"{cid[ch]:04X}" for ch in line).encode()
            ops.append(b"BT /F1 12 Tf 50 %d Td <%s> Tj ET" % (780 - 16 * n, hexed))
        content = b"\n".join(ops)
        stream = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
        page_ids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
                b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (pages_id, font, stream)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
    kids = b" ".join(b"%d 0 R" % p for p in page_ids)
    objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))
    info = add(b"<< /Title %s /Author %s /CreationDate (D:20190704120000+08'00') >>" % (
        _pdf_string(title), _pdf_string(author)))  # fmt: skip

    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, catalog, info, xref)  # fmt: skip
    return bytes(out)


PDF_PAGES = [
    [
        "关于加强贫困村党建工作的调研报告",
        "一、调研情况",
        "我市有自治区级贫困村若干个，建档立卡贫困人口若干户，未脱贫人口已",
        "达脱贫标准，正在摸底核验。",
        "- 1 -",
    ],
    [
        "（一）抓党建促脱贫的主要做法",
        "建立经费保障机制，按照村年均运转经费、服务群众专项经费分别不低于",
        "十万元、五万元予以保障。",
        "- 2 -",
    ],
]


def test_handmade_pdf_has_a_chinese_text_layer(tmp_path: Path) -> None:
    """Guard for the fixture itself: pypdf must read the CJK text back through ToUnicode."""
    path = write(tmp_path, "raw.pdf", make_pdf(PDF_PAGES))
    extracted = pypdf.PdfReader(str(path)).pages[0].extract_text()
    assert "我市有自治区级贫困村若干个" in extracted


def test_pdf_text_layer_reflow_and_metadata(tmp_path: Path) -> None:
    path = write(tmp_path, "report.pdf", make_pdf(PDF_PAGES, title="调研报告", author="组织部"))
    text, meta = load_text(path)
    lines = text.split("\n")
    assert lines[0] == "关于加强贫困村党建工作的调研报告"
    assert "一、调研情况" in lines
    # Visual line wraps are undone; page numbers are dropped.
    assert (
        "我市有自治区级贫困村若干个，建档立卡贫困人口若干户，未脱贫人口已达脱贫标准，正在摸底核验。" in lines
    )
    assert "建立经费保障机制，按照村年均运转经费、服务群众专项经费分别不低于十万元、五万元予以保障。" in lines
    assert "- 1 -" not in lines and "- 2 -" not in lines
    assert meta["title"] == "调研报告" and meta["author"] == "组织部" and meta["date"] == "2019-07-04"


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    path = write(tmp_path, "scan.pdf", make_pdf([[], []]))  # empty pages: no picture to OCR either
    assert reason_of(path) == "no text layer and no pictures to read"


def test_corrupt_pdf_garbage_after_header(tmp_path: Path) -> None:
    data = b"%PDF-1.4\n" + bytes((b % 250) + 5 for b in _RANDOM.randbytes(4000))
    assert reason_of(write(tmp_path, "broken.pdf", data)).startswith("corrupt or unreadable .pdf")


def test_corrupt_pdf_not_a_pdf(tmp_path: Path) -> None:
    assert reason_of(write(tmp_path, "text.pdf", "这不是PDF文件".encode())).startswith(
        "corrupt or unreadable .pdf"
    )


def test_truncated_pdf(tmp_path: Path) -> None:
    data = make_pdf(PDF_PAGES)
    reason = reason_of(write(tmp_path, "cut.pdf", data[: len(data) // 3]))
    assert reason == "corrupt or unreadable .pdf (PdfStreamError)"


def test_reportlab_pdf_if_available(tmp_path: Path) -> None:
    """PDFs from a real producer (CID font without ToUnicode) also yield their text."""
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "rl.pdf"
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 12)
    c.drawString(72, 700, "扶贫关键在扶志，村里办事要有钱。")
    c.setTitle("报告")
    c.save()
    text, meta = load_text(path)
    assert "扶贫关键在扶志" in text and meta["title"] == "报告"


# --------------------------------------------------------------------------- all formats end to end


def test_every_format_through_load_document(tmp_path: Path) -> None:
    """The same Chinese content in each format yields a Document with simplified text."""
    body = "扶貧關鍵在扶志，鄉(xiāng)村振興要有內生動力。"
    docx_path = tmp_path / "d.docx"
    document = docx.Document()
    document.add_paragraph(body)
    document.save(str(docx_path))
    paths = [
        write(tmp_path, "a.txt", body.encode("utf-8")),
        write(tmp_path, "b.md", f"# 标题\n\n{body}\n".encode()),
        write(tmp_path, "c.html", f"<html><body><p>{body}</p></body></html>".encode()),
        docx_path,
        write(tmp_path, "e.pdf", make_pdf([[body]])),
    ]
    for path in paths:
        doc = load_document(path, path.name)
        assert "扶贫关键在扶志，乡村振兴要有内生动力。" in doc.text, path.name
        assert doc.source == path.name
        assert doc.meta["format"] == path.suffix.lstrip(".")
