"""Casework: the cadres' steps after intake (派单, 接单, 办理, 进展, 办结, 退回, 重开 …) and notes.

Every step goes through `Mover.move` (bot/helpdesk/moves.py): one transaction, the actor's
permission, the optimistic version check, the lifecycle table, one event. Each command takes
`expected_version`, the version of the card the actor pressed; a card that is out of date is
refused with `Stale` and the fresh view instead of overwriting what someone else just did.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot import texts
from bot.helpdesk import access, store
from bot.helpdesk.access import Actor, Viewer
from bot.helpdesk.context import DeskContext
from bot.helpdesk.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from bot.helpdesk.events import EventCode, EventNote
from bot.helpdesk.followup import FollowUp
from bot.helpdesk.lifecycle import OPEN_STATUSES, Action, Satisfaction, Status, Urgency
from bot.helpdesk.models import HelpRequest
from bot.helpdesk.moves import Change, Mover, Step, village_cadre
from bot.helpdesk.notify import local_time, preview, with_note
from bot.helpdesk.present import place
from bot.helpdesk.privacy import mask_text, masked_logger
from bot.helpdesk.validate import clean_note, clean_number
from bot.helpdesk.views import Notification, NotificationKind, Outcome

log = masked_logger(__name__)  # every helpdesk logger masks phones and ID numbers

MIN_RESULT_CHARS = 2  # a 办结说明 says what was done: "已修好" rather than nothing


class Casework:
    """Transitions of the lifecycle table (bot/helpdesk/lifecycle.py), progress notes and notes."""

    def __init__(self, context: DeskContext, mover: Mover, followup: FollowUp) -> None:
        self._ctx = context
        self._mover = mover
        self._followup = followup

    # ------------------------------------------------------------------------- dispatch
    def assign(
        self,
        actor: Actor,
        number: str,
        assignee: int,
        note: str | None = None,
        *,
        expected_version: int | None = None,
    ) -> Outcome:
        """派单/改派 to a cadre of the request's village (dispatchers and admins only)."""
        number, note = clean_number(number), clean_note(note, self._ctx.config)
        dispatcher_posts = self._ctx.config.dispatcher_posts

        def permit(session: Session, viewer: Viewer, request: HelpRequest) -> None:
            access.require_dispatcher(session, viewer, request, dispatcher_posts)

        return self._mover.move(
            actor,
            number,
            Action.ASSIGN,
            permit,
            self._assign_to(assignee, note, EventCode.ASSIGNED),
            expected_version=expected_version,
        )

    def claim(self, actor: Actor, number: str, *, expected_version: int | None = None) -> Outcome:
        """接单: the actor takes the request themselves. Dispatchers and admins may always; any
        cadre of the village may take a request nobody holds (已受理, 已退回)."""
        number = clean_number(number)
        dispatcher_posts = self._ctx.config.dispatcher_posts
        if not isinstance(actor, int):
            raise InvalidInput(texts.HD_ERR_CLAIM_CHAT_ONLY)

        def permit(session: Session, viewer: Viewer, request: HelpRequest) -> None:
            if request.assignee_id is None and not viewer.is_admin:
                access.require_village_cadre(viewer, request)
            else:
                access.require_dispatcher(session, viewer, request, dispatcher_posts)

        return self._mover.move(
            actor,
            number,
            Action.ASSIGN,
            permit,
            self._assign_to(actor, None, EventCode.CLAIMED),
            expected_version=expected_version,
        )

    def _assign_to(self, assignee: int, note: str | None, code: EventCode):  # type: ignore[no-untyped-def]
        def apply(step: Step) -> Change:
            request, number = step.request, step.request.number
            person = store.person_by_chat(step.session, assignee)
            if person is None:
                raise NotFound(texts.HD_ERR_UNKNOWN_PERSON.format(who=assignee))
            post = store.binding(step.session, person.id, request.village_id)
            if post is None:
                raise InvalidInput(
                    texts.HD_ERR_ASSIGNEE_NOT_CADRE.format(
                        name=person.display_name, village=place(request.village)
                    )
                )
            if request.assignee_id == person.id and step.old is Status.ASSIGNED:
                raise InvalidInput(
                    texts.HD_ERR_ALREADY_ASSIGNED.format(number=number, name=person.display_name)
                )
            request.assignee = person

            def notify() -> list[Notification]:
                out = []
                if person.id != step.viewer.person_id:
                    alert = texts.HD_MSG_ASSIGNED.format(
                        number=number,
                        village=place(request.village),
                        category=request.category,
                        due=local_time(request.due_at, self._ctx.tz),
                        description=preview(request.description),
                    )
                    kind = NotificationKind.ASSIGNED
                    out.append(Notification(person.chat_user_id, with_note(alert, note), number, kind))
                if step.old is not Status.ASSIGNED:
                    out.append(self._mover.status_notice(request, step.old, None))
                return out

            return Change(EventNote(code, {"post": post.post, "name": person.display_name}, note), notify)

        return apply

    # ------------------------------------------------------------------------- handling
    def start(
        self, actor: Actor, number: str, note: str | None = None, *, expected_version: int | None = None
    ) -> Outcome:
        """办理中: a cadre of the village takes the request in hand."""
        note = clean_note(note, self._ctx.config)
        return self._handle(actor, number, Action.START, note, expected_version)

    def resolve(
        self, actor: Actor, number: str, note: str | None = None, *, expected_version: int | None = None
    ) -> Outcome:
        """已办结 with a short result note (办结说明, required); the 回访 follows (bot/helpdesk/followup.py)."""
        result = clean_note(note, self._ctx.config, required_for=Action.RESOLVE.label)
        if result is None or len(result) < MIN_RESULT_CHARS:
            raise InvalidInput(texts.HD_ERR_RESULT_TOO_SHORT)
        return self._handle(actor, number, Action.RESOLVE, result, expected_version)

    def return_to_dispatch(
        self, actor: Actor, number: str, reason: str, *, expected_version: int | None = None
    ) -> Outcome:
        """退回: back to the village's dispatchers with a mandatory reason; the assignee is cleared."""
        reason_n = clean_note(reason, self._ctx.config, required_for=Action.RETURN.label)
        return self._handle(actor, number, Action.RETURN, reason_n, expected_version)

    def mark_unable(
        self, actor: Actor, number: str, reason: str, *, expected_version: int | None = None
    ) -> Outcome:
        """无法办理, with a mandatory reason that the requester is told."""
        reason_n = clean_note(reason, self._ctx.config, required_for=Action.UNABLE.label)
        return self._handle(actor, number, Action.UNABLE, reason_n, expected_version)

    def _handle(
        self, actor: Actor, number: str, action: Action, note: str | None, expected_version: int | None
    ) -> Outcome:
        """A handling step by a cadre of the village whose only record is the cadre's note."""

        def apply(step: Step) -> Change:
            before: list[Notification] = []
            request = step.request
            if action is Action.RESOLVE:
                request.resolved_at = step.now
                request.resolution_note = note
                request.follow_up_asked_at = None
            elif action is Action.RETURN:
                request.assignee = None
                text = texts.HD_MSG_RETURNED.format(
                    number=request.number, village=place(request.village), actor=step.viewer.label, reason=note
                )
                before = self._mover.to_dispatchers(step, text, NotificationKind.RETURNED)

            def notify() -> list[Notification]:
                return [*before, self._mover.status_notice(request, step.old, note)]

            return Change(EventNote(note=note), notify)

        return self._mover.move(
            actor, clean_number(number), action, village_cadre, apply, expected_version=expected_version
        )

    def mark_duplicate(
        self,
        actor: Actor,
        number: str,
        original: str,
        note: str | None = None,
        *,
        expected_version: int | None = None,
    ) -> Outcome:
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

        return self._mover.move(
            actor, number, Action.DUPLICATE, village_cadre, apply, expected_version=expected_version
        )

    def reopen(
        self, actor: Actor, number: str, reason: str, *, expected_version: int | None = None
    ) -> Outcome:
        """重开 (explicit, with a reason): a dispatcher or admin sends an 已办结 / 已回访关闭 request
        back for rework, e.g. after the villager phoned. The villager's own 不满意 is `followup.rate`."""
        number = clean_number(number)
        reason_n = clean_note(
            reason, self._ctx.config, required_for=texts.HD_ACTION_LABELS["reopen_explicit"]
        )
        assert reason_n is not None
        dispatcher_posts = self._ctx.config.dispatcher_posts

        def permit(session: Session, viewer: Viewer, request: HelpRequest) -> None:
            access.require_dispatcher(session, viewer, request, dispatcher_posts)

        def apply(step: Step) -> Change:
            self._followup.reopen_fields(step)
            request = step.request
            event = EventNote(EventCode.REOPENED, {"due": request.due_at.isoformat()}, reason_n)
            notices = self._followup.rework_alerts(step, reason_n)
            # Worded once the status has moved (in `notify`): worded here it told the villager
            # "已经结束" about the request just reopened.
            return Change(event, lambda: [self._mover.status_notice(request, step.old, reason_n), *notices])

        return self._mover.move(
            actor, number, Action.REOPEN, permit, apply, expected_version=expected_version
        )

    # ------------------------------------------------------------------------- urgency
    def mark_urgent(self, actor: Actor, number: str) -> Outcome:
        """The requester (or a cadre of the village) says it is urgent after filing: 紧急 with a
        same-day deadline (never later than it was), and every cadre of the village and the
        admins are alerted at once, as for emergency wording on intake. No status change."""
        number = clean_number(number)

        def permit(_session: Session, viewer: Viewer, request: HelpRequest) -> None:
            if viewer.person_id != request.requester_id:
                access.require_village_cadre(viewer, request)

        def apply(step: Step) -> Change:
            request = step.request
            if step.old not in OPEN_STATUSES:
                raise IllegalTransition(
                    texts.HD_ERR_URGENT_CLOSED.format(number=request.number, status=step.old.label),
                    self._mover.fresh_view(step.session, request, step.viewer, step.now),
                )
            if Urgency(request.urgency) is not Urgency.NORMAL:
                raise InvalidInput(texts.HD_ERR_ALREADY_URGENT.format(number=request.number))
            request.urgency = Urgency.URGENT.value
            due = self._ctx.config.due_at(request.category, Urgency.URGENT, step.now)
            request.due_at = min(request.due_at, due)
            text = texts.HD_MSG_URGENT_ADMIN.format(
                village=request.village.name,
                number=request.number,
                category=request.category,
                description=preview(mask_text(request.description)),
                due=local_time(request.due_at, self._ctx.tz),
            )
            bindings = store.village_bindings(step.session, request.village_id)
            people = {b.person.chat_user_id: b.person for b in bindings}
            people.update({a.chat_user_id: a for a in store.admins(step.session)})
            alerts = [
                Notification(chat, text, request.number, NotificationKind.URGENT)
                for chat in people
                if chat != request.requester.chat_user_id
            ]
            words = texts.HD_URGENT_BY_VILLAGER if step.viewer.person_id == request.requester_id else step.viewer.label
            event = EventNote(EventCode.EMERGENCY, {"words": words, "services": "—"})
            return Change(event, lambda: alerts)

        return self._mover.move(actor, number, None, permit, apply, kind="note")

    # ------------------------------------------------------------------------- notes
    def progress(self, actor: Actor, number: str, note: str) -> Outcome:
        """办理进展: the assigned cadre (or an admin) tells the villager how it is going, at any
        time while the request is open; no status change."""
        number = clean_number(number)
        cleaned = clean_note(note, self._ctx.config, required_for=texts.HD_ACTION_LABELS["progress"])
        assert cleaned is not None

        def permit(_session: Session, viewer: Viewer, request: HelpRequest) -> None:
            access.require_village_cadre(viewer, request)
            if not viewer.is_admin and viewer.person_id != request.assignee_id:
                raise PermissionDenied(texts.HD_ERR_PROGRESS_ASSIGNEE_ONLY.format(number=request.number))

        def apply(step: Step) -> Change:
            request = step.request
            if step.old not in OPEN_STATUSES:
                raise IllegalTransition(
                    texts.HD_ERR_PROGRESS_CLOSED.format(number=request.number, status=step.old.label),
                    self._mover.fresh_view(step.session, request, step.viewer, step.now),
                )
            request.progress_count += 1
            name = request.assignee.display_name if request.assignee else step.viewer.label
            text = texts.HD_MSG_PROGRESS.format(number=request.number, name=name, note=cleaned)
            notice = Notification(
                request.requester.chat_user_id, text, request.number, NotificationKind.PROGRESS
            )
            return Change(EventNote(note=cleaned), lambda: [notice])

        return self._mover.move(actor, number, None, permit, apply, kind="progress")

    def add_note(self, actor: Actor, number: str, note: str) -> Outcome:
        """Extra information from the requester (→ assignee), or a cadre's internal note; no status change."""
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

        return self._mover.move(actor, number, None, permit, apply)

    # ------------------------------------------------------------------------- follow-up (shim)
    def feedback(self, actor: Actor, number: str, satisfied: bool, note: str | None = None) -> Outcome:
        """回访 with two answers (the older API): `followup.rate` with 满意 or 不满意."""
        rating = Satisfaction.SATISFIED if satisfied else Satisfaction.UNSATISFIED
        return self._followup.rate(actor, number, rating, note)
