"""`python -m bot chat`: the same Assistant in a terminal, no Telegram needed.

Type a question, a menu word (问政策 / 我要求助 / 我的求助 / 帮助) or a slash command as in Telegram.
Buttons are listed as `[1] 原文1  [2] 👍 有用 …`; type the number to press one. Messages the bot
would send to other people (a cadre's new-request alert, the villager's 问题解决了吗？) are shown
as `→ 用户 123:` lines, so a whole request lifecycle can be demonstrated from one terminal by
running the chat again on the same data folder as another user
(`--as villager|cadre|admin --user-id N`).

This module is the terminal front end only; `bot/cli/chat.py` builds the services and starts it.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bot import texts
from bot.assistant import Assistant, Button, Reply, UserRef, valid_press

log = logging.getLogger(__name__)
PROMPT = "> "
QUIT = {"/quit", "/exit", "退出", "exit", "quit"}


def render_text(reply: Reply) -> str:
    """A reply as plain terminal text (no HTML: nothing to escape)."""
    parts: list[str] = []
    for block in reply.blocks:
        body = block.text
        if block.quote and body:
            body = "\n".join("│ " + line for line in body.splitlines())
        parts.append("\n".join(p for p in (f"【{block.title}】" if block.title else "", body) if p))
    return "\n\n".join(p for p in parts if p)


@dataclass
class Session:
    """One terminal user: identity, the buttons of the last reply, and any open dialog."""

    assistant: Assistant
    user: UserRef
    out: TextIO
    out_dir: Path = field(default_factory=Path.cwd)
    buttons: list[Button] = field(default_factory=list)
    dialog: dict[str, Any] | None = None

    def show(self, reply: Reply, printed: str = "") -> None:
        """Print `reply`; `printed` is what streaming already printed of it (not printed twice)."""
        text = render_text(reply)
        if reply.toast and not text:
            text = reply.toast
        if printed and text.startswith(printed):
            print(text[len(printed) :], file=self.out)
        elif text:
            print(f"\n{text}" if printed else text, file=self.out)
        for attachment in (*reply.photos, reply.attachment):  # files are saved, not shown
            if attachment is not None:
                path = self.out_dir / attachment.filename
                path.write_bytes(attachment.data)
                print(f"{attachment.caption}\n（已保存到 {path}）", file=self.out)
        for notice in reply.notices:
            print(f"\n→ 用户 {notice.chat_id}:\n{render_text(notice.reply)}", file=self.out)
        flat = [b for row in reply.buttons for b in row]
        if flat or not reply.replace_buttons:
            self.buttons = flat
        if flat:
            print("  ".join(f"[{n}] {b.label}" for n, b in enumerate(flat, 1)), file=self.out)
        if reply.dialog is not None or self.dialog is not None:
            self.dialog = reply.dialog
        print(file=self.out)

    def handle(self, line: str) -> bool:
        """Process one input line; False when the user wants to leave."""
        line = line.strip()
        if line in QUIT:
            return False
        if self.dialog is not None and self.assistant.dialog_expired(self.dialog):
            self.dialog = None
            print(texts.BOT_FORM_EXPIRED, file=self.out)
        if line.isdigit() and self.buttons and 1 <= int(line) <= len(self.buttons):
            self.press(self.buttons[int(line) - 1])
        elif line.startswith("/"):
            self.command(line)
        elif self.dialog is not None:
            self.show(self.assistant.dialog_input(self.user, self.dialog, text=line))
        elif self.assistant.streams(line):
            self.ask_streaming(line)
        else:
            self.show(self.assistant.handle_text(self.user, line))
        return True

    def ask_streaming(self, line: str) -> None:
        """A model answers (docs/llm.md): print its sentences as they come, then the rest of the reply."""
        print(texts.BOT_LOOKING_UP, file=self.out, flush=True)
        head = f"【{texts.ANSWER_HEADER}】\n"
        printed = ""

        def on_text(text: str) -> None:
            nonlocal printed
            now = head + text
            if now.startswith(printed):
                print(now[len(printed) :], end="", file=self.out, flush=True)
                printed = now

        self.show(self.assistant.handle_text(self.user, line, on_text=on_text), printed)

    def press(self, button: Button) -> None:
        if not valid_press(button.action, button.arg):
            self.show(Reply(toast=texts.BOT_BUTTON_INVALID))
        elif button.action == "f":
            if self.dialog is None:
                self.show(Reply(toast=texts.BOT_FORM_GONE))
            else:
                self.show(self.assistant.dialog_input(self.user, self.dialog, button=button.arg))
        else:
            self.show(self.assistant.press(self.user, button.action, button.arg))

    def command(self, line: str) -> None:
        try:
            name, *args = shlex.split(line)
        except ValueError:
            name, *args = line.split()
        name = name.lstrip("/").split("@", 1)[0]
        a = self.assistant
        commands: dict[str, Callable[[], Reply]] = {
            "start": lambda: a.start(self.user),
            "help": lambda: a.help(self.user),
            "mine": lambda: a.mine.my_requests(self.user),
            "help_request": lambda: a.requests.start_request(self.user),
            "duties": lambda: a.cadre.duties(self.user),
            "tickets": lambda: a.cadre.tickets(self.user),
            "reload": lambda: a.admin.reload(self.user, progress=lambda text: print(text, file=self.out)),
            "docs": lambda: a.admin.documents(self.user),
            "rmdoc": lambda: a.admin.ask_remove_document(self.user, " ".join(args)),
            "invite": lambda: a.directory.invite(self.user, args),
            "join": lambda: a.directory.join(self.user, " ".join(args)),
            "villages": lambda: a.directory.villages(self.user),
            "addvillage": lambda: a.directory.add_village(self.user, args),
            "stats": lambda: a.admin.stats(self.user, args),
            "export": lambda: a.admin.export(self.user),
        }
        if name == "cancel":
            reply = a.cancel_dialog(self.user, self.dialog)
            self.dialog = None
            self.show(reply)
        elif name == "upload" and args:
            path = Path(args[0]).expanduser()
            try:
                data = path.read_bytes()
            except OSError as exc:
                print(f"{path}: {exc.strerror}", file=self.out)
                return
            self.show(a.admin.add_document(self.user, path.name, data, progress=lambda t: print(t, file=self.out)))
        elif name in commands:
            if name == "help_request":
                self.dialog = None
            self.show(commands[name]())
        else:
            self.show(Reply.of(texts.BOT_UNKNOWN_COMMAND))


def run(session: Session, stdin: TextIO, *, interactive: bool = False) -> int:
    session.show(session.assistant.start(session.user))
    while True:
        if interactive:
            print(PROMPT, end="", file=session.out, flush=True)
        line = stdin.readline()
        if not line:
            return 0
        if not line.strip():
            continue
        if not session.handle(line):
            return 0
