"""People, cadre bindings and one-time invite codes; and `Directory`, the part that also serves
the villages of `bot.helpdesk.villages`.

Functions take an open session and the acting `Viewer`; the `Directory` part at the bottom wraps
each in its own transaction for the `Helpdesk` facade (`helpdesk.directory`).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import texts
from bot.helpdesk import store, villages
from bot.helpdesk.access import Actor, Viewer, require_admin
from bot.helpdesk.config import HelpdeskConfig
from bot.helpdesk.context import DeskContext
from bot.helpdesk.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.helpdesk.lifecycle import Role
from bot.helpdesk.models import CadreBinding, Invite, Person, Village
from bot.helpdesk.present import person_view, village_view
from bot.helpdesk.privacy import masked_logger
from bot.helpdesk.validate import check_post, clean_name, parse_role
from bot.helpdesk.views import Invitation, PersonView, VillageView

log = masked_logger(__name__)

# Unambiguous when read aloud or typed on a phone: no 0/O, 1/I/L.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def person_with_posts(session: Session, person: Person) -> PersonView:
    return person_view(person, store.person_bindings(session, person.id))


# ----------------------------------------------------------------------------- people
def register_villager(session: Session, chat_user_id: int, display_name: str, now: datetime) -> PersonView:
    name = clean_name(display_name, texts.HD_FIELD_NAME)
    person = store.ensure_person(session, chat_user_id, name, Role.VILLAGER, now)
    return person_with_posts(session, person)


def add_person(
    session: Session, viewer: Viewer, chat_user_id: int, display_name: str, role: Role | str, now: datetime
) -> PersonView:
    """Register a person, or change an existing person's role (an explicit operator action)."""
    require_admin(viewer)
    role = parse_role(role)
    name = clean_name(display_name, texts.HD_FIELD_NAME)
    person = store.person_by_chat(session, chat_user_id)
    if person is None:
        person = store.ensure_person(session, chat_user_id, name, role, now)
    else:
        if person.role == role.value and person.display_name == name:
            raise Conflict(texts.HD_ERR_PERSON_EXISTS.format(who=chat_user_id, name=person.display_name))
        log.info("person %s: role %s -> %s by %s", chat_user_id, person.role, role.value, viewer.label)
        person.role, person.display_name, person.updated_at = role.value, name, now
    return person_with_posts(session, person)


def bind_cadre(
    session: Session,
    viewer: Viewer,
    config: HelpdeskConfig,
    chat_user_id: int,
    village_ref: int | str,
    post: str,
    display_name: str | None,
    now: datetime,
) -> PersonView:
    require_admin(viewer)
    village = store.resolve_village(session, village_ref)
    return _bind(session, config, chat_user_id, village, post, display_name, now, viewer.label)


def _bind(
    session: Session,
    config: HelpdeskConfig,
    chat_user_id: int,
    village: Village,
    post: str,
    display_name: str | None,
    now: datetime,
    by: str,
) -> PersonView:
    post = check_post(post, config)
    person = store.person_by_chat(session, chat_user_id)
    if person is None:
        if display_name is None:
            raise NotFound(texts.HD_ERR_UNKNOWN_PERSON.format(who=chat_user_id))
        person = store.ensure_person(
            session, chat_user_id, clean_name(display_name, texts.HD_FIELD_NAME), Role.CADRE, now
        )
    if person.role == Role.VILLAGER.value:
        person.role, person.updated_at = Role.CADRE.value, now
    existing = store.binding(session, person.id, village.id)
    if existing is None:
        session.add(CadreBinding(person_id=person.id, village_id=village.id, post=post, created_at=now))
    elif existing.post != post:
        log.info(
            "cadre %s in village %s: post %s -> %s by %s", chat_user_id, village.id, existing.post, post, by
        )
        existing.post = post
    session.flush()
    log.info("cadre %s bound to village %s as %s by %s", chat_user_id, village.id, post, by)
    return person_with_posts(session, person)


