"""The `Helpdesk` facade: the only object front ends (Telegram bot, CLI) talk to.

Every command runs in one write transaction: validate input → lock the request → check
permission → check the transition → update → append an event → build notifications. Any
`HelpdeskError` rolls the whole transaction back, so refused commands change nothing.
Commands return an `Outcome` (the request as the actor now sees it, plus `Notification`s that
the front end should deliver); the helpdesk never sends messages itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import texts
from bot.helpdesk import access, directory, store
from bot.helpdesk.access import Actor, Viewer
from bot.helpdesk.config import FALLBACK_CATEGORY, HelpdeskConfig
from bot.helpdesk.db import create_helpdesk_engine, upgrade_database, write_engine
from bot.helpdesk.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from bot.helpdesk.lifecycle import OPEN_STATUSES, RULES, Action, Role, Status, Urgency, allowed_actions
from bot.helpdesk.models import CadreBinding, HelpRequest, Person, RequestEvent, RequestPolicyHint
from bot.helpdesk.notify import hint_lines, local_time, preview, with_note
from bot.helpdesk.numbering import allocate_number
from bot.helpdesk.policy import CategorySuggestion, PolicyHint, PolicyLookup, suggest_category
from bot.helpdesk.present import request_view, village_view
from bot.helpdesk.privacy import mask_text, masked_logger
from bot.helpdesk.validate import (
    check_category,
    clean_address,
    clean_description,
    clean_name,
    clean_note,
    clean_number,
    clean_phone,
    parse_status,
    parse_urgency,
)
from bot.helpdesk.views import (
    CadreOverdue,
    Invitation,
    Notification,
    NotificationKind,
    Outcome,
    Page,
    PersonView,
    RequestCounts,
    RequestFilter,
    RequestView,
    VillageCounts,
    VillageView,
)

if TYPE_CHECKING:
    from bot.config import Settings

log = masked_logger(__name__)

MAX_PAGE = 200
DIGEST_MAX_LINES = 20


def _suffix(note: str | None) -> str:
    return texts.HD_EVENT_NOTE_SUFFIX.format(note=note) if note else ""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Helpdesk:
    """Help-request case log: intake, routing, handling, follow-up, lists, people and invites."""

    def __init__(
        self,
        engine: Engine,
        *,
        lookup: PolicyLookup | None = None,
        config: HelpdeskConfig | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.engine = engine
        self.config = config or HelpdeskConfig()
        self._lookup = lookup
        self._clock = clock or _utcnow
        self._tz = ZoneInfo(self.config.timezone)
        self._reads = sessionmaker(engine, expire_on_commit=False)
        self._writes = sessionmaker(write_engine(engine), expire_on_commit=False)

    # ------------------------------------------------------------------------- life cycle
    @classmethod
    def open(
        cls,
        url: str,
        *,
        lookup: PolicyLookup | None = None,
        config: HelpdeskConfig | None = None,
        clock: Callable[[], datetime] | None = None,
        migrate: bool = True,
        pool_size: int = 10,
    ) -> Helpdesk:
        """Connect, bring the schema to head (unless `migrate=False`) and register configured admins."""
        engine = create_helpdesk_engine(url, pool_size=pool_size)
        if migrate:
            upgrade_database(engine)
        helpdesk = cls(engine, lookup=lookup, config=config, clock=clock)
        if helpdesk.config.admin_chat_ids:
            helpdesk._sync_admins()
        return helpdesk

    @classmethod
    def from_settings(cls, settings: Settings, *, lookup: PolicyLookup | None = None) -> Helpdesk:
        return cls.open(
            settings.resolved_database_url, lookup=lookup, config=HelpdeskConfig.from_settings(settings)
        )

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Helpdesk:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def categories(self) -> tuple[str, ...]:
        return self.config.categories

    # ------------------------------------------------------------------------- plumbing
    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the helpdesk clock must return aware datetimes")
        return now.astimezone(UTC)

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._writes.begin() as session:
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._reads() as session, session.begin():
            yield session

    def _viewer(self, session: Session, actor: Actor) -> Viewer:
        return access.resolve_viewer(session, actor, self.config.admin_chat_ids)

    def _sync_admins(self) -> None:
        now = self._now()
        with self._write() as session:
            for chat_id in sorted(self.config.admin_chat_ids):
                person = store.ensure_person(
                    session,
                    chat_id,
                    texts.HD_DEFAULT_ADMIN_NAME.format(chat_user_id=chat_id),
                    Role.ADMIN,
                    now,
                )
                if person.role != Role.ADMIN.value:
                    log.info("person %s promoted to admin from ADMIN_IDS", chat_id)
                    person.role, person.updated_at = Role.ADMIN.value, now

    # ------------------------------------------------------------------------- intake
    def suggest_category(self, description: str) -> CategorySuggestion:
        """What `file_request` would choose; lets a front end propose a category before filing."""
        text = clean_description(description, self.config)
        return self._suggest(text, self._policy_hints(text))

    def file_request(
        self,
        requester: int,
        village: int | str,
        description: str,
        *,
        display_name: str | None = None,
        phone: str | None = None,
        address: str | None = None,
        category: str | None = None,
        urgency: Urgency | str = Urgency.NORMAL,
    ) -> Outcome:
        """Log a new request (受理), store matching policies and route it to the village (派单).

        An unknown `requester` chat id is registered as a villager. Without `category`, the
        suggested one is used. Notifications: receipt to the requester (with policies that may
        help), a new-request alert to every cadre of the village (admins if it has none).
        """
        text = clean_description(description, self.config)
        phone_n = clean_phone(phone)
        address_n = clean_address(address, self.config)
        urgency_n = parse_urgency(urgency)
        chosen = check_category(category, self.config) if category is not None else None
        name = clean_name(display_name, texts.HD_FIELD_NAME) if display_name is not None else None
        hints = self._policy_hints(text)  # outside the transaction: the KB may be slow
        suggestion = self._suggest(text, hints)
        chosen = chosen or suggestion.category
        now = self._now()
        with self._write() as session:
            village_row = store.resolve_village(session, village)
            person = store.person_by_chat(session, requester) or store.ensure_person(
                session,
                requester,
                name or texts.HD_DEFAULT_VILLAGER_NAME.format(chat_user_id=requester),
                Role.VILLAGER,
                now,
            )
            bindings = store.village_bindings(session, village_row.id)
            primary = min(bindings, key=lambda b: (self.config.post_rank(b.post), b.created_at), default=None)
            request = HelpRequest(
                number=allocate_number(session, now.astimezone(self._tz).year),
                requester=person,
                village=village_row,
                address=address_n,
                phone=phone_n,
                category=chosen,
                suggested_category=suggestion.category,
                description=text,
                urgency=urgency_n.value,
                # Routing happens in the same transaction; both steps are logged as events below.
                status=(Status.ASSIGNED if primary else Status.SUBMITTED).value,
                assignee=primary.person if primary else None,
                created_at=now,
                updated_at=now,
                due_at=now + self.config.deadline(chosen, urgency_n),
            )
            session.add(request)
            session.flush()
            viewer = access.viewer_for(session, person, self.config.admin_chat_ids)
            filed_note = texts.HD_EVENT_FILED.format(category=chosen, suggested=suggestion.category)
            self._event(
                session, request, viewer.label, person.id, "filed", None, Status.SUBMITTED, filed_note, now
            )
            hint_rows = [
                RequestPolicyHint(
                    request_id=request.id,
                    rank=rank,
                    title=h.title[:200],
                    section=h.section[:200],
                    text=h.text,
                    score=float(h.score),
                )
                for rank, h in enumerate(hints)
            ]
            session.add_all(hint_rows)
            if primary is not None:
                self._event(
                    session,
                    request,
                    texts.HD_SYSTEM_ACTOR,
                    None,
                    Action.ASSIGN.value,
                    Status.SUBMITTED,
                    Status.ASSIGNED,
                    texts.HD_EVENT_AUTO_ASSIGNED.format(post=primary.post, name=primary.person.display_name),
                    now,
                )
            session.flush()
            notifications = self._intake_notifications(session, request, bindings, primary, hints)
            log.info(
                "request %s filed in village %s, routed to %s",
                request.number,
                village_row.id,
                primary.person_id if primary else "nobody",
            )
            return Outcome(request_view(request, viewer, now, hints=hint_rows), tuple(notifications))

    def _policy_hints(self, text: str) -> list[PolicyHint]:
        if self._lookup is None:
            return []
        try:
            return list(self._lookup(text, self.config.policy_hints_k))[: self.config.policy_hints_k]
        except Exception:  # the KB being down must not stop a villager from asking for help
            log.exception("policy lookup failed; filing without hints")
            return []

    def _suggest(self, text: str, hints: Sequence[PolicyHint]) -> CategorySuggestion:
        fallback = (
            FALLBACK_CATEGORY if FALLBACK_CATEGORY in self.config.categories else self.config.categories[-1]
        )
        return suggest_category(text, hints, self.config.keywords, self.config.categories, fallback)

    def _intake_notifications(
        self,
        session: Session,
        request: HelpRequest,
        bindings: Sequence[CadreBinding],
        primary: CadreBinding | None,
        hints: Sequence[PolicyHint],
    ) -> list[Notification]:
        number, due = request.number, local_time(request.due_at, self.config.timezone)
        receipt = texts.HD_MSG_FILED.format(number=number, category=request.category, due=due)
        if primary is not None:
            receipt += "\n" + texts.HD_MSG_FILED_ASSIGNED.format(
                post=primary.post, name=primary.person.display_name
            )
        else:
            receipt += "\n" + texts.HD_MSG_FILED_UNROUTED
        if hints:
            receipt += "\n\n" + texts.HD_MSG_POLICY_WHILE_WAITING.format(hints=hint_lines(hints))
        out = [Notification(request.requester.chat_user_id, receipt, number, NotificationKind.FILED)]
        for b in bindings:
            cadre = b.person
            full = cadre.id in (request.requester_id, request.assignee_id)
            body = texts.HD_MSG_NEW_REQUEST.format(
                village=request.village.name,
                number=number,
                category=request.category,
                urgency=Urgency(request.urgency).label,
                requester=request.requester.display_name,
                description=preview(request.description if full else mask_text(request.description)),
                due=due,
            )
            if primary is not None and cadre.id == primary.person_id:
                body += "\n" + texts.HD_MSG_NEW_REQUEST_YOURS
            elif primary is not None:
                body += "\n" + texts.HD_MSG_NEW_REQUEST_OTHERS.format(
                    post=primary.post, name=primary.person.display_name
                )
            if hints:
                body += "\n" + texts.HD_MSG_POSSIBLE_POLICIES.format(hints=hint_lines(hints))
            out.append(Notification(cadre.chat_user_id, body, number, NotificationKind.NEW_REQUEST))
        if not bindings:
            text = texts.HD_MSG_UNROUTED.format(
                village=request.village.name, number=number, category=request.category
            )
            out.extend(
                Notification(admin.chat_user_id, text, number, NotificationKind.UNROUTED)
                for admin in store.admins(session)
            )
        return out

    # ------------------------------------------------------------------------- handling
    def assign(self, actor: Actor, number: str, assignee: int, note: str | None = None) -> Outcome:
        """派单/改派 to a cadre of the request's village (dispatchers and admins only)."""
        number, note = clean_number(number), clean_note(note, self.config)
        now = self._now()
        with self._write() as session:
            viewer, request = self._load(session, actor, number)
            access.require_dispatcher(session, viewer, request, self.config.dispatcher_posts)
            old = self._check(request, Action.ASSIGN)
            person = store.person_by_chat(session, assignee)
            if person is None:
                raise NotFound(texts.HD_ERR_UNKNOWN_PERSON.format(who=assignee))
            post = store.binding(session, person.id, request.village_id)
            if post is None:
                raise InvalidInput(
                    texts.HD_ERR_ASSIGNEE_NOT_CADRE.format(
                        name=person.display_name, village=request.village.name
                    )
                )
            if request.assignee_id == person.id and old is Status.ASSIGNED:
                raise InvalidInput(
                    texts.HD_ERR_ALREADY_ASSIGNED.format(number=number, name=person.display_name)
                )
            request.assignee = person
            event_note = texts.HD_EVENT_ASSIGNED.format(post=post.post, name=person.display_name) + _suffix(
                note
            )
            self._move(session, request, viewer, Action.ASSIGN, old, event_note, now)
            notifications = [
                Notification(
                    person.chat_user_id,
                    with_note(
                        texts.HD_MSG_ASSIGNED.format(
                            number=number,
                            village=request.village.name,
                            category=request.category,
                            due=local_time(request.due_at, self.config.timezone),
                            description=preview(request.description),
                        ),
                        note,
                    ),
                    number,
                    NotificationKind.ASSIGNED,
                )
            ]
            if old is not Status.ASSIGNED:
                notifications.append(self._status_notice(request, old, None))
            return self._outcome(session, request, viewer, now, notifications)

    def start(self, actor: Actor, number: str, note: str | None = None) -> Outcome:
        """办理中: a cadre of the village takes the request in hand."""
        return self._simple(actor, number, Action.START, clean_note(note, self.config))

    def resolve(self, actor: Actor, number: str, note: str | None = None) -> Outcome:
        """已办结: the requester is asked 问题解决了吗？ (answer with `feedback`)."""
        return self._simple(actor, number, Action.RESOLVE, clean_note(note, self.config))

    def return_to_dispatch(self, actor: Actor, number: str, reason: str) -> Outcome:
        """退回: back to the village's dispatchers with a mandatory reason; the assignee is cleared."""
        return self._simple(
            actor, number, Action.RETURN, clean_note(reason, self.config, required_for=Action.RETURN.label)
        )

    def mark_unable(self, actor: Actor, number: str, reason: str) -> Outcome:
        """无法办理, with a mandatory reason that the requester is told."""
        return self._simple(
            actor, number, Action.UNABLE, clean_note(reason, self.config, required_for=Action.UNABLE.label)
        )

    def _simple(self, actor: Actor, number: str, action: Action, note: str | None) -> Outcome:
        number = clean_number(number)
        now = self._now()
        with self._write() as session:
            viewer, request = self._load(session, actor, number)
            access.require_village_cadre(viewer, request)
            old = self._check(request, action)
            notifications: list[Notification] = []
            if action is Action.RESOLVE:
                request.resolved_at = now
            elif action is Action.RETURN:
                request.assignee = None
                notifications += self._to_dispatchers(session, request, viewer, note or "")
            self._move(session, request, viewer, action, old, note, now)
            notifications.append(self._status_notice(request, old, note))
            return self._outcome(session, request, viewer, now, notifications)

    def mark_duplicate(self, actor: Actor, number: str, original: str, note: str | None = None) -> Outcome:
        """重复: merge into `original` (a chain of duplicates collapses onto its root)."""
        number, original, note = clean_number(number), clean_number(original), clean_note(note, self.config)
        if number == original:
            raise InvalidInput(texts.HD_ERR_DUPLICATE_SELF)
        now = self._now()
        with self._write() as session:
            viewer, request = self._load(session, actor, number)
            access.require_village_cadre(viewer, request)
            old = self._check(request, Action.DUPLICATE)
            target = store.request_by_number(session, original)
            access.require_view(viewer, target)
            while target.duplicate_of_id is not None:
                parent = session.get(HelpRequest, target.duplicate_of_id)
                assert parent is not None
                target = parent
            if target.id == request.id:
                raise InvalidInput(texts.HD_ERR_DUPLICATE_SELF)
            request.duplicate_of_id = target.id
            self._move(
                session,
                request,
                viewer,
                Action.DUPLICATE,
                old,
                texts.HD_EVENT_DUPLICATE.format(original=target.number) + _suffix(note),
                now,
            )
            notice = Notification(
                request.requester.chat_user_id,
                with_note(texts.HD_MSG_DUPLICATE.format(number=number, original=target.number), note),
                number,
                NotificationKind.STATUS_CHANGED,
            )
            return self._outcome(session, request, viewer, now, [notice])

    def feedback(self, actor: Actor, number: str, satisfied: bool, note: str | None = None) -> Outcome:
        """回访: satisfied → 已回访关闭; not satisfied → 重新打开 with a fresh due time.

        Answered by the requester (the bot's 问题解决了吗？ buttons) or recorded by an admin after a call.
        """
        number, note = clean_number(number), clean_note(note, self.config)
        now = self._now()
        with self._write() as session:
            viewer, request = self._load(session, actor, number)
            if not (viewer.is_admin or viewer.person_id == request.requester_id):
                raise PermissionDenied(texts.HD_ERR_FEEDBACK_ONLY_REQUESTER.format(number=number))
            action = Action.CLOSE if satisfied else Action.REOPEN
            old = self._check(request, action)
            request.satisfaction = "satisfied" if satisfied else "unsatisfied"
            request.follow_up_note = note
            notifications: list[Notification] = []
            if satisfied:
                request.closed_at = now
                event_note = texts.HD_EVENT_SATISFIED + _suffix(note)
                reply = texts.HD_MSG_CLOSED.format(number=number)
            else:
                request.due_at = now + self.config.deadline(request.category, Urgency(request.urgency))
                new_due = texts.HD_EVENT_NEW_DUE.format(due=local_time(request.due_at, self.config.timezone))
                event_note = texts.HD_EVENT_UNSATISFIED + _suffix(note) + "；" + new_due
                reply = texts.HD_MSG_REOPENED_REQUESTER.format(number=number)
                alert = with_note(
                    texts.HD_MSG_REOPENED.format(number=number, village=request.village.name), note
                )
                if request.assignee is not None:
                    notifications.append(
                        Notification(request.assignee.chat_user_id, alert, number, NotificationKind.REOPENED)
                    )
                else:
                    notifications += self._to_dispatchers(session, request, viewer, note or "", alert=alert)
            self._move(session, request, viewer, action, old, event_note, now)
            kind = NotificationKind.STATUS_CHANGED
            notifications.insert(0, Notification(request.requester.chat_user_id, reply, number, kind))
            return self._outcome(session, request, viewer, now, notifications)

    def add_note(self, actor: Actor, number: str, note: str) -> Outcome:
        """A progress note (cadre → requester) or extra information (requester → assignee); no status change."""
        number = clean_number(number)
        cleaned = clean_note(note, self.config, required_for=texts.HD_ACTION_LABELS["note"])
        assert cleaned is not None
        now = self._now()
        with self._write() as session:
            viewer, request = self._load(session, actor, number)
            is_requester = viewer.person_id == request.requester_id
            if not is_requester:
                access.require_village_cadre(viewer, request)
            status = Status(request.status)
            request.updated_at = now
            self._event(
                session, request, viewer.label, viewer.person_id, "note", status, status, cleaned, now
            )
            notifications: list[Notification] = []
            if not is_requester:
                text = texts.HD_MSG_NOTE.format(number=number, note=cleaned)
                notifications.append(
                    Notification(request.requester.chat_user_id, text, number, NotificationKind.NOTE)
                )
            elif request.assignee is not None:
                text = texts.HD_MSG_REQUESTER_NOTE.format(number=number, note=cleaned)
                notifications.append(
                    Notification(request.assignee.chat_user_id, text, number, NotificationKind.NOTE)
                )
            return self._outcome(session, request, viewer, now, notifications)

    # ------------------------------------------------------------------------- handling helpers
    def _load(self, session: Session, actor: Actor, number: str) -> tuple[Viewer, HelpRequest]:
        viewer = self._viewer(session, actor)
        request = store.request_by_number(session, number, for_update=True)
        return viewer, request

    @staticmethod
    def _check(request: HelpRequest, action: Action) -> Status:
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

    def _move(
        self,
        session: Session,
        request: HelpRequest,
        viewer: Viewer,
        action: Action,
        old: Status,
        note: str | None,
        now: datetime,
    ) -> None:
        new = RULES[action].target
        request.status = new.value
        request.updated_at = now
        self._event(session, request, viewer.label, viewer.person_id, action.value, old, new, note, now)
        log.info(
            "request %s: %s -> %s (%s) by %s",
            request.number,
            old.value,
            new.value,
            action.value,
            viewer.label,
        )

    @staticmethod
    def _event(
        session: Session,
        request: HelpRequest,
        label: str,
        actor_id: int | None,
        kind: str,
        old: Status | None,
        new: Status | None,
        note: str | None,
        now: datetime,
    ) -> None:
        session.add(
            RequestEvent(
                request_id=request.id,
                at=now,
                actor_id=actor_id,
                actor_label=label[:64],
                kind=kind,
                old_status=old.value if old else None,
                new_status=new.value if new else None,
                note=note,
            )
        )

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

    def _to_dispatchers(
        self, session: Session, request: HelpRequest, viewer: Viewer, reason: str, *, alert: str | None = None
    ) -> list[Notification]:
        text = alert or texts.HD_MSG_RETURNED.format(
            number=request.number, village=request.village.name, actor=viewer.label, reason=reason
        )
        kind = NotificationKind.REOPENED if alert else NotificationKind.RETURNED
        targets = access.dispatchers(
            store.village_bindings(session, request.village_id), self.config.dispatcher_posts
        )
        people = [b.person for b in targets if b.person_id != viewer.person_id] or store.admins(session)
        return [Notification(p.chat_user_id, mask_text(text), request.number, kind) for p in people]

    def _outcome(
        self,
        session: Session,
        request: HelpRequest,
        viewer: Viewer,
        now: datetime,
        notifications: list[Notification],
    ) -> Outcome:
        session.flush()
        view = request_view(
            request,
            viewer,
            now,
            duplicate_of=store.duplicate_number(session, request),
            hints=store.hints_of(session, request.id),
        )
        return Outcome(view, tuple(notifications))

    # ------------------------------------------------------------------------- reading
    def show(self, actor: Actor, number: str) -> RequestView:
        """One request with its policy hints and full event history, as `actor` may see it."""
        number = clean_number(number)
        now = self._now()
        with self._read() as session:
            viewer = self._viewer(session, actor)
            request = store.request_by_number(session, number)
            access.require_view(viewer, request)
            return request_view(
                request,
                viewer,
                now,
                duplicate_of=store.duplicate_number(session, request),
                hints=store.hints_of(session, request.id),
                events=store.events_of(session, request.id),
            )

    def list_requests(
        self, actor: Actor, filters: RequestFilter | None = None, *, limit: int = 20, offset: int = 0
    ) -> Page:
        """A page of requests visible to `actor`: newest first, or soonest due first for open/overdue lists."""
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise InvalidInput(texts.HD_ERR_PAGE.format(limit=MAX_PAGE))
        filters = filters or RequestFilter()
        now = self._now()
        with self._read() as session:
            viewer = self._viewer(session, actor)
            where = self._conditions(session, viewer, filters, now)
            if filters.open_only or filters.overdue_only:
                order = [HelpRequest.due_at, HelpRequest.id]
            else:
                order = [HelpRequest.id.desc()]
            rows = session.execute(store.page_query(where, order, limit + 1, offset)).all()
            items = tuple(request_view(r, viewer, now, duplicate_of=dup) for r, dup in rows[:limit])
            return Page(items, offset, limit, has_more=len(rows) > limit)

    def iter_requests(
        self, actor: Actor, filters: RequestFilter | None = None, *, batch_size: int = 500
    ) -> Iterator[RequestView]:
        """Every matching request in filing order, streamed in batches (for exports)."""
        filters = filters or RequestFilter()
        now = self._now()
        with self._read() as session:
            viewer = self._viewer(session, actor)
            base = store.rows_query(self._conditions(session, viewer, filters, now))
            last_id = 0
            while True:
                stmt = base.where(HelpRequest.id > last_id).order_by(HelpRequest.id).limit(batch_size)
                rows = session.execute(stmt).all()
                if not rows:
                    return
                for request, dup in rows:
                    yield request_view(request, viewer, now, duplicate_of=dup)
                last_id = rows[-1][0].id
                session.expunge_all()

    def request_counts(self, actor: Actor, filters: RequestFilter | None = None) -> RequestCounts:
        """How many requests `actor` may see: in all, by status, and per village (open, overdue).

        Same scope as `list_requests` (admins everything, cadres their villages plus their own
        requests, villagers their own), counted with GROUP BY in the database rather than by
        reading the requests, so it stays fast on a large ledger.
        """
        filters = filters or RequestFilter()
        now = self._now()
        with self._read() as session:
            viewer = self._viewer(session, actor)
            rows = store.counts_by_village_and_status(
                session, self._conditions(session, viewer, filters, now), now
            )
            villages = store.villages_by_id(session, sorted({village for village, *_ in rows}))
        by_status: dict[Status, int] = {}
        per_village: dict[int, VillageCounts] = {}
        for village, status_value, count, past_due in rows:
            status = Status(status_value)
            by_status[status] = by_status.get(status, 0) + count
            counts = per_village.setdefault(village, {"total": 0, "open": 0, "overdue": 0})
            counts["total"] += count
            if status in OPEN_STATUSES:
                counts["open"] += count
                counts["overdue"] += past_due  # only open requests can be overdue
        return {
            "total": sum(by_status.values()),
            "by_status": {s: by_status[s] for s in Status if s in by_status},
            "by_village": {village_view(v): per_village[v.id] for v in villages},
        }

    def _conditions(
        self, session: Session, viewer: Viewer, f: RequestFilter, now: datetime
    ) -> list[ColumnElement[bool]]:
        kwargs: dict[str, object] = {}
        if not viewer.is_admin:
            if viewer.village_ids:
                kwargs.update(village_ids=sorted(viewer.village_ids), own_id=viewer.person_id)
            else:
                kwargs["requester_id"] = viewer.person_id
        if f.village is not None:
            village = store.resolve_village(session, f.village)
            if not viewer.is_admin and viewer.village_ids and village.id not in viewer.village_ids:
                raise PermissionDenied(texts.HD_ERR_VILLAGE_NOT_YOURS.format(village=village.name))
            kwargs["village_id"] = village.id
        if f.created_from and f.created_to and f.created_from > f.created_to:
            raise InvalidInput(texts.HD_ERR_DATE_RANGE)
        return store.list_conditions(
            statuses=[parse_status(s).value for s in f.statuses],
            category=check_category(f.category, self.config) if f.category is not None else None,
            created_from=self._day_start(f.created_from) if f.created_from else None,
            created_before=self._day_start(f.created_to + timedelta(days=1)) if f.created_to else None,
            open_only=f.open_only,
            overdue_at=now if f.overdue_only else None,
            assignee_id=viewer.person_id if f.assigned_to_me and viewer.person_id is not None else None,
            requester_chat_id=f.requester,
            **kwargs,  # type: ignore[arg-type]
        )

    def _day_start(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=self._tz).astimezone(UTC)

    def overdue_by_cadre(self, now: datetime | None = None) -> list[CadreOverdue]:
        """For the daily digest: each cadre's overdue requests (assigned to them, or undispatched
        in a village where they dispatch)."""
        now = (now or self._now()).astimezone(UTC)
        with self._read() as session:
            bindings_cache: dict[int, list[CadreBinding]] = {}
            by_person: dict[int, tuple[Person, list[HelpRequest]]] = {}
            for request in store.overdue_requests(session, now):
                if request.assignee is not None:
                    responsible = [request.assignee]
                else:
                    bindings = bindings_cache.setdefault(
                        request.village_id, store.village_bindings(session, request.village_id)
                    )
                    responsible = [
                        b.person for b in access.dispatchers(bindings, self.config.dispatcher_posts)
                    ]
                for person in responsible:
                    by_person.setdefault(person.id, (person, []))[1].append(request)
            result = []
            for person, requests in sorted(by_person.values(), key=lambda item: item[0].id):
                viewer = access.viewer_for(session, person, self.config.admin_chat_ids)
                cadre = directory.person_with_posts(session, person)
                views = tuple(request_view(r, viewer, now) for r in requests)
                result.append(CadreOverdue(cadre, views))
            return result

    def overdue_digest(self, now: datetime | None = None) -> list[Notification]:
        """One 超期提醒 message per cadre with overdue requests (send once a day)."""
        out = []
        for item in self.overdue_by_cadre(now):
            lines = [texts.HD_MSG_OVERDUE_HEADER.format(count=len(item.requests))]
            for view in item.requests[:DIGEST_MAX_LINES]:
                lines.append(
                    texts.HD_MSG_OVERDUE_LINE.format(
                        number=view.number,
                        village=view.village.name,
                        category=view.category,
                        status=view.status.label,
                        due=local_time(view.due_at, self.config.timezone),
                    )
                )
            if len(item.requests) > DIGEST_MAX_LINES:
                lines.append(texts.HD_MSG_OVERDUE_MORE.format(count=len(item.requests) - DIGEST_MAX_LINES))
            out.append(
                Notification(item.cadre.chat_user_id, "\n".join(lines), None, NotificationKind.OVERDUE_DIGEST)
            )
        return out

    # ------------------------------------------------------------------------- villages & people
    def add_village(self, actor: Actor, name: str, township: str = "", county: str = "") -> VillageView:
        with self._write() as session:
            return directory.add_village(
                session, self._viewer(session, actor), name, township, county, self._now()
            )

    def list_villages(self) -> list[VillageView]:
        """All villages (public: villagers pick theirs when filing)."""
        with self._read() as session:
            return directory.list_villages(session)

    def register_villager(self, chat_user_id: int, display_name: str) -> PersonView:
        """Idempotent sign-up for a chat user (an existing person keeps their role)."""
        with self._write() as session:
            return directory.register_villager(session, chat_user_id, display_name, self._now())

    def get_person(self, chat_user_id: int) -> PersonView | None:
        with self._read() as session:
            person = store.person_by_chat(session, chat_user_id)
            return directory.person_with_posts(session, person) if person else None

    def add_person(self, actor: Actor, chat_user_id: int, display_name: str, role: Role | str) -> PersonView:
        """Register someone (admin only); for an existing person, changes name and role."""
        with self._write() as session:
            viewer = self._viewer(session, actor)
            return directory.add_person(session, viewer, chat_user_id, display_name, role, self._now())

    def bind_cadre(
        self, actor: Actor, chat_user_id: int, village: int | str, post: str, display_name: str | None = None
    ) -> PersonView:
        """Bind a cadre to a village with a post (admin only); creates the person if `display_name` is given."""
        with self._write() as session:
            viewer = self._viewer(session, actor)
            return directory.bind_cadre(
                session, viewer, self.config, chat_user_id, village, post, display_name, self._now()
            )

    def list_cadres(self, actor: Actor, village: int | str | None = None) -> list[PersonView]:
        with self._read() as session:
            return directory.list_cadres(session, self._viewer(session, actor), self.config, village)

    def create_invite(
        self, actor: Actor, post: str, village: int | str, ttl: timedelta | None = None
    ) -> Invitation:
        """A single-use code that makes its redeemer a cadre of `village` with `post`."""
        with self._write() as session:
            viewer = self._viewer(session, actor)
            return directory.create_invite(session, viewer, self.config, post, village, ttl, self._now())

    def redeem_invite(self, code: str, chat_user_id: int, display_name: str) -> PersonView:
        with self._write() as session:
            return directory.redeem_invite(
                session, self.config, code, chat_user_id, display_name, self._now()
            )

    # ------------------------------------------------------------------------- introspection
    def count_requests(self) -> int:
        with self._read() as session:
            return store.count_requests(session)
