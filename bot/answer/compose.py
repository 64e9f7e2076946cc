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

from bot import texts
from bot.answer.abstain import refusal_text
from bot.answer.types import Answer, Source
from bot.kb.answer_sentences import Sentence, full_width
from bot.kb.answer_type import states_fact
from bot.kb.normalize import to_simplified
from bot.kb.passage_fit import CUE_BONUS, FIGURE_BONUS, Ask, fit, overlap, states_asked_figure
from bot.kb.search import SearchResult

SHORT_ANSWER_CHARS = 120  # lead + support stay within this, unless the question asks two things
TWO_PART_ANSWER_CHARS = 170
LIST_ANSWER_CHARS = 170  # a lead that opens a list, with its items
LEAD_MAX_CHARS = 100  # a longer lead is cut to the clauses that answer
MIN_SUPPORT_GAIN = 2.0  # characters of new question terms a supporting sentence must add


def _trim(text: str, ask: Ask) -> str:
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
        figure = states_asked_figure(ask, clause)
        return overlap(to_simplified(clause), ask.terms) + (FIGURE_BONUS if figure else 0.0)

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


def compose(result: SearchResult) -> Answer:
    if not result.grounded or not result.evidence:
        return Answer(result.question, refusal_text(result), False, [])
    # Retrieval put the passage to answer from first (bot/kb/passage_fit.py): its best sentence
    # leads; never a sentence of another passage.
    ask = Ask.of(result.question, result.query_tokens)
    hit = result.evidence[0]
    chosen = fit(hit, ask)
    candidates, lead = chosen.candidates, chosen.lead
    source = Source(
        hit.chunk.title, hit.chunk.source, hit.chunk.section, hit.chunk.text, round(hit.score, 4), hit.chunk.ocr
    )
    if lead is None:  # a passage of table cells or fragments: show its start rather than nothing
        body = full_width(" ".join(hit.chunk.text.split()))[:SHORT_ANSWER_CHARS]
        return Answer(result.question, f"{texts.ANSWER_HEADER}{body}[1]", True, [source])
    wants_list = ask.wants_list
    opener = _opener(candidates, lead) if lead.is_item and wants_list else None
    if opener is not None:
        # "怎么申报？" answered by "扫描…二维码" (the third way) reads as the only way: the list is
        # the answer, led by the sentence that opens it ("可以通过以下方式申报：").
        listed = _list_after(opener, candidates, LIST_ANSWER_CHARS)
        if lead in listed:
            body = "".join(s.text for s in listed)
            return Answer(result.question, f"{texts.ANSWER_HEADER}{body}[1]", True, [source])
    parts = [_trim(lead.text, ask)]
    if lead.opens_list or (lead.is_item and wants_list):
        items = [s for s in candidates if s.position > lead.position and s.is_item]
        budget = LIST_ANSWER_CHARS - len(parts[0])
        for item in items:
            if item.is_label or len(item.text) > budget:  # "1.村级重大事项决策。" heads the next part
                break
            parts.append(item.text)
            budget -= len(item.text)
    else:
        two_part = ask.two_part
        limit = TWO_PART_ANSWER_CHARS if two_part else SHORT_ANSWER_CHARS
        lead_text = to_simplified(parts[0])
        rest = {t: w for t, w in ask.terms.items() if t not in lead_text}
        # The kinds of fact asked that the lead does not state (a date, after the sum it gives).
        lacking = [kind for kind in ask.facts if not states_fact(kind, lead_text, loose=True)]
        best_support: tuple[float, Sentence] | None = None
        for s in candidates:
            if s is lead or len(parts[0]) + len(s.text) > limit or s.is_label:
                continue
            text = to_simplified(s.text)
            gain = overlap(text, rest)
            if states_asked_figure(ask, text) and (two_part or s.position == lead.position + 1):
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
