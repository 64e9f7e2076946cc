"""Passages keep answers whole, on small documents of the genres counties load.

Each test writes a real file (python-docx, reportlab, HTML, plain text) and runs the whole
load → clean → chunk pipeline, so a rule is checked where it matters: in the passages a
villager's question retrieves.
"""

from __future__ import annotations

from pathlib import Path

import docx
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from bot.kb.chunking import chunk_document, split_sentences
from bot.kb.documents import load_document
from bot.kb.normalize import normalize_for_match
from bot.kb.types import Chunk
from bot.kb.typos import TypoFixer

QA_TEXT = """石岭县医疗救助政策问答

一、哪些人可以享受医疗救助？
答：医疗救助对象包括特困人员、低保对象、返贫致贫人口和低保边缘家庭成员。

二、医疗救助能救多少？
答：住院和门诊慢特病费用合并计算，救助标准如下：
（一）特困人员：不设起付线，按90%救助；
（二）低保对象：不设起付线，按75%救助；
（三）返贫致贫人口：起付线1000元，按70%救助。
每人每年医疗救助合计最高6万元。

问：低保户住院还要不要交押金？
答：不用。特困人员、低保对象在县域内定点医疗机构住院，实行先诊疗后付费，入院时不用交押金。

3.门诊慢特病的起付线是多少？
门诊慢特病年度内只扣一次起付线300元，政策范围内费用报销70%。

七、看病钱不够怎么办？
答：经过基本医保、大病保险、医疗救助三重保障后，个人负担仍然超过1万元、影响基本生活的，可以申请倾斜救助，每人每年最高2万元。
"""


def chunks_of(path: Path) -> list[Chunk]:
    return chunk_document(load_document(path, path.name))


def holding(chunks: list[Chunk], phrase: str) -> Chunk:
    want = normalize_for_match(phrase)
    found = [c for c in chunks if want in normalize_for_match(c.text)]
    assert len(found) == 1, (phrase, [c.text for c in chunks])
    return found[0]


def test_a_question_and_its_answer_are_one_passage(tmp_path: Path) -> None:
    path = tmp_path / "医疗救助问答.txt"
    path.write_text(QA_TEXT, encoding="utf-8")
    chunks = chunks_of(path)
    for question, answer in [
        ("一、哪些人可以享受医疗救助？", "低保边缘家庭成员"),
        ("二、医疗救助能救多少？", "每人每年医疗救助合计最高6万元"),
        ("问：低保户住院还要不要交押金？", "入院时不用交押金"),
        ("3.门诊慢特病的起付线是多少？", "起付线300元"),
        ("七、看病钱不够怎么办？", "每人每年最高2万元"),
    ]:
        chunk = holding(chunks, answer)
        assert chunk.text.startswith(question), chunk.text  # the question opens its own answer
    for chunk in chunks:  # no passage ends with a question whose answer is elsewhere
        assert not chunk.text.rstrip().endswith("？"), chunk.text


def test_a_long_answer_keeps_its_question_in_every_part(tmp_path: Path) -> None:
    steps = "".join(f"（{n}）第{n}步，带上身份证和户口簿到村委会办理相关手续并签字确认；\n" for n in "一二三四五六七八九十")
    path = tmp_path / "问答.txt"
    path.write_text(f"低保问答\n问：申请低保要走哪些步骤？\n答：步骤如下：\n{steps}", encoding="utf-8")
    chunks = chunks_of(path)
    assert len(chunks) >= 2
    assert chunks[0].text.startswith("问：申请低保要走哪些步骤？")
    for chunk in chunks[1:]:
        assert "申请低保要走哪些步骤" in chunk.section, chunk.section


