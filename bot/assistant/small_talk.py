"""Greetings, thanks and goodbyes are answered as such, not searched in the knowledge base.

Why: "你好" searched as a policy question gets "the knowledge base does not cover this" — cold
to a first-time villager — and lands in the admins' list of unanswered questions, where it
hides the real gaps. Only whole messages that are nothing but small talk count; "你好，低保怎么
申请" is a question and goes to the knowledge base.
"""

from __future__ import annotations

import re

from bot import texts
from bot.kb.normalize import to_simplified

_GREETINGS = frozenset({
    "你好", "您好", "你好啊", "您好啊", "你们好", "大家好", "哈喽", "嗨", "hi", "hello", "在吗", "在不在",
    "有人吗", "有人在吗", "早", "早上好", "上午好", "中午好", "下午好", "晚上好", "老师好", "领导好", "书记好",
})  # fmt: skip
_THANKS = frozenset({
    "谢谢", "谢谢你", "谢谢您", "谢谢啦", "多谢", "多谢了", "谢了", "感谢", "非常感谢", "太感谢了", "辛苦了",
    "辛苦啦", "thanks", "thankyou", "好的", "好", "好嘞", "知道了", "明白了", "收到", "懂了", "行", "中", "嗯",
    "嗯嗯", "ok",
})  # fmt: skip
_GOODBYES = frozenset({"再见", "拜拜", "bye", "回头见", "下次再聊"})
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
_TRAILING_PARTICLES = re.compile(r"[啊呀哈哦噢呢吧啦嘛]+$")


def small_talk_reply(message: str) -> str | None:
    """The reply to a message that is only a greeting, thanks or goodbye; None for anything else."""
    text = _NOISE.sub("", to_simplified(message)).lower()
    if not text or len(text) > 8:
        return None
    candidates = {text, _TRAILING_PARTICLES.sub("", text)}
    if candidates & _GREETINGS:
        return texts.SMALL_TALK_GREETING
    if candidates & _THANKS:
        return texts.SMALL_TALK_THANKS
    if candidates & _GOODBYES:
        return texts.SMALL_TALK_GOODBYE
    return None
