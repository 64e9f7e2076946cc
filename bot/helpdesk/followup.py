"""回访 and rating: the villager's verdict on a resolved request, asked the day after 办结.

12345 practice: the office calls back after closing and asks 满意 / 基本满意 / 不满意; 不满意 sends
the case back for rework. Here the question is a scheduled notification (`run_due`, the day
after 办结 by default: FOLLOW_UP_DELAY_HOURS), answered with buttons (`rate`) or in the
villager's own words (`answer_text`, classified by bot/helpdesk/replies.py). 不满意 reopens the
request with a fresh due time and shows the cadre the villager's words.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import texts
from bot.helpdesk import store
from bot.helpdesk.access import Actor, Viewer
from bot.helpdesk.context import DeskContext
from bot.helpdesk.errors import IllegalTransition, PermissionDenied
from bot.helpdesk.events import EventCode, EventNote, record
from bot.helpdesk.lifecycle import Action, Satisfaction, Status, Urgency
from bot.helpdesk.models import HelpRequest
from bot.helpdesk.moves import Change, Mover, Step
from bot.helpdesk.notify import local_time, with_note
from bot.helpdesk.present import place, request_view
from bot.helpdesk.privacy import masked_logger
from bot.helpdesk.replies import ReplyClass, classify_reply
from bot.helpdesk.validate import clean_note, clean_number, parse_rating
from bot.helpdesk.views import Notification, NotificationKind, Outcome, RequestView

log = masked_logger(__name__)


class FollowUp:
    """Ratings (buttons or words) and the scheduled 回访."""

    def __init__(self, context: DeskContext, mover: Mover) -> None:
        self._ctx = context
        self._mover = mover

    def rate(
        self,
        actor: Actor,
        number: str,
        rating: Satisfaction | str,
        note: str | None = None,
        *,
        expected_version: int | None = None,
    ) -> Outcome:
        """满意 / 基本满意 → 已回访关闭; 不满意 → 重新打开 for rework (the cadre sees `note`).

        By the requester (buttons or words), or recorded by an admin after a phone call.
        """
        number, note = clean_number(number), clean_note(note, self._ctx.config)
        rating = parse_rating(rating)

        def permit(_session: Session, viewer: Viewer, request: HelpRequest) -> None:
            if not (viewer.is_admin or viewer.person_id == request.requester_id):
                raise PermissionDenied(texts.HD_ERR_FEEDBACK_ONLY_REQUESTER.format(number=number))

        def apply(step: Step) -> Change:
            request = step.request
            if step.old is not Status.RESOLVED:  # 已回访关闭 is reopened only by an explicit 重开
                message = texts.HD_ERR_ILLEGAL_VILLAGER.format(number=number, status=step.old.label)
                raise IllegalTransition(
                    message, self._mover.fresh_view(step.session, request, step.viewer, step.now)
                )
            request.rating = rating.value
            request.rated_at = step.now
            request.satisfaction = "unsatisfied" if rating is Satisfaction.UNSATISFIED else "satisfied"
            request.follow_up_note = note
            requester = request.requester.chat_user_id
            kind = NotificationKind.STATUS_CHANGED
            if rating is not Satisfaction.UNSATISFIED:
                request.closed_at = step.now
                event = EventNote(EventCode.RATED, {"rating": rating.value}, note)
                reply = Notification(requester, texts.HD_MSG_CLOSED.format(number=number), number, kind)
                return Change(event, lambda: [reply])
            self.reopen_fields(step)
            event = EventNote(EventCode.UNSATISFIED, {"due": request.due_at.isoformat()}, note)
            reply = Notification(
                requester, texts.HD_MSG_REOPENED_REQUESTER.format(number=number), number, kind
            )
            alerts = self.rework_alerts(step, note)
            return Change(event, lambda: [reply, *alerts])

        action = Action.REOPEN if rating is Satisfaction.UNSATISFIED else Action.CLOSE
        return self._mover.move(actor, number, action, permit, apply, expected_version=expected_version)

    def answer_text(self, actor: int, text: str) -> Outcome | None:
        """A villager's free text while a request of theirs waits for the 回访.

        Returns the rating's outcome when `text` is a verdict (解决了、好了、谢谢 → 满意;
        没解决、没人联系、还是漏 → 不满意, the text kept as the reason); None when the villager
        has nothing waiting or the text is not a verdict (then it is an ordinary message).
        """
        verdict: ReplyClass | None = classify_reply(text)
        if verdict is None:
            return None
        waiting = self.waiting(actor)
        if not waiting:
            return None
        target = waiting[0]  # the most recently resolved
        return self.rate(actor, target.number, verdict.rating, text, expected_version=target.version)

    def waiting(self, actor: int) -> list[RequestView]:
        """The actor's own requests that are 已办结 and wait for their rating, latest resolved first."""
        now = self._ctx.now()
        with self._ctx.read() as session:
            person = store.person_by_chat(session, actor)
            if person is None:
                return []
            viewer = self._ctx.viewer(session, actor)
            rows = (
                session.execute(
                    select(HelpRequest)
                    .where(HelpRequest.requester_id == person.id, HelpRequest.status == Status.RESOLVED.value)
                    .order_by(HelpRequest.resolved_at.desc(), HelpRequest.id.desc())
                )
                .unique()
                .scalars()
            )
            return [request_view(r, viewer, now) for r in rows]

    def run_due(self, now: datetime | None = None) -> list[Notification]:
        """The scheduled 回访: ask every requester whose request was resolved at least
        FOLLOW_UP_DELAY_HOURS ago and who was not asked yet (each request once, even when two
        schedulers run at the same moment: the conditional UPDATE claims it)."""
        now = now or self._ctx.now()
        cutoff = now - self._ctx.config.follow_up_delay
        out: list[Notification] = []
        with self._ctx.write() as session:
            due = (
                session.execute(
                    select(HelpRequest)
                    .where(
                        HelpRequest.status == Status.RESOLVED.value,
                        HelpRequest.follow_up_asked_at.is_(None),
                        HelpRequest.resolved_at <= cutoff,
                    )
                    .order_by(HelpRequest.id)
                )
                .unique()
                .scalars()
                .all()
            )
            for request in due:
                claimed = session.execute(
                    update(HelpRequest)
                    .where(HelpRequest.id == request.id, HelpRequest.follow_up_asked_at.is_(None))
                    .values(follow_up_asked_at=now)
                    .execution_options(synchronize_session=False)
                ).rowcount
                if claimed != 1:
                    continue
                record(
                    session,
                    request,
                    texts.HD_SYSTEM_ACTOR,
                    None,
                    "followup",
                    None,
                    None,
                    EventNote(EventCode.FOLLOW_UP_ASKED),
                    now,
                )
                text = texts.HD_MSG_FOLLOW_UP.format(
                    number=request.number,
                    category=request.category,
                    resolved=local_time(request.resolved_at or now, self._ctx.tz),
                    result=request.resolution_note or "",
                )
                out.append(
                    Notification(
                        request.requester.chat_user_id, text, request.number, NotificationKind.ASK_FEEDBACK
                    )
                )
        return out

    # ------------------------------------------------------------------------- shared with 重开
    def reopen_fields(self, step: Step) -> None:
        """A request back for rework: fresh due time, no 办结时间 (history keeps it), a new 回访 later."""
        request, config = step.request, self._ctx.config
        request.due_at = config.due_at(request.category, Urgency(request.urgency), step.now)
        request.resolved_at = None
        request.resolution_note = None
        request.closed_at = None
        request.follow_up_asked_at = None
        request.supervision_level = 0
        request.reopen_count += 1

    def rework_alerts(self, step: Step, words: str | None) -> list[Notification]:
        """The cadre who handled it (or the dispatchers) is told, with the villager's own words."""
        request = step.request
        alert = with_note(
            texts.HD_MSG_REOPENED.format(
                number=request.number,
                village=place(request.village),
                due=local_time(request.due_at, self._ctx.tz),
            ),
            words,
        )
        if request.assignee is not None and request.assignee_id != step.viewer.person_id:
            return [
                Notification(request.assignee.chat_user_id, alert, request.number, NotificationKind.REOPENED)
            ]
        return self._mover.to_dispatchers(step, alert, NotificationKind.REOPENED)
