"""The one place front ends call: what a user can do, with roles checked, returning plain results.

Telegram and the terminal chat are thin translators around this module, so both behave the same.
Every method takes the acting `UserRef`, checks the caller's role itself and returns a `Reply`:
text blocks, buttons as data (`Button(label, action, arg)`), messages for other people (`Notice`),
an optional file, and the state of a multi-step dialog (help-request form, ticket notes) as a
plain dict the front end stores between turns. No Telegram types and no HTML here: front ends
escape everything they are given.

All methods are synchronous and may block (search, database); front ends run them in threads.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from bot import texts
from bot.helpdesk import (
    OPERATOR,
    Action,
    HelpdeskError,
    InvalidInput,
    Notification,
    NotificationKind,
    Outcome,
    PolicyHint,
    RequestFilter,
    RequestView,
    Role,
    Status,
    allowed_actions,
)

if TYPE_CHECKING:
    from bot.analytics import Analytics
    from bot.config import Settings
    from bot.helpdesk import Helpdesk, PersonView
    from bot.kb import KnowledgeBase

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500


def validate_question(question: str | None) -> str | None:
    """A Chinese message explaining why `question` cannot be asked, or None if it can."""
    text = (question or "").strip()
    if not text:
        return texts.EMPTY_QUESTION
    if len(text) > MAX_QUESTION_CHARS:
        return texts.QUESTION_TOO_LONG.format(limit=MAX_QUESTION_CHARS)
    return None


# ============================================================================ plain results
@dataclass(frozen=True)
class UserRef:
    """Who is acting: a chat user id and the name to register them under."""

    id: int
    name: str


@dataclass(frozen=True)
class Button:
    """An inline button as data. `action` is a short code from ACTIONS; `arg` matches its pattern."""

    label: str
    action: str
    arg: str = ""


@dataclass(frozen=True)
class Block:
    """One paragraph: optional bold title line, body text, shown as a quote or as copyable code."""

    text: str
    title: str = ""
    quote: bool = False
    code: bool = False


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    caption: str = ""


@dataclass(frozen=True)
class Notice:
    """A message for someone other than the caller (a cadre, the requester, an admin)."""

    chat_id: int
    reply: Reply


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Reply:
    blocks: tuple[Block, ...] = ()
    buttons: Keyboard = ()
    notices: tuple[Notice, ...] = ()
    attachment: Attachment | None = None
    menu: bool = False  # show the main menu keyboard
    toast: str | None = None  # short pop-up for a button press
    dialog: dict[str, Any] | None = None  # state of an open dialog; None = none open
    edit: bool = False  # replace the message whose button was pressed
    replace_buttons: Keyboard | None = None  # new buttons for the pressed message (() removes)
    role_changed: bool = False  # the caller's role changed: refresh their command menu

    @classmethod
    def of(cls, *paragraphs: str, **kwargs: Any) -> Reply:
        return cls(blocks=tuple(Block(p) for p in paragraphs if p), **kwargs)

    @property
    def text(self) -> str:
        """All blocks as plain text (tests and logs)."""
        return "\n\n".join("\n".join(p for p in (b.title, b.text) if p) for b in self.blocks)


def keyboard(*rows: Sequence[Button]) -> Keyboard:
    return tuple(tuple(r) for r in rows if r)


def _chunks(items: Sequence[Button], per_row: int) -> Keyboard:
    return tuple(tuple(items[i : i + per_row]) for i in range(0, len(items), per_row))


# Button actions and the shape of their argument: front ends validate presses against this table
# before calling `press`, so a forged or outdated payload never reaches the logic below.
_NUM = r"\d{4}-\d{6}"
ACTIONS: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"^(?:{pattern})$")
    for name, pattern in {
        "src": r"\d{1,12}\.\d",  # show source passage n of logged question
        "fb": r"\d{1,12}\.[01]",  # 👍/👎 on a logged question
        "rq": r"\d{0,12}",  # start a help request (from an unanswered question)
        "f": rf"(?:[a-z]{{1,5}}\d{{0,12}}|o{_NUM})",  # input to the open dialog
        "my": r"\d{1,5}",  # my requests, page offset
        "rv": _NUM,  # view one of my requests
        "sat": rf"{_NUM}\.[01]",  # problem solved? yes/no
        "tl": r"\d{1,5}",  # ticket list, page offset
        "tk": _NUM,  # ticket card
        "ta": rf"(?:take|start|resolve|return|dup|unable|reassign)\.{_NUM}",  # ticket action
        "as": rf"{_NUM}\.\d{{1,15}}",  # assign ticket to cadre
        "du": r"\d{1,2}",  # duties of post n
        "dr": r"[0-9a-f]{10}",  # ask to remove document
        "dx": r"[0-9a-f]{10}",  # remove document (confirmed)
        "dk": r"",  # keep document
    }.items()
}


def valid_press(action: str, arg: str) -> bool:
    pattern = ACTIONS.get(action)
    return pattern is not None and pattern.match(arg) is not None


# ============================================================================ identities
@dataclass(frozen=True)
class Identity:
    user: UserRef
    role: Role
    person: PersonView | None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_cadre(self) -> bool:
        """Cadres and admins may use cadre functions."""
        return self.role in (Role.CADRE, Role.ADMIN)

    @property
    def posts(self) -> list[tuple[str, str]]:
        """(village name, post) pairs."""
        return [(p.village.name, p.post) for p in (self.person.posts if self.person else ())]


# The five posts with duty documents; other posts read the closest one.
DUTY_POSTS = ("第一书记", "驻村工作队员", "村党组织书记", "村两委干部", "帮扶责任人")
DUTY_ALIASES = {"驻村工作队长": "驻村工作队员", "村委会主任": "村两委干部"}
DUTY_FOLDER = "duties"

DIALOG_REQUEST_STEPS = ("category", "description", "village", "phone", "confirm")
DIALOG_STATES = (*(f"request.{s}" for s in DIALOG_REQUEST_STEPS), "ticket.note")
TICKETS_PAGE = 8
MINE_PAGE = 5
VILLAGE_BUTTONS = 24
_MB = 1024 * 1024


def doc_key(source: str) -> str:
    """Short stable key of a document for button payloads (file names can exceed 64 bytes)."""
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:10]


def policy_lookup(kb: KnowledgeBase) -> Callable[[str, int], list[PolicyHint]]:
    """The knowledge base as the helpdesk's `PolicyLookup`: grounded passages only."""

    def lookup(text: str, k: int) -> list[PolicyHint]:
        result = kb.search(text, k)
        if not result.grounded:
            return []
        return [
            PolicyHint(h.chunk.title, h.chunk.section, h.chunk.text, round(h.score, 4)) for h in result.hits
        ]

    return lookup


# ============================================================================ the facade
F = TypeVar("F", bound=Callable[..., Reply])


