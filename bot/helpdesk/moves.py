"""The one primitive every change to a request goes through, shared by the casework parts.

`Mover.move`: open a write transaction → lock the request → check that the actor saw the
current version (optimistic check) → check the actor's permission → check the transition against
the lifecycle table → let the step change its own fields → set the new status, bump the version
→ append the event → build notifications. Any `HelpdeskError` rolls the whole transaction back,
so a refused command changes nothing; a refusal because the request moved meanwhile (`Stale`) or
because the step is not possible now (`IllegalTransition`) carries the fresh view.

Why a version and not only the status: two cadres pressing 接单 on the same card both see
已派单, and 已派单 → 已派单 is a legal 改派, so a status check alone lets the second silently
overwrite the first. The version changes with every move, so the second is refused.
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
from bot.helpdesk.errors import IllegalTransition, Stale
from bot.helpdesk.events import EventCode, EventNote, record
from bot.helpdesk.lifecycle import RULES, Action, Role, Status, allowed_actions
from bot.helpdesk.models import HelpRequest
from bot.helpdesk.notify import with_note
from bot.helpdesk.present import request_card
from bot.helpdesk.privacy import mask_text, masked_logger
from bot.helpdesk.views import Notification, NotificationKind, Outcome, RequestView

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


def village_cadre(_session: Session, viewer: Viewer, request: HelpRequest) -> None:
    access.require_village_cadre(viewer, request)


class Mover:
    """Runs steps on requests (see the module docstring) and words the common notices."""

    def __init__(self, context: DeskContext) -> None:
        self.ctx = context

    def move(
        self,
        actor: Actor,
        number: str,
        action: Action | None,
        permit: Permit,
        apply: Apply,
        *,
        expected_version: int | None = None,
        kind: str = "note",
    ) -> Outcome:
        """Run one step on request `number` in one write transaction.

        `action` None records without moving (a note, a photo, a 督办): the status and the
        version stay, and the event's kind is `kind`. `expected_version` is the version the
        actor saw; None skips the check (the CLI operator acting on what is there now).
        """
        ctx = self.ctx
        now = ctx.now()
        with ctx.write() as session:
            viewer = ctx.viewer(session, actor)
            request = store.request_by_number(session, number, for_update=True)
            # The version first: whoever may see the request and pressed an old card learns that
            # it moved (and sees it now), rather than a refusal that only the new state explains.
            if expected_version is not None and expected_version != request.version:
                access.require_view(viewer, request)
                raise self._stale(session, request, viewer, now)
            permit(session, viewer, request)
            old = self._check(session, request, viewer, action, now) if action else Status(request.status)
            step = Step(session, viewer, request, old, now)
            change = apply(step)
            new = RULES[action].target if action is not None else old
            request.status = new.value
            request.updated_at = now
            if action is not None:
                request.version += 1
            event_kind = action.value if action is not None else kind
            record(session, request, viewer.label, viewer.person_id, event_kind, old, new, change.event, now)
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
            return Outcome(self.fresh_view(session, request, viewer, now), tuple(notifications))

    def fresh_view(
        self, session: Session, request: HelpRequest, viewer: Viewer, now: datetime
    ) -> RequestView:
        """The request with everything a card shows (history, hints, photos, 延期)."""
        return request_card(session, request, viewer, now, self.ctx.tz)

    def _stale(self, session: Session, request: HelpRequest, viewer: Viewer, now: datetime) -> Stale:
        last = store.last_change(session, request.id)
        status = Status(request.status).label
        if last is None:
            message = texts.HD_ERR_STALE_ANON.format(number=request.number, status=status)
        else:
            message = texts.HD_ERR_STALE.format(
                number=request.number,
                who=last.actor_label,
                # A 接单 is recorded as an assign move with the "claimed" code: name it as the cadre did.
                action=texts.HD_ACTION_LABELS.get(
                    "claim" if last.code == EventCode.CLAIMED else last.kind, texts.HD_ACTION_FILED
                ),
                status=status,
            )
        view = self.fresh_view(session, request, viewer, now)
        log.info(
            "request %s: stale command by %s refused (version %s)",
            request.number,
            viewer.label,
            request.version,
        )
        return Stale(message, view, last.actor_label if last else None)

    def _check(
        self, session: Session, request: HelpRequest, viewer: Viewer, action: Action, now: datetime
    ) -> Status:
        """The request's status, if `action` may start from it; otherwise the refusal with the fresh view."""
        current = Status(request.status)
        if current in RULES[action].sources:
            return current
        if viewer.role is Role.VILLAGER:
            # A villager gets plain words, not the cadres' list of actions.
            message = texts.HD_ERR_ILLEGAL_VILLAGER.format(number=request.number, status=current.label)
        else:
            message = texts.HD_ERR_ILLEGAL_TRANSITION.format(
                number=request.number, status=current.label, action=action.label
            )
            allowed = allowed_actions(current)
            message += (
                texts.HD_ERR_ILLEGAL_HINT.format(allowed="、".join(a.label for a in allowed))
                if allowed
                else texts.HD_ERR_ILLEGAL_NONE
            )
        raise IllegalTransition(message, self.fresh_view(session, request, viewer, now))

    # ------------------------------------------------------------------------- common notices
    def status_notice(self, request: HelpRequest, old: Status, note: str | None) -> Notification:
        """The requester's notice of a status change, in plain words (texts.HD_MSG_STATUS_PLAIN)."""
        new = Status(request.status)
        if new is Status.RESOLVED:
            # Asked at once (the chat's 已解决/未解决 buttons answer it); the scheduled 回访 of
            # followup.run_due asks again the day after if no rating came.
            text = texts.HD_MSG_RESOLVED.format(number=request.number, note=note or "")
            kind = NotificationKind.ASK_FEEDBACK
            return Notification(request.requester.chat_user_id, text, request.number, kind)
        plain = texts.HD_MSG_STATUS_PLAIN.get(new.value)
        if plain is None:
            plain = texts.HD_MSG_STATUS_CHANGED.format(number=request.number, old=old.label, new=new.label)
        else:
            who = request.assignee.display_name if request.assignee else ""
            plain = plain.format(number=request.number, name=who)
        return Notification(
            request.requester.chat_user_id,
            with_note(plain, note),
            request.number,
            NotificationKind.STATUS_CHANGED,
        )

    def to_dispatchers(
        self,
        step: Step,
        text: str,
        kind: NotificationKind,
    ) -> list[Notification]:
        """`text` to the village's dispatchers other than the actor (the admins if there is none), masked."""
        request, viewer = step.request, step.viewer
        targets = access.dispatchers(
            store.village_bindings(step.session, request.village_id), self.ctx.config.dispatcher_posts
        )
        people = [b.person for b in targets if b.person_id != viewer.person_id] or store.admins(step.session)
        return [Notification(p.chat_user_id, mask_text(text), request.number, kind) for p in people]
