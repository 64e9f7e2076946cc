"""Which sentences of the best passage answer the question, in what order.

The lead is the one sentence a villager will take for the answer, so it is chosen for what the
question asks, not only for shared words: the sentence stating the asked figure (retrieval made
sure the passage has one), the sentence holding the predicate of a yes/no question (要不要先交押金
→ "入院时不用交押金"), the place, the phone number, the date, the materials list, or the first
step. Sentences that stand under the passage's matching question (a Q&A sheet's 问：) count a
little extra. At most one supporting sentence from the same passage follows, only when it adds
question terms the lead lacks and the two stay short; a lead that opens a list ("需要带：") brings
its items instead. Never a heading, never a second document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import texts
from bot.answer.abstain import refusal_text
from bot.answer.sentences import Sentence, full_width, sentences
from bot.answer.types import Answer, Source
from bot.kb import lexicon
from bot.kb.answer_type import Figure, Quantity, asked_facts, check_figure, figure_count, states_fact
from bot.kb.normalize import to_simplified
from bot.kb.search import SearchResult
from bot.kb.types import Hit

SHORT_ANSWER_CHARS = 120  # lead + support stay within this, unless the question asks two things
TWO_PART_ANSWER_CHARS = 170
LIST_ANSWER_CHARS = 170  # a lead that opens a list, with its items
LEAD_MAX_CHARS = 100  # a longer lead is cut to the clauses that answer
FIGURE_BONUS = 20.0  # outweighs any term overlap: the figure asked for is the answer
EXTRA_FIGURE_BONUS = 3.0  # per further distinct figure of the asked kind in the sentence
PREDICATE_WEIGHT = 2.0  # per character of a yes/no question's predicate found in the sentence
CUE_BONUS = 4.0  # the sentence has the kind of fact asked (a place, a phone number, a date …)
CONTEXT_WEIGHT = 0.5  # per character shared with the question or heading the sentence answers
LABEL_PENALTY = 6.0  # "14.补助初审。" names a duty; it does not answer
MIN_SUPPORT_GAIN = 2.0  # characters of new question terms a supporting sentence must add
PURPOSE_PENALTY = 12.0  # "为进一步规范…，根据…，制定本办法。" says why a document exists, never an answer
_PURPOSE = re.compile(r"^为[^。！？]{4,}?(?:制定本|特制定|现就|通知如下|结合[^。！？]{0,8}实际)")

_YES_NO_Q = re.compile(
    r"(?:要不要|能不能|是不是|用不用|可不可以|会不会|需不需要|需要不需要|有没有|让不让|给不给|算不算|还能|能否|是否|可以)"
    r"(?P<pred>[^，。？！,?!]{1,14})"
)
_YES_NO_TAIL = re.compile(r"(?P<pred>[^，。？！,?!]{2,14})(?:吗|不|没有|么)[？?]?$")


@dataclass(frozen=True)
class _Cue:
    asks: re.Pattern[str]
    states: re.Pattern[str]
    lists: bool = False  # the answer is a list (materials, steps)
    weight: float = CUE_BONUS  # a phone number answers "打哪个电话" as a figure answers 多少钱


_CUES = (
    _Cue(
        re.compile(r"[交缴][^，。？！,?!]{0,3}(?:钱|费|医保|保险)|怎么[交缴]|咋[交缴]|在哪[交缴]"),
        re.compile(r"缴费|缴纳|交费|代缴|缴"),
        weight=2 * CUE_BONUS,
    ),
    _Cue(re.compile(r"电话|号码|热线|打哪个"), re.compile(r"\d{3,4}[-－—]\d{6,8}|12345|123\d\d"), weight=4 * CUE_BONUS),
    _Cue(
        re.compile(r"什么时候|啥时候|哪天|几号|截止|最晚|最迟|哪一天|几月"),
        re.compile(r"\d{1,2}月\d{1,2}日|\d{1,2}日[前起至]|每季度|每月|每年|每半年|工作日内|之日起"),
        weight=2 * CUE_BONUS,
    ),
    _Cue(
        re.compile(r"材料|带啥|带什么|准备啥|准备什么|要带|证件|手续|东西"),
        re.compile(r"材料|身份证|户口簿|申请表|申请书|证明|复印件|原件|发票|[：:]$"),
        lists=True,
        weight=1.5 * CUE_BONUS,
    ),
    _Cue(
        re.compile(r"哪里|哪儿|去哪|在哪|哪个部门|找谁|向谁|跟谁|谁来|谁办|地方|地点"),
        re.compile(r"窗口|服务中心|工作站|村委会|村民委员会|乡镇|局|部门|提出|向"),
    ),
    _Cue(
        re.compile(r"怎么申请|咋申请|如何申请|怎么申报|咋申报|如何申报|怎么办理|咋办理|怎么报|咋报|流程|程序|步骤|哪几步|怎么交|咋交|怎么弄|咋弄"),
        re.compile(r"申请|提出|办理|打开|搜索|登录|到|向"),
        lists=True,
        weight=0.75 * CUE_BONUS,
    ),
)


def _terms(result: SearchResult) -> dict[str, float]:
    """Question terms and their weights (longer words weigh more; jieba splits differ by text)."""
    return {t: float(len(t)) for t in set(result.query_tokens) if len(t) >= 2 or not t.isascii()}


def _overlap(text: str, terms: dict[str, float]) -> float:
    return sum(w for t, w in terms.items() if t in text)


def _predicate(question: str) -> list[str]:
    """The words a yes/no question asks about: 住院要不要先交押金 → [先交, 押金]."""
    match = _YES_NO_Q.search(question) or _YES_NO_TAIL.search(question)
    if match is None:
        return []
    return [t for t in lexicon.tokens(match.group("pred")) if len(t) >= 2 or t in "交报补"]


def _score(s: Sentence, question: str, result: SearchResult, terms: dict[str, float],
           predicate: list[str], cues: list[_Cue]) -> float:
    text = to_simplified(s.text)
    score = _overlap(text, terms) + CONTEXT_WEIGHT * _overlap(to_simplified(s.answers), terms)
    if result.asked is not None:
        check = check_figure(result.asked, question, text)
        if check.outcome is Figure.STATED:
            # "只能办理1次，最长不超过1年" answers 多久…几次 better than a sentence with one of them
            score += FIGURE_BONUS + EXTRA_FIGURE_BONUS * (figure_count(result.asked, question, text) - 1)
    score += PREDICATE_WEIGHT * sum(len(t) for t in predicate if t in text)
    score += sum(cue.weight for cue in cues if cue.states.search(text))
    score += sum(CUE_BONUS for year in result.years if f"{year}年" in text)
    if s.is_label:
        score -= LABEL_PENALTY
    if _PURPOSE.match(text):
        score -= PURPOSE_PENALTY
    return score - 0.05 * s.position


def _trim(text: str, terms: dict[str, float], question: str, result: SearchResult) -> str:
    """A lead over LEAD_MAX_CHARS cut to the run of clauses around the one that answers.

    The run is contiguous, so the lead stays a verbatim piece of the document (only its last
    mark may become "。"); dropping clauses from the middle could change what it says.
    """
    if len(text) <= LEAD_MAX_CHARS:
        return text
    clauses = re.findall(r"[^，；。！？]+[，；。！？]?", text)
    if len(clauses) < 3:
        return text

    def value(clause: str) -> float:
        figure = result.asked is not None and check_figure(result.asked, question, clause).outcome is Figure.STATED
        return _overlap(to_simplified(clause), terms) + (FIGURE_BONUS if figure else 0.0)

    best = max(range(len(clauses)), key=lambda i: (value(clauses[i]), -i))
    lo, hi = best, best + 1
    size = len(clauses[best])
    while True:
        grown = False
        for candidate in (lo - 1, hi):  # the clause before (often the subject) first
            if 0 <= candidate < len(clauses) and size + len(clauses[candidate]) <= LEAD_MAX_CHARS:
                size += len(clauses[candidate])
                lo, hi = min(lo, candidate), max(hi, candidate + 1)
                grown = True
        if not grown:
            break
    out = "".join(clauses[lo:hi])
    return out[:-1] + "。" if out[-1] in "，；" else out


def _opener(candidates: list[Sentence], lead: Sentence) -> Sentence | None:
    """The sentence that opens the list the lead is an item of ("可以通过以下方式申报："), if any."""
    for s in reversed(candidates[: lead.position]):
        if s.opens_list:
            return s
        if not s.is_item:
            return None
    return None


def _list_after(opener: Sentence, candidates: list[Sentence], limit: int) -> list[Sentence]:
    """The opener and its items in order, as many as fit in `limit` characters."""
    out = [opener]
    size = len(opener.text)
    for s in candidates[opener.position + 1 :]:
        if not s.is_item or size + len(s.text) > limit:
            break
        out.append(s)
        size += len(s.text)
    return out


PASSAGE_FIT_WEIGHT = 0.5  # how much the best sentence's fit moves a passage against its rank


def compose(result: SearchResult) -> Answer:
    if not result.grounded or not result.evidence:
        return Answer(result.question, refusal_text(result), False, [])
    question = to_simplified(result.question)
    terms = _terms(result)
    predicate = _predicate(question)
    cues = [cue for cue in _CUES if cue.asks.search(question)]
    scale = sum(terms.values()) + 1.0

    # The passage to answer from: retrieval's order, moved by how well its best sentence answers
    # (a Q&A sheet's right answer often ranks second behind its neighbour).
    best: tuple[float, Hit, list[Sentence], Sentence | None] | None = None
    for hit in result.evidence:
        candidates = sentences(hit.chunk.text)
        ranked = sorted(candidates, key=lambda s: (-_score(s, question, result, terms, predicate, cues), s.position))
        fit = _score(ranked[0], question, result, terms, predicate, cues) if ranked else 0.0
        if result.asked is Quantity.COUNT:
            # "各环节时限多少": a passage that states the time limit of each step answers it better
            # than one with a single duration in passing.
            stated = check_figure(result.asked, question, hit.chunk.text).sentences
            fit += EXTRA_FIGURE_BONUS * max(0, len(stated) - 1)
        fit /= scale
        value = hit.score + PASSAGE_FIT_WEIGHT * fit
        if best is None or value > best[0]:
            best = (value, hit, candidates, ranked[0] if ranked else None)
    assert best is not None
    _value, hit, candidates, lead = best
    source = Source(
        hit.chunk.title, hit.chunk.source, hit.chunk.section, hit.chunk.text, round(hit.score, 4), hit.chunk.ocr
    )
    if lead is None:  # a passage of table cells or fragments: show its start rather than nothing
        body = full_width(" ".join(hit.chunk.text.split()))[:SHORT_ANSWER_CHARS]
        return Answer(result.question, f"{texts.ANSWER_HEADER}{body}[1]", True, [source])
    wants_list = any(cue.lists for cue in cues)
    opener = _opener(candidates, lead) if lead.is_item and wants_list else None
    if opener is not None:
        # "怎么申报？" answered by "扫描…二维码" (the third way) reads as the only way: the list is
        # the answer, led by the sentence that opens it ("可以通过以下方式申报：").
        listed = _list_after(opener, candidates, LIST_ANSWER_CHARS)
        if lead in listed:
            body = "".join(s.text for s in listed)
            return Answer(result.question, f"{texts.ANSWER_HEADER}{body}[1]", True, [source])
    parts = [_trim(lead.text, terms, question, result)]
    if lead.opens_list or (lead.is_item and wants_list):
        items = [s for s in candidates if s.position > lead.position and s.is_item]
        budget = LIST_ANSWER_CHARS - len(parts[0])
        for item in items:
            if item.is_label or len(item.text) > budget:  # "1.村级重大事项决策。" heads the next part
                break
            parts.append(item.text)
            budget -= len(item.text)
    else:
        two_part = len(re.findall(r"[？?]", result.question)) >= 2
        limit = TWO_PART_ANSWER_CHARS if two_part else SHORT_ANSWER_CHARS
        lead_text = to_simplified(parts[0])
        covered = {t for t in terms if t in lead_text}
        rest = {t: w for t, w in terms.items() if t not in covered}
        # The kinds of fact asked that the lead does not state (a date, after the sum it gives).
        lacking = [kind for kind in asked_facts(question) if not states_fact(kind, lead_text, loose=True)]
        best_support: tuple[float, Sentence] | None = None
        for s in candidates:
            if s is lead or len(parts[0]) + len(s.text) > limit or s.is_label:
                continue
            text = to_simplified(s.text)
            gain = _overlap(text, rest)
            states_figure = result.asked is not None and check_figure(
                result.asked, question, text
            ).outcome is Figure.STATED
            if states_figure and (two_part or s.position == lead.position + 1):
                # a second part's figure, or the lead's own continuation ("…30个工作日内作出决定；
                # 特殊情况可以延长至45个工作日")
                gain += FIGURE_BONUS / 4
            if two_part:
                gain += sum(2 * CUE_BONUS for kind in lacking if states_fact(kind, text, loose=True))
            gain -= 0.1 * abs(s.position - lead.position)
            if gain >= MIN_SUPPORT_GAIN and (best_support is None or gain > best_support[0]):
                best_support = (gain, s)
        if best_support is not None:
            support = best_support[1]
            if support.opens_list and support.position < lead.position:
                parts.insert(0, support.text)  # "自2025年4月1日起，…标准为：" reads before its item
            else:
                parts.append(support.text)  # after the lead: the lead is what is read first
    body = "".join(parts)
    return Answer(result.question, f"{texts.ANSWER_HEADER}{body}[1]", True, [source])
