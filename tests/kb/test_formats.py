"""Every document a county office has: .doc/.wps, spreadsheets, scanned PDFs, photos, Word tables.

Real files only: LibreOffice writes the .doc and .xls the tests read back, scans are Chinese text
rendered with a CJK font at 300 dpi inside a PDF, the photo is rotated, shaded and noisy, and the
real OCR model and the real converter read them into a real knowledge base. Each question below
is answered by one file only; the test checks that the passage holding the answer comes back.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import docx
import pytest

from bot import texts
from bot.answer import compose
from bot.config import Settings
from bot.kb import KnowledgeBase
from bot.kb import convert as convert_module
from bot.kb.formats import META_OCR, META_WARNINGS, ReadOptions
from bot.kb.loaders import SUPPORTED_SUFFIXES, load_text
from bot.kb.loaders.sheets import table_lines
from bot.kb.ocr import clean_ocr_text
from bot.kb.types import DocumentError
from tests.formats import make

pytestmark = pytest.mark.timeout(900)

SCAN_LINES = [
    "关于做好2024年度城乡居民医疗保险缴费工作的通知",
    "各村民委员会：",
    "2024年度城乡居民医保个人缴费标准为每人每年380元，",
    "缴费时间为2023年9月1日至12月31日。",
    "特困人员、低保对象的个人缴费由医疗救助资金全额资助。",
]
PHOTO_LINES = [
    "新寨村2024年低保对象公示",
    "经村民代表评议，拟将以下农户纳入农村低保。",
    "公示期为7天，有异议请向村委会反映。",
]


def _word_table_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("高龄津贴发放办法", 1)
    document.add_paragraph("本县户籍老年人按年龄段领取高龄津贴，按月发放到社保卡。")
    rows = [["年龄段", "每月津贴"], ["80至89周岁", "100元"], ["90至99周岁", "200元"], ["100周岁以上", "500元"]]
    table = document.add_table(rows=len(rows), cols=2)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.save(path)
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("formats-kb")
    make.word97_doc(
        folder, "危房改造.doc", "农村危房改造实施办法",
        ["第五条 经鉴定为C级危房的农户，维修加固每户补助1.5万元。",
         "第六条 D级危房拆除重建的，每户补助3.5万元，由乡镇验收后拨付。"],
        [["危房等级", "改造方式"], ["C级", "维修加固"], ["D级", "拆除重建"]],
    )  # fmt: skip
    # Kingsoft WPS Writer saves .wps in the Word 97 binary format; LibreOffice detects it by content.
    wps = make.word97_doc(
        folder, "秸秆.doc", "秸秆禁烧通告",
        ["严禁在田间地头露天焚烧秸秆，违者由乡镇处以200元以上罚款。"],
        [["责任人", "职责"], ["网格员", "巡查"]],
    )  # fmt: skip
    wps.rename(folder / "秸秆禁烧.wps")
    make.excel97_xls(folder, "供养标准.xls", {"供养标准": [
        ["2024年特困人员照料护理标准"],
        ["序号", "类别", "照料护理标准"],
        [1, "全失能人员", "每人每月1200元"],
        [2, "半失能人员", "每人每月600元"],
        [3, "生活自理人员", "每人每月150元"],
    ]})  # fmt: skip
    make.xlsx(folder / "养老缴费.xlsx", {"缴费档次": [
        ["城乡居民养老保险缴费档次"],
        ["档次", "每年缴费", "政府补贴"],
        ["一档", "200元", "30元"],
        ["三档", "500元", "60元"],
        ["五档", "1000元", "100元"],
    ]})  # fmt: skip
    # WPS Spreadsheets (.et) writes the same BIFF8 format as Excel 97.
    make.excel97_xls(folder, "公益岗位.xls", {"公益岗位": [
        ["岗位", "人数", "每月补贴"],
        ["护林员", 12, "每人每月800元"],
        ["保洁员", 20, "每人每月500元"],
    ]}).rename(folder / "公益岗位.et")  # fmt: skip
    (folder / "申报时间.csv").write_bytes(
        "项目,申报时间,受理单位\n雨露计划,每年3月至5月,乡镇扶贫工作站\n危房改造,每年1月至3月,乡镇建设所\n".encode("gbk")
    )
    make.scanned_pdf(folder / "医保缴费通知.pdf", [make.render_page(SCAN_LINES)])
    make.photo_of(make.render_page(PHOTO_LINES, font_pt=14, sans=True)).save(folder / "公示栏.png")
    _word_table_docx(folder / "高龄津贴.docx")
    return folder


@pytest.fixture(scope="module")
def formats_kb(corpus: Path, embedder, tmp_path_factory: pytest.TempPathFactory) -> tuple[KnowledgeBase, object]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("formats-data"), kb_source=corpus)
    kb = KnowledgeBase(settings, embedder=embedder)
    stages: list[tuple[str, int, int]] = []
    report = kb.ingest(progress=lambda stage, done, total: stages.append((stage, done, total)))
    return kb, (report, stages)


QUESTIONS = [
    ("D级危房拆除重建补助多少钱", "危房改造.doc", "3.5万元"),
    ("烧秸秆罚多少钱", "秸秆禁烧.wps", "200元"),
    ("全失能的特困人员护理标准一个月多少", "供养标准.xls", "每人每月1200元"),
    ("养老保险交500元那一档政府补贴多少", "养老缴费.xlsx", "每年缴费：500元；政府补贴：60元"),
    ("护林员每月补贴多少", "公益岗位.et", "每人每月800元"),
    ("雨露计划什么时候申报", "申报时间.csv", "每年3月至5月"),
    ("城乡居民医保个人缴费一年交多少钱", "医保缴费通知.pdf", "每人每年380元"),
    ("低保公示期几天", "公示栏.png", "公示期为7天"),
    ("90岁老人高龄津贴每月多少", "高龄津贴.docx", "200元"),
]


def test_every_new_format_is_ingested_without_loss(formats_kb) -> None:
    _, (report, _) = formats_kb
    assert report.skipped == [] and report.notes == []
    assert sorted(report.added) == sorted(q[1] for q in QUESTIONS)


@pytest.mark.parametrize(("question", "source", "gold"), QUESTIONS, ids=[q[1] for q in QUESTIONS])
def test_question_answered_only_by_that_file_is_answered(formats_kb, question: str, source: str, gold: str) -> None:
    kb, _ = formats_kb
    hits = kb.search(question, 5).hits
    top = [(h.chunk.source, h.chunk.text) for h in hits[:3]]
    assert any(src == source and gold in text for src, text in top), top


def test_scanned_passages_are_marked_and_shown_as_scans(formats_kb) -> None:
    kb, (_, stages) = formats_kb
    chunks = [c for c in kb.retriever.snapshot().chunks]
    ocr_sources = {c.source for c in chunks if c.ocr}
    assert ocr_sources == {"医保缴费通知.pdf", "公示栏.png"}
    answer = compose(kb.search("城乡居民医保个人缴费一年交多少钱", 5))
    assert answer.grounded and answer.sources[0].source == "医保缴费通知.pdf"
    assert f"《{answer.sources[0].title}》{texts.SOURCE_SCANNED}" in answer.render()
    # Text-layer documents are not labelled as scans.
    typed = compose(kb.search("D级危房拆除重建补助多少钱", 5))
    assert typed.grounded and texts.SOURCE_SCANNED not in typed.render()
    # Each scan reported its pages while being read.
    assert ("ocr", 1, 1) in stages


# --------------------------------------------------------------------------- bad input


@pytest.mark.slow
def test_bad_inputs_are_skipped_or_bounded_and_nothing_else_is_lost(make_kb, tmp_path: Path) -> None:
    folder = tmp_path / "make"
    folder.mkdir()
    locked = make.password_xls(folder, "locked.xls", {"名单": [["姓名", "金额"], ["张三", 100]]}, "secret")
    page = make.render_page(SCAN_LINES)
    big_scan = make.repeated_scan_pdf(folder / "big-scan.pdf", page, 200)
    noise = os.urandom(30_000)
    kb = make_kb(
        {
            "good.txt": "村卫生室每周一至周五上午8点开门，周末轮流值班。",
            "corrupt.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + noise,
            "locked.xls": locked.read_bytes(),
            "big-scan.pdf": big_scan.read_bytes(),
            "blank.jpg": b"",
        },
        ocr_max_pages=2,
    )
    make.textless_photo((1600, 1200)).save(kb.source_dir / "blank.jpg", quality=90)
    report = kb.ingest()
    skipped = dict(report.skipped)
    assert set(skipped) == {"corrupt.doc", "locked.xls", "blank.jpg"}
    assert skipped["corrupt.doc"].startswith("corrupt or unreadable .doc")
    assert skipped["locked.xls"].startswith("password-protected spreadsheet")
    assert skipped["blank.jpg"] == "no text recognised in the picture"
    assert sorted(report.added) == ["big-scan.pdf", "good.txt"]
    notes = dict(report.notes)
    assert "198 scanned page(s) not read, pages 3-200 (OCR_MAX_PAGES=2)" in notes["big-scan.pdf"]
    hit = kb.search("城乡居民医保个人缴费标准", 3).hits[0]
    assert hit.chunk.source == "big-scan.pdf" and "380元" in hit.chunk.text and hit.chunk.ocr
    assert kb.search("卫生室周末开门吗", 3).hits[0].chunk.source == "good.txt"
    assert "partly read big-scan.pdf: " in report.summary()


@pytest.mark.slow
def test_forty_megapixel_photo_is_read_within_bounds(tmp_path: Path) -> None:
    """A 7300x5500 phone photo: decoded at reduced scale and recognised at ocr_max_side pixels."""
    page = make.render_page(PHOTO_LINES, font_pt=14, sans=True)
    photo = make.photo_of(page, scale=1.0).resize((7300, 5500))
    path = tmp_path / "huge.jpg"
    photo.save(path, quality=85)
    text, meta = load_text(path, options=ReadOptions())
    assert "公示期为7天" in text and meta[META_OCR] == "1"


def test_blurred_photo_is_refused_as_too_unclear(tmp_path: Path) -> None:
    page = make.render_page(PHOTO_LINES, font_pt=14, sans=True)
    blurred = make.photo_of(page, scale=0.35)
    from PIL import ImageFilter

    blurred.filter(ImageFilter.GaussianBlur(2.2)).save(tmp_path / "blurred.jpg", quality=60)
    with pytest.raises(DocumentError) as info:
        load_text(tmp_path / "blurred.jpg", options=ReadOptions(ocr_min_confidence=0.95))
    assert info.value.reason.startswith("OCR confidence too low, nothing indexed")


def test_scan_time_limit_stops_and_reports_and_progress_is_per_page(tmp_path: Path) -> None:
    page = make.render_page(SCAN_LINES[:3])
    path = make.scanned_pdf(tmp_path / "three.pdf", [page, page, page])
    seen: list[tuple[int, int]] = []
    options = ReadOptions(ocr_page_seconds=0.001, progress=lambda done, total: seen.append((done, total)))
    text, meta = load_text(path, options=options)
    assert "380元" in text and meta[META_OCR] == "1"
    assert seen == [(1, 3)]
    assert "OCR stopped before page 2 after 1 of 3 pages: time limit" in meta[META_WARNINGS]


def test_pdf_with_typed_and_scanned_pages_keeps_both_in_order(tmp_path: Path) -> None:
    typed = ["关于做好秋季森林防火工作的通知", "各村要落实护林员巡山制度，严禁野外用火。"]
    path = make.mixed_pdf(tmp_path / "mixed.pdf", typed, make.render_page(SCAN_LINES[2:4]))
    text, meta = load_text(path, options=ReadOptions())
    assert "严禁野外用火" in text and "每人每年380元" in text
    assert text.index("严禁野外用火") < text.index("每人每年380元")
    assert meta[META_OCR] == "1"  # only the scanned page went through OCR


def _processes_mentioning(fragment: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if fragment in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_hanging_conversion_is_killed_reported_and_cleaned_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = make.word97_doc(tmp_path, "slow.doc", "通知", ["内容。"], [["a", "b"], ["c", "d"]])
    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))
    with pytest.raises(DocumentError) as info:
        load_text(doc, options=ReadOptions(convert_timeout=0.2))
    assert info.value.reason == "conversion timed out after 0.2 s (LibreOffice killed; file skipped)"
    assert list(temp_root.iterdir()) == []
    assert _processes_mentioning(str(temp_root)) == []
    # The same file converts when given time: the timeout, not the file, stopped it.
    text, meta = load_text(doc, options=ReadOptions())
    assert "内容。" in text and meta["converted"] == "libreoffice"
    assert list(temp_root.iterdir()) == []


def test_conversion_runs_without_network() -> None:
    """CI and installs run as root (or with user namespaces): LibreOffice gets no network."""
    assert convert_module.network_isolated()


def test_missing_converter_is_a_clear_skip_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on this PATH
    with pytest.raises(DocumentError) as info:
        load_text(path)
    assert info.value.reason.startswith("converter missing: install LibreOffice")


def test_preflight_warns_when_libreoffice_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.ops.preflight import WARNING, check_converter

    settings = Settings(data_dir=tmp_path / "data", kb_source=tmp_path)
    assert check_converter(settings) == []
    monkeypatch.setenv("PATH", str(tmp_path))
    [finding] = check_converter(settings)
    assert finding.level == WARNING and "libreoffice-writer-nogui" in finding.message


def test_html_saved_as_xls_goes_through_libreoffice(tmp_path: Path) -> None:
    """Government systems export "xls" files that are HTML tables; xlrd cannot read them."""
    path = tmp_path / "export.xls"
    path.write_text(
        '<html><meta charset="utf-8"><table><tr><td>村名</td><td>户数</td></tr>'
        "<tr><td>新寨村</td><td>312</td></tr></table></html>",
        "utf-8",
    )
    text, meta = load_text(path)
    assert text == "村名：新寨村；户数：312。" and meta["converted"] == "libreoffice"


def test_corrupt_binary_xls_is_not_converted_into_noise(tmp_path: Path) -> None:
    path = tmp_path / "broken.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 3000)
    with pytest.raises(DocumentError) as info:
        load_text(path)
    assert info.value.reason.startswith("corrupt or unreadable .xls")


# --------------------------------------------------------------------------- pieces


def test_supported_suffixes_include_the_office_formats() -> None:
    assert {".doc", ".wps", ".xls", ".xlsx", ".et", ".csv", ".jpg", ".jpeg", ".png", ".tif"} <= SUPPORTED_SUFFIXES


def test_table_rows_name_their_columns() -> None:
    rows = [
        ["2024年特困人员照料护理标准", "", ""],
        ["序号", "类别", "照料护理标准"],
        ["1", "全失能人员", "每人每月1200元"],
        ["2", "", "每人每月1000元"],  # merged 类别 cell: filled down
        ["序号", "类别", "照料护理标准"],  # header repeated on the next printed page
        ["", "", ""],
        ["注：自2024年1月起执行。", "", ""],
    ]
    assert table_lines(rows) == [
        "## 2024年特困人员照料护理标准",
        "类别：全失能人员；照料护理标准：每人每月1200元。",
        "类别：全失能人员；照料护理标准：每人每月1000元。",
        "注：自2024年1月起执行。",
    ]


def test_ocr_cleaning_undoes_common_confusions() -> None:
    assert clean_ocr_text("各村民委员会:") == "各村民委员会："
    assert clean_ocr_text("标准为每人每年380元,财政补助") == "标准为每人每年380元，财政补助"
    assert clean_ocr_text("低保 对象 (含 孤儿)") == "低保对象（含孤儿）"
    assert clean_ocr_text("2O24年1,200元10:30") == "2024年1,200元10:30"
    assert clean_ocr_text("| 公示期为7天.") == "公示期为7天。"


def test_admins_read_the_new_skip_reasons_and_notes_in_chinese() -> None:
    from bot.assistant.admin import note_zh, reason_zh
    from bot.kb.types import DocumentError

    def told(reason: str) -> str:  # what an admin reads for a reader's DocumentError
        return reason_zh(DocumentError("x", reason).code)

    assert told("password-protected spreadsheet (remove the password and upload again)") == (
        texts.BOT_REASONS["password"]
    )
    assert told("conversion timed out after 120 s (LibreOffice killed; file skipped)") == (
        texts.BOT_REASONS["conversion_timeout"]
    )
    assert told("no text recognised in the picture") == texts.BOT_REASONS["no_text_recognised"]
    assert told("scanned PDF, nothing indexed: no text recognised on page(s) 1") == (
        texts.BOT_REASONS["nothing_indexed"]
    )
    assert note_zh("page(s) 3 (0.62) not indexed: OCR confidence below 0.80; "
                   "198 scanned page(s) not read, pages 3-200 (OCR_MAX_PAGES=2)") == (
        texts.BOT_NOTES["ocr confidence below"] + "；" + texts.BOT_NOTES["not read"]
    )  # fmt: skip


def test_a_spreadsheet_past_the_row_limit_stops_while_reading(tmp_path: Path) -> None:
    from bot.kb import limits

    rows = [["户", "元"]] + [[str(i % 10), "5"] for i in range(limits.MAX_BLOCKS + 5)]  # short: under the char limit
    path = tmp_path / "huge.csv"
    path.write_text("\n".join(",".join(r) for r in rows), "utf-8")
    with pytest.raises(DocumentError) as info:
        load_text(path)
    assert info.value.reason.startswith("too many paragraphs or rows")
