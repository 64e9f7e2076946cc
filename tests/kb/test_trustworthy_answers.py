"""Issue 10's examples, end to end with the real model and Chroma: the answer leads with the fact
asked, or honestly says the documents do not cover it.

Three corpora, as a county would load them:
- `county_kb`: the documents the issue's author uploaded, written here in the same genres (a 危房改造
  实施办法 .docx with 第X条 articles, a 医疗救助 Q&A .txt, a 特困人员 供养 细则 .txt);
- `realistic_kb`: tests/data/realistic/docs (the fictional 石岭县 set);
- `seeded_kb`: the bundled seed articles (tests/conftest.py).
Every test here failed on main before issue 10 (checked by running this file against main's code).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from docx import Document as DocxDocument

from bot.answer import compose
from bot.config import PROJECT_ROOT, Settings

REALISTIC_DOCS = PROJECT_ROOT / "tests" / "data" / "realistic" / "docs"
HEADER = "根据知识库中的政策资料："

# A 实施办法 in the usual shape: articles, the subsidy amounts in an article behind four others
# about 危房改造 (so the figure ranks low), materials and time limits.
RENOVATION_ARTICLES = [
    "第一条 为做好农村危房改造工作，保障农村低收入群体住房安全，结合本县实际，制定本办法。",
    "第二条 本办法所称农村危房改造，是指对经鉴定为C级、D级危房的农户住房进行拆除重建或者修缮加固。",
    "第三条 农村危房改造对象为住房不安全的农村低保户、分散供养特困人员、低保边缘家庭和防止返贫监测对象。",
    "第四条 农村危房改造坚持农户自愿申请、村级民主评议、乡镇审核、县级审批的原则，实行一户一档管理。",
    "第五条 房屋安全性鉴定由乡镇人民政府组织技术人员免费开展，农户不需要承担鉴定费用。",
    "第六条 申请农村危房改造，由户主向村民委员会提出书面申请，提交户口簿、身份证复印件和房屋现状照片。",
    "第七条 村民委员会对申请进行民主评议，评议结果在村务公开栏公示7天。",
    "第八条 补助标准：拆除重建的，低保户、分散供养特困人员每户补助3.5万元，低保边缘家庭每户补助2.5万元，"
    "其他对象每户补助1.5万元；修缮加固的，每户补助5000元。",
    "第九条 改造后的房屋5年内不得出租、转让或者用于经营。",
    "第十条 竣工验收合格后15个工作日内，补助资金通过一卡通直接拨付到户主账户。",
]

MEDICAL_QA = """医疗救助政策问答（群众版）

一、哪些人能享受医疗救助？
答：特困人员、低保对象、返贫致贫人口和低保边缘家庭成员，可以享受医疗救助。

二、医疗救助怎么报销？
答：在县内定点医院住院，出院时基本医保、大病保险、医疗救助实行“一站式”结算，群众只需要交个人自付的部分，不需要另外申请。

三、困难群众参加医保有补助吗？
答：有。特困人员参加城乡居民医保的个人缴费全额资助，低保对象每人每年资助200元。

四、住院救助比例是多少？
答：特困人员按90%救助，低保对象按75%救助，每人每年最高救助5万元。

问：住院要不要先交押金？
答：不用。特困人员、低保对象在县域内定点医院住院实行“先诊疗后付费”，入院时不用交押金，出院时只结算个人自付部分。

五、怎么申请医疗救助？
答：因病造成家庭生活困难的，可以向户籍所在地乡镇人民政府提出申请，带上身份证、病历和医疗费用发票。

七、看病钱不够怎么办？
答：经过基本医保、大病保险和医疗救助报销后，个人负担仍然很重的，可以申请倾斜救助，每人每年最高2万元；也可以向乡镇申请临时救助。
"""

SUPPORT_RULES = """特困人员救助供养实施细则

