"""Role handbooks (``<post>职责.md`` under ``Settings.duties_dir``) and questions about them.

The handbooks are written for this product, not policy sources, and they are kept out of the
policy index: their generic wording outranked policy passages for unrelated questions. A cadre
whose question names a post and asks what it does ("第一书记的职责是什么？") still gets the policy
answer, plus a button opening that post's handbook (`Questions.ask`).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from bot import texts, vocab
from bot.assistant.replies import Block
from bot.kb.normalize import to_simplified

log = logging.getLogger(__name__)

# The posts with handbooks, and the handbook other posts read (bot/vocab.py).
DUTY_POSTS = vocab.HANDBOOK_POSTS
DUTY_ALIASES = vocab.HANDBOOK_FOR

# What people call the posts in questions, besides the posts' own names and DUTY_ALIASES.
_COLLOQUIAL_NAMES = {
    "驻村第一书记": vocab.FIRST_SECRETARY,
    "驻村工作队": vocab.TEAM_MEMBER,
    "驻村干部": vocab.TEAM_MEMBER,
    "工作队员": vocab.TEAM_MEMBER,
    "村党支部书记": vocab.PARTY_SECRETARY,
    "村支部书记": vocab.PARTY_SECRETARY,
    "村支书": vocab.PARTY_SECRETARY,
    "村两委成员": vocab.TWO_COMMITTEES,
    "村委干部": vocab.TWO_COMMITTEES,
    "结对帮扶干部": vocab.HELPER,
    "帮扶干部": vocab.HELPER,
}
# Longest first, so 驻村第一书记 is not read as 村…书记.
_POST_NAMES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        {**{post: post for post in DUTY_POSTS}, **DUTY_ALIASES, **_COLLOQUIAL_NAMES}.items(),
        key=lambda kv: -len(kv[0]),
    )
)
# "what does the post do": duties, tasks, responsibilities, in plain and colloquial words.
_DUTY_CUE = re.compile(
    r"职责|职能|岗位责任|工作职责|主要任务|工作任务|工作内容|"
    r"(?:干|做|管|负责)(?:什么|啥|些什么|些啥|哪些)|是干嘛|干嘛的|有哪些工作|要做哪些"
)


def duty_post_asked(question: str) -> str | None:
    """The handbook post a question asks the duties of, or None for any other question."""
    text = re.sub(r"[\s“”\"'「」『』]", "", to_simplified(question))
    if not _DUTY_CUE.search(text):
        return None
    for name, post in _POST_NAMES:
        if name in text:
            return post
    return None


def duty_blocks(folder: Path, post: str) -> list[Block]:
    """The handbook of `post` as titled blocks; a Chinese notice if the file is missing."""
    path = Path(folder) / f"{post}职责.md"
    try:
        return markdown_blocks(path.read_text(encoding="utf-8"))
    except OSError:
        log.warning("duty document missing: %s", path)
        return [Block(texts.BOT_DUTIES_MISSING, title=post)]


def markdown_blocks(markdown: str) -> list[Block]:
    """Our duty documents (headings, lists, paragraphs) as blocks: `#`/`##` start a titled block."""
    blocks: list[Block] = []
    title = ""
    lines: list[str] = []

    def flush() -> None:
        body = "\n".join(lines).strip()
        body = re.sub(r"\n{3,}", "\n\n", body)
        if body or title:
            blocks.append(Block(body, title=title))

    for raw in markdown.splitlines():
        line = raw.rstrip().replace("**", "")
        heading = re.match(r"^(#{1,4})\s+(.*)$", line)
        if heading:
            flush()
            title, lines = heading.group(2).strip(), []
            continue
        item = re.match(r"^\s*[-*]\s+(.*)$", line)
        if item:
            lines.append("• " + item.group(1))
        elif line.startswith(">"):
            lines.append(line.lstrip("> "))
        else:
            lines.append(line)
    flush()
    return blocks