def make_rules_docx(path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("石岭县民政局文件")
    document.add_paragraph("石民发〔2025〕9号")
    document.add_paragraph("石岭县民政局关于印发《石岭县特困人员照料护理实施细则》的通知")
    document.add_paragraph("第一章 总则")
    document.add_paragraph("第一条 为规范特困人员照料护理工作，制定本细则。")
    document.add_paragraph("第二章 护理标准")
    document.add_paragraph("第二条 【护理标准】照料护理标准按照生活自理能力分档确定。")
    document.add_paragraph("自2025年7月1日起，全失能人员的照料护理标准为每人每月1200元。")
    document.add_paragraph("第三条 本细则自印发之日起施行。")
    document.add_paragraph("附件：照料护理标准表")
    table = document.add_table(rows=3, cols=3)
    for row, cells in zip(table.rows, [("类别", "发放周期", "标准"), ("全失能", "每人每月", "1200元"),
                                        ("半失能", "每人每月", "600元")], strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_paragraph("抄送：州民政局。")
    document.save(str(path))


def test_an_article_stays_whole_and_table_rows_name_their_columns(tmp_path: Path) -> None:
    path = tmp_path / "细则.docx"
    make_rules_docx(path)
    doc = load_document(path, path.name)
    assert doc.title == "石岭县特困人员照料护理实施细则"  # the document the notice issues
    assert doc.meta["doc_number"] == "石民发〔2025〕9号"
    for furniture in ("石岭县民政局文件", "石民发", "抄送"):
        assert furniture not in doc.text
    chunks = chunk_document(doc)
    article = holding(chunks, "每人每月1200元。")
    assert article.text.startswith("第二条 【护理标准】"), article.text  # the article's later paragraph
    row = holding(chunks, "类别：全失能")
    assert "类别：全失能；发放周期：每人每月；标准：1200元。" in row.text.split("\n")
    assert "第三条" not in row.section  # the annex is not part of the last article


def draw_pdf(path: Path, pages: list[list[str]]) -> None:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    for lines in pages:
        c.setFont("STSong-Light", 12)
        y = 800
        for line in lines:
            c.drawString(60, y, line)
            y -= 18
        c.showPage()
    c.save()


def wrapped(paragraph: str, width: int = 27) -> list[str]:
    """A paragraph as a PDF writer sets it: indented, then cut at a fixed width mid-word."""
    text = "\u3000\u3000" + paragraph
    return [text[i : i + width] for i in range(0, len(text), width)]


def test_pdf_headers_page_numbers_wrapped_numbers_and_grid_tables(tmp_path: Path) -> None:
    head = "石岭县医疗保障局文件"
    fee = "2026年度城乡居民医保个人缴费标准为每人每年400元。各级财政补助资金按照上级规定足额纳入预算。"
    assert wrapped(fee)[1].startswith("0元")  # the number 400 is cut across two lines
    aid = wrapped("对困难群众的个人缴费给予资助，资助对象名单由县民政局在每年9月10日前推送至县医疗保障局，"
                  "县医疗保障局在缴费系统中预先标识。具体标准见下表。")
    path = tmp_path / "通知.pdf"
    draw_pdf(path, [
        [head, "— 1 —", "关于做好2026年度城乡居民医保参保缴费工作的通知", "\u3000\u3000一、缴费标准", *wrapped(fee),
         *aid[:2]],
        [head, "— 2 —", *aid[2:],  # the paragraph goes on over the page break
         "资助对象", "个人缴费", "资助金额（元", "）", "特困人员", "400", "400", "农村低保对象", "400", "300"],
        [head, "— 3 —", "\u3000\u3000三、缴费渠道", *wrapped("打开微信搜索“云南税务”小程序，依次点击社保缴费完成缴费。")],
    ])  # fmt: skip
    chunks = chunks_of(path)
    lines = "\n".join(c.text for c in chunks).split("\n")
    assert not any(head in ln or "—" in ln for ln in lines)
    assert fee in lines  # "40" + "0元" is one number again, the paragraph one line
    # A paragraph continues on the next page.
    assert any(ln.endswith("推送至县医疗保障局，县医疗保障局在缴费系统中预先标识。具体标准见下表。") for ln in lines)
    assert "资助对象：农村低保对象；个人缴费：400；资助金额（元）：300。" in lines  # "400" ending a page is a cell
    assert "打开微信搜索“云南税务”小程序，依次点击社保缴费完成缴费。" in lines


CHROME_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>危房改造办事指南_石岭县人民政府门户网站</title></head>
<body><div class="top-bar"><span>无障碍</span> | <span>手机版</span></div>
<ul class="nav"><li><a href="#">首页</a></li><li><a href="#">政务公开</a></li><li><a href="#">办事服务</a></li></ul>
<div class="breadcrumb">当前位置： 首页 &gt; 政务公开 &gt; 办事指南</div>
<div class="article"><h1>农村危房改造补助申请办事指南</h1>
<h3>三、补助标准</h3><p>具体标准如下：</p>
<p>改造方式</p><p>户类型</p><p>补助标准（元/户）</p>
<p>拆除重建</p><p>农村低保户</p><p>40000</p><p>防止返贫监测户</p><p>35000</p>
<p>修缮加固</p><p>农村低保户</p><p>15000</p>
<div class="share">分享到：微信 微博</div><p>【打印本页】【关闭窗口】</p></div>
<div class="footer"><p>网站标识码：5323000001 滇ICP备05001234号 滇公网安备53230002000123号</p></div>
</body></html>"""


def test_html_flattened_table_and_site_chrome(tmp_path: Path) -> None:
    path = tmp_path / "指南.html"
    path.write_text(CHROME_PAGE, encoding="utf-8")
    text = "\n".join(c.text for c in chunks_of(path))
    # A cell spanning rows (拆除重建) is named in every row it covers.
    assert "改造方式：拆除重建；户类型：防止返贫监测户；补助标准（元/户）：35000。" in text.split("\n")
    assert "改造方式：修缮加固；户类型：农村低保户；补助标准（元/户）：15000。" in text.split("\n")
    for chrome in ("无障碍", "政务公开", "分享", "打印", "ICP", "标识码"):
        assert chrome not in text, chrome


REPRINT = """首頁 > 內地資訊 > 鄉村振興 > 政策解讀

【轉載】雲南石嶺縣：脫貧人口小額信貸政策問答

2025-04-21 10:35　來源：石嶺縣農業農村局　轉載編輯：陳嘉欣

【字體：大 中 小】　　分享：Facebook　WhatsApp　微信　電郵

編者按：石嶺縣農業農村局近日在其官方網站發佈政策問答，本網全文轉載，供讀者參考。

一、最多能貸多少錢？
答：單戶貸款額度為5萬元以下，貸款期限為3年以內。

本網轉載此文目的在於傳遞更多資訊，不代表本網立場。如涉及版權問題，請與本網聯繫。

相關文章：
· 雲南紅岩州：今年新增小額信貸逾20億元
· 內地農業農村部：防止返貧監測幫扶再加碼

Copyright © 2025 灣區鄉情網 版權所有
"""


def test_a_traditional_reprint_loses_its_site_chrome(tmp_path: Path) -> None:
    path = tmp_path / "轉載.txt"
    path.write_text(REPRINT, encoding="utf-8")
    chunks = chunks_of(path)
    assert [c.text for c in chunks] == ["一、最多能贷多少钱？\n答：单户贷款额度为5万元以下，贷款期限为3年以内。"]


def test_markdown_metadata_quote_and_table(tmp_path: Path) -> None:
    path = tmp_path / "解读.md"
    path.write_text(
        "# 防止返贫监测政策解读\n\n> 发布时间：2025-05-26　　来源：石岭县农业农村局　　阅读：1,082\n>\n"
        "> 【字体：大 中 小】【打印】\n\n![一图读懂](./img.png)\n\n## 一、监测对象\n\n监测对象主要包括三类：\n\n"
        "| 类别 | 对象说明 |\n|---|---|\n| 脱贫不稳定户 | 已脱贫但收入不稳定的脱贫户 |\n"
        "| 边缘易致贫户 | 收入水平较低的一般农户 |\n",
        encoding="utf-8",
    )
    doc = load_document(path, path.name)
    assert doc.meta["date"] == "2025-05-26"
    chunks = chunk_document(doc)
    assert [c.text for c in chunks] == [
        "监测对象主要包括三类：\n类别：脱贫不稳定户；对象说明：已脱贫但收入不稳定的脱贫户。\n"
        "类别：边缘易致贫户；对象说明：收入水平较低的一般农户。"
    ]


def test_one_sentence_splitter_keeps_closing_quotes_and_rebuilds_the_text() -> None:
    text = "答：不用。先诊疗后付费，入院时“不用交押金”。还要不要自己跑？不用！"
    parts = split_sentences(text)
    assert parts == ["答：不用。", "先诊疗后付费，入院时“不用交押金”。", "还要不要自己跑？", "不用！"]
    assert "".join(parts) == text


def test_pinyin_slips_are_read_as_the_documents_words() -> None:
    fixer = TypoFixer([
        "大病保险起付线为1.2万元，起付线以上按60%报销。", "特困人员基本生活标准。特困人员照料护理。",
        "公开内容保留的时间不少于15天，资料保留5年。", "困难残疾人生活补贴。残疾等级为一级。残疾等级为二级。",
    ])  # fmt: skip
    assert fixer.corrections("大病保险的起伏线是多少") == ["起付线"]
    assert fixer.corrections("特捆人员去世了") == ["特困人员"]  # 特困人员 is a lexicon word, as in search
    assert fixer.corrections("公开栏的东西要保流几天") == ["保留"]
    assert fixer.corrections("残积人证过期了") == ["残疾"]
    assert fixer.corrections("低保怎么申请") == []  # nothing to correct, nothing invented


def test_a_slip_on_a_polyphone_is_heard_without_the_phrase_table() -> None:
    """行 is xing alone and hang in 银行: pypinyin's phrase table (~45 MB resident) is not loaded, so
    every reading of a character is tried and 银航卡 is still heard as 银行卡."""
    import pypinyin.constants

    fixer = TypoFixer(["补贴打到银行卡上。", "到银行柜台领取。", "银行卡号要填对。"])
    assert fixer.corrections("钱打到银航卡了吗") == ["银行卡"]
    assert len(pypinyin.constants.PHRASES_DICT) == 0  # what the start-up memory saving rests on
