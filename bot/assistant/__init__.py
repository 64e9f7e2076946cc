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

from bot.lazy import lazy_exports

# Names resolve on first use (PEP 562), as in bot.kb: a front end that needs one part (`python -m
# bot ask` needs validate_question) does not import every part, the help desk and SQLAlchemy with
# them (issue 13). A new public name goes into this table.
_EXPORTS = {
    "Admin": "bot.assistant.admin",
    "doc_key": "bot.assistant.admin",
    "reason_zh": "bot.assistant.admin",
    "TICKETS_PAGE": "bot.assistant.cadre",
    "Cadre": "bot.assistant.cadre",
    "AssistantContext": "bot.assistant.context",
    "Identity": "bot.assistant.context",
    "friendly": "bot.assistant.context",
    "DIALOG_REQUEST_STEPS": "bot.assistant.dialogs",
    "DIALOG_STATES": "bot.assistant.dialogs",
    "Directory": "bot.assistant.directory",
    "DUTY_ALIASES": "bot.assistant.duties",
    "DUTY_POSTS": "bot.assistant.duties",
    "duty_post_asked": "bot.assistant.duties",
    "markdown_blocks": "bot.assistant.duties",
    "Assistant": "bot.assistant.facade",
    "VILLAGE_BUTTONS": "bot.assistant.form_prompts",
    "MINE_PAGE": "bot.assistant.my_requests",
    "MyRequests": "bot.assistant.my_requests",
    "MAX_QUESTION_CHARS": "bot.assistant.questions",
    "Questions": "bot.assistant.questions",
    "policy_lookup": "bot.assistant.questions",
    "validate_question": "bot.assistant.questions",
    "ACTIONS": "bot.assistant.replies",
    "Attachment": "bot.assistant.replies",
    "Block": "bot.assistant.replies",
    "Button": "bot.assistant.replies",
    "Keyboard": "bot.assistant.replies",
    "Notice": "bot.assistant.replies",
    "Reply": "bot.assistant.replies",
    "UserRef": "bot.assistant.replies",
    "keyboard": "bot.assistant.replies",
    "valid_press": "bot.assistant.replies",
    "Requests": "bot.assistant.requests",
    "Roles": "bot.assistant.roles",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
