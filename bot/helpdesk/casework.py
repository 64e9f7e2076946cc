"""Casework: every step a request takes after intake (派单, 办理, 办结, 退回, 回访 …) and notes.

All of them go through one primitive, `_move`: open a write transaction → lock the request →
check the actor's permission → check the transition against the lifecycle table → let the step
change its own fields → set the new status → append the event → build notifications. Any
`HelpdeskError` rolls the whole transaction back, so a refused command changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot import texts
from bot.helpdesk import access, store
from bot.helpdesk.access import Actor, Viewer
from bot.helpdesk.context import DeskContext
from bot.helpdesk.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from bot.helpdesk.events import EventCode, EventNote, record
from bot.helpdesk.lifecycle import RULES, Action, Status, Urgency, allowed_actions
from bot.helpdesk.models import HelpRequest
from bot.helpdesk.notify import local_time, preview, with_note
from bot.helpdesk.present import request_view
from bot.helpdesk.privacy import mask_text, masked_logger
from bot.helpdesk.validate import clean_note, clean_number
from bot.helpdesk.views import Notification, NotificationKind, Outcome

log = masked_logger(__name__)


@dataclass(frozen=True)
class Step:
    """One command on one locked request, inside its transaction."""

    session: Session
    viewer: Viewer
    request: HelpRequest
    old: Status  # the status before the move
    now: datetime


@dataclass(frozen=True)
class Change:
    """What a step records, and the messages it causes (built once the status has moved)."""

    event: EventNote
    notify: Callable[[], list[Notification]]


Permit = Callable[[Session, Viewer, HelpRequest], None]
Apply = Callable[[Step], Change]


def _village_cadre(_session: Session, viewer: Viewer, request: HelpRequest) -> None:
    access.require_village_cadre(viewer, request)


class Casework:
    """Transitions of the lifecycle table (bot/helpdesk/lifecycle.py) and progress notes."""

    def __init__(self, context: DeskContext) -> None:
        self._ctx = context

    # ------------------------------------------------------------------------- dispatch
    def assign(self, actor: Actor, number: str, assignee: int, note: str | None = None) -> Outcome:
        """派单/改派 to a cadre of the request's village (dispatchers and admins only)."""
        number, note = clean_number(number), clean_note(note, self._ctx.config)
        dispatcher_posts = self._ctx.config.dispatcher_posts

        def permit(session: Session, viewer: Viewer, request: HelpRequest) -> None:
            access.require_dispatcher(session, viewer, request, dispatcher_posts)

        def apply(step: Step) -> Change:
            request = step.request
            person = store.person_by_chat(step.session, assignee)
            if person is None:
                raise NotFound(texts.HD_ERR_UNKNOWN_PERSON.format(who=assignee))
            post = store.binding(step.session, person.id, request.village_id)
            if post is None:
                raise InvalidInput(
                    texts.HD_ERR_ASSIGNEE_NOT_CADRE.format(
                        name=person.display_name, village=request.village.name
                    )
                )
            if request.assignee_id == person.id and step.old is Status.ASSIGNED:
                raise InvalidInput(
                    texts.HD_ERR_ALREADY_ASSIGNED.format(number=number, name=person.display_name)
                )
            request.assignee = person

            def notify() -> list[Notification]:
                alert = texts.HD_MSG_ASSIGNED.format(
                    number=number,
                    village=request.village.name,
                    category=request.category,
                    due=local_time(request.due_at, self._ctx.tz),
                    description=preview(request.description),
                )
                out = [
                    Notification(
                        person.chat_user_id, with_note(alert, note), number, NotificationKind.ASSIGNED
                    )
                ]
                if step.old is not Status.ASSIGNED:
                    out.append(self._status_notice(request, step.old, None))
                return out

            event = EventNote(EventCode.ASSIGNED, {"post": post.post, "name": person.display_name}, note)
            return Change(event, notify)

        return self._move(actor, number, Action.ASSIGN, permit, apply)

    # ------------------------------------------------------------------------- handling
    def start(self, actor: Actor, number: str, note: str | None = None) -> Outcome:
        """办理中: a cadre of the village takes the request in hand."""
        return self._handle(actor, number, Action.START, clean_note(note, self._ctx.config))

    def resolve(self, actor: Actor, number: str, note: str | None = None) -> Outcome:
        """已办结: the requester is asked 问题解决了吗？ (answer with `feedback`)."""
        return self._handle(actor, number, Action.RESOLVE, clean_note(note, self._ctx.config))

    def return_to_dispatch(self, actor: Actor, number: str, reason: str) -> Outcome:
        """退回: back to the village's dispatchers with a mandatory reason; the assignee is cleared."""
        reason_n = clean_note(reason, self._ctx.config, required_for=Action.RETURN.label)
        return self._handle(actor, number, Action.RETURN, reason_n)

    def mark_unable(self, actor: Actor, number: str, reason: str) -> Outcome:
        """无法办理, with a mandatory reason that the requester is told."""
        reason_n = clean_note(reason, self._ctx.config, required_for=Action.UNABLE.label)
        return self._handle(actor, number, Action.UNABLE, reason_n)

    def _handle(self, actor: Actor, number: str, action: Action, note: str | None) -> Outcome:
        """A handling step by a cadre of the village whose only record is the cadre's note."""

        def apply(step: Step) -> Change:
            before: list[Notification] = []
            if action is Action.RESOLVE:
                step.request.resolved_at = step.now
            elif action is Action.RETURN:
                step.request.assignee = None
                before = self._to_dispatchers(step, note or "")

            def notify() -> list[Notification]:
                return [*before, self._status_notice(step.request, step.old, note)]

            return Change(EventNote(note=note), notify)

        return self._move(actor, clean_number(number), action, _village_cadre, apply)

    def mark_duplicate(self, actor: Actor, number: str, original: str, note: str | None = None) -> Outcome:
        """重复: merge into `original` (a chain of duplicates collapses onto its root)."""
        number, original = clean_number(number), clean_number(original)
        note = clean_note(note, self._ctx.config)
        if number == original:
            raise InvalidInput(texts.HD_ERR_DUPLICATE_SELF)

        def apply(step: Step) -> Change:
            request = step.request
            target = store.request_by_number(step.session, original)
            access.require_view(step.viewer, target)
            while target.duplicate_of_id is not None:
                parent = step.session.get(HelpRequest, target.duplicate_of_id)
                assert parent is not None
                target = parent
            if target.id == request.id:
                raise InvalidInput(texts.HD_ERR_DUPLICATE_SELF)
            request.duplicate_of_id = target.id
            text = with_note(texts.HD_MSG_DUPLICATE.format(number=number, original=target.number), note)
            notice = Notification(
                request.requester.chat_user_id, text, number, NotificationKind.STATUS_CHANGED
            )
            event = EventNote(EventCode.DUPLICATE_OF, {"original": target.number}, note)
            return Change(event, lambda: [notice])

        return self._move(actor, number, Action.DUPLICATE, _village_cadre, apply)

    # ------------------------------------------------------------------------- follow-up
    def feedback(self, actor: Actor, number: str, satisfied: bool, note: str | None = None) -> Outcome:
        """回访: satisfied → 已回访关闭; not satisfied → 重新打开 with a fresh due time.

        Answered by the requester (the bot's 问题解决了吗？ buttons) or recorded by an admin after a call.
        """
        number, note = clean_number(number), clean_note(note, self._ctx.config)
        config = self._ctx.config

        def permit(_session: Session, viewer: Viewer, request: HelpRequest) -> None:
            if not (viewer.is_admin or viewer.person_id == request.requester_id):
                raise PermissionDenied(texts.HD_ERR_FEEDBACK_ONLY_REQUESTER.format(number=number))

        def apply(step: Step) -> Change:
            request = step.request
            request.satisfaction = "satisfied" if satisfied else "unsatisfied"
            request.follow_up_note = note
            notifications: list[Notification] = []
            if satisfied:
                request.closed_at = step.now
                event = EventNote(EventCode.SATISFIED, {}, note)
                reply = texts.HD_MSG_CLOSED.format(number=number)
            else:
                request.due_at = step.now + config.deadline(request.category, Urgency(request.urgency))
                event = EventNote(EventCode.UNSATISFIED, {"due": request.due_at.isoformat()}, note)
                reply = texts.HD_MSG_REOPENED_REQUESTER.format(number=number)
                alert = with_note(
                    texts.HD_MSG_REOPENED.format(number=number, village=request.village.name), note
                )
                if request.assignee is not None:
                    notifications.append(
                        Notification(request.assignee.chat_user_id, alert, number, NotificationKind.REOPENED)
                    )
                else:
                    notifications += self._to_dispatchers(step, note or "", alert=alert)
            kind = NotificationKind.STATUS_CHANGED
            notifications.insert(0, Notification(request.requester.chat_user_id, reply, number, kind))
            return Change(event, lambda: notifications)

        action = Action.CLOSE if satisfied else Action.REOPEN
        return self._move(actor, number, action, permit, apply)

    # ------------------------------------------------------------------------- notes
    def add_note(self, actor: Actor, number: str, note: str) -> Outcome:
        """A progress note (cadre → requester) or extra information (requester → assignee); no status change."""
        number = clean_number(number)
        cleaned = clean_note(note, self._ctx.config, required_for=texts.HD_ACTION_LABELS["note"])
        assert cleaned is not None

        def permit(_session: Session, viewer: Viewer, request: HelpRequest) -> None:
            if viewer.person_id != request.requester_id:
                access.require_village_cadre(viewer, request)

        def apply(step: Step) -> Change:
            request = step.request
            notifications: list[Notification] = []
            if step.viewer.person_id != request.requester_id:
                text = texts.HD_MSG_NOTE.format(number=number, note=cleaned)
                notifications.append(
                    Notification(request.requester.chat_user_id, text, number, NotificationKind.NOTE)
                )
            elif request.assignee is not None:
                text = texts.HD_MSG_REQUESTER_NOTE.format(number=number, note=cleaned)
                notifications.append(
                    Notification(request.assignee.chat_user_id, text, number, NotificationKind.NOTE)
                )
            return Change(EventNote(note=cleaned), lambda: notifications)

        return self._move(actor, number, None, permit, apply)

    # ------------------------------------------------------------------------- the primitive
    def _move(
        self, actor: Actor, number: str, action: Action | None, permit: Permit, apply: Apply
    ) -> Outcome:
        """Run one step on request `number` in one write transaction (see the module docstring).

        `action` None records a note: the status stays and the event's kind is "note".
        """
        ctx = self._ctx
        now = ctx.now()
        with ctx.write() as session:
            viewer = ctx.viewer(session, actor)
            request = store.request_by_number(session, number, for_update=True)
            permit(session, viewer, request)
            old = _check(request, action) if action is not None else Status(request.status)
            step = Step(session, viewer, request, old, now)
            change = apply(step)
            new = RULES[action].target if action is not None else old
            request.status = new.value
            request.updated_at = now
            kind = action.value if action is not None else "note"
            record(session, request, viewer.label, viewer.person_id, kind, old, new, change.event, now)
            if action is not None:
                log.info(
                    "request %s: %s -> %s (%s) by %s",
                    request.number,
                    old.value,
                    new.value,
                    action.value,
                    viewer.label,
                )
            notifications = change.notify()
            session.flush()
            view = request_view(
                request,
                viewer,
                now,
                duplicate_of=store.duplicate_number(session, request),
                hints=store.hints_of(session, request.id),
            )
            return Outcome(view, tuple(notifications))

    # ------------------------------------------------------------------------- helpers
    def _status_notice(self, request: HelpRequest, old: Status, note: str | None) -> Notification:
        new = Status(request.status)
        if new is Status.RESOLVED:
            text = texts.HD_MSG_ASK_FEEDBACK.format(number=request.number, note=f"{note}\n" if note else "")
            return Notification(
                request.requester.chat_user_id, text, request.number, NotificationKind.ASK_FEEDBACK
            )
        text = with_note(
            texts.HD_MSG_STATUS_CHANGED.format(number=request.number, old=old.label, new=new.label), note
        )
        return Notification(
            request.requester.chat_user_id, text, request.number, NotificationKind.STATUS_CHANGED
        )

    def _to_dispatchers(self, step: Step, reason: str, *, alert: str | None = None) -> list[Notification]:
        request, viewer = step.request, step.viewer
        text = alert or texts.HD_MSG_RETURNED.format(
            number=request.number, village=request.village.name, actor=viewer.label, reason=reason
        )
        kind = NotificationKind.REOPENED if alert else NotificationKind.RETURNED
        targets = access.dispatchers(
            store.village_bindings(step.session, request.village_id), self._ctx.config.dispatcher_posts
        )
        people = [b.person for b in targets if b.person_id != viewer.person_id] or store.admins(step.session)
        return [Notification(p.chat_user_id, mask_text(text), request.number, kind) for p in people]


def _check(request: HelpRequest, action: Action) -> Status:
    """The request's status, if `action` may start from it; otherwise the refusal with what may."""
    current = Status(request.status)
    if current not in RULES[action].sources:
        message = texts.HD_ERR_ILLEGAL_TRANSITION.format(
            number=request.number, status=current.label, action=action.label
        )
        allowed = allowed_actions(current)
        hint = (
            texts.HD_ERR_ILLEGAL_HINT.format(allowed="、".join(a.label for a in allowed))
            if allowed
            else texts.HD_ERR_ILLEGAL_NONE
        )
        raise IllegalTransition(message + hint)
    return current
