"""What the help-request form asks at each step: the words, the quoted answers so far, the
buttons (categories, villages, skip, submit, cancel).

Only rendering, apart from `Requests` (bot/assistant/requests.py), which decides which step comes
next: the steps' wording changes often and should be readable in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot import texts
from bot.assistant.replies import Block, Button, Keyboard, Reply, chunks, keyboard
from bot.helpdesk import village_labels

if TYPE_CHECKING:
    from bot.helpdesk import Helpdesk

# Telegram shows a few dozen buttons comfortably; more villages are typed (the form matches names).
VILLAGE_BUTTONS = 24


def step_prompt(
    helpdesk: Helpdesk,
    dialog: dict[str, Any],
    *,
    error: str | None = None,
    villages: Sequence[Any] | None = None,
    replace_buttons: Keyboard | None = None,
) -> Reply:
    """The question for the form's current step (after `error`, if the last answer was refused);
    `villages`: the ones matching what was typed at the village step (default: all, as buttons)."""
    state, data = dialog["state"], dialog["data"]
    blocks: list[Block] = [Block(error)] if error else []
    buttons: list[Sequence[Button]] = []
    if state == "request.category":
        categories = helpdesk.categories
        if data.get("description"):
            blocks.append(Block(data["description"], quote=True))
        blocks.append(Block(texts.BOT_FORM_CATEGORY))
        suggested = data.get("suggested")
        if suggested in categories:
            index = categories.index(suggested)
            buttons.append([Button(texts.BOT_FORM_SUGGESTED_BUTTON.format(category=suggested), "f", f"c{index}")])
        cats = [Button(c, "f", f"c{i}") for i, c in enumerate(categories)]
        buttons.extend(chunks(cats, 2))
    elif state == "request.description":
        blocks.append(Block(texts.BOT_FORM_DESCRIPTION.format(category=data.get("category", ""))))
        if data.get("question"):
            blocks.append(Block(data["question"], quote=True))
            buttons.append([Button(texts.BOT_FORM_USE_QUESTION, "f", "q")])
    elif state == "request.village":
        if villages is None:
            blocks.append(Block(texts.BOT_FORM_VILLAGE))
            villages = helpdesk.directory.list_villages()[:VILLAGE_BUTTONS]
        labels = village_labels(helpdesk.directory.list_villages())  # township where names repeat
        shown = villages[:VILLAGE_BUTTONS]
        buttons.extend(chunks([Button(labels.get(v.id, v.display_name), "f", f"v{v.id}") for v in shown], 3))
    elif state == "request.address":
        blocks.append(Block(texts.BOT_FORM_ADDRESS))
        buttons.append([Button(texts.BOT_FORM_SKIP_ADDRESS, "f", "skip")])
    elif state == "request.phone":
        blocks.append(Block(texts.BOT_FORM_PHONE))
        buttons.append([Button(texts.BOT_FORM_SKIP_PHONE, "f", "skip")])
    elif state == "request.confirm":
        fields = [
            texts.BOT_FORM_FIELD_CATEGORY.format(value=data.get("category", "")),
            texts.BOT_FORM_FIELD_VILLAGE.format(value=data.get("village", "")),
            texts.BOT_FORM_FIELD_ADDRESS.format(value=data.get("address") or texts.BOT_FORM_NO_ADDRESS),
            texts.BOT_FORM_FIELD_PHONE.format(value=data.get("phone") or texts.BOT_FORM_NO_PHONE),
            texts.BOT_FORM_FIELD_DESCRIPTION.format(value=data.get("description", "")),
        ]
        if data.get("photos"):
            fields.append(texts.BOT_FORM_FIELD_PHOTOS.format(count=len(data["photos"])))
        blocks.append(Block("\n".join(fields), title=texts.BOT_FORM_CONFIRM))
        buttons.append(
            [Button(texts.BOT_FORM_SUBMIT, "f", "ok"), Button(texts.BOT_FORM_REDO, "f", "redo")]
        )
    buttons.append([Button(texts.BOT_FORM_CANCEL, "f", "x")])
    return Reply(tuple(blocks), keyboard(*buttons), dialog=dialog, replace_buttons=replace_buttons)
