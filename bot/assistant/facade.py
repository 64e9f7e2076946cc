"""`Assistant`: the one object front ends call, built from parts that share one context.

Each part is about one concern and talks to the others only through public methods; routing
lives here: a typed message outside a dialog (menu button, 已解决/未解决, or a question), a turn
of the open dialog (form step or ticket note), a photo, and a pressed button. A command goes
straight to the part that owns it (`assistant.admin.stats`, `assistant.cadre.tickets`,
`assistant.directory.invite`, `assistant.mine.my_requests`, …): the facade does not repeat the
parts' methods, which kept it growing by one method per command (issue 9: at most 25 public
methods a class; tests/test_structure.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot import texts
from bot.assistant.admin import Admin
from bot.assistant.cadre import Cadre
from bot.assistant.context import AssistantContext, Identity, friendly
from bot.assistant.directory import Directory
from bot.assistant.feedback import REASON_STATE, Feedback
from bot.assistant.my_requests import MyRequests
from bot.assistant.oversight import Oversight
from bot.assistant.questions import Questions
from bot.assistant.replies import Block, Reply, UserRef, valid_press
from bot.assistant.requests import Requests
from bot.assistant.roles import Roles
from bot.helpdesk import HelpdeskError, classify_reply

if TYPE_CHECKING:
    from bot.analytics import Analytics
    from bot.config import Settings
    from bot.helpdesk import Helpdesk
    from bot.kb import KnowledgeBase
    from bot.llm import AnswerPipeline


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
        answers: AnswerPipeline | None = None,
    ) -> None:
        self.context = AssistantContext(settings, kb, helpdesk, analytics, clock=clock, answers=answers)
        # The services, for front ends that manage their lifetime (ingest on start, close on exit).
        self.settings, self.kb, self.helpdesk, self.analytics = settings, kb, helpdesk, analytics
        self.roles = Roles(self.context)
        self.questions = Questions(self.context)
        self.requests = Requests(self.context)
        self.mine = MyRequests(self.context)
        self.cadre = Cadre(self.context)
        self.feedback = Feedback(self.context)
        self.admin = Admin(self.context)
        self.directory = Directory(self.context)
        self.oversight = Oversight(self.context)
        # The menu buttons, one table for `handle_text` (what each does) and `streams` (which texts
        # are not questions), so the two cannot disagree.
        self._menu: dict[str, Callable[[UserRef], Reply]] = {
            texts.BOT_MENU_ASK: lambda _user: Reply.of(texts.BOT_ASK_PROMPT),
            texts.BOT_MENU_REQUEST: self.requests.start_request,
            texts.BOT_MENU_MINE: self.mine.my_requests,
            texts.BOT_MENU_HELP: self.help,
        }

    def identity(self, user: UserRef) -> Identity:
        return self.context.identity(user)

    # ------------------------------------------------------------------------ everyone
    @friendly
    def start(self, user: UserRef) -> Reply:
        who = self.context.identity(user)
        blocks = [Block(texts.BOT_WELCOME.format(name=user.name))]
        if who.posts:
            posts = "、".join(f"{v}{p}" for v, p in who.posts)
            blocks.append(Block(texts.BOT_WELCOME_CADRE.format(posts=posts)))
        if who.is_admin:
            blocks.append(Block(texts.BOT_WELCOME_ADMIN))
        return Reply(tuple(blocks), menu=True)

    @friendly
    def help(self, user: UserRef) -> Reply:
        commands = self.roles.commands_for(user)
        lines = "\n".join(f"/{name}　{desc}" for name, desc in commands.items())
        blocks = [Block(lines, title=texts.BOT_HELP_TITLE), Block(texts.BOT_HELP_VILLAGER_NOTE)]
        if "reload" in commands:
            blocks.append(Block(texts.BOT_HELP_ADMIN_NOTE.format(mb=self.context.settings.max_upload_mb)))
        return Reply(tuple(blocks), menu=True)

    @friendly
    def handle_text(self, user: UserRef, text: str, on_text: Callable[[str], None] | None = None) -> Reply:
        """A text message outside any dialog: a menu button, an answer to 问题解决了吗？, or a question.

        `on_text` receives a model answer's text as it streams (bot/llm; never called without one)."""
        stripped = (text or "").strip()
        menu = self._menu.get(stripped)
        if menu is not None:
            return menu(user)
        # A verdict on a resolved request (回访) comes before questions: it is never logged as one.
        verdict = self.feedback.answer_text(user, stripped)
        if verdict is not None:
            return verdict
        if stripped in texts.BOT_SOLVED_WORDS or stripped in texts.BOT_UNSOLVED_WORDS:
            return self.mine.answer_follow_up(user, stripped in texts.BOT_SOLVED_WORDS)
        return self.questions.ask(user, text, on_text)

    def conversation_state(self, user: UserRef) -> dict[str, Any] | None:
        """What a follow-up needs of the user's last question, as JSON a front end may keep across
        restarts (bot/assistant/conversation.py); None when there is nothing recent."""
        return self.questions.conversations.saved(user.id)

    def resume_conversation(self, user: UserRef, state: object) -> None:
        """Hand back `conversation_state` after a restart (ignored when stale, malformed, or the
        conversation is already live in this process)."""
        self.questions.conversations.resume(user.id, state)

    def streams(self, text: str) -> bool:
        """The answer to `text` may stream: a model is configured and `handle_text` would look `text`
        up in the knowledge base (not a menu word, a 回访 reply or small talk), so front ends show a
        placeholder at once."""
        if not self.context.answers.uses_model:
            return False
        stripped = (text or "").strip()
        if stripped in self._menu or stripped in texts.BOT_SOLVED_WORDS or stripped in texts.BOT_UNSOLVED_WORDS:
            return False
        if classify_reply(stripped) is not None:  # may be a 回访 verdict: no "正在查找……" first
            return False
        return self.questions.is_question(text)

    # ------------------------------------------------------------------------ the open dialog
    def dialog_expired(self, dialog: dict[str, Any] | None) -> bool:
        if not dialog:
            return True
        timeout = self.context.settings.form_timeout_minutes * 60
        return self.context.clock() - float(dialog.get("at", 0)) > timeout

    @friendly
    def cancel_dialog(self, user: UserRef, dialog: dict[str, Any] | None) -> Reply:
        if not dialog:
            return Reply.of(texts.BOT_NOTHING_TO_CANCEL)
        if str(dialog.get("state", "")).startswith("ticket."):
            return Reply.of(texts.BOT_TICKET_NOTE_CANCELLED, replace_buttons=())
        if dialog.get("state") == REASON_STATE:
            return Reply.of(texts.BOT_RATE_REASON_CANCELLED, replace_buttons=())
        self.requests.discard(user, dialog)
        return Reply.of(texts.BOT_FORM_CANCELLED, menu=True, replace_buttons=())

    def dialog_input(
        self, user: UserRef, dialog: dict[str, Any], text: str | None = None, button: str | None = None
    ) -> Reply:
        """One turn of an open dialog: typed `text`, or the `arg` of a pressed "f" button."""
        if button == "x":
            return self.cancel_dialog(user, dialog)
        state = str(dialog.get("state", ""))
        dialog = self._touched(dialog)
        try:
            if state == "ticket.note":
                return self.cadre.note_input(user, dialog, text, button)
            if state == REASON_STATE:
                return self.feedback.reason_input(user, dialog, text, button)
            if button == "drop":
                return self._leave_form(user, dialog)
            if text is not None and self.dialog_aside(dialog, text):
                # Front ends without their own answer path (the terminal): answer, then ask.
                answer = self.handle_text(user, text)
                resume = self.requests.resume_prompt(dialog, text)
                return replace(
                    resume,
                    blocks=(*answer.blocks, *resume.blocks),
                    buttons=(*answer.buttons, *resume.buttons),
                    notices=answer.notices,
                )
            return self.requests.form_input(user, dialog, text, button)
        except HelpdeskError as exc:  # ask the same step again, saying what was wrong
            if state == "ticket.note":
                return self.cadre.note_prompt(dialog, error=exc.message_zh)
            return self.requests.form_prompt(dialog, error=exc.message_zh)

    def _touched(self, dialog: dict[str, Any]) -> dict[str, Any]:
        """A copy of `dialog` to change in this turn, its clock restarted."""
        return {**dialog, "data": dict(dialog.get("data") or {}), "at": self.context.clock()}

    def dialog_aside(self, dialog: dict[str, Any] | None, text: str) -> bool:
        """`text` typed in the open help-request form is a question to answer beside it (the form
        stays open; `dialog_resume` asks to continue) rather than the current step's answer."""
        return (
            bool(dialog)
            and str(dialog.get("state", "")).startswith("request.")
            and self.requests.is_aside(dialog, text)
            and self.questions.is_question(text)
        )

    def dialog_resume(self, user: UserRef, dialog: dict[str, Any], question: str | None = None) -> Reply:
        """继续填写求助吗？ after a question answered mid-form (see `dialog_aside`)."""
        return self.requests.resume_prompt(self._touched(dialog), question)

    def dialog_leave(self, user: UserRef, dialog: dict[str, Any], pending: str) -> Reply:
        """A menu button (a menu word, or "rq:<id>" for 登记求助) pressed in the open form: ask
        before discarding it; 放弃 then does what the button said."""
        return self.requests.ask_leave(self._touched(dialog), pending)

    def _leave_form(self, user: UserRef, dialog: dict[str, Any]) -> Reply:
        pending = str(dialog.get("data", {}).get("pending") or "")
        if not pending:
            return self.requests.form_prompt(dialog)
        self.requests.discard(user, dialog)
        if pending.startswith("rq:"):
            qid = pending[3:]
            after = self.requests.start_request(user, int(qid) if qid.isdigit() else None)
        else:
            action = self._menu.get(pending)
            after = action(user) if action is not None else Reply(menu=True)
        return replace(after, blocks=(Block(texts.BOT_FORM_DROPPED), *after.blocks), replace_buttons=())

    # ------------------------------------------------------------------------ photos
    def check_photo(self, user: UserRef, dialog: dict[str, Any] | None, size: int | None) -> Reply | None:
        """Refuse a photo by its announced size before it is downloaded; None: download it."""
        return self.requests.check_photo(user, dialog, size)

    def photo(self, user: UserRef, dialog: dict[str, Any] | None, data: bytes, caption: str | None) -> Reply:
        """A photo sent by a user, in or out of the help-request form (see `Requests.photo`)."""
        if dialog and not str(dialog.get("state", "")).startswith("request."):
            return Reply.of(texts.BOT_FORM_TEXT_ONLY, dialog=dialog)  # a cadre writing a note
        return self.requests.photo(user, self._touched(dialog) if dialog else None, data, caption)

    # ------------------------------------------------------------------------ buttons
    def press(self, user: UserRef, action: str, arg: str) -> Reply:
        """A pressed button outside any dialog; `action`/`arg` were checked with `valid_press`."""
        if not valid_press(action, arg):
            return Reply(toast=texts.BOT_BUTTON_INVALID)
        return self._press(user, action, arg)

    @friendly
    def _press(self, user: UserRef, action: str, arg: str) -> Reply:
        head, _, tail = arg.partition(".")
        if action == "src":
            return self.questions.show_source(user, int(head), int(tail))
        if action == "fb":
            return self.questions.feedback(user, int(head), tail == "1")
        if action == "rq":
            return self.requests.start_request(user, int(arg) if arg else None)
        if action == "my":
            return self.mine.my_requests(user, int(arg))
        if action == "rv":
            return self.mine.request_detail(user, arg)
        if action == "ph":
            return self.mine.show_photos(user, arg)
        if action == "sat":
            number, code = arg.rsplit(".", 1)
            return self.feedback.rate(user, number, code)
        if action == "ur":
            return self.feedback.mark_urgent(user, arg)
        if action == "tl":
            return self.cadre.tickets(user, int(arg))
        if action == "tk":
            return self.cadre.ticket(user, arg)
        if action == "ta":  # code.number[.version]
            code, number, *version = arg.split(".")
            return self.cadre.ticket_action(user, code, number, int(version[0]) if version else None)
        if action == "as":  # number.assignee[.version]
            number, assignee, *version = arg.split(".")
            return self.cadre.assign(user, number, int(assignee), int(version[0]) if version else None)
        if action == "du":
            return self.cadre.duties(user, int(arg))
        if action == "dr":
            return self.admin.ask_remove_document(user, arg)
        if action == "dx":
            return self.admin.remove_document(user, arg)
        if action == "dk":
            return Reply.of(texts.BOT_DOCS_KEPT, edit=True)
        if action == "va":
            return self.directory.confirm_add_village(user, arg)
        if action == "vm":
            return self.directory.confirm_merge_village(user, int(head), int(tail))
        if action == "vk":
            return Reply.of(texts.BOT_ADDVILLAGE_CANCELLED, replace_buttons=())
        if action == "mr":
            return self.admin.monthly_report(user, arg)
        if action == "xr":
            return self.oversight.how_to_extend(user, arg)
        if action == "xa":
            number, approve = arg.rsplit(".", 1)
            return self.oversight.decide(user, number, approve == "1")
        # "f" outside a dialog: the form it belonged to has ended.
        return Reply(toast=texts.BOT_FORM_GONE)
