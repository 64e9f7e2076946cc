"""How help requests look in replies: the request card and alerts for other people.

Shared by the villager side (my requests, the form) and the cadre side (tickets, the digest), so
a request reads the same to everyone who may see it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import texts
from bot.assistant.replies import Block, Button, Keyboard, Notice, Reply, keyboard
from bot.helpdesk import Notification, NotificationKind, Outcome, RequestView, hint_lines, local_time

# Alerts that a cadre answers from the ticket card.
CADRE_KINDS = {
    NotificationKind.NEW_REQUEST,
    NotificationKind.UNROUTED,
    NotificationKind.ASSIGNED,
    NotificationKind.RETURNED,
    NotificationKind.REOPENED,
    NotificationKind.ATTACHED,
}


def satisfaction_buttons(number: str, *, numbered: bool = False) -> list[Button]:
    """满意 / 基本满意 / 不满意 for request `number` (its number on the labels where a message
    lists several requests)."""
    suffix = f" {number}" if numbered else ""
    return [Button(f"{label}{suffix}", "sat", f"{number}.{code}") for code, label in texts.BOT_RATE_BUTTONS.items()]


def request_card(view: RequestView, tz: ZoneInfo, *, history: bool) -> list[Block]:
    """The request as a card: fields, description, policy hints, and the last events if `history`."""
    fields = texts.BOT_REQUEST_FIELDS.format(
        category=view.category,
        urgency=view.urgency.label,
        village=view.village.full_name,
        requester=view.requester_name,
        phone=view.phone or texts.BOT_FORM_NO_PHONE,
        address=view.address or texts.BOT_FORM_NO_PHONE,
        created=local_time(view.created_at, tz),
        due=local_time(view.due_at, tz),
        overdue=texts.BOT_REQUEST_OVERDUE if view.overdue else "",
        assignee=view.assignee_name or texts.BOT_REQUEST_UNASSIGNED,
    )
    if view.duplicate_of:
        fields += "\n" + texts.BOT_REQUEST_DUPLICATE_OF.format(number=view.duplicate_of)
    if view.pending_extension is not None:
        x = view.pending_extension
        fields += "\n" + texts.BOT_REQUEST_EXTENSION_PENDING.format(
            new_due=local_time(x.new_due_at, tz), reason=texts.one_line(x.reason, 60)
        )
    blocks = [
        Block(fields, title=texts.BOT_REQUEST_TITLE.format(number=view.number, status=view.status.label)),
        Block(view.description, title=texts.BOT_REQUEST_DESCRIPTION, quote=True),
    ]
    if view.policy_hints:
        blocks.append(Block(hint_lines(view.policy_hints), title=texts.BOT_REQUEST_HINTS))
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
                    at=local_time(event.at, tz),
                    actor=event.actor,
                    change=change,
                    note=texts.HD_EVENT_NOTE_SUFFIX.format(note=texts.one_line(event.note, 80))
                    if event.note
                    else "",
                )
            )
        blocks.append(Block("\n".join(lines), title=texts.BOT_REQUEST_HISTORY))
    return blocks


def oversight_buttons(n: Notification) -> Keyboard | None:
    """Buttons for a 督办 / 延期 notice (None: not one of them, the default buttons apply)."""
    number = n.request_number
    if number is None:
        return None
    card = Button(number, "tk", number)
    if n.kind is NotificationKind.OVERDUE_REMINDER:
        return keyboard([card, Button(texts.BOT_EXTEND_BUTTON, "xr", number)])
    if n.kind is NotificationKind.EXTENSION_REQUESTED:
        return keyboard(
            [Button(texts.BOT_EXTEND_APPROVE, "xa", f"{number}.1"), Button(texts.BOT_EXTEND_REFUSE, "xa", f"{number}.0")],
            [card],
        )
    if n.kind is NotificationKind.ESCALATED:
        return keyboard([card])
    return None


def notice(n: Notification) -> Notice:
    """A helpdesk notification as a message for its recipient, with the button that acts on it."""
    number = n.request_number
    oversight = oversight_buttons(n)
    if oversight is not None:
        buttons: Keyboard = oversight
    elif n.kind is NotificationKind.ASK_FEEDBACK and number:
        buttons = keyboard(satisfaction_buttons(number))
    elif n.kind in CADRE_KINDS and number:
        buttons = keyboard([Button(number, "tk", number)])
    elif n.kind is NotificationKind.OVERDUE_DIGEST:
        buttons = keyboard([Button(texts.BOT_COMMANDS_CADRE["tickets"], "tl", "0")])
    elif number:
        buttons = keyboard([Button(texts.BOT_VIEW_BUTTON.format(number=number), "rv", number)])
    else:
        buttons = ()
    return Notice(n.chat_user_id, Reply((Block(n.text_zh),), buttons))


def split(outcome: Outcome, actor: int) -> tuple[list[Block], tuple[Notice, ...]]:
    """The actor's own notifications become part of the reply; the rest are sent to others."""
    own: list[Block] = []
    notices: list[Notice] = []
    for n in outcome.notifications:
        if n.chat_user_id == actor:
            own.append(Block(n.text_zh))
        else:
            notices.append(notice(n))
    return own, tuple(notices)
