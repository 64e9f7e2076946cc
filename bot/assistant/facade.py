"""`Assistant`: the parts composed into one object, plus what routes between them.

Routing lives here so each part stays about one concern: a typed message outside a dialog (menu
button, 已解决/未解决, or a question), a turn of the open dialog (form step or ticket note), and a
pressed button.
"""

from __future__ import annotations

from typing import Any

from bot import texts
from bot.assistant.admin import AdminMixin
from bot.assistant.base import friendly
from bot.assistant.cadre import CadreMixin
from bot.assistant.questions import QuestionsMixin
from bot.assistant.replies import Block, Reply, UserRef, valid_press
from bot.assistant.requests import RequestsMixin
from bot.helpdesk import HelpdeskError


class Assistant(QuestionsMixin, RequestsMixin, CadreMixin, AdminMixin):
    """What villagers, cadres and admins can do. Thread-safe; every method may block."""

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

    # ------------------------------------------------------------------------ the open dialog
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
        except HelpdeskError as exc:  # ask the same step again, saying what was wrong
            if state == "ticket.note":
                return self._note_prompt(dialog, error=exc.message_zh)
            return self._form_prompt(dialog, error=exc.message_zh)

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
