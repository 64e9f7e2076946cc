"""Immutable values handed to front ends. No ORM objects ever leave the package.

A `RequestView` is always built *for a viewer*: if the viewer is not entitled to the full text
(see privacy.py), `masked` is True and phones/ID numbers are already masked in every field.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TypedDict

from bot.helpdesk.lifecycle import Role, Satisfaction, Status, Urgency
from bot.helpdesk.policy import PolicyHint


class NotificationKind(StrEnum):
    FILED = "filed"  # → requester: receipt, number, due time, policies that may help
    NEW_REQUEST = "new_request"  # → every cadre of the village
    UNROUTED = "unrouted"  # → admins: the village has no cadre
    ASSIGNED = "assigned"  # → the new assignee after (re)dispatch
    STATUS_CHANGED = "status_changed"  # → requester
    ASK_FEEDBACK = "ask_feedback"  # → requester on 已办结: 问题解决了吗？ (answer with `feedback`)
    RETURNED = "returned"  # → dispatchers of the village
    REOPENED = "reopened"  # → assignee (or dispatchers) when the villager is not satisfied
    NOTE = "note"  # → assignee: extra information from the requester
    OVERDUE_DIGEST = "overdue_digest"  # → cadre: daily list of overdue requests
    RESOLVED = "resolved"  # → requester on 已办结: the result note; the 回访 follows later
    PROGRESS = "progress"  # → requester: 办理进展 from the cadre, in plain words
    URGENT = "urgent"  # → every cadre of the village and the admins: an emergency was filed
    OVERDUE_REMINDER = "overdue_reminder"  # → responsible cadre: the deadline has passed (督办)
    ESCALATED = "escalated"  # → admins and the village's 乡镇干部: still overdue N days later
    EXTENSION_REQUESTED = "extension_requested"  # → admins: a cadre asks for 延期
    EXTENSION_DECIDED = "extension_decided"  # → the cadre (and the requester, if approved)
    ATTACHED = "attached"  # → assignee: the requester added a photo


@dataclass(frozen=True)
class Notification:
    """A message for a front end to deliver; the helpdesk itself never talks to Telegram."""

    chat_user_id: int
    text_zh: str
    request_number: str | None  # None for digests that cover several requests
    kind: NotificationKind


@dataclass(frozen=True)
class VillageView:
    id: int
    name: str
    township: str
    county: str

    @property
    def full_name(self) -> str:
        """County / township / village, for disambiguation in lists."""
        return "".join(p for p in (self.county, self.township, self.name) if p)

    @property
    def display_name(self) -> str:
        """Township and village (龙场镇新寨村): what buttons, receipts and invitations show, since
        village names repeat across townships."""
        return f"{self.township}{self.name}" if self.township else self.name


def village_labels(villages: Sequence[VillageView]) -> dict[int, str]:
    """Short labels for a list of villages (buttons): the bare name where it is unique, the
    township in front where another village has the same name (新寨村 in two townships)."""
    names = Counter(v.name for v in villages)
    return {v.id: v.display_name if names[v.name] > 1 else v.name for v in villages}


@dataclass(frozen=True)
class PostView:
    village: VillageView
    post: str


@dataclass(frozen=True)
class PersonView:
    chat_user_id: int
    display_name: str
    role: Role
    posts: tuple[PostView, ...] = ()


@dataclass(frozen=True)
class EventView:
    at: datetime
    actor: str
    kind: str
    old_status: Status | None
    new_status: Status | None
    code: str | None  # what the system said, as a code (bot/helpdesk/events.py); None: note only
    note: str | None  # worded for display: the code's text with the actor's words, or their words alone


@dataclass(frozen=True)
class AttachmentView:
    id: int
    content_type: str
    size: int
    caption: str | None
    added_by: str
    added_at: datetime


@dataclass(frozen=True)
class ExtensionView:
    """A 延期 request and its decision (state: pending / approved / rejected)."""

    id: int
    state: str
    reason: str
    old_due_at: datetime
    new_due_at: datetime
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None


@dataclass(frozen=True)
class RequestView:
    number: str
    status: Status
    village: VillageView
    requester_name: str
    address: str
    phone: str | None
    category: str
    suggested_category: str | None
    description: str
    urgency: Urgency
    created_at: datetime
    updated_at: datetime
    due_at: datetime
    overdue: bool
    assignee_name: str | None
    assignee_chat_user_id: int | None
    resolved_at: datetime | None
    closed_at: datetime | None
    satisfaction: str | None  # the rating's value (Satisfaction), kept as str for old callers
    follow_up_note: str | None
    duplicate_of: str | None
    masked: bool
    policy_hints: tuple[PolicyHint, ...] = ()
    events: tuple[EventView, ...] = ()  # filled by `Helpdesk.show`, empty in lists
    version: int = 1  # name it in the next command (expected_version): see errors.Stale
    rating: Satisfaction | None = None
    rated_at: datetime | None = None
    follow_up_asked_at: datetime | None = None
    resolution_note: str | None = None  # 办结说明
    progress_count: int = 0  # 办理进展 notes
    reopen_count: int = 0
    supervision_level: int = 0  # 0 none, 1 reminded, 2 escalated (for the current due time)
    supervision_count: int = 0  # 督办次数
    emergency: tuple[str, ...] = ()  # services the villager was told to call first: "120", "119", "110"
    attachment_count: int = 0
    attachments: tuple[AttachmentView, ...] = ()  # filled by `show`
    extensions: tuple[ExtensionView, ...] = ()  # filled by `show`, oldest first

    @property
    def status_label(self) -> str:
        return self.status.label

    @property
    def pending_extension(self) -> ExtensionView | None:
        return next((e for e in reversed(self.extensions) if e.state == "pending"), None)


@dataclass(frozen=True)
class Outcome:
    """Result of every workflow command: the request as the actor now sees it, plus messages to send."""

    request: RequestView
    notifications: tuple[Notification, ...] = ()
    # Emergency services to advise first ("120" ambulance, "119" fire, "110" police), from the
    # request's wording; the front end puts this advice before anything else.
    emergency: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestFilter:
    """List/export filters; every field optional. Dates are local calendar days, inclusive."""

    village: int | str | None = None
    statuses: tuple[Status, ...] = ()
    category: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    open_only: bool = False
    overdue_only: bool = False
    assigned_to_me: bool = False
    requester: int | None = None  # chat user id: only the requests this person filed


class VillageCounts(TypedDict):
    total: int
    open: int  # in an open status (still needs work)
    overdue: int  # open and past due


class RequestCounts(TypedDict):
    """What `Helpdesk.request_counts` returns: a plain dict, counted in the database."""

    total: int
    by_status: dict[Status, int]  # in lifecycle order; statuses with no request left out
    by_village: dict[VillageView, VillageCounts]  # by village id; villages with no request left out


@dataclass(frozen=True)
class Page:
    items: tuple[RequestView, ...]
    offset: int
    limit: int
    has_more: bool


@dataclass(frozen=True)
class Invitation:
    code: str
    village: VillageView
    post: str
    expires_at: datetime


@dataclass(frozen=True)
class CadreOverdue:
    """Overdue requests one cadre is responsible for (assigned to them, or undispatched in their village)."""

    cadre: PersonView
    requests: tuple[RequestView, ...] = field(default_factory=tuple)
