"""ORM rows → immutable views, applying the privacy rule for the viewer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.helpdesk import store
from bot.helpdesk.access import Viewer, sees_full_text
from bot.helpdesk.events import describe
from bot.helpdesk.lifecycle import OPEN_STATUSES, Role, Satisfaction, Status, Urgency
from bot.helpdesk.models import (
    CadreBinding,
    HelpRequest,
    Person,
    RequestAttachment,
    RequestEvent,
    RequestExtension,
    RequestPolicyHint,
    Village,
)
from bot.helpdesk.policy import PolicyHint
from bot.helpdesk.privacy import mask_phone, mask_text
from bot.helpdesk.views import (
    AttachmentView,
    EventView,
    ExtensionView,
    PersonView,
    PostView,
    RequestView,
    VillageView,
)


def village_view(village: Village) -> VillageView:
    return VillageView(village.id, village.name, village.township, village.county)


def place(village: Village) -> str:
    """How a message names a village: with its township (龙场镇新寨村), since names repeat."""
    return village_view(village).display_name


def person_view(person: Person, bindings: Sequence[CadreBinding] = ()) -> PersonView:
    posts = tuple(PostView(village_view(b.village), b.post) for b in bindings)
    return PersonView(person.chat_user_id, person.display_name, Role(person.role), posts)


def hint_view(row: RequestPolicyHint) -> PolicyHint:
    return PolicyHint(row.title, row.section, row.text, row.score)


def attachment_view(row: RequestAttachment) -> AttachmentView:
    return AttachmentView(row.id, row.content_type, row.size, row.caption, row.added_by, row.added_at)


def extension_view(row: RequestExtension) -> ExtensionView:
    return ExtensionView(
        row.id,
        row.state,
        row.reason,
        row.old_due_at,
        row.new_due_at,
        row.requested_by,
        row.requested_at,
        row.decided_by,
        row.decided_at,
        row.decision_note,
    )


def is_overdue(request: HelpRequest, now: datetime) -> bool:
    return Status(request.status) in OPEN_STATUSES and request.due_at < now


def request_view(
    request: HelpRequest,
    viewer: Viewer,
    now: datetime,
    *,
    duplicate_of: str | None = None,
    hints: Sequence[RequestPolicyHint] = (),
    events: Sequence[RequestEvent] = (),
    tz: ZoneInfo | None = None,
    attachments: Sequence[RequestAttachment] = (),
    extensions: Sequence[RequestExtension] = (),
) -> RequestView:
    """The request as `viewer` may see it; `tz` words the `events` (their due times are local)."""
    if events and tz is None:
        raise ValueError("request_view needs the timezone to word events")
    full = sees_full_text(viewer, request)

    def m(text: str | None) -> str | None:
        return text if full or text is None else mask_text(text)

    assignee = request.assignee
    return RequestView(
        number=request.number,
        status=Status(request.status),
        village=village_view(request.village),
        requester_name=request.requester.display_name,
        address=m(request.address) or "",
        phone=request.phone if full else mask_phone(request.phone),
        category=request.category,
        suggested_category=request.suggested_category,
        description=m(request.description) or "",
        urgency=Urgency(request.urgency),
        created_at=request.created_at,
        updated_at=request.updated_at,
        due_at=request.due_at,
        overdue=is_overdue(request, now),
        assignee_name=assignee.display_name if assignee else None,
        assignee_chat_user_id=assignee.chat_user_id if assignee else None,
        resolved_at=request.resolved_at,
        closed_at=request.closed_at,
        satisfaction=request.rating,
        follow_up_note=m(request.follow_up_note),
        duplicate_of=duplicate_of,
        masked=not full,
        policy_hints=tuple(hint_view(h) for h in hints),
        events=tuple(
            EventView(
                at=e.at,
                actor=e.actor_label,  # as the actor was known when they acted
                kind=e.kind,
                old_status=Status(e.old_status) if e.old_status else None,
                new_status=Status(e.new_status) if e.new_status else None,
                code=e.code,
                note=m(describe(e.code, e.params, e.note, tz)) if tz else None,
            )
            for e in events
        ),
        version=request.version,
        rating=Satisfaction(request.rating) if request.rating else None,
        rated_at=request.rated_at,
        follow_up_asked_at=request.follow_up_asked_at,
        resolution_note=m(request.resolution_note),
        progress_count=request.progress_count,
        reopen_count=request.reopen_count,
        supervision_level=request.supervision_level,
        supervision_count=request.supervision_count,
        emergency=tuple(request.emergency.split(",")) if request.emergency else (),
        attachment_count=request.attachment_count,
        attachments=tuple(attachment_view(a) for a in attachments),
        extensions=tuple(extension_view(x) for x in extensions),
    )


def request_card(session: Session, request: HelpRequest, viewer: Viewer, now: datetime, tz: ZoneInfo) -> RequestView:
    """The request with everything a card shows (history, hints, photos, 延期), read in `session`:
    the one view both a query and a move answer with, so a card looks the same whichever it came from."""
    return request_view(
        request,
        viewer,
        now,
        duplicate_of=store.duplicate_number(session, request),
        hints=store.hints_of(session, request.id),
        events=store.events_of(session, request.id),
        tz=tz,
        attachments=store.attachments_of(session, request.id),
        extensions=store.extensions_of(session, request.id),
    )
