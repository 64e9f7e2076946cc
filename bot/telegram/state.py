"""Conversation state (forms in progress) kept across restarts as JSON — never pickle.

A pickle file runs code when it is loaded: anyone who could write `bot_state.pickle` (a shared
volume, a restored backup) could run code as the bot at its next start. JSON cannot. And a state
file that cannot be read (disk full, a crash mid-write, tampering) must not keep the bot from
starting: it is moved aside with a warning, and the bot starts with empty state — what is lost
is at most a few half-filled forms, which the villagers are asked to start again.

The file holds names, phone numbers and descriptions of hardship: it is written owner-only
(0600), atomically (temporary file, fsync, rename), so a crash leaves the old or the new state.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from telegram.ext import DictPersistence, PersistenceInput

from bot.config import Settings
from bot.files import fsync_dir, open_private

log = logging.getLogger(__name__)

STATE_FORMAT = 1
STATE_FILE_NAME = "bot_state.json"


def state_file(settings: Settings) -> Path:
    return Path(settings.bot_state_file or Path(settings.data_dir) / STATE_FILE_NAME)


class JsonFilePersistence(DictPersistence):
    """PTB's DictPersistence (user_data and conversations as JSON), loaded from and written to one
    file. Only user_data and conversations are kept; bot_data holds the live services."""

    def __init__(self, filepath: Path, *, update_interval: float = 60) -> None:
        self.filepath = Path(filepath)
        legacy = self.filepath.with_name("bot_state.pickle")
        if legacy.exists():
            log.warning("%s is no longer read (pickle can run code when loaded); forms in progress are "
                        "kept in %s now — delete the old file", legacy, self.filepath)
        user_data, conversations = self._load()
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            user_data_json=user_data,
            conversations_json=conversations,
            update_interval=update_interval,
        )
        self._written: str | None = None

    # --- reading ---------------------------------------------------------------------------
    def _load(self) -> tuple[str, str]:
        """The user_data and conversations JSON strings from the file ('' when there is none)."""
        try:
            data = json.loads(self.filepath.read_bytes().decode("utf-8"))
            if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
                raise ValueError("not a bot state file of format 1")
            user_data, conversations = data.get("user_data") or {}, data.get("conversations") or {}
            if not isinstance(user_data, dict) or not isinstance(conversations, dict):
                raise ValueError("user_data and conversations must be objects")
            user_json, conv_json = json.dumps(user_data), json.dumps(conversations)
            # Let PTB's own decoders check the shape now, so a bad file never fails later.
            DictPersistence._decode_user_chat_data_from_json(user_json)
            DictPersistence._decode_conversations_from_json(conv_json)
        except FileNotFoundError:
            return "", ""
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            self._move_aside(exc)
            return "", ""
        return user_json, conv_json

    def _move_aside(self, exc: BaseException) -> None:
        aside = self.filepath.with_name(f"{self.filepath.name}.unreadable-{time.strftime('%Y%m%dT%H%M%S')}")
        try:
            os.replace(self.filepath, aside)
        except OSError as move_exc:
            log.error("conversation state %s is unreadable (%s) and cannot be moved aside (%s); starting "
                      "with no forms in progress", self.filepath, exc, move_exc)
            return
        log.warning(
            "conversation state %s is unreadable (%s: %s); moved it to %s and starting with no forms "
            "in progress", self.filepath, type(exc).__name__, exc, aside,
        )

    # --- writing ---------------------------------------------------------------------------
    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        try:
            # A JSON round trip: a copy (PTB hands over the live dict) that is sure to serialise.
            copy = json.loads(json.dumps(data))
        except (TypeError, ValueError) as exc:
            log.error("user_data of %s cannot be stored as JSON (%s); not persisted", user_id, exc)
            return
        await super().update_user_data(user_id, copy)
        self._write()

    async def drop_user_data(self, user_id: int) -> None:
        await super().drop_user_data(user_id)
        self._write()

    async def update_conversation(self, name: str, key: Any, new_state: object | None) -> None:
        await super().update_conversation(name, key, new_state)
        self._write()

    async def flush(self) -> None:
        self._write()

    def _write(self) -> None:
        text = json.dumps(
            {
                "format": STATE_FORMAT,
                "user_data": self.user_data or {},
                "conversations": json.loads(self.conversations_json) if self.conversations else {},
            },
            ensure_ascii=False,
        )
        if text == self._written:
            return
        self.filepath.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.filepath.with_name(f".{self.filepath.name}.tmp")
        with open_private(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.filepath)
        fsync_dir(self.filepath.parent)
        self._written = text