第十条 特困人员基本生活标准按照不低于当地低保标准的1.3倍确定。2025年集中供养特困人员基本生活标准为每人每月830元，分散供养特困人员基本生活标准为每人每月850元。
第十一条 分散供养金按月通过一卡通发放，每月10日前发放到位。
第十二条 特困人员照料护理标准分为全自理、半失能、全失能三档，由乡镇人民政府按月发放。
"""


def _renovation_docx() -> bytes:
    document = DocxDocument()
    document.add_heading("某县农村危房改造实施办法", level=1)
    for article in RENOVATION_ARTICLES:
        document.add_paragraph(article)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _kb(root: Path, embedder, files: dict[str, bytes]):
    from bot.kb import KnowledgeBase

    source = root / "kb"
    source.mkdir()
    for name, content in files.items():
        (source / name).write_bytes(content)
    kb = KnowledgeBase(Settings(data_dir=root / "data", kb_source=source), embedder=embedder)
    kb.ingest()
    return kb


@pytest.fixture(scope="module")
def county_kb(tmp_path_factory: pytest.TempPathFactory, embedder):
    return _kb(
        tmp_path_factory.mktemp("county"),
        embedder,
        {
            "农村危房改造实施办法.docx": _renovation_docx(),
            "医疗救助政策问答.txt": MEDICAL_QA.encode("utf-8"),
            "特困人员救助供养实施细则.txt": SUPPORT_RULES.encode("utf-8"),
        },
    )


@pytest.fixture(scope="module")
def realistic_kb(tmp_path_factory: pytest.TempPathFactory, embedder):
    root = tmp_path_factory.mktemp("realistic")
    files = {path.name: path.read_bytes() for path in REALISTIC_DOCS.iterdir()}
    return _kb(root, embedder, files)


def body(answer) -> str:
    return answer.answer.removeprefix(HEADER)


def lead(answer) -> str:
    """The first sentence: what a villager takes for the answer."""
    return re.split(r"(?<=[。；！])", body(answer), maxsplit=1)[0]


# --- not covered, however close the embedding ---------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "低保怎么申请？",  # was: "…一站式结算…不需要另外申请" (a villager reads: 低保 needs no application)
        "我想贷款养牛，有没有贴息贷款",  # was: 分散供养金 …每月10日前发放到位
    ],
)
def test_a_policy_no_document_covers_is_not_answered(county_kb, question: str) -> None:
    answer = compose(county_kb.search(question))
    assert not answer.grounded, answer.answer
    assert answer.sources == []


def test_a_sum_for_another_policy_is_not_an_answer_on_the_seed_corpus(seeded_kb) -> None:
    """新农合 is named nowhere in the seed articles; a 薄弱村 income threshold is no premium."""
    answer = compose(seeded_kb.search("新农合一年交多少钱？"))
    assert not answer.grounded, answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "小额信贷逾期以后，罚息利率按多少算？",  # the documents say only that 罚息 gets no 贴息
        "娃上幼儿园，脱贫户能减免多少保育费？",  # was: the reprint's 编者按 and website chrome
    ],
)
def test_realistic_questions_no_document_answers(realistic_kb, question: str) -> None:
    answer = compose(realistic_kb.search(question))
    assert not answer.grounded, answer.answer


def test_a_figure_for_another_year_is_not_passed_off_as_the_year_asked(realistic_kb) -> None:
    """Only 2025年度's 7800元 is stated: the answer says 2026 is not stated instead of quoting it."""
    answer = compose(realistic_kb.search("2026年度防止返贫监测范围的收入标准定了多少？"))
    assert not answer.grounded
    assert "2026年" in answer.answer and "7800" not in answer.answer


# --- the figure asked, found and led with ---------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "figures"),
    [
        ("危房改造能补多少钱", ("3.5万元",)),  # the article with the sums ranks behind four others
        ("五保户每月基本生活费多少钱", ("830元", "850元")),  # 五保户 = 特困人员, 生活费 = 基本生活标准
        ("特困人员生活费一个月多少", ("830元", "850元")),
        ("五保户一个月能领多少钱", ("830元", "850元")),  # was: 每人每年资助200元 first
    ],
)
def test_the_answer_leads_with_the_figure(county_kb, question: str, figures: tuple[str, ...]) -> None:
    answer = compose(county_kb.search(question))
    assert answer.grounded, answer.answer
    assert any(figure in lead(answer) for figure in figures), answer.answer
    assert "200元" not in answer.answer
    assert len(answer.sources) == 1


def test_a_yes_no_question_is_answered_by_the_sentence_holding_its_predicate(county_kb) -> None:
    answer = compose(county_kb.search("住院要不要先交押金"))
    assert answer.grounded, answer.answer
    assert body(answer).startswith("不用") and "不用交押金" in body(answer)[:60], answer.answer