def list_cadres(
    session: Session, viewer: Viewer, config: HelpdeskConfig, village_ref: int | str | None
) -> list[PersonView]:
    """Cadres with their posts; a cadre may list only the teams of their own villages."""
    village = store.resolve_village(session, village_ref) if village_ref is not None else None
    if not viewer.is_admin and (village is None or village.id not in viewer.village_ids):
        name = village.name if village else ""
        raise PermissionDenied(texts.HD_ERR_VILLAGE_NOT_YOURS.format(village=name or texts.HD_THIS_VILLAGE))
    stmt = select(CadreBinding)
    if village is not None:
        stmt = stmt.where(CadreBinding.village_id == village.id)
    bindings = list(session.execute(stmt).scalars())
    by_person: dict[int, list[CadreBinding]] = {}
    for b in bindings:
        by_person.setdefault(b.person_id, []).append(b)
    people = [b[0].person for b in by_person.values()]
    # Routing order: the post that receives new requests first, then by name.
    people.sort(key=lambda p: (min(config.post_rank(b.post) for b in by_person[p.id]), p.display_name))
    return [person_view(p, sorted(by_person[p.id], key=lambda b: b.village_id)) for p in people]


# ----------------------------------------------------------------------------- invites
def _hash_code(code: str) -> str:
    return hashlib.sha256(code.encode("ascii", "ignore")).hexdigest()


