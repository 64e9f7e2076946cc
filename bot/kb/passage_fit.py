"""How well a passage answers a question, judged by its best sentence — the last ranking step.

Dense and BM25 scores say a passage is *about* the question; they cannot see whether one of its
sentences states what is asked (the figure of 多少钱, the predicate of 要不要, a date, a phone
number, a list of documents, a place). The answer is composed from one passage (bot/answer), and
that passage is shown to the villager as source [1], so it is also retrieval's first hit: this
module picks it among the passages that can answer (`SearchResult.eligible`) and
`Retriever.search` puts it first. The answer layer then quotes its best sentences.

Why the word overlap counts half here (`OVERLAP_SHARE`): retrieval's own score already counted the
question's words; what the sentence adds is the *kind* of fact. On the seed articles, where
questions share few words with any sentence, full overlap moved a passage on one or two words
(dev R@1 0.90 → 0.85 had the choice been the first hit); at half weight, and with a margin before
leaving retrieval's first eligible passage (`SWITCH_MARGIN`), it moves only on what the sentence
states. Measured on all four question files: docs/retrieval.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.kb import lexicon
from bot.kb.answer_sentences import Sentence, sentences
from bot.kb.answer_type import (
    TABLE_ROW,
    FactKind,
    Figure,
    Quantity,
    asked_facts,
    asked_quantity,
    asked_years,
    check_figure,
    figure_count,
)
from bot.kb.normalize import to_simplified
from bot.kb.types import Hit

FIGURE_BONUS = 20.0  # outweighs any term overlap: the figure asked for is the answer
EXTRA_FIGURE_BONUS = 3.0  # per further distinct figure of the asked kind in the sentence
PREDICATE_WEIGHT = 2.0  # per character of a yes/no question's predicate found in the sentence
CUE_BONUS = 4.0  # the sentence has the kind of fact asked (a place, a phone number, a date …)
CONTEXT_WEIGHT = 0.5  # per character shared with the question or heading the sentence answers
LABEL_PENALTY = 6.0  # "14.补助初审。" names a duty; it does not answer
PURPOSE_PENALTY = 12.0  # "为进一步规范…，根据…，制定本办法。" says why a document exists, never an answer
# "救助类型：先行救助；…；救助标准：1000元以内" restates an article in a 附件 table: when an article
# states the fact too, its sentence reads as an answer and the row does not (docs/retrieval.md).
TABLE_PENALTY = 6.0
PASSAGE_FIT_WEIGHT = 0.5  # how much the best sentence's fit moves a passage against its rank
OVERLAP_SHARE = 0.5  # of that fit, the share word overlap keeps (retrieval counted the words)
SWITCH_MARGIN = 0.01  # fused score another passage must gain to displace the first that can answer
_PURPOSE = re.compile(r"^为[^。！？]{4,}?(?:制定本|特制定|现就|通知如下|结合[^。！？]{0,8}实际)")

_YES_NO_Q = re.compile(
    r"(?:要不要|能不能|是不是|用不用|可不可以|会不会|需不需要|需要不需要|有没有|让不让|给不给|算不算|还能|能否|是否|可以)"
    r"(?P<pred>[^，。？！,?!]{1,14})"
)
_YES_NO_TAIL = re.compile(r"(?P<pred>[^，。？！,?!]{2,14})(?:吗|不|没有|么)[？?]?$")


@dataclass(frozen=True)
class Cue:
    asks: re.Pattern[str]
    states: re.Pattern[str]
    lists: bool = False  # the answer is a list (materials, steps)
    weight: float = CUE_BONUS  # a phone number answers "打哪个电话" as a figure answers 多少钱


CUES = (
    Cue(
        re.compile(r"[交缴][^，。？！,?!]{0,3}(?:钱|费|医保|保险)|怎么[交缴]|咋[交缴]|在哪[交缴]"),
        re.compile(r"缴费|缴纳|交费|代缴|缴"),
        weight=2 * CUE_BONUS,
    ),
    Cue(re.compile(r"电话|号码|热线|打哪个"), re.compile(r"\d{3,4}[-－—]\d{6,8}|12345|123\d\d"), weight=4 * CUE_BONUS),
    Cue(
        re.compile(r"什么时候|啥时候|哪天|几号|截止|最晚|最迟|哪一天|几月"),
        re.compile(r"\d{1,2}月\d{1,2}日|\d{1,2}日[前起至]|每季度|每月|每年|每半年|工作日内|之日起"),
        weight=2 * CUE_BONUS,
    ),
    Cue(
        re.compile(r"材料|带啥|带什么|准备啥|准备什么|要带|证件|手续|东西"),
        re.compile(r"材料|身份证|户口簿|申请表|申请书|证明|复印件|原件|发票|[：:]$"),
        lists=True,
        weight=1.5 * CUE_BONUS,
    ),
    Cue(
        re.compile(r"哪里|哪儿|去哪|在哪|哪个部门|找谁|向谁|跟谁|谁来|谁办|地方|地点"),
        re.compile(r"窗口|服务中心|工作站|村委会|村民委员会|乡镇|局|部门|提出|向"),
    ),
    Cue(
        re.compile(r"怎么申请|咋申请|如何申请|怎么申报|咋申报|如何申报|怎么办理|咋办理|怎么报|咋报|流程|程序|步骤|哪几步|怎么交|咋交|怎么弄|咋弄"),
        re.compile(r"申请|提出|办理|打开|搜索|登录|到|向"),
        lists=True,
        weight=0.75 * CUE_BONUS,
    ),
)


@dataclass(frozen=True)
class Ask:
    """What a question asks, as sentence scoring needs it (built once per question)."""

    question: str  # simplified
    terms: dict[str, float]  # question terms (longer words weigh more)
    predicate: tuple[str, ...]  # the words a yes/no question asks about
    cues: tuple[Cue, ...]  # the kinds of fact it asks for
    asked: Quantity | None
    years: tuple[str, ...]

    @classmethod
    def of(cls, question: str, query_tokens: Sequence[str]) -> Ask:
        simplified = to_simplified(question)
        terms = {t: float(len(t)) for t in set(query_tokens) if len(t) >= 2 or not t.isascii()}
        cues = tuple(cue for cue in CUES if cue.asks.search(simplified))
        return cls(
            simplified, terms, tuple(predicate(simplified)), cues, asked_quantity(question),
            tuple(sorted(asked_years(question))),
        )  # fmt: skip

    @property
    def scale(self) -> float:
        return sum(self.terms.values()) + 1.0

    @property
    def wants_list(self) -> bool:
        return any(cue.lists for cue in self.cues)

    @property
    def two_part(self) -> bool:
        return len(re.findall(r"[？?]", self.question)) >= 2

    @property
    def facts(self) -> tuple[FactKind, ...]:
        return asked_facts(self.question)


def overlap(text: str, terms: dict[str, float]) -> float:
    return sum(w for t, w in terms.items() if t in text)


def predicate(question: str) -> list[str]:
    """The words a yes/no question asks about: 住院要不要先交押金 → [先交, 押金]."""
    match = _YES_NO_Q.search(question) or _YES_NO_TAIL.search(question)
    if match is None:
        return []
    return [t for t in lexicon.tokens(match.group("pred")) if len(t) >= 2 or t in "交报补"]


def states_asked_figure(ask: Ask, text: str) -> bool:
    return ask.asked is not None and check_figure(ask.asked, ask.question, text).outcome is Figure.STATED


def kind_score(s: Sentence, ask: Ask) -> float:
    """What the sentence states of the kind asked (figure, predicate, cue, year), less penalties."""
    text = to_simplified(s.text)
    score = 0.0
    if ask.asked is not None:
        check = check_figure(ask.asked, ask.question, text)
        if check.outcome is Figure.STATED:
            # "只能办理1次，最长不超过1年" answers 多久…几次 better than a sentence with one of them
            score += FIGURE_BONUS + EXTRA_FIGURE_BONUS * (figure_count(ask.asked, ask.question, text) - 1)
    score += PREDICATE_WEIGHT * sum(len(t) for t in ask.predicate if t in text)
    score += sum(cue.weight for cue in ask.cues if cue.states.search(text))
    score += sum(CUE_BONUS for year in ask.years if f"{year}年" in text)
    if s.is_label:
        score -= LABEL_PENALTY
    if _PURPOSE.match(text):
        score -= PURPOSE_PENALTY
    if TABLE_ROW.match(text):
        score -= TABLE_PENALTY
    return score - 0.05 * s.position


def word_score(s: Sentence, ask: Ask) -> float:
    """The question's words in the sentence, and (half) in the question or heading it answers."""
    return overlap(to_simplified(s.text), ask.terms) + CONTEXT_WEIGHT * overlap(to_simplified(s.answers), ask.terms)


