"""Which questions ask for a sum of money or an age, and which passages state one."""

from __future__ import annotations

import pytest

from bot.kb.answer_type import (
    Figure,
    Quantity,
    asked_facts,
    asked_quantity,
    check_figure,
    states_fact,
    states_quantity,
)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("低保一个月能领多少钱，咋申请？", Quantity.MONEY),
        ("退耕还林每亩补助标准是多少？", Quantity.MONEY),
        ("贵州雷山县的驻村工作队员每月有多少生活补助？", Quantity.MONEY),
        ("俺娘住院花了两万多，新农合能报销多少？", Quantity.MONEY),
        ("村集体一年能分红多少", Quantity.MONEY),
        ("參選村支書的年齡上限是多少歲？", Quantity.AGE),  # traditional script
        ("村支书最大年纪多少", Quantity.AGE),
        ("低保怎么申请？", None),
        ("这几年村里变化大吗", None),
        ("开江县一共下派了多少名第一书记？", None),  # a count, left to the general signals
        ("党员结对要帮几户？", None),
        ("扶贫资金怎么管？", None),
        ("考核奖励多少分", None),
    ],
)
def test_asked_quantity(question: str, kind: Quantity | None) -> None:
    assert asked_quantity(question) is kind


def test_a_figure_counts_only_in_a_sentence_about_what_was_asked() -> None:
    question = "村干部的报酬是多少钱？"
    assert not states_quantity(Quantity.MONEY, question, ["探索把村干部的报酬与集体经济挂钩。收入在20万元以下的薄弱村。"])
    assert states_quantity(Quantity.MONEY, question, ["村干部基本报酬每月不低于2000元。"])
    assert states_quantity(Quantity.MONEY, "一个月给多少钱？", ["每人每月补助三百元"])  # no noun: any sum
    assert not states_quantity(Quantity.MONEY, "一个月给多少钱？", ["经费不低于XX万元"])  # a placeholder
    assert states_quantity(Quantity.MONEY, "扶持基金有多少钱", ["每个贫困村设立30万产业扶持基金"])
    assert not states_quantity(Quantity.MONEY, "一个月给多少钱？", ["带动30万人就业，流转土地3万亩"])
    assert states_quantity(Quantity.AGE, "年龄上限是多少岁", ["一般不超过60周岁"])
    assert not states_quantity(Quantity.AGE, "年龄上限是多少岁", ["注重选拔年轻干部"])


def test_the_answer_leads_with_the_sentence_stating_the_figure() -> None:
    """Term overlap alone would pick the sentences about 补助 in general; the one with the sum wins."""
    from bot.answer import compose
    from bot.kb.search import SearchResult
    from bot.kb.types import Chunk, Hit

    text = (
        "驻村工作队员生活补助由派出单位按规定发放，补助资金纳入预算管理，补助标准按有关规定执行。"
        "队员补助每人每天80元。"
        "驻村工作队员生活补助的发放情况纳入年度考核，补助发放要及时足额。"
    )
    chunk = Chunk(id="c1", source="s.txt", title="驻村管理办法", section="", text=text, ordinal=0)
    question = "驻村工作队员生活补助标准是多少钱？"
    tokens = ("驻村", "工作队", "生活", "补助", "标准")
    hits = [Hit(chunk, 1.0, 0.9, 1.0)]
    result = SearchResult(question, hits, True, 0.9, 0.9, tokens, asked=asked_quantity(question), eligible=(0,))
    answer = compose(result)
    assert answer.grounded and answer.body.startswith("队员补助每人每天80元")


def test_a_group_named_by_the_passage_scopes_a_figure_whose_sentence_names_none() -> None:
    """"即17460元" sits under "以当地农村低保月标准…为计算基数": a 农村 figure, not the 城里 one asked."""
    passage = (
        "第七条 临时救助标准以当地农村低保月标准（每人每月485元）为计算基数。\n"
        "（三）对个别遭遇特别重大困难的，最高不超过低保月标准的36倍，即17460元。"
    )
    check = check_figure(Quantity.MONEY, "城里的低保一个月多少钱？", passage)
    assert check.outcome is Figure.OTHER_SCOPE
    assert check_figure(Quantity.MONEY, "低保一个月多少钱？", passage).outcome is Figure.STATED


def test_a_time_limit_question_asks_for_a_duration() -> None:
    assert asked_quantity("残疾人两项补贴的审核流程是怎样的？各环节时限多少？") is Quantity.COUNT
    assert asked_quantity("残疾人两项补贴的审核流程是怎样的？") is None


def test_the_kind_of_fact_asked_and_stated() -> None:
    kinds = {k.name: k for k in asked_facts("雨露计划啥时候报名？要带啥材料？打哪个电话？")}
    assert set(kinds) == {"date", "materials", "phone"}
    assert states_fact(kinds["date"], "申报时间为2025年9月15日至10月31日。")
    assert not states_fact(kinds["date"], "石岭县农业农村局\n2025年8月20日")  # a signature date
    assert states_fact(kinds["materials"], "（一）申请书；（二）居民身份证、户口簿；")
    assert not states_fact(kinds["materials"], "向村委会提交申请书。")  # one document is no list
    assert states_fact(kinds["phone"], "咨询电话：0873-4862209")


def test_lines_under_a_lead_in_are_list_items_and_a_numbered_label_never_answers() -> None:
    """Markdown bullets lose their "- " in the loader: the lines under "…以下方式申报：" are still items.
    "1.村级重大事项决策。" heading the text after it names a part; it is no answer sentence."""
    from bot.kb.answer_sentences import sentences

    listed = sentences("可以通过以下方式申报：\n直接向村民委员会申报；\n拨打热线12317；\n扫描二维码在线填报。")
    assert [s.is_item for s in listed] == [False, True, True, True]
    assert listed[0].opens_list
    labelled = sentences("1.村级重大事项决策。重要事项实行“四议两公开”。")
    assert labelled[0].is_label and not labelled[1].is_label


def test_fetching_medicine_names_no_means_of_payment() -> None:
    """"在村卫生室拿药一年能报多少钱" was refused: 拿 read as "by means of" a "药一年" no passage names."""
    from bot.kb.lexicon import means_named

    assert means_named("俺家老汉有高血压，天天吃药，在村卫生室拿药一年能报多少钱？") == []
    assert [c.named for c in means_named("用微信怎么给家里人交医保？")] == ["微信"]
    assert [c.named for c in means_named("拿医保卡能在药店买药吗")] == ["医保卡"]


def test_a_date_is_no_duration_but_how_often_is_answered_by_every() -> None:
    """"自2025年4月1日起" and "每月20日前" say when; "时限多少" asks how long. "多久…一次" asks how
    often, which "每季度" answers."""
    limit = "审核各环节时限多少？"
    assert asked_quantity(limit) is Quantity.COUNT
    assert check_figure(Quantity.COUNT, limit, "自2025年4月1日起，每人每月100元。").outcome is Figure.ABSENT
    assert check_figure(Quantity.COUNT, limit, "资金每月20日前发放到位。").outcome is Figure.ABSENT
    assert check_figure(Quantity.COUNT, limit, "自受理之日起5个工作日内完成初审。").outcome is Figure.STATED
    assert check_figure(Quantity.COUNT, limit, "设置3个月待遇等待期。").outcome is Figure.STATED
    often = "牵头部门多久要给县里主要领导报告一次进展？"
    assert check_figure(Quantity.COUNT, often, "每周三、五定期报告。").outcome is Figure.STATED
