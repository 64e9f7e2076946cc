"""Answers composed from the passages themselves — no language model, so nothing is invented.

The answer leads with the sentence of the best passage that states what was asked (the figure,
the deadline, the place, the yes or no, the first step), adds at most one supporting sentence
from the same passage, and names that passage as its source. Sentences from different
documents are never stitched together: a villager reads the first sentence as the answer.
When retrieval says the knowledge base does not cover the question, the answer says so (and
why: no such policy, no such figure, not for that year) instead of guessing.

- `types`: the Answer and Source records the front ends show;
- `sentences`: a passage cut into clean display sentences (bot/kb/answer_sentences.py: no headings, no 问：/答：/第八条);
- `compose`: which sentences answer the question;
- `abstain`: the refusal wording for each reason retrieval gives.
"""

from bot.answer.compose import compose
from bot.answer.types import Answer, Source, source_label
from bot.kb.answer_sentences import sentences as _sentences

__all__ = ["Answer", "Source", "compose", "sentences", "source_label"]


def sentences(text: str) -> list[str]:
    """The quotable sentences of a passage, as shown in answers (bench/bench_kb.py builds with them)."""
    return [s.text for s in _sentences(text)]
