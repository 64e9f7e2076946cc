"""Questions that ask for an amount or an age, and whether the passages found state one.

Why: "村干部每个月的基本报酬标准是多少钱？" shares nearly every word with a passage about cadre
pay mechanisms, so both retrieval signals (dense cosine, term coverage) say "answered" — yet the
passage names no amount. Showing it would read as an answer to "how much" that it is not, which
is exactly the wrong policy advice this product must never give. A villager asking 多少钱 /
多少岁 gets an answer only if the top passages actually contain a sum of money / an age.

Only these two types are checked: they are common in villagers' questions, and their evidence
is unambiguous (a number followed by 元/块 or 岁). Counts and durations ("多少名", "多久") are
left to the general signals, because the documents state them in too many shapes (每季度, 一批).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum

from bot.kb.chunking import split_sentences
from bot.kb.normalize import to_simplified


class Quantity(Enum):
    MONEY = "金额"
    AGE = "年龄"


_MONEY_NOUNS = "补助|补贴|报酬|工资|津贴|薪酬|补偿|奖励|奖金|资金|费用|保费|党费|利息|贷款|生活费|分红|收入"
_NOT_MONEY = "(?![个名户人项次年月天分亩斤岁])"  # 多少分 / 几户: a count, not a sum of money
_ASKS = {
    Quantity.MONEY: re.compile(
        r"多少钱|几块钱|多少块|多少元|多少万"
        rf"|(?:{_MONEY_NOUNS})[^，。？！,?!]{{0,4}}多少{_NOT_MONEY}"
        rf"|多少[^，。？！,?!]{{0,2}}(?:{_MONEY_NOUNS})"
        rf"|(?:给|发|领|补|交|缴|报销|报|贷|借|拿|赔)(?:多少|几){_NOT_MONEY}"
    ),
    Quantity.AGE: re.compile(
        r"多少岁|几岁|多大(?:年纪|岁数)|(?:年龄|年纪|岁数)(?:上限|下限|限制|要求|条件)?[^，。？！,?!]{0,3}多少"
    ),
}
_NUMBER = r"(?:[0-9０-９]+(?:[.．][0-9]+)?|[零〇一二两三四五六七八九十][零〇一二两三四五六七八九十百千万亿]*)"
_MONEY_NOUN = re.compile(_MONEY_NOUNS)
_STATES = {
    # 1.2亿元, 300元, 两千块, 70%, and "30万" on its own (not 30万人 / 30万亩: a count)
    Quantity.MONEY: re.compile(
        rf"{_NUMBER}\s*(?:[万千亿]\s*)?(?:元|块)|{_NUMBER}\s*[万亿](?![人户名个亩次项头只斤吨])|{_NUMBER}\s*[%％]|百分之"
    ),
    Quantity.AGE: re.compile(rf"{_NUMBER}\s*周?岁"),
}


def asked_quantity(question: str) -> Quantity | None:
    """The kind of figure the question asks for, if it asks for a sum of money or an age."""
    text = to_simplified(question)
    for kind, pattern in _ASKS.items():
        if pattern.search(text):
            return kind
    return None


def states_quantity(kind: Quantity, question: str, passages: Iterable[str]) -> bool:
    """Whether a sentence of the passages states a figure of that kind (e.g. "1.2亿元", "35周岁").

    When the question names what the money is (报酬, 补助 …), the figure must stand in a
    sentence about that same thing: "村集体经济收入在20万元以下" does not say what a cadre earns.
    """
    pattern = _STATES[kind]
    nouns = set(_MONEY_NOUN.findall(to_simplified(question))) if kind is Quantity.MONEY else set()
    for text in passages:
        for line in to_simplified(text).splitlines():
            for sentence in split_sentences(line):
                if pattern.search(sentence) and (not nouns or any(noun in sentence for noun in nouns)):
                    return True
    return False
