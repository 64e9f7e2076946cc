"""Villages: registering, renaming, merging and removing them, and telling similar names apart.

Split from `directory` (people, cadre posts, invites) because a village is its own concern with
its own rules (a near-duplicate name is refused unless confirmed; a merge moves requests, cadres
and invites). Functions take an open session and the acting `Viewer`; `Directory` wraps each in
its own transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot import texts
from bot.helpdesk import store
from bot.helpdesk.access import Viewer, require_admin
from bot.helpdesk.errors import Conflict, InvalidInput, SimilarVillages
from bot.helpdesk.events import EventCode, EventNote, record
from bot.helpdesk.models import CadreBinding, HelpRequest, Invite, Village
from bot.helpdesk.present import village_view
from bot.helpdesk.privacy import masked_logger
from bot.helpdesk.validate import clean_name
from bot.helpdesk.views import VillageView

log = masked_logger(__name__)

_MAX_NAME = 64

# "龙场镇新寨村" typed as one word: an optional county, an optional township, then the village.
_PLACE = re.compile(r"^(?:(?P<county>.{1,10}?(?:县|区|市|旗))(?=.{2,}))?(?:(?P<township>.{1,10}?(?:镇|乡|街道))(?=.{2,}))?(?P<name>.+)$")
# Suffixes that do not tell two villages apart: 新寨 and 新寨村 are the same name.
_VILLAGE_SUFFIXES = ("村委会", "居委会", "社区", "村")


@dataclass(frozen=True)
class PlaceName:
    """A village as typed: its name, township and county (the last two may be empty)."""

    name: str
    township: str
    county: str


@dataclass(frozen=True)
class MergeResult:
    """What `merge_villages` moved into `target` (the merged village no longer exists)."""

    source: VillageView
    target: VillageView
    requests: int
    cadres: int
    invites: int


def _place_part(value: str | None) -> str:
    return " ".join((value or "").split())[:_MAX_NAME]


def parse_place(name: str, township: str = "", county: str = "") -> PlaceName:
    """Split "龙场镇新寨村" (or "安顺县龙场镇新寨村") into its parts when the township is not given
    separately; an admin types a village the way it is written on a letterhead."""
    name = clean_name(name, texts.HD_FIELD_VILLAGE, _MAX_NAME)
    township, county = _place_part(township), _place_part(county)
    if not township and " " not in name:
        match = _PLACE.match(name)
        if match and match.group("township"):
            name, township = match.group("name"), match.group("township")
            county = county or (match.group("county") or "")
    return PlaceName(name, township, county)


def core_name(name: str) -> str:
    """The part of a village name that tells it apart: 新寨村 → 新寨."""
    for suffix in _VILLAGE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def is_similar(a: str, b: str) -> bool:
    """Names an admin could mean as the same village: the same core, or one core inside the other."""
    x, y = core_name(a), core_name(b)
    return x == y or (min(len(x), len(y)) >= 2 and (x in y or y in x))


def similar_villages(session: Session, name: str, exclude: int | None = None) -> list[Village]:
    rows = session.execute(select(Village).order_by(Village.id)).scalars()
    return [v for v in rows if v.id != exclude and is_similar(v.name, name)]


def _village_choices(villages: list[Village]) -> str:
    return "；".join(texts.HD_VILLAGE_CHOICE.format(id=v.id, name=village_view(v).full_name) for v in villages)


def add_village(
    session: Session,
    viewer: Viewer,
    name: str,
    township: str,
    county: str,
    now: datetime,
    *,
    allow_similar: bool = False,
) -> VillageView:
    """Register a village. A name close to an existing one (新寨村 in another township, 龙场镇新寨村
    for a 新寨村 registered without its county) raises `SimilarVillages` unless `allow_similar`:
    a second village must be a decision, not a typing accident."""
    require_admin(viewer)
    place = parse_place(name, township, county)
    existing = session.execute(
        select(Village).where(
            Village.name == place.name, Village.township == place.township, Village.county == place.county
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise Conflict(texts.HD_ERR_VILLAGE_EXISTS.format(village=place.name, village_id=existing.id))
    similar = similar_villages(session, place.name)
    if similar and not allow_similar:
        shown = "".join(p for p in (place.county, place.township, place.name) if p)
        raise SimilarVillages(
            texts.HD_ERR_VILLAGE_SIMILAR.format(village=shown, choices=_village_choices(similar)),
            tuple(village_view(v) for v in similar),
            place,
        )
    village = Village(name=place.name, township=place.township, county=place.county, created_at=now)
    session.add(village)
    session.flush()
    log.info("village %s added by %s", village.id, viewer.label)
    return village_view(village)


def list_villages(session: Session) -> list[VillageView]:
    rows = session.execute(select(Village).order_by(Village.county, Village.township, Village.name)).scalars()
    return [village_view(v) for v in rows]


def rename_village(
    session: Session, viewer: Viewer, ref: int | str, name: str, township: str | None, county: str | None
) -> VillageView:
    """A new name (and township/county when given) for a village; its requests and cadres stay."""
    require_admin(viewer)
    village = store.resolve_village(session, ref)
    place = parse_place(name, township or "", county or "")
    new_township = place.township or (village.township if township is None else "")
    new_county = place.county or (village.county if county is None else "")
    clash = session.execute(
        select(Village).where(
            Village.name == place.name,
            Village.township == new_township,
            Village.county == new_county,
            Village.id != village.id,
        )
    ).scalar_one_or_none()
    if clash is not None:
        raise Conflict(texts.HD_ERR_VILLAGE_EXISTS.format(village=place.name, village_id=clash.id))
    old = village_view(village).full_name
    village.name, village.township, village.county = place.name, new_township, new_county
    session.flush()
    log.info("village %s renamed by %s (was %s)", village.id, viewer.label, old)
    return village_view(village)


def merge_villages(
    session: Session, viewer: Viewer, source_ref: int | str, target_ref: int | str, now: datetime
) -> MergeResult:
    """Merge `source` into `target`: its requests (each with a history line), cadres and open
    invites move; the source village is then removed. A cadre of both keeps the target's post."""
    require_admin(viewer)
    source = store.resolve_village(session, source_ref)
    target = store.resolve_village(session, target_ref)
    if source.id == target.id:
        raise InvalidInput(texts.HD_ERR_VILLAGE_MERGE_SELF)
    old_name, new_name = village_view(source).full_name, village_view(target).full_name
    requests = list(
        session.execute(select(HelpRequest).where(HelpRequest.village_id == source.id).order_by(HelpRequest.id))
        .unique()
        .scalars()
    )
    moved = EventNote(EventCode.VILLAGE_MOVED, {"old": old_name, "new": new_name})
    for request in requests:
        request.village_id = target.id
        request.updated_at = now
        record(session, request, viewer.label, viewer.person_id, "village", None, None, moved, now)
    cadres = 0
    for b in store.village_bindings(session, source.id):
        if store.binding(session, b.person_id, target.id) is None:
            session.add(CadreBinding(person_id=b.person_id, village_id=target.id, post=b.post, created_at=b.created_at))
            cadres += 1
        session.delete(b)
    invites = session.execute(
        update(Invite)
        .where(Invite.village_id == source.id)
        .values(village_id=target.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.flush()
    session.expire_all()
    session.execute(delete(Village).where(Village.id == source.id))
    log.info(
        "village %s merged into %s by %s: %s requests, %s cadres, %s invites",
        source.id, target.id, viewer.label, len(requests), cadres, invites,
    )
    gone = VillageView(source.id, source.name, source.township, source.county)
    return MergeResult(gone, village_view(session.get(Village, target.id)), len(requests), cadres, invites)


def remove_village(session: Session, viewer: Viewer, ref: int | str) -> VillageView:
    """Remove a village that has no requests and no cadres (else merge it); its invites go with it."""
    require_admin(viewer)
    village = store.resolve_village(session, ref)
    view = village_view(village)
    requests = session.execute(
        select(func.count()).select_from(HelpRequest).where(HelpRequest.village_id == village.id)
    ).scalar_one()
    cadres = len(store.village_bindings(session, village.id))
    if requests or cadres:
        raise Conflict(
            texts.HD_ERR_VILLAGE_NOT_EMPTY.format(village=view.display_name, requests=requests, cadres=cadres)
        )
    session.execute(delete(Invite).where(Invite.village_id == village.id))
    session.execute(delete(Village).where(Village.id == village.id))
    log.info("village %s removed by %s", village.id, viewer.label)
    return view
