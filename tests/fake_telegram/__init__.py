"""A fake Telegram Bot API server for end-to-end tests of the bot (see docs/testing-telegram.md).

with FakeTelegram() as tg:
    app = tg.application_builder().build()     # + the bot's handlers
    with run_application(app, tg):
        user = tg.user(first_name="张三")
        user.send("低保怎么申请？")
        reply = user.wait_for_message()
        assert "低保" in reply.text
"""

from .formatting import EntityParseError, ParsedText, parse_formatted, parse_html, utf16_len
from .models import BotMessage, Call, CallbackAnswer, InlineButton, MessageVersion, SentDocument, StoredFile
from .ptb import RunningApplication, run_application
from .server import DEFAULT_TOKEN, ApiError, FakeTelegram, WaitTimeout
from .users import TINY_OGG, TINY_PNG, FakeUser

__all__ = [
    "DEFAULT_TOKEN",
    "TINY_OGG",
    "TINY_PNG",
    "ApiError",
    "BotMessage",
    "Call",
    "CallbackAnswer",
    "EntityParseError",
    "FakeTelegram",
    "FakeUser",
    "InlineButton",
    "MessageVersion",
    "ParsedText",
    "RunningApplication",
    "SentDocument",
    "StoredFile",
    "WaitTimeout",
    "parse_formatted",
    "parse_html",
    "run_application",
    "utf16_len",
]
