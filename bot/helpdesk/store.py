"""Data access: lookups and list queries over the ORM models. No business rules live here.

Every function takes the caller's `Session`; the workflow decides transaction boundaries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from bot import texts
from bot.helpdesk.errors import InvalidInput, NotFound
from bot.helpdesk.lifecycle import OPEN_STATUSES, Role
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

_OPEN = [s.value for s in OPEN_STATUSES]
# Event kinds that record words or files, not a move of the request.
_NOT_MOVES = ("note", "progress", "attach", "supervise", "extension", "village")
# Built once: a fresh alias per query would rebuild its column proxies every time.
_ORIGINAL = aliased(HelpRequest, name="original")


def dialect_insert(session: Session):  # type: ignore[no-untyped-def]
    """The dialect's INSERT construct (both support ON CONFLICT DO NOTHING)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


# ----------------------------------------------------------------------------- people & villages
def person_by_chat(session: Session, chat_user_id: int) -> Person | None:
    return session.execute(select(Person).where(Person.chat_user_id == chat_user_id)).scalar_one_or_none()


def ensure_person(
    session: Session, chat_user_id: int, display_name: str, role: Role, now: datetime
) -> Person:
    """Get or create a person; safe when two transactions create the same user at once."""
    insert = dialect_insert(session)
    session.execute(
        insert(Person)
        .values(
            chat_user_id=chat_user_id,
            display_name=display_name,
            role=role.value,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["chat_user_id"])
    )
    person = person_by_chat(session, chat_user_id)
    assert person is not None
    return person


