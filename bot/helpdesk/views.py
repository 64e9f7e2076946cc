"""Immutable values handed to front ends. No ORM objects ever leave the package.

A `RequestView` is always built *for a viewer*: if the viewer is not entitled to the full text
(see privacy.py), `masked` is True and phones/ID numbers are already masked in every field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TypedDict

from bot.helpdesk.lifecycle import Role, Status, Urgency
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
    NOTE = "note"  # → requester: progress note from a cadre
    OVERDUE_DIGEST = "overdue_digest"  # → cadre: daily list of overdue requests


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
    satisfaction: str | None
    follow_up_note: str | None
    duplicate_of: str | None
    masked: bool
    policy_hints: tuple[PolicyHint, ...] = ()
    events: tuple[EventView, ...] = ()  # filled by `Helpdesk.show`, empty in lists

    @property
    def status_label(self) -> str:
        return self.status.label


@dataclass(frozen=True)
class Outcome:
    """Result of every workflow command: the request as the actor now sees it, plus messages to send."""

    request: RequestView
    notifications: tuple[Notification, ...] = ()


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
