"""The gate's rules on their own: figures compared by value and unit, citations that must exist
and be used, refusals, garbage; the streamed prefix; the circuit breaker's states."""

from __future__ import annotations

import pytest

from bot.llm import figures
from bot.llm.breaker import BreakerState, CircuitBreaker
from bot.llm.gate import REFUSAL, Verdict, check, visible_prefix

HOUSING = "第二条 补助标准：D级危房拆除重建的，每户补助3.5万元；C级危房加固维修的，每户补助1.5万元。"
PROCEDURE = "第三条 申请程序：农户向村民委员会提出申请，村委会在5个工作日内完成评议并公示，公示期为7天。"
PHONE = "第四条 联系方式：县住房和城乡建设局村镇股，电话0851-28765432。"
CARE = "年满六十周岁的特困人员，每人每月基本生活标准850元，自付费用按70%给予救助，2025年1月1日起执行。"
PASSAGES = [HOUSING, PROCEDURE, PHONE, CARE]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("最多3.5万元", [(35000, "元")]),
        ("最多35000块钱", [(35000, "元")]),
        ("一千五百元", [(1500, "元")]),
        ("两万元", [(20000, "元")]),
        ("年满六十周岁", [(60, "岁")]),
        ("百分之七十", [(70, "%")]),
        ("７０％", [(70, "%")]),
        ("每月10号前", [(10, "日")]),
        ("十五个工作日", [(15, "工作日")]),
        ("2025年1月1日", [(2025, "年"), (1, "月"), (1, "日")]),
        ("5,000元", [(5000, "元")]),
        ("电话0851-28765432", [(85128765432, "phone")]),
        ("一年交一次，若干万元", []),  # "per year", and a bare 万 is not a number
        ("第二条[2]说，第3条", [(3, "")]),  # a citation mark is not a figure; an Arabic ordinal is
    ],
)
def test_figures_are_read_as_values_with_units(text: str, expected: list[tuple[float, str]]) -> None:
    assert [(f.value, f.unit) for f in figures.extract(text)] == expected


def test_the_figure_check_accepts_rephrasings_and_needs_the_cited_passage() -> None:
    passages = [PROCEDURE, HOUSING]
    ok = check("能补，D级重建每户35000元[2]，找村委会申请，5个工作日内评议[1]。", passages)
    assert ok.verdict is Verdict.PASSED
    assert ok.text == "能补，D级重建每户35000元[1]，找村委会申请，5个工作日内评议[2]。"
    assert ok.cited == (2, 1)
    # The same figure with only the other passage cited: not in a cited passage.
    wrong = check("能补，D级重建每户35000元[1]。", passages)
    assert wrong.verdict is Verdict.UNSUPPORTED_FIGURE and wrong.unsupported == ("35000元",)


@pytest.mark.parametrize(
    ("reply", "verdict", "detail"),
    [
        ("能补，每户最多5万元[1]。", Verdict.UNSUPPORTED_FIGURE, ("5万元",)),
        ("每人每月850元，自付部分报80%[4]。", Verdict.UNSUPPORTED_FIGURE, ("80%",)),
        ("满65周岁就能领[4]。", Verdict.UNSUPPORTED_FIGURE, ("65周岁",)),
        ("打电话0851-28765433问[3]。", Verdict.UNSUPPORTED_FIGURE, ("0851-28765433",)),
        ("公示期为7天，要等15天[2]。", Verdict.UNSUPPORTED_FIGURE, ("15天",)),
        ("能补，每户3.5万元[7]。", Verdict.BAD_CITATION, (7,)),
        ("能补，每户3.5万元。", Verdict.NO_CITATION, ()),
        ("", Verdict.EMPTY, ()),
        ("  [1] ", Verdict.EMPTY, ()),
        (f"{REFUSAL}。", Verdict.REFUSED, ()),
        (f"抱歉，{REFUSAL}。", Verdict.NO_CITATION, ()),  # only the exact phrase first is a refusal
        ("The passages say 3.5 [1].", Verdict.GARBAGE, ()),
        ("能补<|im_end|>[1]", Verdict.GARBAGE, ()),
        ("能补" * 160 + "[1]", Verdict.TOO_LONG, ()),
    ],
)
def test_each_rule_of_the_gate(reply: str, verdict: Verdict, detail: tuple) -> None:
    result = check(reply, PASSAGES)
    assert result.verdict is verdict
    assert (result.unsupported or result.bad_citations) == detail
    assert result.text == ""


def test_figures_anywhere_in_a_cited_passage_pass() -> None:
    result = check("六十岁以上特困人员每月850元，自付部分按百分之七十救助[4]，电话0851-28765432[3]。", PASSAGES)
    assert result.verdict is Verdict.PASSED and result.cited == (4, 3)
    assert result.text.endswith("[1]，电话0851-28765432[2]。")


def test_the_streamed_prefix_shows_whole_sentences_up_to_an_invented_figure() -> None:
    assert visible_prefix("能补", PASSAGES) == ""  # no whole sentence yet
    assert visible_prefix("能补。D级重建每户3.5万元[2]", PASSAGES) == "能补。"
    assert visible_prefix("能补。D级重建每户3.5万元[2]。", PASSAGES) == "能补。D级重建每户3.5万元[1]。"
    # An invented figure stops the text before its sentence, whatever follows.
    shown = visible_prefix("能补。每户5万元[1]。公示期为7天[2]。", PASSAGES)
    assert shown == "能补。"
    assert visible_prefix("能补[9]。", PASSAGES) == ""
    assert visible_prefix("资料里没", PASSAGES) == "" and visible_prefix(f"{REFUSAL}。", PASSAGES) == ""
    # What streams is the start of what the gate passes.
    final = "能补[2]。D级每户3.5万元[2]，公示期7天[1]。"
    assert check(final, [PROCEDURE, HOUSING]).text.startswith(visible_prefix(final[:8], [PROCEDURE, HOUSING]))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_repeated_failures_and_probes_after_the_cooldown() -> None:
    clock = Clock()
    breaker = CircuitBreaker(3, 60, clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.failure()
    breaker.success()  # a success in between starts the count again
    for _ in range(3):
        assert breaker.allow()
        breaker.failure()
    assert breaker.state is BreakerState.OPEN and not breaker.allow()
    clock.now += 59
    assert not breaker.allow()
    clock.now += 1
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow() and not breaker.allow()  # one probe at a time
    breaker.failure()  # the probe failed: open for another cooldown
    assert breaker.state is BreakerState.OPEN and not breaker.allow()
    clock.now += 60
    assert breaker.allow()
    breaker.success()
    assert breaker.state is BreakerState.CLOSED and breaker.allow() and breaker.allow()
