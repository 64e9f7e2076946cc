"""What the villager reads when the knowledge base cannot answer, by the reason retrieval gives.

The decision itself is retrieval's (bot/kb/search.py: similarity, the policy named, the figure
and its year), so the helpdesk's policy hints and `eval` see the same verdict as the chat.
"""

from __future__ import annotations

from bot import texts
from bot.kb.search import Refusal, SearchResult


def refusal_text(result: SearchResult) -> str:
    if result.refusal is Refusal.OTHER_YEAR and result.years:
        return texts.NOT_COVERED_YEAR.format(year="、".join(f"{y}年" for y in result.years))
    if result.unstated is not None:
        return texts.NOT_COVERED_FIGURE.format(what=result.unstated.value)
    return texts.NOT_COVERED
