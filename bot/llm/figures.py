"""The figures a text states — sums of money, percentages, dates, ages, durations, counts, phone
numbers — as comparable values, so the gate can tell whether a model's figure is in the sources.

Why values and not substrings: a model rephrases "3.5万元" as "35000元", "六十周岁" as "60岁",
"百分之五十" as "50%", "10号" as "10日"; comparing text would reject good answers and, worse,
"5000" would be found inside "15000". A figure is a (value, unit) pair: the value with 万/千/亿
applied and the unit folded to one name per kind (元/块 → 元, 周岁 → 岁, 号 → 日). A number
without a unit has unit "" and is matched on its value alone. Long digit runs (phone numbers,
account numbers) are compared digit for digit.

What is deliberately not a figure: the citation marks [n]; Chinese ordinals and counts without
a unit (第一步, 一是); and the Chinese numeral 一 before a unit ("一年交多少" means "per
year", not a duration the passage must state). An Arabic "1年" still counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FULL_WIDTH = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, "．": ".", "％": "%", "，": "，", "－": "-"}
)
CITATION = re.compile(r"[\[［【]\s*(\d+(?:\s*[,，、]\s*\d+)*)\s*[\]］】]")

# Unit spellings → the unit's one name. Longest spellings first (the regex alternation order).
_UNITS: dict[str, str] = {
    "元钱": "元", "块钱": "元", "元": "元", "块": "元",
    "周岁": "岁", "岁": "岁",
    "个工作日": "工作日", "工作日": "工作日",
    "个小时": "小时", "小时": "小时",
    "个星期": "周", "星期": "周", "周": "周",
    "个月": "个月", "月": "月",
    "日": "日", "号": "日", "天": "日",  # 30日内 = 30天内
    "年度": "年", "年": "年",
    "%": "%",
    "人次": "人次", "口人": "人", "人": "人", "户": "户", "名": "人",
    "亩": "亩", "平方米": "平方米", "平米": "平方米", "次": "次", "倍": "倍", "斤": "斤", "公斤": "公斤",
}
_UNIT_ALT = "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True))
_MULTIPLIERS = {"百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
# Starts with a digit or 十, so a bare "万元" (若干万元) is not read as a number.
_CN_NUM = "[零〇一二两三四五六七八九十][零〇一二两三四五六七八九十百千万亿]*"

_LONG_DIGITS = re.compile(r"(?<![\d.])\d+(?:[ -]\d+)*(?![\d.])")
_ARABIC = re.compile(
    rf"(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?)\s*(?P<mult>[百千万亿](?!分之))?\s*(?P<unit>{_UNIT_ALT})?"
)
_PERCENT_CN = re.compile(rf"百分之(?P<num>{_CN_NUM}|\d+(?:\.\d+)?)")
_CHINESE = re.compile(rf"(?P<num>{_CN_NUM})(?P<unit>{_UNIT_ALT})")


@dataclass(frozen=True)
class Figure:
    """One figure: its value (万/千 applied), its unit name ("" = none), and how it was written."""

    value: float | int  # an int for digit runs (exact, however long)
    unit: str
    text: str

    def supported_by(self, others: set[tuple[float | int, str]]) -> bool:
        """True if a source states the same value in the same unit, or the same value bare.

        A bare figure in the answer matches the value in any unit; a bare figure in a passage
        (a table cell "1200") supports the value in any unit too.
        """
        if self.unit == "phone":
            return (self.value, "phone") in others
        if (self.value, self.unit) in others or (self.value, "") in others:
            return True
        return not self.unit and any(v == self.value and u != "phone" for v, u in others)


def chinese_number(text: str) -> float | None:
    """Value of a Chinese numeral: 十五 → 15, 一千五百 → 1500, 两万 → 20000, 二〇二五 → 2025."""
    if not text:
        return None
    if all(ch in _CN_DIGITS for ch in text):  # digit by digit: 二〇二五
        return float("".join(str(_CN_DIGITS[ch]) for ch in text)) if len(text) > 1 else float(_CN_DIGITS[text])
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        elif ch in ("万", "亿"):
            section += digit or 0
            total = (total + section) * _MULTIPLIERS[ch]
            section, digit = 0, None
        else:
            return None
    return float(total + section + (digit or 0))


def extract(text: str) -> list[Figure]:
    """Every figure in `text`, citation marks excluded."""
    text = CITATION.sub(" ", text.translate(_FULL_WIDTH))
    figures: list[Figure] = []
    for m in _LONG_DIGITS.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) >= 7:  # phone, ID or account number: compared digit for digit
            figures.append(Figure(int(digits), "phone", m.group(0)))
    text = _LONG_DIGITS.sub(lambda m: " " if len(re.sub(r"\D", "", m.group(0))) >= 7 else m.group(0), text)
    for m in _PERCENT_CN.finditer(text):
        raw = m.group("num")
        value = float(raw) if raw[0].isdigit() else chinese_number(raw)
        if value is not None:
            figures.append(Figure(value, "%", m.group(0)))
    text = _PERCENT_CN.sub(" ", text)
    for m in _ARABIC.finditer(text):
        value = float(m.group("num").replace(",", ""))
        if m.group("mult"):
            value *= _MULTIPLIERS[m.group("mult")]
        unit = _UNITS.get(m.group("unit") or "", "")
        figures.append(Figure(_round(value), unit, m.group(0)))
    for m in _CHINESE.finditer(text):
        value = chinese_number(m.group("num"))
        if value is None or value == 1:  # 一年 / 一个月 / 一次: "per", not a figure to check
            continue
        figures.append(Figure(_round(value), _UNITS[m.group("unit")], m.group(0)))
    return figures


def values(text: str) -> set[tuple[float | int, str]]:
    """The (value, unit) pairs a source passage states, for `Figure.supported_by`."""
    return {(f.value, f.unit) for f in extract(text)}


def _round(value: float) -> float:
    return round(value, 6)