def score(s: Sentence, ask: Ask) -> float:
    """How well one sentence answers: its words and what it states of the kind asked."""
    return word_score(s, ask) + kind_score(s, ask)


@dataclass(frozen=True)
class Fit:
    """A passage's sentences and its best one (None: table cells or fragments, nothing quotable)."""

    candidates: list[Sentence]
    lead: Sentence | None
    value: float  # the passage's fused score moved by how well its best sentence answers


def fit(hit: Hit, ask: Ask) -> Fit:
    candidates = sentences(hit.chunk.text)
    if not candidates:
        return Fit(candidates, None, hit.score)
    lead = min(candidates, key=lambda s: (-score(s, ask), s.position))
    moved = kind_score(lead, ask) + OVERLAP_SHARE * word_score(lead, ask)
    if ask.asked is Quantity.COUNT:
        # "各环节时限多少": a passage that states the time limit of each step answers it better
        # than one with a single duration in passing.
        stated = check_figure(ask.asked, ask.question, hit.chunk.text).sentences
        moved += EXTRA_FIGURE_BONUS * max(0, len(stated) - 1)
    return Fit(candidates, lead, hit.score + PASSAGE_FIT_WEIGHT * moved / ask.scale)


def choose(evidence: Sequence[Hit], ask: Ask) -> int:
    """Index into `evidence` (best first by retrieval) of the passage to answer from: the first,
    unless another's best sentence answers clearly better (by `SWITCH_MARGIN` of fused score)."""
    best, best_value = 0, float("-inf")
    for n, hit in enumerate(evidence):
        value = fit(hit, ask).value + (SWITCH_MARGIN if n == 0 else 0.0)
        if value > best_value:
            best, best_value = n, value
    return best
