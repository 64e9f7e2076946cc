"""Cleaning: the five scraped seed articles come out as clean simplified text with titles and
metadata, every gold answer phrase survives, and the junk rules generalise to page layouts
the seeds don't have (without eating real sentences that merely look similar)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.kb.clean import clean_document
from bot.kb.documents import load_document
from bot.kb.normalize import normalize_for_match, strip_pinyin_glosses, to_simplified
from bot.kb.types import Document

ROOT = Path(__file__).resolve().parents[2]
KB = ROOT / "knowledge_base"
DEV = ROOT / "tests" / "data" / "dev.jsonl"


def seed_path(prefix: str) -> Path:
    (path,) = KB.glob(f"{prefix}_*.txt")
    return path


@pytest.fixture(scope="module")
def seeds() -> dict[str, Document]:
    return {p.name[:3]: load_document(p, p.name) for p in sorted(KB.glob("*.txt"))}


# --------------------------------------------------------------------------- normalisation


def test_to_simplified() -> None:
    assert to_simplified("鄉鎮經費保障機制，黨組織") == "乡镇经费保障机制，党组织"
    assert to_simplified("扶贫关键在扶志") == "扶贫关键在扶志"
    assert to_simplified("") == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("鄉(xiāng)鎮(zhèn)經(jīng)費", "鄉鎮經費"),
        ("發（fā）展", "發展"),  # full-width parentheses
        ("發(fā）展", "發展"),  # mixed
        ("鄉鎮(xiāng zhèn)工作", "鄉鎮工作"),  # a two-syllable gloss
        ("綠(lǜ)色", "綠色"),
    ],
)
def test_pinyin_glosses_are_dropped(raw: str, expected: str) -> None:
    assert strip_pinyin_glosses(raw) == expected


@pytest.mark.parametrize(
    "kept",
    [
        "（一）基本情况分析",
        "(一)基本情况",
        "2016年底(2016年)全部达标",
        "县(区)党政负责同志",
        "乡(镇、街道)每月评选",
        "国内生产总值(GDP)",
        "手机(app)下载",  # untoned latin is too ambiguous to drop
        "方案(a)与方案(b)",
        "见附件(2)",
        "罗霜(1993年--),女",
    ],
)
def test_real_parenthesised_content_is_kept(kept: str) -> None:
    assert strip_pinyin_glosses(kept) == kept


def test_normalize_for_match() -> None:
    assert normalize_for_match("給錢給物,不如建個好支部") == "给钱给物不如建个好支部"
    assert normalize_for_match("“五個一”全覆蓋 包聯(lián)") == "五个一全覆盖包联"
    assert normalize_for_match("ＡＢＣ－１２３ abc_1") == "abc123abc1"
    assert normalize_for_match("——。！？") == ""


# --------------------------------------------------------------------------- the five seeds

SPAM_OR_CHROME = [
    "一区二区", "在线观看", "蜘蛛池", "国产", "免费看",
    "网站首页", "网站地图", "首页 >", "首页>>", "APP下载", "回到顶部", "QQ客服", "微信二维码", "分享到",
    "转载", "版权", "免责声明", "声明:", "责任编辑", "责编", "美编", "用户昵称", "验证码", "评论",
    "猜你喜欢", ".jpg", "浏览量", "收藏", "关键词", "中图分类号", "标签:", "来源:", "执笔", "作者单位",
    "作者简介", "参考文献", "[J]", "字号", "主任动态", "人大代表名单", "党组分工", "回到频道首页", "核心提示",
    "【摘要】", "摘  要", "内容摘要",
]  # fmt: skip


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_has_no_chrome_or_spam(seeds: dict[str, Document], prefix: str) -> None:
    text = seeds[prefix].text
    for junk in SPAM_OR_CHROME:
        assert junk not in text, f"{prefix}: {junk!r} left in the cleaned text"


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_is_simplified_without_glosses(seeds: dict[str, Document], prefix: str) -> None:
    doc = seeds[prefix]
    assert to_simplified(doc.text) == doc.text
    assert to_simplified(doc.title) == doc.title
    assert not re.search(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]", doc.text), "pinyin gloss left"
    for traditional in "鄉經黨縣區發農業產聯現":
        assert traditional not in doc.text


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_text_shape(seeds: dict[str, Document], prefix: str) -> None:
    """One paragraph per line, one blank line between paragraphs, no stray whitespace."""
    text = seeds[prefix].text
    assert "\n\n\n" not in text
    for paragraph in text.split("\n\n"):
        assert paragraph and paragraph == paragraph.strip() and "\n" not in paragraph
        assert "  " not in paragraph and "\u3000" not in paragraph and "\xa0" not in paragraph


def test_seed_titles(seeds: dict[str, Document]) -> None:
    assert seeds["000"].title == "农村基层党建对精准扶贫深化推动的作用"
    assert seeds["002"].title == "打好基层党建 决胜脱贫攻坚"
    assert seeds["003"].title == "“八个着力”抓实驻村扶贫工作"
    assert seeds["004"].title == "“基层党建+精准扶贫”的开江模式"
    # 001 has no title line at all: its opening clause stands in, and says so.
    assert seeds["001"].title.startswith("按照《关于巩固深化“不忘初心、牢记使命”主题教育成果的意见》")
    assert seeds["001"].meta["title_source"] == "derived"
    for doc in seeds.values():
        assert doc.title and not doc.text.startswith(doc.title)  # the title is not repeated in the body


def test_seed_metadata(seeds: dict[str, Document]) -> None:
    m000, m002, m003, m004 = (seeds[k].meta for k in ("000", "002", "003", "004"))
    assert (m000["date"], m000["author"], m000["origin"]) == (
        "2020-04-25",
        "罗霜",
        "科学导报·学术 2020年65期",
    )
    assert m000["affiliation"] == "四川工商学院"
    assert (m002["date"], m002["author"], m002["origin"]) == ("2016-05-19", "吴益美", "中国社会科学网")
    assert (m003["author"], m003["subtitle"], m003["date"]) == (
        "李建国",
        "关于做好驻村扶贫工作的思考",
        "2018-11-20",
    )
    assert m004["author"] == "陶建群 刘广为 韩冰曦"
    assert m004["keywords"] == "开江县 基层党建 精准扶贫"
    assert seeds["001"].meta["origin"] == "网络整理"


def test_seed_bodies_start_and_end_with_content(seeds: dict[str, Document]) -> None:
    first = {k: d.text.split("\n\n")[0] for k, d in seeds.items()}
    last = {k: d.text.split("\n\n")[-1] for k, d in seeds.items()}
    assert first["000"].startswith("基层党组织在精准扶贫工作当中发挥着十分重要的作用")  # abstract, label gone
    assert first["001"].startswith("按照《关于巩固深化")
    assert first["002"].startswith("近日,中共中央政治局委员")
    assert first["003"].startswith("作为2018年3月被组织选派到贫困一线")  # the whole menu block is gone
    assert first["004"].startswith("近年来,开江县结合全县实际")
    assert last["000"].startswith(
        "在脱贫攻坚工作当中,党组织应当充分的发挥"
    )  # references, bio, related list gone
    assert last["002"].startswith("精选派优,敢为决胜脱贫攻坚冲锋陷阵")
    assert last["003"].startswith("前文已述驻村扶贫工作队")  # heading "八、要重教育抓管理" is its own paragraph
    assert last["004"].startswith("其次是保持帮扶政策的持续性")


def test_seed_structure_is_kept(seeds: dict[str, Document]) -> None:
    paragraphs = {k: d.text.split("\n\n") for k, d in seeds.items()}
    assert "引言" in paragraphs["000"] and "三、结束语" in paragraphs["000"]
    assert "(一)基本情况分析" in paragraphs["001"]
    assert "一、要抓学习增本领,着力夯实扶贫“基本功”" in paragraphs["003"]
    assert "因地制宜打造“基层党建+精准扶贫”的创新模式" in paragraphs["004"]


def test_repeated_summary_is_kept_once(seeds: dict[str, Document]) -> None:
    """004 shows its summary twice ("核心提示" and "【摘要】"): one copy stays."""
    assert seeds["004"].text.count("实现了由“输血型”扶贫向“造血型”扶贫的迈进") == 1


def test_dev_gold_phrases_survive_cleaning(seeds: dict[str, Document]) -> None:
    questions = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    answerable = [q for q in questions if q["gold"]]
    assert len(answerable) >= 20
    for q in answerable:
        doc = seeds[q["doc"]]
        assert normalize_for_match(q["gold"]) in normalize_for_match(doc.text), q["id"]


def test_cleaning_only_removes_whole_lines() -> None:
    """Apart from glosses, labels and whitespace, every kept line is a line of the original."""
    raw = seed_path("004").read_text(encoding="utf-8")
    original = {normalize_for_match(line) for line in raw.split("\n")}
    doc = load_document(seed_path("004"), "004.txt")
    for paragraph in doc.text.split("\n\n"):
        assert any(normalize_for_match(paragraph) in line for line in original), paragraph


# --------------------------------------------------------------------------- other layouts

GOV_PAGE = """当前位置：首页 > 政策法规 > 正文
关于做好2023年农村低保工作的通知
发布时间：2023-05-06 10:20  来源：XX县民政局  浏览次数：123
【字体：大 中 小】  打印  关闭
各乡镇人民政府：
为切实保障农村困难群众基本生活，现就做好2023年农村低保工作通知如下。
一、提高保障标准
农村低保标准由每人每年5000元提高到5400元(2023年7月起执行)。
（一）申请条件
家庭人均收入低于当地低保标准、且财产状况符合规定的农村居民，可以申请低保。
2016年5月19日，国务院印发了相关意见，本通知继续执行。
成人教育、亚洲开发银行贷款项目和精品课程建设不受本通知影响。
首页设计、网站地图更新等信息化工作由县政务中心负责，请各乡镇按时报送材料。
特此通知。
XX县民政局
2023年5月6日
上一篇：关于开展春季防汛检查的通知
下一篇：关于做好高校毕业生就业工作的通知
相关阅读
关于做好2022年农村低保工作的通知
农村低保政策问答
版权所有 © 2023 XX县人民政府  ICP备12345678号  公网安备 000000号
主办：XX县人民政府办公室 | 联系我们 | 网站地图
"""


def test_government_page_layout() -> None:
    doc = clean_document("notice.txt", GOV_PAGE, {})
    lines = doc.text.split("\n\n")
    assert doc.title == "关于做好2023年农村低保工作的通知"
    assert doc.meta["date"] == "2023-05-06" and doc.meta["origin"] == "XX县民政局"
    for kept in (
        "各乡镇人民政府：",
        "为切实保障农村困难群众基本生活，现就做好2023年农村低保工作通知如下。",
        "一、提高保障标准",
        "农村低保标准由每人每年5000元提高到5400元(2023年7月起执行)。",
        "（一）申请条件",
        "2016年5月19日，国务院印发了相关意见，本通知继续执行。",  # a date that starts a sentence
        "成人教育、亚洲开发银行贷款项目和精品课程建设不受本通知影响。",  # spam words in prose
        "首页设计、网站地图更新等信息化工作由县政务中心负责，请各乡镇按时报送材料。",  # nav words in prose
        "特此通知。",
        "XX县民政局",
    ):
        assert kept in lines, kept
    for junk in (
        "当前位置",
        "浏览次数",
        "字体",
        "打印",
        "上一篇",
        "下一篇",
        "相关阅读",
        "农村低保政策问答",
        "版权",
        "联系我们",
    ):
        assert junk not in doc.text, junk


def test_breadcrumb_drops_the_menu_above_it_but_not_prose() -> None:
    menu = "\n".join(["首页", "新闻中心", "政务公开", "办事服务", "互动交流", "• 信息公开目录"])
    page = f"{menu}\n首页 >> 政务公开 >> 政策文件\n驻村工作队管理办法\n第一条 为加强驻村工作队管理，制定本办法。\n"
    doc = clean_document("p.txt", page, {})
    assert doc.title == "驻村工作队管理办法"
    assert doc.text == "第一条 为加强驻村工作队管理，制定本办法。"

    prose_first = "本县现有驻村工作队员一百二十名，覆盖全部贫困村，工作成效明显，群众满意度高。\n" + page
    kept = clean_document("p.txt", prose_first, {}).text
    assert kept.startswith("本县现有驻村工作队员一百二十名")  # prose before a breadcrumb is never dropped


def test_spam_line_needs_density_not_single_words() -> None:
    spam = "国产精品免费看 | 欧美日韩在线观看 | 亚洲一区二区三区 | 午夜福利视频"
    prose = "我县与亚洲开发银行合作，推进成人教育和精品课程建设，国产农机具补贴政策同步落实。"
    doc = clean_document("s.txt", f"{spam}\n{prose}\n{spam}", {})
    assert doc.text == prose


def test_html_title_and_heading_markers() -> None:
    raw = "# 乡村振兴促进法解读\n## 一、总则\n为了全面实施乡村振兴战略，制定本法。\n"
    doc = clean_document("law.html", raw, {"title": "乡村振兴促进法解读_中国人大网", "format": "html"})
    assert doc.title == "乡村振兴促进法解读"
    assert doc.text == "## 一、总则\n\n为了全面实施乡村振兴战略，制定本法。"


def test_meta_title_used_when_body_has_none() -> None:
    doc = clean_document(
        "x.docx", "为了全面实施乡村振兴战略，制定本法。\n", {"title": "Microsoft 文档", "author": "張三"}
    )
    assert doc.title == "Microsoft 文档"
    assert doc.meta["author"] == "张三"  # loader meta is converted to simplified too


def test_traditional_page_with_glosses() -> None:
    raw = "網站首頁 | 網站地圖\n鄉(xiāng)村振興\n堅持農(nóng)業農村優(yōu)先發(fā)展，健全城鄉融合發展體制機制。\n[責任編輯:趙橙涔]\n"
    doc = clean_document("t.txt", raw, {})
    assert doc.title == "乡村振兴"
    assert doc.text == "坚持农业农村优先发展，健全城乡融合发展体制机制。"


def test_author_bio_dropped_but_not_the_paragraph_after_an_empty_label() -> None:
    raw = (
        "标题\n作者简介:\n近日,中组部召开座谈会,强调要深入学习贯彻重要指示精神,夯实基层基础。\n"
        "作者简介:\n张三(1980年--),男,汉族,河南人,研究方向:农村治理。\n"
    )
    doc = clean_document("b.txt", raw, {})
    assert doc.text == "近日,中组部召开座谈会,强调要深入学习贯彻重要指示精神,夯实基层基础。"


@pytest.mark.parametrize(
    "content",
    [
        "声明：本人承诺所填信息真实有效。",
        "未经许可不得使用集体土地。",
        "加强知识产权和版权保护，打击侵权盗版行为。",
        "来源：国务院扶贫办统计，全国贫困人口大幅减少。",
        "时间：2023年5月6日 地点：村委会会议室",
        "一、总体要求",
        "王家村",
    ],
)
def test_content_that_resembles_chrome_is_kept(content: str) -> None:
    raw = f"村务公开管理办法\n为规范村务公开，制定本办法。\n{content}\n本办法自发布之日起施行。"
    assert content in clean_document("c.txt", raw, {}).text.split("\n\n")


def test_empty_and_whitespace_lines_collapse() -> None:
    doc = clean_document("w.txt", "标题\n\n\n\n第一段。\n \n\u3000\u3000第二段　内容。\n\n\n", {})
    assert doc.text == "第一段。\n\n第二段 内容。"