def friendly(method: F) -> F:
    """A helpdesk refusal (unknown village, illegal transition, used code…) becomes the reply."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Reply:
        try:
            return method(*args, **kwargs)
        except HelpdeskError as exc:
            return Reply.of(exc.message_zh, toast=exc.message_zh[:180])

    return call  # type: ignore[return-value]


class Assistant:
    """What villagers, cadres and admins can do. Thread-safe; every method may block."""

    def __init__(
        self,
        settings: Settings,
        kb: KnowledgeBase,
        helpdesk: Helpdesk,
        analytics: Analytics | None = None,
        *,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.settings = settings
        self.kb = kb
        self.helpdesk = helpdesk
        self.analytics = analytics
        self._clock = clock or time.time
        self._tz = ZoneInfo(settings.timezone)
        self._reload_lock = threading.Lock()

    # ------------------------------------------------------------------------ identity
    def identity(self, user: UserRef) -> Identity:
        person = self.helpdesk.get_person(user.id)
        if user.id in self.settings.admin_ids or (person and person.role is Role.ADMIN):
            role = Role.ADMIN
        elif person and (person.role is Role.CADRE or person.posts):
            role = Role.CADRE
        else:
            role = Role.VILLAGER
        return Identity(user, role, person)

    def commands_for(self, user: UserRef) -> dict[str, str]:
        """The command menu this user should see (command → description)."""
        who = self.identity(user)
        commands = dict(texts.BOT_COMMANDS_VILLAGER)
        if who.is_cadre:
            commands.update(texts.BOT_COMMANDS_CADRE)
        if who.is_admin:
            commands.update(texts.BOT_COMMANDS_ADMIN)
        return commands

    def privileged_users(self) -> list[int]:
        """Chat ids that need more than the villager command menu: configured admins and cadres."""
        ids = set(self.settings.admin_ids)
        try:
            ids.update(p.chat_user_id for p in self.helpdesk.list_cadres(OPERATOR))
        except HelpdeskError:
            log.exception("could not list cadres for command menus")
        return sorted(ids)

    # ------------------------------------------------------------------------ everyone
    @friendly
    def start(self, user: UserRef) -> Reply:
        who = self.identity(user)
        blocks = [Block(texts.BOT_WELCOME.format(name=user.name))]
        if who.posts:
            posts = "、".join(f"{v}{p}" for v, p in who.posts)
            blocks.append(Block(texts.BOT_WELCOME_CADRE.format(posts=posts)))
        if who.is_admin:
            blocks.append(Block(texts.BOT_WELCOME_ADMIN))
        return Reply(tuple(blocks), menu=True)

    @friendly
    def help(self, user: UserRef) -> Reply:
        commands = self.commands_for(user)
        lines = "\n".join(f"/{name}　{desc}" for name, desc in commands.items())
        blocks = [Block(lines, title=texts.BOT_HELP_TITLE), Block(texts.BOT_HELP_VILLAGER_NOTE)]
        if "reload" in commands:
            blocks.append(Block(texts.BOT_HELP_ADMIN_NOTE.format(mb=self.settings.max_upload_mb)))
        return Reply(tuple(blocks), menu=True)

    @friendly
    def handle_text(self, user: UserRef, text: str) -> Reply:
        """A text message outside any dialog: a menu button, an answer to 问题解决了吗？, or a question."""
        stripped = (text or "").strip()
        if stripped == texts.BOT_MENU_ASK:
            return Reply.of(texts.BOT_ASK_PROMPT)
        if stripped == texts.BOT_MENU_REQUEST:
            return self.start_request(user)
        if stripped == texts.BOT_MENU_MINE:
            return self.my_requests(user)
        if stripped == texts.BOT_MENU_HELP:
            return self.help(user)
        if stripped in texts.BOT_SOLVED_WORDS or stripped in texts.BOT_UNSOLVED_WORDS:
            return self.answer_follow_up(user, stripped in texts.BOT_SOLVED_WORDS)
        return self.ask(user, text)

    # ------------------------------------------------------------------------ questions
    @friendly
    def ask(self, user: UserRef, question: str) -> Reply:
        problem = validate_question(question)
        if problem:
            return Reply.of(problem)
        from bot.answer import compose

        result = self.kb.search(question.strip(), self.settings.top_k)
        answer = compose(result)
        sources = [
            {"title": s.title, "source": s.source, "section": s.section, "text": s.text}
            for s in answer.sources
        ]
        top = result.hits[0].score if result.hits else 0.0
        qid = self._log_question(user, question.strip(), answer.grounded, top, sources)
        if not answer.grounded:
            return Reply(
                (Block(answer.answer), Block(texts.BOT_NOT_COVERED_OFFER)),
                keyboard([Button(texts.BOT_FILE_REQUEST_BUTTON, "rq", str(qid or ""))]),
            )
        from bot.answer import source_label

        body = answer.answer.removeprefix(texts.ANSWER_HEADER)
        lines = "\n".join(f"[{n}] {source_label(s)}" for n, s in enumerate(answer.sources, 1))
        blocks = (Block(body, title=texts.ANSWER_HEADER), Block(lines, title=texts.SOURCES_HEADER))
        if qid is None:
            return Reply(blocks)
        return Reply(blocks, self._answer_buttons(qid, len(sources), with_feedback=True))

    @staticmethod
    def _answer_buttons(qid: int, count: int, *, with_feedback: bool) -> Keyboard:
        sources = [
            Button(texts.BOT_SOURCE_BUTTON.format(n=n), "src", f"{qid}.{n}") for n in range(1, count + 1)
        ]
        feedback = (
            [
                Button(texts.BOT_USEFUL_BUTTON, "fb", f"{qid}.1"),
                Button(texts.BOT_USELESS_BUTTON, "fb", f"{qid}.0"),
            ]
            if with_feedback
            else []
        )
        return keyboard(sources, feedback)

    def _log_question(
        self, user: UserRef, question: str, grounded: bool, top: float, sources: list[dict[str, str]]
    ) -> int | None:
        if self.analytics is None:
            return None
        try:
            return self.analytics.log_question(user.id, question, grounded, top, sources)
        except Exception:  # the log must never cost the villager their answer
            log.exception("could not log a question")
            return None

    def show_source(self, user: UserRef, qid: int, n: int) -> Reply:
        logged = self.analytics.get(qid) if self.analytics else None
        if logged is None or not 1 <= n <= len(logged.sources):
            return Reply.of(texts.BOT_SOURCE_GONE, toast=texts.BOT_SOURCE_GONE)
        src = logged.sources[n - 1]
        label = f"《{src['title']}》" + (f" · {src['section']}" if src.get("section") else "")
        return Reply((Block(src["text"], title=texts.BOT_SOURCE_TITLE.format(n=n, label=label), quote=True),))

    def feedback(self, user: UserRef, qid: int, useful: bool) -> Reply:
        logged = self.analytics.get(qid) if self.analytics else None
        if logged is None or not self.analytics or not self.analytics.set_feedback(qid, user.id, useful):
            return Reply(toast=texts.BOT_FEEDBACK_NOT_YOURS)
        kept = self._answer_buttons(qid, len(logged.sources), with_feedback=False)
        if useful:
            return Reply(toast=texts.BOT_FEEDBACK_THANKS, replace_buttons=kept)
        return Reply(
            (Block(texts.BOT_FEEDBACK_SORRY),),
            keyboard([Button(texts.BOT_FILE_REQUEST_BUTTON, "rq", str(qid))]),
            toast=texts.BOT_FEEDBACK_THANKS,
            replace_buttons=kept,
        )

    # ------------------------------------------------------------------------ help-request form
    @friendly
    def start_request(self, user: UserRef, question_id: int | None = None) -> Reply:
        if not self.helpdesk.list_villages():
            return Reply.of(texts.BOT_FORM_NO_VILLAGES)
        data: dict[str, Any] = {}
        if question_id and self.analytics:
            logged = self.analytics.get(question_id)
            if logged and logged.chat_user_id == user.id:
                data["question"] = logged.question
        return self._prompt({"state": "request.category", "data": data, "at": self._clock()})

    def dialog_expired(self, dialog: dict[str, Any] | None) -> bool:
        if not dialog:
            return True
        return self._clock() - float(dialog.get("at", 0)) > self.settings.form_timeout_minutes * 60

    @friendly
    def cancel_dialog(self, user: UserRef, dialog: dict[str, Any] | None) -> Reply:
        if not dialog:
            return Reply.of(texts.BOT_NOTHING_TO_CANCEL)
        if str(dialog.get("state", "")).startswith("ticket."):
            return Reply.of(texts.BOT_TICKET_NOTE_CANCELLED, replace_buttons=())
        return Reply.of(texts.BOT_FORM_CANCELLED, menu=True, replace_buttons=())

    def dialog_input(
        self, user: UserRef, dialog: dict[str, Any], text: str | None = None, button: str | None = None
    ) -> Reply:
        """One turn of an open dialog: typed `text`, or the `arg` of a pressed "f" button."""
        if button == "x":
            return self.cancel_dialog(user, dialog)
        state = str(dialog.get("state", ""))
        dialog = {**dialog, "data": dict(dialog.get("data") or {}), "at": self._clock()}
        try:
            if state == "ticket.note":
                return self._ticket_note(user, dialog, text, button)
            step = state.removeprefix("request.")
            handler = getattr(self, f"_form_{step}", None)
            if handler is None:
                return Reply.of(texts.BOT_FORM_GONE)
            return handler(user, dialog, text, button)
        except HelpdeskError as exc:
            return self._prompt(dialog, error=exc.message_zh)

    def _stale(self, dialog: dict[str, Any]) -> Reply:
        return Reply(toast=texts.BOT_FORM_STALE_BUTTON, dialog=dialog)

    def _form_category(self, user: UserRef, dialog: dict, text: str | None, button: str | None) -> Reply:
        categories = self.helpdesk.categories
        chosen = None
        if button is not None:
            if not re.fullmatch(r"c\d{1,3}", button) or int(button[1:]) >= len(categories):
                return self._stale(dialog)
            chosen = categories[int(button[1:])]
        elif text and text.strip() in categories:
            chosen = text.strip()
        if chosen is None:
            return self._prompt(dialog, error=texts.BOT_FORM_CATEGORY_AGAIN)
        dialog["data"]["category"] = chosen
        return self._prompt({**dialog, "state": "request.description"})

    def _form_description(self, user: UserRef, dialog: dict, text: str | None, button: str | None) -> Reply:
        from bot.helpdesk.validate import clean_description

        data = dialog["data"]
        if button is not None:
            if button != "q" or not data.get("question"):
                return self._stale(dialog)
            text = data["question"]
        try:
            data["description"] = clean_description(text, self.helpdesk.config)
        except InvalidInput as exc:
            return self._prompt(dialog, error=exc.message_zh)
        return self._prompt({**dialog, "state": "request.village"})

    def _form_village(self, user: UserRef, dialog: dict, text: str | None, button: str | None) -> Reply:
        villages = self.helpdesk.list_villages()
        if not villages:
            return Reply.of(texts.BOT_FORM_NO_VILLAGES)
        chosen = None
        if button is not None:
            if not re.fullmatch(r"v\d{1,12}", button):
                return self._stale(dialog)
            chosen = next((v for v in villages if v.id == int(button[1:])), None)
            if chosen is None:
                return self._stale(dialog)
        else:
            typed = " ".join((text or "").split())
            exact = [v for v in villages if typed in (v.name, v.full_name)]
            matches = exact or [v for v in villages if typed and (typed in v.full_name or v.name in typed)]
            if len(matches) == 1:
                chosen = matches[0]
            elif matches:
                return self._prompt(dialog, error=texts.BOT_FORM_VILLAGE_MATCHES, villages=matches)
            else:
                return self._prompt(dialog, error=texts.HD_ERR_UNKNOWN_VILLAGE.format(village=typed[:30]))
        dialog["data"].update(village_id=chosen.id, village=chosen.name)
        return self._prompt({**dialog, "state": "request.phone"})

    def _form_phone(self, user: UserRef, dialog: dict, text: str | None, button: str | None) -> Reply:
        from bot.helpdesk.validate import clean_phone

        if button is not None:
            if button != "skip":
                return self._stale(dialog)
            phone = None
        else:
            try:
                phone = clean_phone(text or "")
            except InvalidInput as exc:
                return self._prompt(dialog, error=exc.message_zh)
            if phone is None:
                return self._prompt(dialog)
        dialog["data"]["phone"] = phone
        return self._prompt({**dialog, "state": "request.confirm"})

    def _form_confirm(self, user: UserRef, dialog: dict, text: str | None, button: str | None) -> Reply:
        data = dialog["data"]
        if button == "redo":
            fresh = {k: v for k, v in data.items() if k == "question"}
            return self._prompt({**dialog, "state": "request.category", "data": fresh})
        if button != "ok":
            return (
                self._stale(dialog)
                if button is not None
                else self._prompt(dialog, error=texts.BOT_FORM_CONFIRM_AGAIN)
            )
        outcome = self.helpdesk.file_request(
            user.id,
            int(data["village_id"]),
            data["description"],
            display_name=user.name,
            phone=data.get("phone"),
            category=data["category"],
        )
        own, notices = self._split(outcome, user.id)
        return Reply(tuple(own), notices=notices, menu=True, replace_buttons=())

    def _prompt(
        self,
        dialog: dict[str, Any],
        *,
        error: str | None = None,
        villages: Sequence[Any] | None = None,
    ) -> Reply:
        """The question for the dialog's current step (after `error`, if the last answer was refused)."""
        state, data = dialog["state"], dialog["data"]
        cancel = [Button(texts.BOT_FORM_CANCEL, "f", "x")]
        blocks: list[Block] = [Block(error)] if error else []
        buttons: list[Sequence[Button]] = []
        if state == "ticket.note":
            return self._note_prompt(dialog, blocks)
        if state == "request.category":
            blocks.append(Block(texts.BOT_FORM_CATEGORY))
            cats = [Button(c, "f", f"c{i}") for i, c in enumerate(self.helpdesk.categories)]
            buttons.extend(_chunks(cats, 2))
        elif state == "request.description":
            blocks.append(Block(texts.BOT_FORM_DESCRIPTION.format(category=data.get("category", ""))))
            if data.get("question"):
                blocks.append(Block(data["question"], quote=True))
                buttons.append([Button(texts.BOT_FORM_USE_QUESTION, "f", "q")])
        elif state == "request.village":
            if villages is None:
                blocks.append(Block(texts.BOT_FORM_VILLAGE))
                villages = self.helpdesk.list_villages()[:VILLAGE_BUTTONS]
            buttons.extend(_chunks([Button(v.name, "f", f"v{v.id}") for v in villages[:VILLAGE_BUTTONS]], 3))
        elif state == "request.phone":
            blocks.append(Block(texts.BOT_FORM_PHONE))
            buttons.append([Button(texts.BOT_FORM_SKIP_PHONE, "f", "skip")])
        elif state == "request.confirm":
            fields = [
                texts.BOT_FORM_FIELD_CATEGORY.format(value=data.get("category", "")),
                texts.BOT_FORM_FIELD_VILLAGE.format(value=data.get("village", "")),
                texts.BOT_FORM_FIELD_PHONE.format(value=data.get("phone") or texts.BOT_FORM_NO_PHONE),
                texts.BOT_FORM_FIELD_DESCRIPTION.format(value=data.get("description", "")),
            ]
            blocks.append(Block("\n".join(fields), title=texts.BOT_FORM_CONFIRM))
            buttons.append(
                [Button(texts.BOT_FORM_SUBMIT, "f", "ok"), Button(texts.BOT_FORM_REDO, "f", "redo")]
            )
        buttons.append(cancel)
        return Reply(tuple(blocks), keyboard(*buttons), dialog=dialog)

    # ------------------------------------------------------------------------ my requests
    @friendly
    def my_requests(self, user: UserRef, offset: int = 0) -> Reply:
        who = self.identity(user)
        if who.person is None:
            return Reply.of(texts.BOT_MINE_EMPTY)
        page = self.helpdesk.list_requests(user.id, RequestFilter(), limit=MINE_PAGE, offset=offset)
        items = list(page.items)
        if who.role is not Role.VILLAGER:
            # Cadres also see their villages' requests in lists; "mine" means the ones they filed.
            items = [v for v in items if v.requester_name == who.person.display_name]
        if not items and offset == 0:
            return Reply.of(texts.BOT_MINE_EMPTY)
        blocks: list[Block] = [Block("", title=texts.BOT_MINE_TITLE.format(count=len(items)))]
        rows: list[Sequence[Button]] = []
        for view in items:
            line = texts.BOT_MINE_LINE.format(
                number=view.number,
                status=view.status.label,
                category=view.category,
                village=view.village.name,
                created=self._local(view.created_at),
                description=_preview(view.description, 60),
            )
            if view.status is Status.RESOLVED:
                line += "\n" + texts.BOT_MINE_WAITING
                rows.append(self._satisfaction_buttons(view.number))
            blocks.append(Block(line))
        views = [Button(texts.BOT_VIEW_BUTTON.format(number=v.number), "rv", v.number) for v in items]
        rows = [*_chunks(views, 2), *rows]
        if page.has_more:
            rows.append([Button(texts.BOT_MORE, "my", str(offset + MINE_PAGE))])
        return Reply(tuple(blocks), keyboard(*rows))

    @staticmethod
    def _satisfaction_buttons(number: str) -> list[Button]:
        return [
            Button(f"{texts.BOT_SOLVED_BUTTON} {number}", "sat", f"{number}.1"),
            Button(f"{texts.BOT_UNSOLVED_BUTTON} {number}", "sat", f"{number}.0"),
        ]

    @friendly
    def request_detail(self, user: UserRef, number: str) -> Reply:
        view = self.helpdesk.show(user.id, number)
        buttons = [self._satisfaction_buttons(number)] if view.status is Status.RESOLVED else []
        return Reply(tuple(self._card(view, history=True)), keyboard(*buttons))

    @friendly
    def answer_follow_up(self, user: UserRef, satisfied: bool, number: str | None = None) -> Reply:
        """问题解决了吗？ — 已解决 closes the request, 未解决 reopens it for the cadres."""
        if number is None:
            if self.helpdesk.get_person(user.id) is None:
                return Reply.of(texts.BOT_NO_FEEDBACK_PENDING)
            page = self.helpdesk.list_requests(user.id, RequestFilter(statuses=(Status.RESOLVED,)), limit=10)
            me = self.helpdesk.get_person(user.id)
            waiting = [v for v in page.items if me and v.requester_name == me.display_name]
            if not waiting:
                return Reply.of(texts.BOT_NO_FEEDBACK_PENDING)
            if len(waiting) > 1:
                return Reply.of(
                    texts.BOT_WHICH_REQUEST,
                    buttons=keyboard(*(self._satisfaction_buttons(v.number) for v in waiting)),
                )
            number = waiting[0].number
        outcome = self.helpdesk.feedback(user.id, number, satisfied)
        own, notices = self._split(outcome, user.id)
        return Reply(tuple(own), notices=notices, replace_buttons=(), toast=texts.BOT_FEEDBACK_RECORDED)

    # ------------------------------------------------------------------------ cadres: duties
    @friendly
    def duties(self, user: UserRef, index: int | None = None) -> Reply:
        who = self.identity(user)
        if not who.is_cadre:
            return Reply.of(texts.BOT_CADRE_ONLY)
        chooser = keyboard(*_chunks([Button(p, "du", str(i)) for i, p in enumerate(DUTY_POSTS)], 3))
        if index is not None:
            if not 0 <= index < len(DUTY_POSTS):
                return Reply(toast=texts.BOT_BUTTON_INVALID)
            return Reply(tuple(self._duty_blocks(DUTY_POSTS[index])), chooser)
        posts = []
        for _village, post in who.posts:
            doc = DUTY_ALIASES.get(post, post)
            if doc in DUTY_POSTS and doc not in posts:
                posts.append(doc)
        if not posts:
            unknown = "、".join(sorted({p for _, p in who.posts}))
            intro = texts.BOT_DUTIES_NONE.format(post=unknown) if unknown else texts.BOT_DUTIES_CHOOSE
            return Reply.of(intro, buttons=chooser)
        blocks = [b for post in posts for b in self._duty_blocks(post)]
        return Reply(tuple(blocks), chooser if who.is_admin else ())

    def _duty_blocks(self, post: str) -> list[Block]:
        path = Path(self.kb.source_dir) / DUTY_FOLDER / f"{post}职责.md"
        try:
            return markdown_blocks(path.read_text(encoding="utf-8"))
        except OSError:
            log.warning("duty document missing: %s", path)
            return [Block(texts.BOT_DUTIES_MISSING, title=post)]

    # ------------------------------------------------------------------------ cadres: tickets
    @friendly
    def tickets(self, user: UserRef, offset: int = 0) -> Reply:
        who = self.identity(user)
        if not who.is_cadre:
            return Reply.of(texts.BOT_CADRE_ONLY)
        page = self.helpdesk.list_requests(
            user.id, RequestFilter(open_only=True), limit=TICKETS_PAGE, offset=offset
        )
        if not page.items and offset == 0:
            return Reply.of(texts.BOT_TICKETS_EMPTY)
        blocks = [Block("", title=texts.BOT_TICKETS_TITLE.format(count=len(page.items)))]
        for view in page.items:
            blocks.append(
                Block(
                    texts.BOT_TICKET_LINE.format(
                        flag=texts.BOT_TICKET_OVERDUE_FLAG if view.overdue else "",
                        number=view.number,
                        village=view.village.name,
                        category=view.category,
                        status=view.status.label,
                        due=self._local(view.due_at),
                        assignee=view.assignee_name or texts.BOT_REQUEST_UNASSIGNED,
                        description=_preview(view.description, 60),
                    )
                )
            )
        rows = list(_chunks([Button(v.number, "tk", v.number) for v in page.items], 2))
        if page.has_more:
            rows.append((Button(texts.BOT_MORE, "tl", str(offset + TICKETS_PAGE)),))
        return Reply(tuple(blocks), tuple(rows))

    @friendly
    def ticket(self, user: UserRef, number: str, *, edit: bool = False) -> Reply:
        who = self.identity(user)
        if not who.is_cadre:
            return Reply.of(texts.BOT_CADRE_ONLY)
        view = self.helpdesk.show(user.id, number)
        return Reply(tuple(self._card(view, history=True)), self._ticket_buttons(who, view), edit=edit)

    def _is_dispatcher(self, who: Identity, view: RequestView) -> bool:
        if who.is_admin:
            return True
        dispatch_posts = self.helpdesk.config.dispatcher_posts
        mine = [p for p in (who.person.posts if who.person else ()) if p.village.id == view.village.id]
        if any(p.post in dispatch_posts for p in mine):
            return True
        if not mine:
            return False
        team = self.helpdesk.list_cadres(who.user.id, view.village.id)
        return not any(
            p.post in dispatch_posts
            for person in team
            for p in person.posts
            if p.village.id == view.village.id
        )

    def _ticket_buttons(self, who: Identity, view: RequestView) -> Keyboard:
        allowed = set(allowed_actions(view.status))
        dispatcher = self._is_dispatcher(who, view)
        mine = view.assignee_chat_user_id == who.user.id
        n = view.number
        first: list[Button] = []
        if Action.ASSIGN in allowed and dispatcher and not (mine and view.status is Status.ASSIGNED):
            first.append(Button(texts.BOT_TICKET_TAKE, "ta", f"take.{n}"))
        if Action.START in allowed:
            first.append(Button(texts.BOT_TICKET_START, "ta", f"start.{n}"))
        if Action.RESOLVE in allowed:
            first.append(Button(texts.BOT_TICKET_RESOLVE, "ta", f"resolve.{n}"))
        second: list[Button] = []
        if Action.ASSIGN in allowed and dispatcher:
            second.append(Button(texts.BOT_TICKET_REASSIGN, "ta", f"reassign.{n}"))
        if Action.RETURN in allowed:
            second.append(Button(texts.BOT_TICKET_RETURN, "ta", f"return.{n}"))
        third: list[Button] = []
        if Action.DUPLICATE in allowed:
            third.append(Button(texts.BOT_TICKET_DUPLICATE, "ta", f"dup.{n}"))
        if Action.UNABLE in allowed:
            third.append(Button(texts.BOT_TICKET_UNABLE, "ta", f"unable.{n}"))
        return keyboard(first, second, third, [Button(texts.BOT_TICKET_BACK, "tl", "0")])

    @friendly
    def ticket_action(self, user: UserRef, code: str, number: str) -> Reply:
        who = self.identity(user)
        if not who.is_cadre:
            return Reply.of(texts.BOT_CADRE_ONLY, toast=texts.BOT_CADRE_ONLY[:180])
        if code == "take":
            return self._after(who, self.helpdesk.assign(user.id, number, user.id), Action.ASSIGN.label)
        if code == "start":
            return self._after(who, self.helpdesk.start(user.id, number), Action.START.label)
        view = self.helpdesk.show(user.id, number)
        if code == "reassign":
            team = self.helpdesk.list_cadres(user.id, view.village.id)
            choices = [
                Button(
                    f"{p.display_name}（{'、'.join(x.post for x in p.posts if x.village.id == view.village.id)}）",
                    "as",
                    f"{number}.{p.chat_user_id}",
                )
                for p in team
                if p.chat_user_id != view.assignee_chat_user_id
            ]
            if not choices:
                return Reply.of(texts.BOT_TICKET_NO_CADRES, toast=texts.BOT_TICKET_NO_CADRES)
            return Reply.of(
                texts.BOT_TICKET_CHOOSE_ASSIGNEE.format(number=number),
                buttons=keyboard(*_chunks(choices, 2), [Button(texts.BOT_TICKET_BACK, "tk", number)]),
            )
        # The rest need a sentence from the cadre: open a small dialog.
        dialog = {
            "state": "ticket.note",
            "data": {"action": code, "number": number},
            "user_id": user.id,
            "at": self._clock(),
        }
        return self._prompt(dialog)

    @friendly
    def assign(self, user: UserRef, number: str, assignee: int) -> Reply:
        who = self.identity(user)
        if not who.is_cadre:
            return Reply.of(texts.BOT_CADRE_ONLY)
        return self._after(who, self.helpdesk.assign(user.id, number, assignee), Action.ASSIGN.label)

    def _note_prompt(self, dialog: dict[str, Any], blocks: list[Block]) -> Reply:
        action, number = dialog["data"]["action"], dialog["data"]["number"]
        rows: list[Sequence[Button]] = []
        if action == "resolve":
            blocks.append(Block(texts.BOT_TICKET_ASK_RESOLVE))
            rows.append([Button(texts.BOT_TICKET_NO_NOTE, "f", "skip")])
        elif action == "return":
            blocks.append(Block(texts.BOT_TICKET_ASK_RETURN))
        elif action == "unable":
            blocks.append(Block(texts.BOT_TICKET_ASK_UNABLE))
        else:
            blocks.append(Block(texts.BOT_TICKET_ASK_DUPLICATE.format(number=number)))
            candidates = self._duplicate_candidates(dialog.get("user_id"), number)
            rows.extend(_chunks([Button(c, "f", f"o{c}") for c in candidates], 3))
        rows.append([Button(texts.BOT_FORM_CANCEL, "f", "x")])
        return Reply(tuple(blocks), keyboard(*rows), dialog=dialog)

    def _duplicate_candidates(self, user_id: int | None, number: str) -> list[str]:
        if user_id is None:
            return []
        try:
            view = self.helpdesk.show(user_id, number)
            page = self.helpdesk.list_requests(
                user_id, RequestFilter(village=view.village.id, category=view.category), limit=7
            )
        except HelpdeskError:
            return []
        return [v.number for v in page.items if v.number != number][:6]

    def _ticket_note(self, user: UserRef, dialog: dict, text: str | None, button: str | None) -> Reply:
        who = self.identity(user)
        action, number = dialog["data"]["action"], dialog["data"]["number"]
        note = (text or "").strip() or None
        if button is not None:
            if action == "resolve" and button == "skip":
                note = None
            elif action == "dup" and re.fullmatch(rf"o{_NUM}", button):
                note = button[1:]
            else:
                return self._stale(dialog)
        elif note is None:
            return self._prompt(dialog)
        try:
            if action == "resolve":
                outcome = self.helpdesk.resolve(user.id, number, note)
            elif action == "return":
                outcome = self.helpdesk.return_to_dispatch(user.id, number, note or "")
            elif action == "unable":
                outcome = self.helpdesk.mark_unable(user.id, number, note or "")
            else:
                outcome = self.helpdesk.mark_duplicate(user.id, number, note or "")
        except InvalidInput as exc:
            return self._prompt(dialog, error=exc.message_zh)
        labels = {
            "resolve": Action.RESOLVE,
            "return": Action.RETURN,
            "unable": Action.UNABLE,
            "dup": Action.DUPLICATE,
        }
        done = self._after(who, outcome, labels[action].label)
        return replace(done, edit=False, replace_buttons=())

    def _after(self, who: Identity, outcome: Outcome, label: str) -> Reply:
        """A ticket card refreshed after an action, plus the messages the action caused."""
        own, notices = self._split(outcome, who.user.id)
        try:  # with its history, so the cadre sees their note recorded
            view = self.helpdesk.show(who.user.id, outcome.request.number)
        except HelpdeskError:
            view = outcome.request
        blocks = [Block(texts.BOT_TICKET_DONE.format(action=label)), *self._card(view, history=True), *own]
        return Reply(
            tuple(blocks),
            self._ticket_buttons(who, view),
            notices=notices,
            edit=True,
            toast=texts.BOT_TICKET_DONE.format(action=label),
        )

    def overdue_digest(self, now: datetime | None = None) -> list[Notice]:
        """Daily 超期提醒 for every cadre with overdue requests (run by the front end's scheduler)."""
        return [self._notice(n) for n in self.helpdesk.overdue_digest(now)]

    # ------------------------------------------------------------------------ admins: documents
    @friendly
    def reload(self, user: UserRef, progress: Callable[[str], None] | None = None) -> Reply:
        if not self.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        if not self._reload_lock.acquire(blocking=False):
            return Reply.of(texts.BOT_RELOAD_BUSY)
        try:
            report = self.kb.ingest(progress=self._progress(progress))
        except Exception:
            log.exception("reload failed")
            return Reply.of(texts.BOT_RELOAD_FAILED)
        finally:
            self._reload_lock.release()
        log.info("reload by %s: %s", user.id, report.summary().splitlines()[0])
        lines = [
            texts.BOT_RELOAD_SKIPPED_LINE.format(source=src, reason=reason_zh(reason))
            for src, reason in report.skipped
        ]
        done = texts.BOT_RELOAD_DONE.format(
            added=len(report.added),
            updated=len(report.updated),
            removed=len(report.removed),
            unchanged=len(report.unchanged),
            skipped=len(report.skipped),
            chunks=report.chunks,
            seconds=report.seconds,
        )
        return Reply.of(done, "\n".join(lines))

    @staticmethod
    def _progress(callback: Callable[[str], None] | None) -> Callable[[str, int, int], None] | None:
        if callback is None:
            return None

        def tick(stage: str, done: int, total: int) -> None:
            label = texts.BOT_RELOAD_STAGES.get(stage, stage)
            callback(texts.BOT_RELOAD_PROGRESS.format(stage=label, done=done, total=total))

        return tick

    def check_upload(self, user: UserRef, filename: str | None, size: int | None) -> Reply | None:
        """Why this upload is refused (before downloading it), or None if it may proceed."""
        if not self.identity(user).is_admin:
            return Reply.of(texts.BOT_DOCUMENT_NOT_ALLOWED)
        from bot.kb.ingest import MAX_FILE_BYTES
        from bot.kb.loaders import SUPPORTED_SUFFIXES
        from bot.kb.service import KnowledgeBaseError, safe_filename

        name = filename or ""
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            allowed = "、".join(sorted(SUPPORTED_SUFFIXES))
            return Reply.of(
                texts.BOT_UPLOAD_BAD_TYPE.format(suffix=suffix or name[-20:] or "?", allowed=allowed)
            )
        try:
            safe_filename(name)
        except KnowledgeBaseError:
            return Reply.of(texts.BOT_UPLOAD_BAD_NAME)
        limit = min(self.settings.max_upload_mb * _MB, MAX_FILE_BYTES)
        if size is not None and size > limit:
            return Reply.of(texts.BOT_UPLOAD_TOO_LARGE.format(size=size / _MB, limit=limit // _MB))
        return None

    @friendly
    def add_document(
        self, user: UserRef, filename: str, data: bytes, progress: Callable[[str], None] | None = None
    ) -> Reply:
        refusal = self.check_upload(user, filename, len(data))
        if refusal is not None:
            return refusal
        from bot.kb.service import KnowledgeBaseError, safe_filename

        name = safe_filename(filename)
        if not self._reload_lock.acquire(blocking=False):
            return Reply.of(texts.BOT_RELOAD_BUSY)
        try:
            report = self.kb.add_file(filename, data, progress=self._progress(progress))
        except KnowledgeBaseError as exc:
            log.info("upload %r refused: %s", name, exc)
            return Reply.of(texts.BOT_UPLOAD_UNREADABLE.format(name=name, reason=reason_zh(str(exc))))
        except Exception:  # e.g. another process is ingesting: the served index is untouched
            log.exception("upload %r failed", name)
            return Reply.of(texts.BOT_RELOAD_FAILED)
        finally:
            self._reload_lock.release()
        for source, reason in report.skipped:
            if source == name:
                return Reply.of(texts.BOT_UPLOAD_UNREADABLE.format(name=name, reason=reason_zh(reason)))
        if name in report.unchanged:
            return Reply.of(texts.BOT_UPLOAD_UNCHANGED.format(name=name))
        info = next((d for d in self.kb.documents() if d.source == name), None)
        log.info("document %s added by %s", name, user.id)
        return Reply.of(
            texts.BOT_UPLOAD_DONE.format(
                title=info.title if info else name, chunks=info.chunks if info else 0
            )
        )

    @friendly
    def documents(self, user: UserRef) -> Reply:
        if not self.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        docs = self.kb.documents()
        if not docs:
            return Reply.of(texts.BOT_DOCS_EMPTY)
        lines = [
            texts.BOT_DOCS_LINE.format(
                n=n, title=d.title, source=d.source, chunks=d.chunks, size=_size(d.size)
            )
            for n, d in enumerate(docs, 1)
        ]
        title = texts.BOT_DOCS_TITLE.format(count=len(docs), chunks=sum(d.chunks for d in docs))
        remove = [
            Button(texts.BOT_DOCS_REMOVE_BUTTON.format(n=n), "dr", doc_key(d.source))
            for n, d in enumerate(docs, 1)
        ]
        blocks = (Block("\n".join(lines), title=title), Block(texts.BOT_DOCS_HINT))
        return Reply(blocks, _chunks(remove, 5))

    @friendly
    def ask_remove_document(self, user: UserRef, key_or_name: str) -> Reply:
        if not self.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        wanted = key_or_name.strip()
        if not wanted:
            return Reply.of(texts.BOT_RMDOC_USAGE)
        doc = next(
            (
                d
                for d in self.kb.documents()
                if wanted in (doc_key(d.source), d.source, d.title, Path(d.source).name)
            ),
            None,
        )
        if doc is None:
            return Reply.of(texts.BOT_DOCS_UNKNOWN.format(source=wanted[:60]))
        return Reply.of(
            texts.BOT_DOCS_CONFIRM.format(title=doc.title, source=doc.source),
            buttons=keyboard(
                [
                    Button(texts.BOT_DOCS_CONFIRM_YES, "dx", doc_key(doc.source)),
                    Button(texts.BOT_DOCS_CONFIRM_NO, "dk"),
                ]
            ),
        )

    @friendly
    def remove_document(self, user: UserRef, key: str) -> Reply:
        if not self.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        doc = next((d for d in self.kb.documents() if doc_key(d.source) == key), None)
        if doc is None:
            return Reply.of(texts.BOT_DOCS_UNKNOWN.format(source=key), edit=True)
        if not self._reload_lock.acquire(blocking=False):
            return Reply.of(texts.BOT_RELOAD_BUSY)
        from bot.kb.service import KnowledgeBaseError

        try:
            self.kb.remove_document(doc.source)
        except KnowledgeBaseError:  # removed by someone else meanwhile
            return Reply.of(texts.BOT_DOCS_UNKNOWN.format(source=doc.source), edit=True)
        except Exception:
            log.exception("removing %s failed", doc.source)
            return Reply.of(texts.BOT_RELOAD_FAILED, edit=True)
        finally:
            self._reload_lock.release()
        log.info("document %s removed by %s", doc.source, user.id)
        left = len(self.kb.documents())
        return Reply.of(
            texts.BOT_DOCS_REMOVED.format(title=doc.title, source=doc.source, count=left), edit=True
        )

    # ------------------------------------------------------------------------ admins: people
    @friendly
    def invite(self, user: UserRef, args: Sequence[str]) -> Reply:
        who = self.identity(user)
        if not who.is_cadre:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        if len(args) < 2:
            villages = "、".join(v.name for v in self.helpdesk.list_villages()) or texts.BOT_STATS_NONE
            return Reply.of(
                texts.BOT_INVITE_USAGE.format(posts="、".join(self.helpdesk.config.posts), villages=villages)
            )
        invitation = self.helpdesk.create_invite(user.id, args[0], " ".join(args[1:]))
        done = texts.BOT_INVITE_DONE.format(
            code=invitation.code,
            village=invitation.village.name,
            post=invitation.post,
            expires=self._local(invitation.expires_at),
        )
        return Reply((Block(done), Block(texts.BOT_INVITE_COMMAND.format(code=invitation.code), code=True)))

    @friendly
    def join(self, user: UserRef, code: str) -> Reply:
        if not code.strip():
            return Reply.of(texts.BOT_JOIN_USAGE)
        person = self.helpdesk.redeem_invite(code, user.id, user.name)
        places = "、".join(f"{p.village.name}的{p.post}" for p in person.posts)
        return Reply.of(texts.BOT_JOIN_DONE.format(places=places), role_changed=True)

    @friendly
    def villages(self, user: UserRef) -> Reply:
        if not self.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        villages = self.helpdesk.list_villages()
        if not villages:
            return Reply.of(texts.BOT_VILLAGES_EMPTY)
        lines = "\n".join(texts.BOT_VILLAGE_LINE.format(id=v.id, name=v.full_name) for v in villages)
        return Reply((Block(lines, title=texts.BOT_VILLAGES_TITLE.format(count=len(villages))),))

    @friendly
    def add_village(self, user: UserRef, args: Sequence[str]) -> Reply:
        if not self.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        if not args:
            return Reply.of(texts.BOT_ADDVILLAGE_USAGE)
        name, township, county = ([*list(args), "", ""])[:3]
        village = self.helpdesk.add_village(user.id, name, township, county)
        return Reply.of(texts.BOT_ADDVILLAGE_DONE.format(name=village.full_name, id=village.id))

    # ------------------------------------------------------------------------ admins: numbers
    @friendly
    def stats(self, user: UserRef) -> Reply:
        if not self.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        blocks: list[Block] = []
        if self.analytics is not None:
            q = self.analytics.question_stats()
            blocks.append(
                Block(
                    texts.BOT_STATS_QUESTIONS.format(
                        total=q.total,
                        week=q.last_week,
                        users=q.users,
                        unanswered=q.unanswered,
                        share=q.unanswered_share,
                        up=q.useful,
                        down=q.not_useful,
                    ),
                    title=texts.BOT_STATS_TITLE,
                )
            )
            top = "\n".join(
                texts.BOT_STATS_TOP_LINE.format(n=n, question=_preview(question, 40), count=count)
                for n, (question, count) in enumerate(q.top_unanswered, 1)
            )
            blocks.append(Block(top or texts.BOT_STATS_NONE, title=texts.BOT_STATS_TOP_UNANSWERED))
        by_status: Counter[Status] = Counter()
        by_village: dict[str, list[int]] = {}
        for view in self.helpdesk.iter_requests(user.id):
            by_status[view.status] += 1
            row = by_village.setdefault(view.village.full_name, [0, 0, 0])
            row[0] += 1
            row[1] += view.status in _OPEN
            row[2] += view.overdue
        total = sum(by_status.values())
        status_lines = "　".join(
            texts.BOT_STATS_STATUS_LINE.format(status=s.label, count=by_status[s])
            for s in Status
            if by_status[s]
        )
        blocks.append(
            Block(status_lines or texts.BOT_STATS_NONE, title=texts.BOT_STATS_BY_STATUS.format(total=total))
        )
        village_lines = "\n".join(
            texts.BOT_STATS_VILLAGE_LINE.format(village=name, total=t, open=o, overdue=d)
            for name, (t, o, d) in sorted(by_village.items(), key=lambda item: (-item[1][1], item[0]))
        )
        blocks.append(Block(village_lines or texts.BOT_STATS_NONE, title=texts.BOT_STATS_BY_VILLAGE))
        return Reply(tuple(blocks))

    @friendly
    def export(self, user: UserRef) -> Reply:
        if not self.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        from bot.helpdesk.export import ledger_rows, write_xlsx

        buffer = io.BytesIO()
        count = write_xlsx(ledger_rows(self.helpdesk, user.id), buffer)
        now = datetime.now(UTC).astimezone(self._tz)
        attachment = Attachment(
            texts.BOT_EXPORT_FILENAME.format(date=now.strftime("%Y-%m-%d")),
            buffer.getvalue(),
            texts.BOT_EXPORT_CAPTION.format(now=now.strftime("%Y-%m-%d %H:%M"), count=count),
        )
        return Reply(attachment=attachment)

    # ------------------------------------------------------------------------ buttons
    def press(self, user: UserRef, action: str, arg: str) -> Reply:
        """A pressed button outside any dialog; `action`/`arg` were checked with `valid_press`."""
        if not valid_press(action, arg):
            return Reply(toast=texts.BOT_BUTTON_INVALID)
        try:
            return self._press(user, action, arg)
        except HelpdeskError as exc:
            return Reply.of(exc.message_zh, toast=exc.message_zh[:180])

    def _press(self, user: UserRef, action: str, arg: str) -> Reply:
        head, _, tail = arg.partition(".")
        if action == "src":
            return self.show_source(user, int(head), int(tail))
        if action == "fb":
            return self.feedback(user, int(head), tail == "1")
        if action == "rq":
            return self.start_request(user, int(arg) if arg else None)
        if action == "my":
            return self.my_requests(user, int(arg))
        if action == "rv":
            return self.request_detail(user, arg)
        if action == "sat":
            number, satisfied = arg.rsplit(".", 1)
            return self.answer_follow_up(user, satisfied == "1", number)
        if action == "tl":
            return self.tickets(user, int(arg))
        if action == "tk":
            return self.ticket(user, arg)
        if action == "ta":
            return self.ticket_action(user, head, tail)
        if action == "as":
            number, assignee = arg.rsplit(".", 1)
            return self.assign(user, number, int(assignee))
        if action == "du":
            return self.duties(user, int(arg))
        if action == "dr":
            return self.ask_remove_document(user, arg)
        if action == "dx":
            return self.remove_document(user, arg)
        if action == "dk":
            return Reply.of(texts.BOT_DOCS_KEPT, edit=True)
        # "f" outside a dialog: the form it belonged to has ended.
        return Reply(toast=texts.BOT_FORM_GONE)

    # ------------------------------------------------------------------------ presentation helpers
    def _local(self, value: datetime) -> str:
        return value.astimezone(self._tz).strftime("%Y-%m-%d %H:%M")

    def _card(self, view: RequestView, *, history: bool) -> list[Block]:
        fields = texts.BOT_REQUEST_FIELDS.format(
            category=view.category,
            urgency=view.urgency.label,
            village=view.village.full_name,
            requester=view.requester_name,
            phone=view.phone or texts.BOT_FORM_NO_PHONE,
            address=view.address or texts.BOT_FORM_NO_PHONE,
            created=self._local(view.created_at),
            due=self._local(view.due_at),
            overdue=texts.BOT_REQUEST_OVERDUE if view.overdue else "",
            assignee=view.assignee_name or texts.BOT_REQUEST_UNASSIGNED,
        )
        if view.duplicate_of:
            fields += "\n" + texts.BOT_REQUEST_DUPLICATE_OF.format(number=view.duplicate_of)
        blocks = [
            Block(fields, title=texts.BOT_REQUEST_TITLE.format(number=view.number, status=view.status.label)),
            Block(view.description, title=texts.BOT_REQUEST_DESCRIPTION, quote=True),
        ]
        if view.policy_hints:
            hints = "\n".join(
                texts.HD_MSG_HINT_LINE.format(title=h.title, section=f"（{h.section}）" if h.section else "")
                for h in view.policy_hints
            )
            blocks.append(Block(hints, title=texts.BOT_REQUEST_HINTS))
        if history and view.events:
            lines = []
            for event in view.events[-6:]:
                change = (
                    f"{event.old_status.label if event.old_status else ''}→{event.new_status.label}"
                    if event.new_status
                    else event.kind
                )
                lines.append(
                    texts.BOT_REQUEST_EVENT.format(
                        at=self._local(event.at),
                        actor=event.actor,
                        change=change,
                        note=texts.HD_EVENT_NOTE_SUFFIX.format(note=_preview(event.note, 80))
                        if event.note
                        else "",
                    )
                )
            blocks.append(Block("\n".join(lines), title=texts.BOT_REQUEST_HISTORY))
        return blocks

    def _notice(self, n: Notification) -> Notice:
        number = n.request_number
        if n.kind is NotificationKind.ASK_FEEDBACK and number:
            buttons: Keyboard = keyboard(self._satisfaction_buttons(number))
        elif n.kind in _CADRE_KINDS and number:
            buttons = keyboard([Button(number, "tk", number)])
        elif n.kind is NotificationKind.OVERDUE_DIGEST:
            buttons = keyboard([Button(texts.BOT_COMMANDS_CADRE["tickets"], "tl", "0")])
        elif number:
            buttons = keyboard([Button(texts.BOT_VIEW_BUTTON.format(number=number), "rv", number)])
        else:
            buttons = ()
        return Notice(n.chat_user_id, Reply((Block(n.text_zh),), buttons))

    def _split(self, outcome: Outcome, actor: int) -> tuple[list[Block], tuple[Notice, ...]]:
        """The actor's own notifications become part of the reply; the rest are sent to others."""
        own: list[Block] = []
        notices: list[Notice] = []
        for n in outcome.notifications:
            if n.chat_user_id == actor:
                own.append(Block(n.text_zh))
            else:
                notices.append(self._notice(n))
        return own, tuple(notices)


_OPEN = {Status.SUBMITTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.RETURNED, Status.REOPENED}
_CADRE_KINDS = {
    NotificationKind.NEW_REQUEST,
    NotificationKind.UNROUTED,
    NotificationKind.ASSIGNED,
    NotificationKind.RETURNED,
    NotificationKind.REOPENED,
}


def reason_zh(reason: str) -> str:
    """A Chinese explanation for a knowledge-base skip reason (which is English, for operators)."""
    lowered = reason.lower()
    for key, zh in texts.BOT_REASONS.items():
        if key in lowered:
            return zh
    return texts.BOT_REASON_UNKNOWN


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


def _preview(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _size(n: int) -> str:
    return f"{n / _MB:.1f} MB" if n >= _MB else f"{max(n // 1024, 1)} KB"
