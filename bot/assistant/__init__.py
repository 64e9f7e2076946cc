"""The one place front ends call: what a user can do, with roles checked, returning plain results.

Telegram and the terminal chat are thin translators around this package, so both behave the same.
Every method takes the acting `UserRef`, checks the caller's role itself and returns a `Reply`:
text blocks, buttons as data (`Button(label, action, arg)`), messages for other people (`Notice`),
an optional file, and the state of a multi-step dialog (help-request form, ticket notes) as a
plain dict the front end stores between turns. No Telegram types and no HTML here: front ends
escape everything they are given.

All methods are synchronous and may block (search, database); front ends run them in threads.

`Assistant` is a facade over parts that share one `AssistantContext` and call each other only
through public methods:

    replies.py    Reply, Block, Button, Notice, … and the button table (ACTIONS, valid_press)
    context.py    AssistantContext (settings, kb, helpdesk, analytics, clock, who is acting), friendly
    roles.py      Roles: command menus per user
    cards.py      how a request reads: card, alerts for others
    dialogs.py    dialog states (help-request form, ticket note)
    questions.py  Questions: ask, source passages, 👍/👎; validate_question, policy_lookup
    requests.py   Requests: the help-request form and photos sent with it
    form_prompts.py what the form asks at each step
    my_requests.py MyRequests: my requests, a request's card and photos, 问题解决了吗？
    duties.py     role handbooks and questions about a post's duties
    cadre.py      Cadre: duties, tickets, ticket actions, overdue digest
    feedback.py   Feedback: 这事很急, 回访 ratings and the scheduled 回访 question
    oversight.py  Oversight: 督办 reminders, /extend (延期) and its approval
    admin.py      Admin: reload, documents, stats, export
    directory.py  Directory: invites and /join, villages
    facade.py     Assistant: the parts, start, help, and routing of text, dialog turns and buttons

Commands are called on the part that owns them (`assistant.admin.stats`); the facade routes only.
"""

from __future__ import annotations

from bot.assistant.admin import Admin, doc_key, reason_zh
from bot.assistant.cadre import TICKETS_PAGE, Cadre
from bot.assistant.context import AssistantContext, Identity, friendly
from bot.assistant.dialogs import DIALOG_REQUEST_STEPS, DIALOG_STATES
from bot.assistant.directory import Directory
from bot.assistant.duties import DUTY_ALIASES, DUTY_POSTS, duty_post_asked, markdown_blocks
from bot.assistant.facade import Assistant
from bot.assistant.form_prompts import VILLAGE_BUTTONS
from bot.assistant.my_requests import MINE_PAGE, MyRequests
from bot.assistant.questions import MAX_QUESTION_CHARS, Questions, policy_lookup, validate_question
from bot.assistant.replies import (
    ACTIONS,
    Attachment,
    Block,
    Button,
    Keyboard,
    Notice,
    Reply,
    UserRef,
    keyboard,
    valid_press,
)
from bot.assistant.requests import Requests
from bot.assistant.roles import Roles

__all__ = [
    "ACTIONS",
    "DIALOG_REQUEST_STEPS",
    "DIALOG_STATES",
    "DUTY_ALIASES",
    "DUTY_POSTS",
    "MAX_QUESTION_CHARS",
    "MINE_PAGE",
    "TICKETS_PAGE",
    "VILLAGE_BUTTONS",
    "Admin",
    "Assistant",
    "AssistantContext",
    "Attachment",
    "Block",
    "Button",
    "Cadre",
    "Directory",
    "Identity",
    "Keyboard",
    "MyRequests",
    "Notice",
    "Questions",
    "Reply",
    "Requests",
    "Roles",
    "UserRef",
    "doc_key",
    "duty_post_asked",
    "friendly",
    "keyboard",
    "markdown_blocks",
    "policy_lookup",
    "reason_zh",
    "valid_press",
    "validate_question",
]