def test_no_headings_and_no_second_document(county_kb) -> None:
    """Was: "五、怎么申请医疗救助？七、看病钱不够怎么办？" plus an unrelated sentence."""
    answer = compose(county_kb.search("看病钱不够咋整"))
    assert answer.grounded, answer.answer
    text = body(answer)
    assert "？" not in text and "?" not in text
    assert not re.search(r"[一二三四五六七八九十]、", text)
    assert not text.startswith(("答", "问", "第")), text
    assert len(answer.sources) == 1


@pytest.mark.parametrize(
    ("question", "facts"),
    [
        ("用微信怎么给家里人交医保？", ("云南税务",)),  # was: the 医保电子凭证 activation + a stray 问：
        ("申请雨露计划补助要准备啥材料？", ("学籍证明", "户口簿")),  # was: "14.“雨露计划”补助初审。"
    ],
)
def test_realistic_procedures_are_answered_with_the_step(realistic_kb, question: str, facts: tuple[str, ...]) -> None:
    answer = compose(realistic_kb.search(question))
    assert answer.grounded, answer.answer
    for fact in facts:
        assert fact in answer.answer, answer.answer
    assert "问：" not in answer.answer and "答：" not in answer.answer


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("全国扶贫日是几月几号", "10·17"),  # a rare name the best passage holds verbatim
        ("五网指的是什么？", "五网"),
    ],
)
def test_a_rare_term_found_verbatim_is_answered_on_the_seed_corpus(seeded_kb, question: str, fact: str) -> None:
    answer = compose(seeded_kb.search(question))
    assert answer.grounded, answer.answer
    assert fact in answer.answer


def test_answers_are_short_and_clean(county_kb) -> None:
    """No 第八条 / 答： prefixes, full-width punctuation, and short."""
    answer = compose(county_kb.search("危房改造能补多少钱"))
    text = body(answer)
    assert not re.search(r"第[一二三四五六七八九十]+条", text)
    assert "," not in text and ";" not in text
    assert len(answer.answer) <= 120


# --- session 5: the kind of fact asked, pinyin slips, lists ---------------------------------------
# Each failed on main before this session's change (checked against main 385aea4).


def test_a_rural_sum_is_no_answer_to_a_question_about_the_city(realistic_kb) -> None:
    """Was: "…最高不超过低保月标准的36倍，即17460元" — a 临时救助 sum computed from the 农村 低保
    standard the passage names one sentence earlier, passed off as the 城里 低保."""
    answer = compose(realistic_kb.search("城里低保每月发多少钱？"))
    assert not answer.grounded, answer.answer
    assert "17460" not in answer.answer


def test_a_when_question_is_answered_by_the_passage_that_states_dates(realistic_kb) -> None:
    """Was: the 1500元 补助标准 (more words in common, no date)."""
    answer = compose(realistic_kb.search("雨露计划秋季学期什么时候开始申报，截止到哪天？"))
    assert answer.grounded, answer.answer
    assert "9月15日" in lead(answer) and "10月31日" in lead(answer), answer.answer


def test_a_materials_question_is_answered_by_the_list_of_documents(realistic_kb) -> None:
    """Was: the 办理条件 article (申请 … 危房改造 in common, no document named)."""
    answer = compose(realistic_kb.search("申请危房改造要带什么材料？"))
    assert answer.grounded, answer.answer
    assert "身份证" in body(answer) and "户口簿" in body(answer), answer.answer


def test_a_how_to_question_gets_the_whole_list_led_by_its_opener(realistic_kb) -> None:
    """Was: "扫描…二维码，通过手机在线填报。" alone — the third of three ways, read as the only one."""
    answer = compose(realistic_kb.search("怎么申报防返贫监测？"))
    assert answer.grounded, answer.answer
    assert body(answer).startswith("农户觉得自家有返贫致贫风险的，可以通过以下方式申报："), answer.answer
    assert "村民委员会" in body(answer) and "12317" in body(answer) and "二维码" in body(answer)


