"""Reading the case log: one request, pages and streams of requests, counts, the overdue digest.

Every read is scoped to what the actor may see (admins everything, cadres their villages plus
their own requests, villagers their own) and runs in a read transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from bot import texts
from bot.helpdesk import access, directory, store
from bot.helpdesk.access import Actor, Viewer
from bot.helpdesk.context import DeskContext
from bot.helpdesk.errors import InvalidInput, PermissionDenied
from bot.helpdesk.lifecycle import OPEN_STATUSES, Status
from bot.helpdesk.models import CadreBinding, HelpRequest, Person
from bot.helpdesk.notify import local_time
from bot.helpdesk.present import request_card, request_view, village_view
from bot.helpdesk.validate import check_category, clean_number, parse_status
from bot.helpdesk.views import (
    CadreOverdue,
    Notification,
    NotificationKind,
    Page,
    RequestCounts,
    RequestFilter,
    RequestView,
    VillageCounts,
)

MAX_PAGE = 200
DIGEST_MAX_LINES = 20


class Queries:
    """What actors may read: requests with history, lists, counts, and who is overdue."""

    def __init__(self, context: DeskContext) -> None:
        self._ctx = context

    def show(self, actor: Actor, number: str) -> RequestView:
        """One request with its policy hints and full event history, as `actor` may see it."""
        number = clean_number(number)
        now = self._ctx.now()
        with self._ctx.read() as session:
            viewer = self._ctx.viewer(session, actor)
            request = store.request_by_number(session, number)
            access.require_view(viewer, request)
            return request_card(session, request, viewer, now, self._ctx.tz)

    def list_requests(
        self, actor: Actor, filters: RequestFilter | None = None, *, limit: int = 20, offset: int = 0
    ) -> Page:
        """A page of requests visible to `actor`: newest first, or soonest due first for open/overdue lists."""
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise InvalidInput(texts.HD_ERR_PAGE.format(limit=MAX_PAGE))
        filters = filters or RequestFilter()
        now = self._ctx.now()
        with self._ctx.read() as session:
            viewer = self._ctx.viewer(session, actor)
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
        now = self._ctx.now()
        with self._ctx.read() as session:
            viewer = self._ctx.viewer(session, actor)
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
        now = self._ctx.now()
        with self._ctx.read() as session:
            viewer = self._ctx.viewer(session, actor)
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

    def count_requests(self) -> int:
        with self._ctx.read() as session:
            return store.count_requests(session)

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
        ctx = self._ctx
        return store.list_conditions(
            statuses=[parse_status(s).value for s in f.statuses],
            category=check_category(f.category, ctx.config) if f.category is not None else None,
            created_from=ctx.day_start(f.created_from) if f.created_from else None,
            created_before=ctx.day_start(f.created_to + timedelta(days=1)) if f.created_to else None,
            open_only=f.open_only,
            overdue_at=now if f.overdue_only else None,
            assignee_id=viewer.person_id if f.assigned_to_me and viewer.person_id is not None else None,
            requester_chat_id=f.requester,
            **kwargs,  # type: ignore[arg-type]
        )

    # ------------------------------------------------------------------------- overdue digest
    def overdue_by_cadre(self, now: datetime | None = None) -> list[CadreOverdue]:
        """For the daily digest: each cadre's overdue requests (assigned to them, or undispatched
        in a village where they dispatch)."""
        config = self._ctx.config
        now = (now or self._ctx.now()).astimezone(UTC)
        with self._ctx.read() as session:
            bindings_cache: dict[int, list[CadreBinding]] = {}
            by_person: dict[int, tuple[Person, list[HelpRequest]]] = {}
            for request in store.overdue_requests(session, now):
                if request.assignee is not None:
                    responsible = [request.assignee]
                else:
                    bindings = bindings_cache.setdefault(
                        request.village_id, store.village_bindings(session, request.village_id)
                    )
                    responsible = [b.person for b in access.dispatchers(bindings, config.dispatcher_posts)]
                for person in responsible:
                    by_person.setdefault(person.id, (person, []))[1].append(request)
            result = []
            for person, requests in sorted(by_person.values(), key=lambda item: item[0].id):
                viewer = access.viewer_for(session, person, config.admin_chat_ids)
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
                        village=view.village.display_name,
                        category=view.category,
                        status=view.status.label,
                        due=local_time(view.due_at, self._ctx.tz),
                    )
                )
            if len(item.requests) > DIGEST_MAX_LINES:
                lines.append(texts.HD_MSG_OVERDUE_MORE.format(count=len(item.requests) - DIGEST_MAX_LINES))
            out.append(
                Notification(item.cadre.chat_user_id, "\n".join(lines), None, NotificationKind.OVERDUE_DIGEST)
            )
        return out