def normalize_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def create_invite(
    session: Session,
    viewer: Viewer,
    config: HelpdeskConfig,
    post: str,
    village_ref: int | str,
    ttl: timedelta | None,
    now: datetime,
) -> Invitation:
    """Admins invite anyone; a village's dispatchers may invite into their own village."""
    village = store.resolve_village(session, village_ref)
    post = check_post(post, config)
    if not viewer.is_admin:
        mine = store.binding(session, viewer.person_id or -1, village.id)
        if mine is None or mine.post not in config.dispatcher_posts:
            raise PermissionDenied(texts.HD_ERR_DISPATCHER_ONLY.format(village=village.name))
    ttl = ttl or config.invite_ttl
    if not timedelta(hours=1) <= ttl <= timedelta(days=90):
        raise InvalidInput(texts.HD_ERR_INVITE_TTL)
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))
    invite = Invite(
        code_hash=_hash_code(code),
        village_id=village.id,
        post=post,
        created_by=viewer.label,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(invite)
    session.flush()
    log.info("invite %s for village %s (%s) created by %s", invite.id, village.id, post, viewer.label)
    return Invitation(code, village_view(village), post, invite.expires_at)


def redeem_invite(
    session: Session, config: HelpdeskConfig, code: str, chat_user_id: int, display_name: str, now: datetime
) -> PersonView:
    """Single use, even under concurrent redemption: the conditional UPDATE claims the code atomically."""
    shown = normalize_code(code)
    name = clean_name(display_name, texts.HD_FIELD_NAME)
    claimed = session.execute(
        update(Invite)
        .where(Invite.code_hash == _hash_code(shown), Invite.redeemed_at.is_(None), Invite.expires_at > now)
        .values(redeemed_at=now)
        .returning(Invite.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if claimed is None:
        invite = session.execute(
            select(Invite).where(Invite.code_hash == _hash_code(shown))
        ).scalar_one_or_none()
        if invite is None:
            raise NotFound(texts.HD_ERR_INVITE_UNKNOWN.format(code=shown))
        if invite.redeemed_at is not None:
            me = store.person_by_chat(session, chat_user_id)
            if me is not None and invite.redeemed_by_id == me.id:
                return person_with_posts(session, me)  # sent their own code again: nothing to refuse
            raise Conflict(texts.HD_ERR_INVITE_USED.format(code=shown))
        raise Conflict(texts.HD_ERR_INVITE_EXPIRED.format(code=shown))
    invite = session.get(Invite, claimed)
    assert invite is not None
    view = _bind(session, config, chat_user_id, invite.village, invite.post, name, now, f"invite {invite.id}")
    person = store.person_by_chat(session, chat_user_id)
    assert person is not None
    session.execute(
        update(Invite)
        .where(Invite.id == claimed)
        .values(redeemed_by_id=person.id)
        .execution_options(synchronize_session=False)
    )
    return view


# ----------------------------------------------------------------------------- the part
class Directory:
    """Villages, people, cadre posts and invites, each call in its own transaction."""

    def __init__(self, context: DeskContext) -> None:
        self._ctx = context

    def add_village(
        self, actor: Actor, name: str, township: str = "", county: str = "", *, allow_similar: bool = False
    ) -> VillageView:
        """Register a village (admin only); `SimilarVillages` when the name is close to an existing
        one, unless `allow_similar` (the admin confirmed that it is another village)."""
        with self._ctx.write() as session:
            viewer = self._ctx.viewer(session, actor)
            return villages.add_village(
                session, viewer, name, township, county, self._ctx.now(), allow_similar=allow_similar
            )

    def rename_village(
        self, actor: Actor, village: int | str, name: str, township: str | None = None, county: str | None = None
    ) -> VillageView:
        """Rename a village (admin only); None keeps the township / county."""
        with self._ctx.write() as session:
            return villages.rename_village(session, self._ctx.viewer(session, actor), village, name, township, county)

    def merge_villages(self, actor: Actor, source: int | str, target: int | str) -> villages.MergeResult:
        """Move everything of `source` into `target` and remove `source` (admin only)."""
        with self._ctx.write() as session:
            viewer = self._ctx.viewer(session, actor)
            return villages.merge_villages(session, viewer, source, target, self._ctx.now())

    def remove_village(self, actor: Actor, village: int | str) -> VillageView:
        """Remove an empty village (no requests, no cadres; admin only)."""
        with self._ctx.write() as session:
            return villages.remove_village(session, self._ctx.viewer(session, actor), village)

    def get_village(self, village: int | str) -> VillageView:
        with self._ctx.read() as session:
            return village_view(store.resolve_village(session, village))

    def list_villages(self) -> list[VillageView]:
        """All villages (public: villagers pick theirs when filing)."""
        with self._ctx.read() as session:
            return villages.list_villages(session)

    def register_villager(self, chat_user_id: int, display_name: str) -> PersonView:
        """Idempotent sign-up for a chat user (an existing person keeps their role)."""
        with self._ctx.write() as session:
            return register_villager(session, chat_user_id, display_name, self._ctx.now())

    def get_person(self, chat_user_id: int) -> PersonView | None:
        with self._ctx.read() as session:
            person = store.person_by_chat(session, chat_user_id)
            return person_with_posts(session, person) if person else None

    def add_person(self, actor: Actor, chat_user_id: int, display_name: str, role: Role | str) -> PersonView:
        """Register someone (admin only); for an existing person, changes name and role."""
        with self._ctx.write() as session:
            viewer = self._ctx.viewer(session, actor)
            return add_person(session, viewer, chat_user_id, display_name, role, self._ctx.now())

    def bind_cadre(
        self, actor: Actor, chat_user_id: int, village: int | str, post: str, display_name: str | None = None
    ) -> PersonView:
        """Bind a cadre to a village with a post (admin only); creates the person if `display_name` is given."""
        with self._ctx.write() as session:
            viewer = self._ctx.viewer(session, actor)
            return bind_cadre(
                session, viewer, self._ctx.config, chat_user_id, village, post, display_name, self._ctx.now()
            )

    def list_cadres(self, actor: Actor, village: int | str | None = None) -> list[PersonView]:
        with self._ctx.read() as session:
            return list_cadres(session, self._ctx.viewer(session, actor), self._ctx.config, village)

    def create_invite(
        self, actor: Actor, post: str, village: int | str, ttl: timedelta | None = None
    ) -> Invitation:
        """A single-use code that makes its redeemer a cadre of `village` with `post`."""
        with self._ctx.write() as session:
            viewer = self._ctx.viewer(session, actor)
            return create_invite(session, viewer, self._ctx.config, post, village, ttl, self._ctx.now())

    def redeem_invite(self, code: str, chat_user_id: int, display_name: str) -> PersonView:
        """Bind the redeemer as the code says (once; the same person sending it again gets their posts)."""
        with self._ctx.write() as session:
            return redeem_invite(session, self._ctx.config, code, chat_user_id, display_name, self._ctx.now())

    def admin_chat_ids(self) -> list[int]:
        """Chat ids of every admin (to tell them what happened, e.g. a cadre joined)."""
        with self._ctx.read() as session:
            return [p.chat_user_id for p in store.admins(session)]

    def sync_admins(self) -> None:
        """Make every chat id of ADMIN_IDS an admin person (run when the helpdesk opens)."""
        now = self._ctx.now()
        with self._ctx.write() as session:
            for chat_id in sorted(self._ctx.config.admin_chat_ids):
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
