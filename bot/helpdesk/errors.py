"""Domain errors. Each carries a Chinese message that a front end may show to the user verbatim.

Front ends catch `HelpdeskError` and display `message_zh`; the subclasses exist so that callers
(and tests) can tell the kinds apart without parsing text. Raising one always means that nothing
was written: every workflow operation runs in one transaction that is rolled back on error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.helpdesk.views import RequestView, VillageView


class HelpdeskError(Exception):
    """Base class: `message_zh` is safe and meant to be shown to the end user."""

    def __init__(self, message_zh: str) -> None:
        super().__init__(message_zh)
        self.message_zh = message_zh


class InvalidInput(HelpdeskError):
    """Malformed or out-of-range input (empty/too long text, bad phone, unknown category…)."""


class NotFound(HelpdeskError):
    """An unknown request number, village, person or invite code."""


class PermissionDenied(HelpdeskError):
    """The actor may not see or act on this object (other village, not the requester, not admin)."""


class IllegalTransition(HelpdeskError):
    """The requested status change is not allowed from the request's current status.

    `view` is the request as the actor may see it now (a front end shows it as the fresh card).
    """

    code = "illegal"

    def __init__(self, message_zh: str, view: RequestView | None = None) -> None:
        super().__init__(message_zh)
        self.view = view


class Stale(IllegalTransition):
    """The actor acted on an old view: someone else changed the request since (a lost race, an old
    button). Nothing was written; `view` is the fresh request, `last_actor` who changed it."""

    code = "stale"

    def __init__(self, message_zh: str, view: RequestView, last_actor: str | None) -> None:
        super().__init__(message_zh, view)
        self.last_actor = last_actor


class Conflict(HelpdeskError):
    """The object already exists or was consumed (village registered twice, invite already used)."""


class SimilarVillages(Conflict):
    """A new village's name is close to existing ones (`similar`); add it with `allow_similar=True`."""

    def __init__(self, message_zh: str, similar: tuple[VillageView, ...], parsed: Any = None) -> None:
        super().__init__(message_zh)
        self.similar = similar
        self.parsed = parsed
