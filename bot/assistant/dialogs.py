"""Multi-step dialogs as plain data: `{"state": …, "data": {…}, "at": <clock>}`.

Front ends store the dict between turns (Telegram: user_data, persisted), so a dialog survives a
restart. One dialog is open at a time: the help-request form or a cadre's ticket note.
"""

from __future__ import annotations

from typing import Any

from bot import texts
from bot.assistant.replies import Reply

DIALOG_REQUEST_STEPS = ("category", "description", "village", "address", "phone", "confirm")
DIALOG_STATES = (*(f"request.{s}" for s in DIALOG_REQUEST_STEPS), "ticket.note", "followup.reason")


def stale(dialog: dict[str, Any]) -> Reply:
    """A button from an earlier step was pressed: say so and keep the dialog as it is."""
    return Reply(toast=texts.BOT_FORM_STALE_BUTTON, dialog=dialog)
