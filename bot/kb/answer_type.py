"""Questions that ask for an amount, a rate or an age, and whether a passage states one.

Why: "村干部每个月的基本报酬标准是多少钱？" shares nearly every word with a passage about cadre
pay mechanisms, so both retrieval signals (dense cosine, term coverage) say "answered" — yet the
passage names no amount. Showing it would read as an answer to "how much" that it is not, which
is exactly the wrong policy advice this product must never give. A villager asking 多少钱 /
多少岁 / 报销比例是多少 gets an answer only if a top passage actually states a sum / an age / a rate,
in a sentence about what was asked.

"About what was asked" has two parts:
- the thing the money is (报酬, 生活费 …): the figure's sentence must name it or a word documents
  use for it (生活费 ~ 基本生活标准 ~ 供养标准; resources/figure_words.txt);
- its scope: a question for a year (2026年度) is not answered by a figure stated for another year,
  nor a question about 城市 by a figure stated for 农村 (`OTHER_SCOPE`), so the answer can say
  the year is not stated instead of passing 2025's 7800元 off as 2026's.

Counts and durations ("多少名", "多久") are left to the general signals, because the documents
state them in too many shapes (每季度, 一批).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from importlib import resources

from bot.kb.chunking import split_sentences
from bot.kb.normalize import to_simplified


class Quantity(Enum):
    MONEY = "金额"
    AGE = "年龄"
    RATE = "比例"
    COUNT = "数字"  # 几天 / 多少平方米 / 几头: a number with the unit asked (see _UNITS)


_MONEY_NOUNS = (
    "补助|补贴|报酬|工资|津贴|薪酬|补偿|奖励|奖金|资金|费用|保费|党费|利息|贷款|生活费|分红|收入|护理费|奖补|资助|额度"
)
_NOT_MONEY = "(?![个名户人项次年月天分亩斤岁倍头只羽平周小公])"  # 多少分 / 几户: a count, not a sum of money
_RATE_NOUNS = "比例|利率|费率|比率|百分比"
_ASKS = {
    Quantity.RATE: re.compile(
        rf"(?:{_RATE_NOUNS})[^，。？！,?!]{{0,4}}(?:多少|几|多高|咋算|怎么算)|(?:多少|几)[^，。？！,?!]{{0,2}}(?:{_RATE_NOUNS})"
        rf"|百分之几|几成|多少个点|(?:什么|啥|哪个)(?:{_RATE_NOUNS})"
    ),
    Quantity.MONEY: re.compile(
        r"多少钱|几块钱|多少块|多少元|多少万"
        rf"|(?:{_MONEY_NOUNS})[^，。？！,?!]{{0,4}}多少{_NOT_MONEY}"
        rf"|多少[^，。？！,?!]{{0,2}}(?:{_MONEY_NOUNS})"
        rf"|(?:给|发|领|补|交|缴|报销|报|贷|借|拿|赔|减免|出)(?:多少|几){_NOT_MONEY}"
    ),
    Quantity.AGE: re.compile(
        r"多少岁|几岁|多大(?:年纪|岁数)|(?:年龄|年纪|岁数)(?:上限|下限|限制|要求|条件)?[^，。？！,?!]{0,3}多少"
    ),
}
# Unit asked → units a document may answer it with. 多少人/几户/几次 stay with the general signals
# (documents state counts in too many shapes: 一批, 全体, 每季度).
_UNITS: dict[str, str] = {
    "平方米": "平方米|平米|㎡",
    "平米": "平方米|平米|㎡",
    "亩": "亩",
    "天": "天|日|个?工作日",
    "日": "天|日|个?工作日",
    "工作日": "天|日|个?工作日",
    "个月": "个?月",
    "月": "个?月",
    "年": "年",
    "小时": "小时",
    "头": "头|只",
    "只": "只|头|羽",
    "羽": "羽|只",
    "倍": "倍",
    "公里": "公里",
    "次": "次",
    "多久": "天|日|个?工作日|个?月|年|小时|周",
}
_ASKS_UNIT = re.compile(
    r"(?<![那这好前后十头])(?:多少|几)(?:个)?(" + "|".join(sorted(_UNITS, key=len, reverse=True))
    + r")(?![几号份])|(多久|多长时间|多长|(?:时限|期限)(?=[^，。？！,?!]{0,2}(?:多少|多长|几)))"  # 几月几号 asks a date, not a number of months
)
_ASKS_OFTEN = re.compile(r"(?:多久|多长时间|多长|几)[^，。？！,?!]{0,14}(?:一次|一回|一趟)")
_NUMBER = r"(?:[0-9０-９]+(?:[.．][0-9]+)?|[零〇一二两三四五六七八九十][零〇一二两三四五六七八九十百千万亿]*)"
_MONEY_NOUN = re.compile(_MONEY_NOUNS)
_RATE_FIGURE = rf"{_NUMBER}\s*[%％]|百分之|{_NUMBER}\s*个百分点|{_NUMBER}\s*成(?![本员])|基准利率|LPR"
_STATES = {
    # 1.2亿元, 300元, 两千块, 70%, and "30万" on its own (not 30万人 / 30万亩: a count); a table
    # row keeps its figure as a bare number after a 元 header ("补助标准（元/户）：35000").
    Quantity.MONEY: re.compile(
        rf"{_NUMBER}\s*(?:[万千亿]\s*)?(?:元|块)|{_NUMBER}\s*[万亿](?![人户名个亩次项头只斤吨])|{_RATE_FIGURE}"
        r"|[（(]\s*元[^）)]{0,6}[）)][^。\n]*?\d{3,}"
    ),
    Quantity.AGE: re.compile(rf"{_NUMBER}\s*周?岁"),
    Quantity.RATE: re.compile(rf"{_RATE_FIGURE}|全额"),
}

# A year the question is about ("2026年度", "2025年"), not a date ("2025年9月1日").
_YEAR = re.compile(r"(20\d\d)\s*年(?:度)?(?!\s*[0-9０-９一二三四五六七八九十]{1,2}\s*月)")
# "交多少钱" asks what one pays: the figure's sentence must be about paying (not a 封顶线).
_VERB_WORDS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"[交缴][^，。？！,?!]{0,4}多少|多少[^，。？！,?!]{0,2}[交缴]"), ("缴", "交")),
    (re.compile(r"报销?[^，。？！,?!]{0,4}多少|报销?几"), ("报销", "报", "支付", "救助")),
)
# Question word → document words it excludes when they stand alone (城里的低保 is not 农村低保).
_CONTRASTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("城市", "城镇", "城里", "县城"), ("农村",)),
    (("职工",), ("城乡居民", "居民医保")),
)


@lru_cache(maxsize=1)
def _figure_words() -> dict[str, tuple[str, ...]]:
    """Money noun as asked → words documents use for it (resources/figure_words.txt)."""
    text = resources.files("bot.kb.resources").joinpath("figure_words.txt").read_text(encoding="utf-8")
    table: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        words = line.split()
        if words and not line.startswith("#"):
            table[words[0]] = tuple(words)
    return table


class Figure(Enum):
    STATED = "stated"  # a sentence states the asked figure for the asked thing
    OTHER_SCOPE = "other scope"  # it is stated, but only for another year / group
    ABSENT = "absent"


@dataclass(frozen=True)
class FigureCheck:
    outcome: Figure
    sentences: tuple[str, ...] = ()  # the sentences stating it (STATED only)


def asked_quantity(question: str) -> Quantity | None:
    """The kind of figure the question asks for, if it asks for a sum of money, a rate, an age or
    a number of some unit (几天, 多少平方米)."""
    text = to_simplified(question)
    for kind, pattern in _ASKS.items():
        if pattern.search(text):
            return kind
    if _ASKS_UNIT.search(text):
        return Quantity.COUNT
    return None


def _pattern(kind: Quantity, question: str) -> re.Pattern[str]:
    if kind is not Quantity.COUNT:
        return _STATES[kind]
    asked = [unit or "多久" for match in _ASKS_UNIT.findall(question) for unit in match[:1]]
    units = "|".join(_UNITS[unit] for unit in dict.fromkeys(asked)) or "$^"
    # "多久报告一次" is answered by "每周三、五" as well as by "3个月"; "时限多少" / "多久能办好" ask
    # how long, which "每人每月100元" does not say.
    often = r"|每(?:个)?(?:周|星期|月|季度|半年|年|天|日)" if "多久" in asked and _ASKS_OFTEN.search(question) else ""
    return re.compile(rf"(?<![0-9０-９]){_NUMBER}\s*(?:{units}){often}")


# A date ("自2025年4月1日起", "每月20日前") is when, not how long: dropped before a count is looked for.
_DATE = re.compile(r"(?:(?:19|20)\d\d\s*年)?(?:\d{1,2}\s*月)?\d{1,2}\s*日(?=[前起至止后])|(?:19|20)\d\d\s*年(?:度)?|\d{1,2}\s*月\s*\d{1,2}\s*日")


def _undated(sentence: str) -> str:
    return _DATE.sub("", sentence)


def asked_years(question: str) -> frozenset[str]:
    return frozenset(_YEAR.findall(to_simplified(question)))


# "改造方式：拆除重建；户类型：农村低保户；补助标准（元/户）：40000。": a table row whose cells name
# their columns (bot/kb/loaders) is one statement, not three sentences.
TABLE_ROW = re.compile(r"^(?:[^：；。\n]{1,16}：[^；。\n]*；)+[^：；。\n]{1,16}：[^；。\n]*。?$")


def _sentences(text: str) -> Iterable[str]:
    for line in to_simplified(text).splitlines():
        if TABLE_ROW.match(line.strip()):
            yield line.strip()
        else:
            yield from split_sentences(line)


def _out_of_scope(
    question: str, years: frozenset[str], sentence: str, passage_years: set[str], frame: str, passage: str = ""
) -> bool:
    """A figure stated for another year (the sentence's own, else the passage's) or group (the
    sentence's own, else the passage's: "即17460元" under "以当地农村低保月标准…为计算基数" is a 农村 sum)."""
    stated_years = set(_YEAR.findall(sentence)) or passage_years
    sentence = f"{frame}\n{sentence}"
    if years and stated_years and not years & stated_years:
        return True
    for asked, excluded in _CONTRASTS:
        if not any(w in question for w in asked):
            continue
        for scope in (sentence, f"{frame}\n{passage}"):
            if any(w in scope for w in asked):
                break
            if any(w in scope for w in excluded):
                return True
    return False


def check_figure(kind: Quantity, question: str, text: str, frame: str = "") -> FigureCheck:
    """Whether a sentence of `text` states a figure of that kind about what the question asks.

    `frame` is the passage's title and heading: a year or group they name counts for every
    sentence under them that names none itself.

    When the question names what the money is (报酬, 生活费 …), the figure must stand in a
    sentence about that same thing: "村集体经济收入在20万元以下" does not say what a cadre earns.
    """
    question = to_simplified(question)
    pattern = _pattern(kind, question)
    words: list[tuple[str, ...]] = []
    if kind is Quantity.MONEY:
        table = _figure_words()
        words = [table.get(noun, (noun,)) for noun in dict.fromkeys(_MONEY_NOUN.findall(question))]
        if not words:
            words = [verb_words for pattern, verb_words in _VERB_WORDS if pattern.search(question)][:1]
    years = asked_years(question)
    simplified = to_simplified(text)
    passage_years = set(_YEAR.findall(simplified)) or set(_YEAR.findall(to_simplified(frame)))
    frame = to_simplified(frame)
    stated: list[str] = []
    other_scope = False
    for sentence in _sentences(text):
        if not pattern.search(_undated(sentence) if kind is Quantity.COUNT else sentence):
            continue
        if words and not any(w in sentence for group in words for w in group):
            continue
        if _out_of_scope(question, years, sentence, passage_years, frame, simplified):
            other_scope = True
            continue
        stated.append(sentence)
    if stated:
        return FigureCheck(Figure.STATED, tuple(stated))
    return FigureCheck(Figure.OTHER_SCOPE if other_scope else Figure.ABSENT)


def figure_count(kind: Quantity, question: str, sentence: str) -> int:
    """How many of the units a question asks for a sentence states ("能展多久？能展几次？" →
    "只能办理1次，最长不超过1年" states two); 1 for a sum, a rate or an age."""
    question = to_simplified(question)
    if kind is not Quantity.COUNT:
        return 1
    sentence = to_simplified(sentence)
    asked = dict.fromkeys(unit or "多久" for match in _ASKS_UNIT.findall(question) for unit in match[:1])
    sentence = _undated(sentence)
    return sum(1 for unit in asked if re.search(rf"{_NUMBER}\s*(?:{_UNITS[unit]})", sentence)) or 1


def states_quantity(kind: Quantity, question: str, passages: Iterable[str]) -> bool:
    """Whether any of the passages states a figure of that kind (e.g. "1.2亿元", "35周岁") for
    what the question asks (see `check_figure`)."""
    return any(check_figure(kind, question, text).outcome is Figure.STATED for text in passages)


# --- the kind of fact a question asks for, as a ranking signal --------------------------------
# "今年秋季的雨露计划啥时候报名？最晚到哪天？" shares more words with passages that repeat 雨露计划
# than with the one sentence that states the dates; a villager asking 啥时候 wants the passage that
# states a date, one asking 带啥材料 the one that lists documents, one asking 打哪个电话 a number.
# These are shapes every county document shares, not any document's wording.
@dataclass(frozen=True)
class FactKind:
    name: str
    asks: re.Pattern[str]
    states: re.Pattern[str]
    min_matches: int = 1  # distinct matches a passage needs (a materials list names several)
    # Looser statements an answer may quote but retrieval does not favour: "验收合格后15个工作日内
    # 拨付" says when, yet every procedure article says "X个工作日内" of something.
    loose: re.Pattern[str] | None = None


FACT_KINDS = (
    FactKind(
        "phone",
        re.compile(r"电话|号码|热线|打哪个"),
        re.compile(r"\d{3,4}[-－—]\d{6,8}|12345|123\d\d"),
    ),
    FactKind(
        "date",
        re.compile(r"什么时候|啥时候|哪天|几号|截止|最晚|最迟|哪一天|几月份|报名时间|申报时间"),
        re.compile(r"\d{1,2}月\d{1,2}日|\d{1,2}日[前起至]|每季度|每年\d{1,2}月|每月\d{1,2}日"),
        loose=re.compile(r"\d+个?工作日内|\d+日内|之日起|次月"),
    ),
    FactKind(
        "materials",
        re.compile(r"材料|带啥|带什么|准备啥|准备什么|要带|带些|证件|手续"),
        re.compile(r"身份证|户口簿|户口本|申请表|申请书|审批表|证明|复印件|原件|发票|授权书|残疾人证|一卡通|照片"),
        min_matches=2,
    ),
)


def asked_facts(question: str) -> tuple[FactKind, ...]:
    """The kinds of fact (a date, a phone number, a list of documents) the question asks for."""
    text = to_simplified(question)
    return tuple(kind for kind in FACT_KINDS if kind.asks.search(text))


# "石岭县农业农村局 2025年8月20日" closing a notice is when it was signed, not a date it states.
_SIGNATURE_DATE = re.compile(r"(?:20\d\d年)?\d{1,2}月\d{1,2}日\s*$", re.MULTILINE)


def states_fact(kind: FactKind, text: str, *, loose: bool = False) -> bool:
    """Whether simplified `text` states that kind of fact (a list names `min_matches` documents);
    `loose` also accepts the kind's looser statements (for choosing answer sentences)."""
    if loose and kind.loose is not None and kind.loose.search(text):
        return True
    if kind.name == "date":
        text = _SIGNATURE_DATE.sub("", text)
    if kind.min_matches <= 1:
        return kind.states.search(text) is not None
    return len(set(kind.states.findall(text))) >= kind.min_matches
