"""Cadres: duty documents of their posts, open tickets of their villages, ticket actions, digest.

Buttons on a ticket card show only what the helpdesk would allow now (status, dispatcher or not),
so a cadre is rarely refused; the helpdesk still checks every action itself.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot import texts
from bot.assistant.cards import notice, request_card, split
from bot.assistant.context import AssistantContext, Identity, friendly
from bot.assistant.dialogs import stale
from bot.assistant.duties import DUTY_ALIASES, DUTY_POSTS, duty_blocks
from bot.assistant.replies import (
    NUMBER_PATTERN,
    Block,
    Button,
    Keyboard,
    Notice,
    Reply,
    UserRef,
    chunks,
    keyboard,
)
from bot.helpdesk import (
    OPEN_STATUSES,
    Action,
    HelpdeskError,
    IllegalTransition,
    InvalidInput,
    Outcome,
    RequestFilter,
    RequestView,
    allowed_actions,
    local_time,
)

log = logging.getLogger(__name__)

TICKETS_PAGE = 8


def stale_text(view: RequestView) -> str:
    """"这件工单刚被…处理过" for a card older than `view`, named after the last move in its history
    (the helpdesk words the same refusal when a move itself finds the card stale)."""
    status = view.status.label
    moves = [e for e in view.events if e.new_status is not None and e.kind in texts.HD_ACTION_LABELS]
    if not moves:
        return texts.HD_ERR_STALE_ANON.format(number=view.number, status=status)
    last = moves[-1]
    kind = "claim" if last.code == "claimed" else last.kind
    return texts.HD_ERR_STALE.format(
        number=view.number, who=last.actor, action=texts.HD_ACTION_LABELS[kind], status=status
    )


class Cadre:
    """A cadre's side: duty handbooks, the villages' open tickets, actions on a ticket, the digest."""

    def __init__(self, context: AssistantContext) -> None:
        self._ctx = context

    # ------------------------------------------------------------------------ duties
    @friendly
    def duties(self, user: UserRef, index: int | None = None) -> Reply:
        who = self._ctx.identity(user)
        if not who.is_cadre:
            return Reply.of(texts.BOT_CADRE_ONLY)
        chooser = keyboard(*chunks([Button(p, "du", str(i)) for i, p in enumerate(DUTY_POSTS)], 3))
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
        return duty_blocks(self._ctx.settings.duties_dir, post)

    # ------------------------------------------------------------------------ tickets
    @friendly
    def tickets(self, user: UserRef, offset: int = 0) -> Reply:
        who = self._ctx.identity(user)
        if not who.is_cadre:
            return Reply.of(texts.BOT_CADRE_ONLY)
        page = self._ctx.helpdesk.queries.list_requests(
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
                        village=view.village.display_name,
                        category=view.category,
                        status=view.status.label,
                        due=local_time(view.due_at, self._ctx.tz),
                        assignee=view.assignee_name or texts.BOT_REQUEST_UNASSIGNED,
                        description=texts.one_line(view.description, 60),
                    )
                )
            )
        rows = list(chunks([Button(v.number, "tk", v.number) for v in page.items], 2))
        if page.has_more:
            rows.append((Button(texts.BOT_MORE, "tl", str(offset + TICKETS_PAGE)),))
        return Reply(tuple(blocks), tuple(rows))

    @friendly
    def ticket(self, user: UserRef, number: str, *, edit: bool = False) -> Reply:
        who = self._ctx.identity(user)
        if not who.is_cadre:
            return Reply.of(texts.BOT_CADRE_ONLY)
        view = self._ctx.helpdesk.queries.show(user.id, number)
        card = request_card(view, self._ctx.tz, history=True)
        buttons = self._ticket_buttons(who, view)
        if view.attachment_count:  # the villager's photos, on request (issue 11 item 7)
            label = texts.BOT_PHOTOS_BUTTON.format(count=view.attachment_count)
            buttons = (*buttons, (Button(label, "ph", view.number),))
        return Reply(tuple(card), buttons, edit=edit)

    def _is_dispatcher(self, who: Identity, view: RequestView) -> bool:
        if who.is_admin:
            return True
        dispatch_posts = self._ctx.helpdesk.config.dispatcher_posts
        mine = [p for p in (who.person.posts if who.person else ()) if p.village.id == view.village.id]
        if any(p.post in dispatch_posts for p in mine):
            return True
        if not mine:
            return False
        team = self._ctx.helpdesk.directory.list_cadres(who.user.id, view.village.id)
        return not any(
            p.post in dispatch_posts
            for person in team
            for p in person.posts
            if p.village.id == view.village.id
        )

    def _ticket_buttons(self, who: Identity, view: RequestView) -> Keyboard:
        """The moves the helpdesk would allow this cadre now, each carrying the card's version, so
        a press on a card that someone else has since changed is refused (`Stale`), not applied."""
        allowed = set(allowed_actions(view.status))
        dispatcher = self._is_dispatcher(who, view)
        mine = view.assignee_chat_user_id == who.user.id
        holds_post = any(p.village.id == view.village.id for p in (who.person.posts if who.person else ()))
        n = f"{view.number}.{view.version}"
        first: list[Button] = []
        # 接单 (claim) is for cadres of the village: a dispatcher always, the others when nobody holds it.
        claimable = dispatcher or view.assignee_chat_user_id is None
        if Action.ASSIGN in allowed and holds_post and not mine and claimable:
            first.append(Button(texts.BOT_TICKET_TAKE, "ta", f"take.{n}"))
        if Action.START in allowed:
            first.append(Button(texts.BOT_TICKET_START, "ta", f"start.{n}"))
        if view.status in OPEN_STATUSES and (mine or who.is_admin):
            first.append(Button(texts.BOT_TICKET_PROGRESS, "ta", f"progress.{n}"))
        if Action.RESOLVE in allowed:
            first.append(Button(texts.BOT_TICKET_RESOLVE, "ta", f"resolve.{n}"))
        second: list[Button] = []
        if Action.ASSIGN in allowed and dispatcher:
            second.append(Button(texts.BOT_TICKET_REASSIGN, "ta", f"reassign.{n}"))
        if Action.RETURN in allowed:
            second.append(Button(texts.BOT_TICKET_RETURN, "ta", f"return.{n}"))
        if Action.REOPEN in allowed and dispatcher:
            second.append(Button(texts.BOT_TICKET_REOPEN, "ta", f"reopen.{n}"))
        third: list[Button] = []
        if Action.DUPLICATE in allowed:
            third.append(Button(texts.BOT_TICKET_DUPLICATE, "ta", f"dup.{n}"))
        if Action.UNABLE in allowed:
            third.append(Button(texts.BOT_TICKET_UNABLE, "ta", f"unable.{n}"))
        # 延期: asked by whoever handles it, decided by an admin (bot/assistant/oversight.py).
        extension: list[Button] = []
        if view.status in OPEN_STATUSES and (mine or dispatcher) and view.pending_extension is None:
            extension.append(Button(texts.BOT_EXTEND_BUTTON, "xr", view.number))
        if who.is_admin and view.pending_extension is not None:
            extension.append(Button(texts.BOT_EXTEND_APPROVE, "xa", f"{view.number}.1"))
            extension.append(Button(texts.BOT_EXTEND_REFUSE, "xa", f"{view.number}.0"))
        return keyboard(first, second, third, extension, [Button(texts.BOT_TICKET_BACK, "tl", "0")])

    def refreshed(self, who: Identity, view: RequestView, why: str, *, edit: bool = True) -> Reply:
        """The fresh card after a refused press (a lost race, an old card): why, then what is true now."""
        blocks = (Block(why), *request_card(view, self._ctx.tz, history=True))
        return Reply(
            blocks,
            self._ticket_buttons(who, view),
            edit=edit,
            toast=why[:180],
            replace_buttons=None if edit else (),
        )

    # ------------------------------------------------------------------------ ticket actions
    @friendly
    def ticket_action(self, user: UserRef, code: str, number: str, version: int | None = None) -> Reply:
        """A ticket button pressed on a card of `version` (None: a card sent before cards had one)."""
        who = self._ctx.identity(user)
        if not who.is_cadre:
            return Reply.of(texts.BOT_CADRE_ONLY, toast=texts.BOT_CADRE_ONLY[:180])
        casework = self._ctx.helpdesk.casework
        try:
            if version is None:
                view = self._ctx.helpdesk.queries.show(user.id, number)
                return self.refreshed(who, view, texts.BOT_TICKET_OLD_CARD)
            if code == "take":
                outcome = casework.claim(user.id, number, expected_version=version)
                return self._after(who, outcome, texts.HD_ACTION_LABELS["claim"])
            if code == "start":
                outcome = casework.start(user.id, number, expected_version=version)
                return self._after(who, outcome, Action.START.label)
        except IllegalTransition as exc:
            if exc.view is None:
                raise
            return self.refreshed(who, exc.view, exc.message_zh)
        view = self._ctx.helpdesk.queries.show(user.id, number)
        if view.version != version:  # someone moved it since this card was sent: no dialog on it
            return self.refreshed(who, view, stale_text(view))
        if code == "reassign":
            team = self._ctx.helpdesk.directory.list_cadres(user.id, view.village.id)
            choices = [
                Button(
                    f"{p.display_name}（{'、'.join(x.post for x in p.posts if x.village.id == view.village.id)}）",
                    "as",
                    f"{number}.{p.chat_user_id}.{version}",
                )
                for p in team
                if p.chat_user_id != view.assignee_chat_user_id
            ]
            if not choices:
                return Reply.of(texts.BOT_TICKET_NO_CADRES, toast=texts.BOT_TICKET_NO_CADRES)
            return Reply.of(
                texts.BOT_TICKET_CHOOSE_ASSIGNEE.format(number=number),
                buttons=keyboard(*chunks(choices, 2), [Button(texts.BOT_TICKET_BACK, "tk", number)]),
            )
        # The rest need a sentence from the cadre: open a small dialog.
        dialog = {
            "state": "ticket.note",
            "data": {"action": code, "number": number, "version": version},
            "user_id": user.id,
            "at": self._ctx.clock(),
        }
        return self.note_prompt(dialog)

    @friendly
    def assign(self, user: UserRef, number: str, assignee: int, version: int | None = None) -> Reply:
        who = self._ctx.identity(user)
        if not who.is_cadre:
            return Reply.of(texts.BOT_CADRE_ONLY)
        try:
            if version is None:
                view = self._ctx.helpdesk.queries.show(user.id, number)
                return self.refreshed(who, view, texts.BOT_TICKET_OLD_CARD)
            outcome = self._ctx.helpdesk.casework.assign(user.id, number, assignee, expected_version=version)
        except IllegalTransition as exc:
            if exc.view is None:
                raise
            return self.refreshed(who, exc.view, exc.message_zh)
        return self._after(who, outcome, Action.ASSIGN.label)

    def note_prompt(self, dialog: dict[str, Any], *, error: str | None = None) -> Reply:
        """Ask for the note an action needs (after `error`, if the last one was refused)."""
        action, number = dialog["data"]["action"], dialog["data"]["number"]
        blocks: list[Block] = [Block(error)] if error else []
        rows: list[Sequence[Button]] = []
        asks = {
            "resolve": texts.BOT_TICKET_ASK_RESOLVE,
            "return": texts.BOT_TICKET_ASK_RETURN,
            "unable": texts.BOT_TICKET_ASK_UNABLE,
            "progress": texts.BOT_TICKET_ASK_PROGRESS,
            "reopen": texts.BOT_TICKET_ASK_REOPEN,
        }
        if action in asks:
            blocks.append(Block(asks[action]))
        else:
            blocks.append(Block(texts.BOT_TICKET_ASK_DUPLICATE.format(number=number)))
            candidates = self._duplicate_candidates(dialog.get("user_id"), number)
            rows.extend(chunks([Button(c, "f", f"o{c}") for c in candidates], 3))
        rows.append([Button(texts.BOT_FORM_CANCEL, "f", "x")])
        return Reply(tuple(blocks), keyboard(*rows), dialog=dialog)

    def _duplicate_candidates(self, user_id: int | None, number: str) -> list[str]:
        if user_id is None:
            return []
        try:
            view = self._ctx.helpdesk.queries.show(user_id, number)
            page = self._ctx.helpdesk.queries.list_requests(
                user_id, RequestFilter(village=view.village.id, category=view.category), limit=7
            )
        except HelpdeskError:
            return []
        return [v.number for v in page.items if v.number != number][:6]

    def note_input(self, user: UserRef, dialog: dict, text: str | None, button: str | None) -> Reply:
        who = self._ctx.identity(user)
        data = dialog["data"]
        action, number = data["action"], data["number"]
        version = data.get("version")
        note = (text or "").strip() or None
        if button is not None:
            if action == "dup" and re.fullmatch(rf"o{NUMBER_PATTERN}", button):
                note = button[1:]
            else:
                return stale(dialog)
        elif note is None:
            return self.note_prompt(dialog)
        casework = self._ctx.helpdesk.casework
        try:
            if action == "resolve":
                outcome = casework.resolve(user.id, number, note, expected_version=version)
            elif action == "return":
                outcome = casework.return_to_dispatch(user.id, number, note or "", expected_version=version)
            elif action == "unable":
                outcome = casework.mark_unable(user.id, number, note or "", expected_version=version)
            elif action == "progress":
                outcome = casework.progress(user.id, number, note or "")
            elif action == "reopen":
                outcome = casework.reopen(user.id, number, note or "", expected_version=version)
            else:
                outcome = casework.mark_duplicate(user.id, number, note or "", expected_version=version)
        except IllegalTransition as exc:  # moved meanwhile: the note is not applied; the fresh card
            if exc.view is None:
                raise
            return replace(self.refreshed(who, exc.view, exc.message_zh, edit=False), dialog=None)
        except InvalidInput as exc:
            return self.note_prompt(dialog, error=exc.message_zh)
        labels = {
            "resolve": Action.RESOLVE.label,
            "return": Action.RETURN.label,
            "unable": Action.UNABLE.label,
            "dup": Action.DUPLICATE.label,
            "progress": texts.HD_ACTION_LABELS["progress"],
            "reopen": texts.HD_ACTION_LABELS["reopen_explicit"],
        }
        done = self._after(who, outcome, labels[action])
        return replace(done, edit=False, replace_buttons=())

    def _after(self, who: Identity, outcome: Outcome, label: str) -> Reply:
        """A ticket card refreshed after an action, plus the messages the action caused."""
        own, notices = split(outcome, who.user.id)
        try:  # with its history, so the cadre sees their note recorded
            view = self._ctx.helpdesk.queries.show(who.user.id, outcome.request.number)
        except HelpdeskError:
            view = outcome.request
        blocks = [
            Block(texts.BOT_TICKET_DONE.format(action=label)),
            *request_card(view, self._ctx.tz, history=True),
            *own,
        ]
        return Reply(
            tuple(blocks),
            self._ticket_buttons(who, view),
            notices=notices,
            edit=True,
            toast=texts.BOT_TICKET_DONE.format(action=label),
        )

    # ------------------------------------------------------------------------ digest
    def overdue_digest(self, now: datetime | None = None) -> list[Notice]:
        """Daily 超期提醒 for every cadre with overdue requests (run by the front end's scheduler)."""
        return [notice(n) for n in self._ctx.helpdesk.queries.overdue_digest(now)]