def resolve_village(session: Session, ref: int | str) -> Village:
    """A village by id, by numeric string, or by exact name (must then be unique); a name with
    its township (龙场镇新寨村) or county in front tells same-named villages apart."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
        village = session.get(Village, int(ref))
        if village is None:
            raise NotFound(texts.HD_ERR_UNKNOWN_VILLAGE.format(village=ref))
        return village
    name = "".join((ref or "").split())
    matches = (
        session.execute(select(Village).where(Village.name == name).order_by(Village.id)).scalars().all()
    )
    if not matches:
        everything = session.execute(select(Village).order_by(Village.id)).scalars().all()
        matches = [
            v for v in everything if name in (v.township + v.name, v.county + v.township + v.name)
        ]
    if not matches:
        raise NotFound(texts.HD_ERR_UNKNOWN_VILLAGE.format(village=name))
    if len(matches) > 1:
        choices = "；".join(f"{v.id}={v.county}{v.township}{v.name}" for v in matches)
        raise InvalidInput(texts.HD_ERR_AMBIGUOUS_VILLAGE.format(village=name, choices=choices))
    return matches[0]


def village_bindings(session: Session, village_id: int) -> list[CadreBinding]:
    return list(
        session.execute(
            select(CadreBinding)
            .where(CadreBinding.village_id == village_id)
            .order_by(CadreBinding.created_at)
        ).scalars()
    )


def person_bindings(session: Session, person_id: int) -> list[CadreBinding]:
    return list(
        session.execute(
            select(CadreBinding).where(CadreBinding.person_id == person_id).order_by(CadreBinding.village_id)
        ).scalars()
    )


def binding(session: Session, person_id: int, village_id: int) -> CadreBinding | None:
    return session.get(CadreBinding, (person_id, village_id))


def admins(session: Session) -> list[Person]:
    return list(
        session.execute(select(Person).where(Person.role == Role.ADMIN.value).order_by(Person.id)).scalars()
    )


# ----------------------------------------------------------------------------- requests
def request_by_number(session: Session, number: str, *, for_update: bool = False) -> HelpRequest:
    """The request with this number; `for_update` row-locks it on PostgreSQL (SQLite: BEGIN IMMEDIATE)."""
    stmt = select(HelpRequest).where(HelpRequest.number == number.strip())
    if for_update:
        # Lock only the request row, not the eagerly joined people/village rows.
        stmt = stmt.with_for_update(of=HelpRequest)
    found = session.execute(stmt).unique().scalar_one_or_none()
    if found is None:
        raise NotFound(texts.HD_ERR_UNKNOWN_REQUEST.format(number=number.strip()))
    return found


def events_of(session: Session, request_id: int) -> list[RequestEvent]:
    return list(
        session.execute(
            select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id)
        ).scalars()
    )


def last_change(session: Session, request_id: int) -> RequestEvent | None:
    """The latest event that moved the request (a status change, not a note)."""
    return session.execute(
        select(RequestEvent)
        .where(RequestEvent.request_id == request_id, RequestEvent.kind.not_in(_NOT_MOVES))
        .order_by(RequestEvent.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def attachments_of(session: Session, request_id: int) -> list[RequestAttachment]:
    return list(
        session.execute(
            select(RequestAttachment)
            .where(RequestAttachment.request_id == request_id)
            .order_by(RequestAttachment.id)
        ).scalars()
    )


def extensions_of(session: Session, request_id: int) -> list[RequestExtension]:
    return list(
        session.execute(
            select(RequestExtension).where(RequestExtension.request_id == request_id).order_by(RequestExtension.id)
        ).scalars()
    )


def hints_of(session: Session, request_id: int) -> list[RequestPolicyHint]:
    return list(
        session.execute(
            select(RequestPolicyHint)
            .where(RequestPolicyHint.request_id == request_id)
            .order_by(RequestPolicyHint.rank)
        ).scalars()
    )


def duplicate_number(session: Session, request: HelpRequest) -> str | None:
    if request.duplicate_of_id is None:
        return None
    return session.execute(
        select(HelpRequest.number).where(HelpRequest.id == request.duplicate_of_id)
    ).scalar_one()


def list_conditions(
    *,
    requester_id: int | None = None,
    village_ids: Sequence[int] | None = None,
    own_id: int | None = None,
    village_id: int | None = None,
    statuses: Sequence[str] = (),
    category: str | None = None,
    created_from: datetime | None = None,
    created_before: datetime | None = None,
    open_only: bool = False,
    overdue_at: datetime | None = None,
    assignee_id: int | None = None,
    requester_chat_id: int | None = None,
) -> list[ColumnElement[bool]]:
    """WHERE clauses for request lists.

    Scope: `requester_id` limits to one villager's requests; `village_ids` (+ `own_id`, the
    viewer's own requests) limits a cadre to their villages; neither means everything (admins).
    Filters narrow the scope further; `requester_chat_id` keeps the requests that chat user filed
    (none if they are not registered).
    """
    where: list[ColumnElement[bool]] = []
    if requester_id is not None:
        where.append(HelpRequest.requester_id == requester_id)
    if village_ids is not None:
        scope = HelpRequest.village_id.in_(list(village_ids))
        where.append(or_(scope, HelpRequest.requester_id == own_id) if own_id is not None else scope)
    if village_id is not None:
        where.append(HelpRequest.village_id == village_id)
    if statuses:
        where.append(HelpRequest.status.in_(list(statuses)))
    if open_only or overdue_at is not None:
        where.append(HelpRequest.status.in_(_OPEN))
    if overdue_at is not None:
        where.append(HelpRequest.due_at < overdue_at)
    if category is not None:
        where.append(HelpRequest.category == category)
    if created_from is not None:
        where.append(HelpRequest.created_at >= created_from)
    if created_before is not None:
        where.append(HelpRequest.created_at < created_before)
    if assignee_id is not None:
        where.append(HelpRequest.assignee_id == assignee_id)
    if requester_chat_id is not None:
        filer = select(Person.id).where(Person.chat_user_id == requester_chat_id).scalar_subquery()
        where.append(HelpRequest.requester_id == filer)
    return where


def rows_query(where: Sequence[ColumnElement[bool]]) -> Select[tuple[HelpRequest, str | None]]:
    """(request, number of the request it duplicates) for rows matching `where`."""
    return (
        select(HelpRequest, _ORIGINAL.number)
        .outerjoin(_ORIGINAL, HelpRequest.duplicate_of_id == _ORIGINAL.id)
        .where(*where)
    )


def page_query(
    where: Sequence[ColumnElement[bool]], order_by: Sequence[ColumnElement[object]], limit: int, offset: int
) -> Select[tuple[HelpRequest, str | None]]:
    """One page, in two steps: pick the ids with the (covering) indexes, then join names.

    Sorting before the joins keeps "open requests of a village, soonest due first" cheap: the
    sort runs over narrow index entries instead of fully joined rows.
    """
    ids = select(HelpRequest.id).where(*where).order_by(*order_by).limit(limit).offset(offset).correlate(None)
    return rows_query([HelpRequest.id.in_(ids)]).order_by(*order_by)


def overdue_requests(session: Session, now: datetime) -> list[HelpRequest]:
    stmt = (
        select(HelpRequest)
        .where(and_(HelpRequest.status.in_(_OPEN), HelpRequest.due_at < now))
        .order_by(HelpRequest.village_id, HelpRequest.due_at)
    )
    return list(session.execute(stmt).unique().scalars())


def count_requests(session: Session) -> int:
    return session.execute(select(func.count()).select_from(HelpRequest)).scalar_one()


def counts_by_village_and_status(
    session: Session, where: Sequence[ColumnElement[bool]], now: datetime
) -> list[tuple[int, str, int, int]]:
    """(village id, status, requests, of those past due) for rows matching `where`.

    One GROUP BY over the (village_id, status, due_at) index: the cost grows with the number of
    villages, not with the number of requests read into Python.
    """
    past_due = func.sum(case((HelpRequest.due_at < now, 1), else_=0))
    stmt = (
        select(HelpRequest.village_id, HelpRequest.status, func.count(), past_due)
        .where(*where)
        .group_by(HelpRequest.village_id, HelpRequest.status)
    )
    return [(village, status, int(n), int(due or 0)) for village, status, n, due in session.execute(stmt)]


def villages_by_id(session: Session, ids: Sequence[int]) -> list[Village]:
    return list(
        session.execute(select(Village).where(Village.id.in_(list(ids))).order_by(Village.id)).scalars()
    )
