"""What the assistant's parts share: the services, the clock, the knowledge-base lock, and who is acting.

One `AssistantContext` is built by the `Assistant` facade and handed to every part (questions,
requests, cadre, admin, roles). Parts read services from it and never call each other's
private methods; the facade routes between them through their public methods.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from bot.assistant.replies import Reply, UserRef
from bot.helpdesk import HelpdeskError, PersonView, Role

if TYPE_CHECKING:
    from bot.analytics import Analytics
    from bot.config import Settings
    from bot.helpdesk import Helpdesk
    from bot.kb import KnowledgeBase
    from bot.llm import AnswerPipeline

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


class AssistantContext:
    """Settings, knowledge base, helpdesk, analytics and clock, shared by the assistant's parts."""

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
        self.settings = settings
        self.kb = kb
        self.answers = answers if answers is not None else _open_answers(settings, kb)
        self.helpdesk = helpdesk
        self.analytics = analytics
        self.clock = clock or time.time  # tests move time by replacing it
        self.tz = settings.tz
        # One knowledge-base change at a time (reload, upload, removal); others are told to wait.
        self.kb_lock = threading.Lock()

    def identity(self, user: UserRef) -> Identity:
        """Villager, cadre or admin, decided on every call (a /join or ADMIN_IDS change applies at once)."""
        person = self.helpdesk.directory.get_person(user.id)
        if user.id in self.settings.admin_ids or (person and person.role is Role.ADMIN):
            role = Role.ADMIN
        elif person and (person.role is Role.CADRE or person.posts):
            role = Role.CADRE
        else:
            role = Role.VILLAGER
        return Identity(user, role, person)


def _open_answers(settings: Settings, kb: KnowledgeBase) -> AnswerPipeline:
    """Questions go through the answer pipeline (bot/llm): extractive, or a model when LLM_* is set.
    Deferred import, as bot.answer's in questions.py: it loads the retrieval stack."""
    from bot.llm import open_pipeline

    return open_pipeline(settings, kb)
