"""Race-free allocation of human-readable request numbers: `YYYY-NNNNNN`, per-year sequence.

Allocation is one atomic `UPDATE request_counters SET last_value = last_value + 1 … RETURNING`
inside the filing transaction:
- PostgreSQL: the UPDATE takes the counter row's lock until commit; a concurrent filer blocks,
  then re-reads the committed value (READ COMMITTED re-evaluation), so values never repeat.
- SQLite: the filing transaction began with BEGIN IMMEDIATE (see db.py), so writers are serialised.
Because the increment commits or rolls back with the request row, a failed filing leaves no gap.
The unique index on `requests.number` is the last line of defence.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.helpdesk.models import RequestCounter

NUMBER_DIGITS = 6


def format_number(year: int, seq: int) -> str:
    return f"{year}-{seq:0{NUMBER_DIGITS}d}"


def allocate_number(session: Session, year: int) -> str:
    """Next number for `year`; must run inside the transaction that inserts the request."""
    seq = _increment(session, year)
    if seq is None:
        # First request of the year: create the row (no-op if a concurrent filer just did), retry.
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(RequestCounter).values(year=year, last_value=0).on_conflict_do_nothing())
        seq = _increment(session, year)
        if seq is None:  # pragma: no cover - the row exists now on every path
            raise RuntimeError(f"request counter row for {year} vanished")
    return format_number(year, seq)


def _increment(session: Session, year: int) -> int | None:
    stmt = (
        update(RequestCounter)
        .where(RequestCounter.year == year)
        .values(last_value=RequestCounter.last_value + 1)
        .returning(RequestCounter.last_value)
    )
    return session.execute(stmt).scalar_one_or_none()


def current_value(session: Session, year: int) -> int:
    """How many numbers have been handed out for `year` (0 if none)."""
    value = session.execute(select(RequestCounter.last_value).where(RequestCounter.year == year)).scalar()
    return value or 0
