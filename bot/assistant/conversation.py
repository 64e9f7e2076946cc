"""The conversation with one user: the questions of the last few minutes, and what they were about.

A villager asks "危房改造怎么申请？", then "那要带啥材料？". The second message names no policy;
alone it asks about any policy's materials and gets whichever the search likes best. Within
FOLLOWUP_WINDOW_MINUTES of the previous question, a short message that names no policy of its own
and has a follow-up's form (an opener such as 那/还要, a closing 呢, or an aspect such as 材料/找谁/
多少钱: reviewed words in bot/vocab.py) is asked about the previous question's topic, and the reply
says which topic was assumed, so a wrong guess is visible. The topic is the policies a question
names — bot/kb/lexicon.py's concepts, the same ones retrieval's abstention checks passages for —
so the rewritten question is held to that policy too. A question that names its own policy starts
a new topic; "那低保呢？" (nothing but another policy) asks the previous question about that policy.

The same turns are the history a configured model condenses follow-ups with (bot/llm/pipeline.py):
one conversation, read two ways. The rule here goes first (deterministic, shown to the villager,
no model needed); the model condenses what the rule leaves alone.

Turns live in memory. A front end that keeps state across restarts (the bot's JSON state file)
saves `saved()` — the last turn's topic and masked question, no answer — and hands it back with
`resume()`, so a follow-up sent just after a restart still finds its topic.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from bot.helpdesk import mask_text
from bot.vocab import FOLLOW_UP_ASPECTS, FOLLOW_UP_FILLER, FOLLOW_UP_OPENERS

# Longer messages say enough on their own ("那我家老人住院的押金要交多少钱" is not resolved).
MAX_FOLLOW_UP_CHARS = 15
# An aspect-only follow-up ("找谁办？") says at most this much besides the aspect and filler words.
MAX_OWN_CHARS = 2
MAX_TURNS = 3  # the turns kept per user (a model condenses with these)
MAX_CONVERSATIONS = 1000  # users remembered at once; quiet conversations are forgotten first

_PUNCT = re.compile(r"[\s\W_]+")
# "那低保呢？" / "那么五保户呢" / "低保的呢": another policy, nothing else asked.
_SWITCH = re.compile(r"^(?:那么|那)?(?P<what>.+?)的?呢$")
_FILLER = re.compile(r"[的那么这个户家也又还]")


@dataclass(frozen=True)
class Turn:
    """One answered question: when, what was searched, the answer, and its topic."""

    at: float
    query: str  # the standalone question that was answered (as typed, or resolved)
    answer: str
    topic: tuple[str, ...] = ()  # the policies it is about, as shown to the villager
    named: tuple[str, ...] = ()  # the words in `query` that name them


@dataclass(frozen=True)
class Resolution:
    """What to search for a typed question, and whether (and how) the last topic was carried over."""

    asked: str  # what the villager typed (stripped)
    query: str  # what to search: `asked`, or `asked` with the previous topic
    topic: tuple[str, ...]
    named: tuple[str, ...]
    kind: Literal["fresh", "follow_up", "switch"] = "fresh"

    @property
    def resolved(self) -> bool:
        """The previous question's topic (or question) was carried over."""
        return self.kind != "fresh"


def _concepts(question: str) -> list[tuple[str, str]]:
    """(word in the question, display word) for each policy the question names.

    Deferred import: bot.kb.lexicon loads jieba with the retrieval stack, which the assistant
    package does not import at start (see bot/assistant/__init__.py)."""
    from bot.kb.lexicon import concepts_named

    # A colloquial word (房子漏雨) is shown as the policy it bridges to (危房改造).
    return [(c.named, c.named if c.named in c.terms else c.terms[0]) for c in concepts_named(question)]


def has_follow_up_form(text: str) -> bool:
    """Short, and shaped like a follow-up: an opener (那…, 还要…), a closing 呢, or one of the
    aspects people ask next (材料, 找谁, 多少钱 …) with hardly anything else: "村干部一个月工资多少钱？"
    names what it asks about and stands alone (docs/llm.md has the measurement)."""
    bare = _PUNCT.sub("", text)
    if not bare or len(bare) > MAX_FOLLOW_UP_CHARS:
        return False
    if bare.startswith(FOLLOW_UP_OPENERS) or bare.endswith("呢"):
        return True
    rest = bare
    for aspect in sorted(FOLLOW_UP_ASPECTS, key=len, reverse=True):
        rest = rest.replace(aspect, "")
    if rest == bare:
        return False
    return len([c for c in rest if c not in FOLLOW_UP_FILLER]) <= MAX_OWN_CHARS