def test_the_second_part_of_a_two_part_question_is_answered_from_the_same_passage(realistic_kb) -> None:
    """Was: the sums only; the date they apply from stands in the list's opener."""
    answer = compose(realistic_kb.search("残疾人生活补贴每月多少钱？什么时候开始执行的？"))
    assert answer.grounded, answer.answer
    assert "100元" in body(answer) and "2025年4月1日" in body(answer), answer.answer


def test_a_pinyin_slip_is_read_as_the_documents_word(realistic_kb) -> None:
    """保流 (a slip for 保留) matched nothing; the 7天 of a 公示 answered instead of the 15天 kept."""
    result = realistic_kb.search("村务公开栏里的内容要保流多少天？")
    assert "保留" in result.query_tokens
    answer = compose(result)
    assert answer.grounded, answer.answer
    assert "15天" in lead(answer) and "7天" not in answer.answer, answer.answer


def test_a_documents_purpose_clause_is_never_the_answer(realistic_kb) -> None:
    """Was: "为进一步规范全县农村最低生活保障…" (第一条, all 最低生活保障 from the 低保 bridge) for a
    materials question whose list (第二十一条) ranked below the candidates read for the fact asked."""
    answer = compose(realistic_kb.search("办低保需要准备哪些材料？"))
    assert answer.grounded, answer.answer
    assert not body(answer).startswith("为"), answer.answer
    assert "身份证" in body(answer) and "户口簿" in body(answer), answer.answer


def test_a_question_about_fetching_medicine_is_answered(realistic_kb) -> None:
    """Was refused ("药一年" taken for the means the question names): the 两病 门诊用药 limits answer it."""
    answer = compose(realistic_kb.search("俺家老汉有高血压，天天吃药，在村卫生室拿药一年能报多少钱？"))
    assert answer.grounded, answer.answer
    assert "400元" in body(answer), answer.answer


# --- session 6 ------------------------------------------------------------------------------------
# Each failed on main before this session's change (checked against main 681aba5).


def test_a_time_limit_is_not_read_from_a_date_or_a_monthly_sum(realistic_kb) -> None:
    """Was: "自2025年4月1日起，…每人每月100元" (第六条) led a question for the time limits of the
    审核流程: "4月" and "每月" passed for a number of months, and the article that states the days
    (第十条) named "困难残疾人生活补贴和重度残疾人护理补贴" only in its title, not "两项补贴"."""
    answer = compose(realistic_kb.search("残疾人两项补贴的审核流程是怎样的？各环节时限多少？"))
    assert answer.grounded, answer.answer
    assert "5个工作日" in body(answer), answer.answer
    assert "100元" not in answer.answer


@pytest.mark.parametrize(
    ("question", "first"),
    [
        # Was third: the 职工医保个人账户 Q&A (家里人, 交, 医保 in common) names no 微信.
        ("用微信怎么给家里人交医保？", "打开微信搜索“云南税务”小程序"),
        # Was second, behind 第六条 申请条件: the article that lists the documents.
        ("去乡上申请低保要带些啥材料？", "《石岭县社会救助申请书》和《家庭经济状况核对授权书》"),
        # Was fourth, behind the 申请材料 list (火灾证明): the article that states the sums.
        ("家里房子着火烧了，能申请临时救助不？一般能给多少？", "按照低保月标准的1至3倍给予救助"),
        # Was second, behind a Q&A about C级 rebuilding: the step that states the months.
        ("C级危房修缮加固，批下来以后多长时间内要完工？", "修缮加固的应当自批准之日起3个月内竣工"),
        # Was second, behind the 附件 row "先行救助…1000元以内": the article states the 3000元 line
        # in a sentence; a table row that restates an article reads worse as an answer.
        ("临时救助多少钱以内乡镇可以自己审批？超过了报谁？", "救助金额在3000元以下（含3000元）的，由乡镇人民政府审批"),
    ],
)
def test_the_passage_the_answer_quotes_is_the_first_hit(realistic_kb, question: str, first: str) -> None:
    """The source shown as [1] is retrieval's first hit, and it is the passage that states what is
    asked: the answer's choice of passage (its best sentence's fit) is retrieval's last step."""
    result = realistic_kb.search(question)
    answer = compose(result)
    assert answer.grounded, answer.answer
    assert first in result.hits[0].chunk.text, [h.chunk.text[:40] for h in result.hits]
    assert answer.sources[0].text == result.hits[0].chunk.text
