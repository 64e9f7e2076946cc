"""Only whole messages that are nothing but a greeting, thanks or goodbye count as small talk."""

from __future__ import annotations

import pytest

from bot import texts
from bot.assistant.small_talk import small_talk_reply


@pytest.mark.parametrize(
    ("message", "reply"),
    [
        ("你好", texts.SMALL_TALK_GREETING),
        ("您好！", texts.SMALL_TALK_GREETING),
        ("你好呀~", texts.SMALL_TALK_GREETING),
        ("在吗？", texts.SMALL_TALK_GREETING),
        ("Hello", texts.SMALL_TALK_GREETING),
        ("謝謝", texts.SMALL_TALK_THANKS),  # traditional script
        ("Thank you!", texts.SMALL_TALK_THANKS),
        ("好的", texts.SMALL_TALK_THANKS),
        ("拜拜", texts.SMALL_TALK_GOODBYE),
        ("你好，低保怎么申请", None),
        ("给我讲个笑话吧", None),
        ("谢谢，那危房改造找谁？", None),
        ("you", None),
        ("", None),
    ],
)
def test_small_talk_reply(message: str, reply: str | None) -> None:
    assert small_talk_reply(message) == reply