def resolve(question: str, previous: Turn | None) -> Resolution:
    """`question` as a standalone question, given the user's previous turn (None: none recent)."""
    asked = question.strip()
    concepts = _concepts(asked)
    named = tuple(dict.fromkeys(w for w, _ in concepts))
    topic = tuple(dict.fromkeys(d for _, d in concepts))
    if previous is None or not previous.topic or not has_follow_up_form(asked):
        return Resolution(asked, asked, topic, named)
    if not concepts:
        query = f"{'、'.join(previous.topic)} {asked}"
        return Resolution(asked, query, previous.topic, previous.topic, "follow_up")
    switched = _switch(asked, named, previous)
    if switched is not None:
        return Resolution(asked, switched, topic, named, "switch")
    return Resolution(asked, asked, topic, named)


def _switch(asked: str, named: tuple[str, ...], previous: Turn) -> str | None:
    """The previous question about the newly named policy, when that is all `asked` says."""
    match = _SWITCH.match(_PUNCT.sub("", asked))
    if match is None or not previous.named:
        return None
    rest = match.group("what")
    for word in named:
        rest = rest.replace(word, "")
    if _FILLER.sub("", rest):
        return None  # "那低保怎么申请呢" asks something of its own
    first, *others = previous.named
    if first not in previous.query:
        return None
    query = previous.query.replace(first, "、".join(named), 1)
    for word in others:
        query = query.replace(word, "", 1)
    return query


class Conversations:
    """Each user's recent turns, forgotten after `window_seconds` of silence. Thread-safe."""

    def __init__(self, window_seconds: float, clock: Callable[[], float]) -> None:
        self.window = window_seconds
        self._clock = clock
        self._turns: dict[int, deque[Turn]] = {}
        self._lock = threading.Lock()

    def recent(self, user_id: int) -> list[Turn]:
        """The user's turns within the window of their last one, oldest first."""
        now = self._clock()
        with self._lock:
            turns = list(self._turns.get(user_id, ()))
        if not turns or now - turns[-1].at > self.window:
            return []
        return turns

    def resolve(self, user_id: int, question: str) -> Resolution:
        turns = self.recent(user_id)
        return resolve(question, turns[-1] if turns else None)

    def remember(self, user_id: int, resolution: Resolution, answer: str) -> None:
        """Record an answered question; after a silence longer than the window, the earlier turns go."""
        now = self._clock()
        turn = Turn(now, resolution.query, answer, resolution.topic, resolution.named)
        with self._lock:
            if len(self._turns) >= MAX_CONVERSATIONS and user_id not in self._turns:
                quiet = [u for u, t in self._turns.items() if now - t[-1].at > self.window]
                for uid in quiet or sorted(self._turns, key=lambda u: self._turns[u][-1].at)[:1]:
                    del self._turns[uid]
            turns = self._turns.setdefault(user_id, deque(maxlen=MAX_TURNS))
            if turns and now - turns[-1].at > self.window:
                turns.clear()
            turns.append(turn)

    def saved(self, user_id: int) -> dict[str, Any] | None:
        """The user's last turn within the window as plain JSON data, for a state file: the topic
        and the question with phone and ID numbers masked; the answer is not kept."""
        turns = self.recent(user_id)
        if not turns:
            return None
        last = turns[-1]
        return {"at": last.at, "query": mask_text(last.query), "topic": list(last.topic), "named": list(last.named)}

    def resume(self, user_id: int, saved: object) -> None:
        """Take back what `saved` returned before a restart. Ignored when this process already
        talks with the user, and when it is stale or not what `saved` writes (a hand-edited file)."""
        if not isinstance(saved, dict):
            return
        try:
            at, query = float(saved["at"]), str(saved["query"])
            topic = tuple(str(w) for w in saved["topic"])
            named = tuple(str(w) for w in saved["named"])
        except (KeyError, TypeError, ValueError):
            return
        if self._clock() - at > self.window:
            return
        with self._lock:
            if user_id not in self._turns:
                self._turns[user_id] = deque([Turn(at, query, "", topic, named)], maxlen=MAX_TURNS)
