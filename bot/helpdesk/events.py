"""The request history: events stored as codes and parameters, worded only when shown.

A row keeps what happened (`kind`, the statuses), what the system has to say about it as a code
with parameters (`code`, `params`: "assigned to {post}{name}"), and the actor's own words
(`note`) verbatim. The wording lives in `bot.texts.HD_EVENT_TEXTS`, so rewording reaches every
request's history. Rows written before codes existed keep their prose in `note` with no code
(the 0002 migration converted the ones it could read) and are shown as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import texts
from bot.helpdesk.lifecycle import Status
from bot.helpdesk.models import HelpRequest, RequestEvent
from bot.helpdesk.notify import local_time


class EventCode(StrEnum):
    """What the system says about an event; keys of `texts.HD_EVENT_TEXTS`."""

    FILED = "filed"  # category, suggested
    AUTO_ASSIGNED = "auto_assigned"  # post, name
    ASSIGNED = "assigned"  # post, name
    DUPLICATE_OF = "duplicate_of"  # original
    SATISFIED = "satisfied"  # rows from before ratings (0003)
    UNSATISFIED = "unsatisfied"  # due (ISO 8601, UTC) or due_text (already local, migrated rows)
    CLAIMED = "claimed"  # post, name: 接单
    RATED = "rated"  # rating (a Satisfaction value): 满意 / 基本满意 at 回访
    REOPENED = "reopened"  # due: an explicit 重开 with a reason
    FOLLOW_UP_ASKED = "follow_up_asked"  # the scheduled 回访 was sent
    EMERGENCY = "emergency"  # words, services: emergency wording on intake, or marked by the villager
    REMINDED = "reminded"  # due: 督办, the deadline passed, the cadre was reminded
    ESCALATED = "escalated"  # days: 督办, still overdue, admins (and 乡镇) alerted
    EXTENSION_REQUESTED = "extension_requested"  # new_due
    EXTENSION_APPROVED = "extension_approved"  # new_due
    EXTENSION_REJECTED = "extension_rejected"  # new_due
    ATTACHED = "attached"  # size (KB): a photo
    VILLAGE_MOVED = "village_moved"  # old, new: the village was merged into another


@dataclass(frozen=True)
class EventNote:
    """The event's system wording as a code with parameters, plus the actor's free text."""

    code: EventCode | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    note: str | None = None


def record(
    session: Session,
    request: HelpRequest,
    label: str,
    actor_id: int | None,
    kind: str,
    old: Status | None,
    new: Status | None,
    what: EventNote,
    now: datetime,
) -> None:
    """Append one event to the request's history (the table is append-only)."""
    session.add(
        RequestEvent(
            request_id=request.id,
            at=now,
            actor_id=actor_id,
            actor_label=label[:64],
            kind=kind,
            old_status=old.value if old else None,
            new_status=new.value if new else None,
            code=what.code.value if what.code else None,
            params=dict(what.params) if what.params else None,
            note=what.note,
        )
    )


def describe(
    code: str | None, params: Mapping[str, str] | None, note: str | None, tz: ZoneInfo
) -> str | None:
    """The event as one line of Chinese: the code's wording with the actor's note, or the note alone."""
    if not code:
        return note  # the actor's words, or prose from before event codes
    template = texts.HD_EVENT_TEXTS.get(code)
    if template is None:  # a code from a newer release: show what can be shown
        return note
    values = dict(params or {})
    if "due" in values:
        values["due"] = local_time(datetime.fromisoformat(values["due"]), tz)
    elif "due_text" in values:
        values["due"] = values["due_text"]
    if "new_due" in values:
        values["new_due"] = local_time(datetime.fromisoformat(values["new_due"]), tz)
    if "rating" in values:
        values["rating"] = texts.HD_SATISFACTION_LABELS.get(values["rating"], values["rating"])
    values["note"] = texts.HD_EVENT_NOTE_SUFFIX.format(note=note) if note else ""
    return template.format_map(values)
