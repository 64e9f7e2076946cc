"""督办 and 延期: deadlines that are watched, and extensions that are asked for and decided.

12345 practice: when a work order passes its deadline the handling unit is reminded; if it is
still open a few days later the case is escalated to the supervising office; a unit that needs
more time asks for an extension (延期) with a written reason, which the office approves or refuses.

Here `run_due(now)` (scheduled by the front end, e.g. hourly) does the first two, each once per
deadline: a request past its due time reminds the responsible cadre (the assignee, else the
village's dispatchers, else the admins) — 督办 level 1; still open at the end of the
`ESCALATE_AFTER_DAYS`-th working day after the due day (bot/helpdesk/workdays.py: weekends,
holidays and 调休 as an office counts them), the admins and the village's 乡镇干部 are told — level 2. Each counts in `supervision_count` (督办次数,
for the ledger) and leaves a line in the history. An approved extension moves the due time, which
starts the watch again (level 0). Claims are conditional UPDATEs, so two schedulers running at
the same moment send each reminder once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import texts, vocab
from bot.helpdesk import access, store
from bot.helpdesk.access import Actor, Viewer
from bot.helpdesk.context import DeskContext
from bot.helpdesk.errors import Conflict, IllegalTransition, InvalidInput
from bot.helpdesk.events import EventCode, EventNote, record
from bot.helpdesk.lifecycle import OPEN_STATUSES, Status
from bot.helpdesk.models import HelpRequest, Person, RequestEvent, RequestExtension
from bot.helpdesk.moves import Change, Mover, Step
from bot.helpdesk.notify import local_time, with_note
from bot.helpdesk.present import place
from bot.helpdesk.privacy import mask_text, masked_logger
from bot.helpdesk.validate import clean_note, clean_number
from bot.helpdesk.views import Notification, NotificationKind, Outcome

log = masked_logger(__name__)

_OPEN = [s.value for s in OPEN_STATUSES]
REMINDED, ESCALATED = 1, 2  # supervision_level for the current due time
MIN_REASON_CHARS = 4  # "等材料" is not a reason a county office accepts; "等乡镇审批" is
MAX_EXTENSION_DAYS = 30


class Oversight:
    """督办 (`run_due`) and 延期 (`request_extension`, `decide_extension`)."""

    def __init__(self, context: DeskContext, mover: Mover) -> None:
        self._ctx = context
        self._mover = mover

    # ------------------------------------------------------------------------- 督办
    def run_due(self, now: datetime | None = None) -> list[Notification]:
        """Remind and escalate overdue requests (each once per due time); the messages to send."""
        now = now or self._ctx.now()
        out: list[Notification] = []
        with self._ctx.write() as session:
            out += self._sweep(session, now, REMINDED, now)
            out += self._sweep(session, now, ESCALATED, now)
        return out

    def _sweep(self, session: Session, now: datetime, level: int, due_before: datetime) -> list[Notification]:
        due = (
            session.execute(
                select(HelpRequest)
                .where(
                    HelpRequest.status.in_(_OPEN),
                    HelpRequest.due_at < due_before,
                    HelpRequest.supervision_level < level,
                )
                .order_by(HelpRequest.due_at, HelpRequest.id)
            )
            .unique()
            .scalars()
            .all()
        )
        if level == ESCALATED:  # N working days past the due day; not expressible in SQL
            due = [r for r in due if self._ctx.config.escalation_at(r.due_at) <= now]
        out: list[Notification] = []
        for request in due:
            claimed = session.execute(
                update(HelpRequest)
                .where(HelpRequest.id == request.id, HelpRequest.supervision_level < level)
                .values(supervision_level=level, supervision_count=HelpRequest.supervision_count + 1)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                continue
            session.refresh(request)
            if level == REMINDED:
                out += self._remind(session, request, now)
            else:
                out += self._escalate(session, request, now)
        return out

    def _remind(self, session: Session, request: HelpRequest, now: datetime) -> list[Notification]:
        due = local_time(request.due_at, self._ctx.tz)
        event = EventNote(EventCode.REMINDED, {"due": request.due_at.isoformat()})
        record(session, request, texts.HD_SYSTEM_ACTOR, None, "supervise", None, None, event, now)
        text = texts.HD_MSG_SUPERVISE_REMIND.format(
            number=request.number,
            village=place(request.village),
            category=request.category,
            status=Status(request.status).label,
            due=due,
        )
        if request.assignee is not None:
            people = [request.assignee]
        else:
            bindings = access.dispatchers(
                store.village_bindings(session, request.village_id), self._ctx.config.dispatcher_posts
            )
            people = [b.person for b in bindings] or store.admins(session)
        log.info("request %s: overdue since %s, reminded %s people", request.number, due, len(people))
        return [self._note(p, request, text, NotificationKind.OVERDUE_REMINDER) for p in people]

    def _escalate(self, session: Session, request: HelpRequest, now: datetime) -> list[Notification]:
        days = max(1, (now - request.due_at).days)
        event = EventNote(EventCode.ESCALATED, {"days": str(days)})
        record(session, request, texts.HD_SYSTEM_ACTOR, None, "supervise", None, None, event, now)
        text = texts.HD_MSG_SUPERVISE_ESCALATE.format(
            number=request.number,
            village=place(request.village),
            category=request.category,
            status=Status(request.status).label,
            due=local_time(request.due_at, self._ctx.tz),
            days=days,
            assignee=request.assignee.display_name if request.assignee else texts.HD_NOBODY,
        )
        township = [
            b.person
            for b in store.village_bindings(session, request.village_id)
            if b.post == vocab.TOWNSHIP_CADRE
        ]
        people = {p.id: p for p in [*store.admins(session), *township]}
        log.info("request %s: %s days overdue, escalated to %s people", request.number, days, len(people))
        return [self._note(p, request, text, NotificationKind.ESCALATED) for p in people.values()]

    @staticmethod
    def _note(person: Person, request: HelpRequest, text: str, kind: NotificationKind) -> Notification:
        full = person.id == request.assignee_id or person.role == "admin"
        return Notification(person.chat_user_id, text if full else mask_text(text), request.number, kind)

    # ------------------------------------------------------------------------- 延期
    def request_extension(
        self, actor: Actor, number: str, days: int, reason: str, *, expected_version: int | None = None
    ) -> Outcome:
        """延期: the assigned cadre (or a dispatcher / admin) asks for `days` more working days
        (counted from the due day, like the deadline), with a written reason; the admins decide
        (`decide_extension`). One pending request at a time."""
        number = clean_number(number)
        cleaned = clean_note(reason, self._ctx.config, required_for=texts.HD_ACTION_LABELS["extension"])
        if cleaned is None or len(cleaned) < MIN_REASON_CHARS:
            raise InvalidInput(texts.HD_ERR_EXTENSION_REASON)
        if not 1 <= days <= MAX_EXTENSION_DAYS:
            raise InvalidInput(texts.HD_ERR_EXTENSION_DAYS.format(max=MAX_EXTENSION_DAYS))
        dispatcher_posts = self._ctx.config.dispatcher_posts

        def permit(session: Session, viewer: Viewer, request: HelpRequest) -> None:
            if viewer.is_admin or viewer.person_id == request.assignee_id:
                return
            access.require_dispatcher(session, viewer, request, dispatcher_posts)

        def apply(step: Step) -> Change:
            request = step.request
            self._require_open(step)
            if _pending(step.session, request.id) is not None:
                raise Conflict(texts.HD_ERR_EXTENSION_PENDING.format(number=request.number))
            # Working days, as the deadline itself: end of the days-th working day after the due day.
            new_due = self._ctx.config.calendar.deadline(max(request.due_at, step.now), days)
            step.session.add(
                RequestExtension(
                    request_id=request.id,
                    state="pending",
                    reason=cleaned,
                    old_due_at=request.due_at,
                    new_due_at=new_due,
                    requested_by=step.viewer.label[:64],
                    requested_at=step.now,
                )
            )
            text = texts.HD_MSG_EXTENSION_REQUESTED.format(
                number=request.number,
                village=place(request.village),
                who=step.viewer.label,
                due=local_time(request.due_at, self._ctx.tz),
                new_due=local_time(new_due, self._ctx.tz),
                reason=cleaned,
            )
            admins = [a for a in store.admins(step.session) if a.id != step.viewer.person_id]
            notices = [
                Notification(a.chat_user_id, text, request.number, NotificationKind.EXTENSION_REQUESTED)
                for a in admins
            ]
            event = EventNote(EventCode.EXTENSION_REQUESTED, {"new_due": new_due.isoformat()}, cleaned)
            return Change(event, lambda: notices)

        return self._mover.move(
            actor, number, None, permit, apply, expected_version=expected_version, kind="extension"
        )

    def decide_extension(
        self, actor: Actor, number: str, approve: bool, note: str | None = None
    ) -> Outcome:
        """An admin approves (the due time moves, the 督办 watch starts again) or refuses the
        pending 延期; the cadre who asked is told, and the villager too when it is approved."""
        number = clean_number(number)
        cleaned = clean_note(note, self._ctx.config)

        def permit(_session: Session, viewer: Viewer, _request: HelpRequest) -> None:
            access.require_admin(viewer)

        def apply(step: Step) -> Change:
            request = step.request
            pending = _pending(step.session, request.id)
            if pending is None:
                raise Conflict(texts.HD_ERR_EXTENSION_NONE.format(number=request.number))
            pending.state = "approved" if approve else "rejected"
            pending.decided_by = step.viewer.label[:64]
            pending.decided_at = step.now
            pending.decision_note = cleaned
            new_due = local_time(pending.new_due_at, self._ctx.tz)
            notices: list[Notification] = []
            if approve:
                request.due_at = pending.new_due_at
                request.supervision_level = 0
                requester = texts.HD_MSG_EXTENSION_TO_REQUESTER.format(number=request.number, due=new_due)
                notices.append(
                    Notification(
                        request.requester.chat_user_id,
                        requester,
                        request.number,
                        NotificationKind.EXTENSION_DECIDED,
                    )
                )
            template = texts.HD_MSG_EXTENSION_APPROVED if approve else texts.HD_MSG_EXTENSION_REJECTED
            to_cadre = with_note(
                template.format(
                    number=request.number,
                    new_due=new_due,
                    due=local_time(request.due_at, self._ctx.tz),
                ),
                cleaned,
            )
            asker = _asker(step.session, request.id)
            for person in {p.id: p for p in (asker, request.assignee) if p is not None}.values():
                if person.id != step.viewer.person_id:
                    notices.append(
                        Notification(person.chat_user_id, to_cadre, request.number, NotificationKind.EXTENSION_DECIDED)
                    )
            code = EventCode.EXTENSION_APPROVED if approve else EventCode.EXTENSION_REJECTED
            event = EventNote(code, {"new_due": pending.new_due_at.isoformat()}, cleaned)
            return Change(event, lambda: notices)

        return self._mover.move(actor, number, None, permit, apply, kind="extension")

    def _require_open(self, step: Step) -> None:
        if step.old not in OPEN_STATUSES:
            raise IllegalTransition(
                texts.HD_ERR_EXTENSION_CLOSED.format(number=step.request.number, status=step.old.label),
                self._mover.fresh_view(step.session, step.request, step.viewer, step.now),
            )


def _pending(session: Session, request_id: int) -> RequestExtension | None:
    return session.execute(
        select(RequestExtension)
        .where(RequestExtension.request_id == request_id, RequestExtension.state == "pending")
        .order_by(RequestExtension.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _asker(session: Session, request_id: int) -> Person | None:
    """Who asked for the latest 延期 (the history row's actor)."""
    actor_id = session.execute(
        select(RequestEvent.actor_id)
        .where(RequestEvent.request_id == request_id, RequestEvent.code == EventCode.EXTENSION_REQUESTED.value)
        .order_by(RequestEvent.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return session.get(Person, actor_id) if actor_id is not None else None

