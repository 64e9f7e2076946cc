"""Who may see and do what. Pure functions over a resolved `Viewer`.

Rules (docs/helpdesk.md):
- admins (and the CLI operator) see and act on everything;
- a cadre sees and acts on requests of the villages they are bound to (plus their own requests);
- dispatch (派单/改派) is for the village's dispatcher posts (第一书记 …) or, if the village has no
  cadre in such a post, for any of its cadres;
- a villager sees only their own requests and may answer the follow-up (回访) on them;
- full text (phones, ID numbers) only for the requester, the assigned cadre and admins.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot import texts
from bot.helpdesk import store
from bot.helpdesk.errors import PermissionDenied
from bot.helpdesk.lifecycle import ROLE_LABELS, Role
from bot.helpdesk.models import CadreBinding, HelpRequest, Person


@dataclass(frozen=True)
class Operator:
    """The command-line operator: admin rights without a chat account."""

    label: str = texts.HD_OPERATOR_ACTOR


OPERATOR = Operator()
Actor = int | Operator  # a chat user id, or the operator


@dataclass(frozen=True)
class Viewer:
    person_id: int | None  # None for the operator
    chat_user_id: int | None
    label: str  # for the event log
    role: Role
    village_ids: frozenset[int]

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def resolve_viewer(session: Session, actor: Actor, admin_chat_ids: frozenset[int]) -> Viewer:
    """The acting person with their villages; unregistered chat users are refused."""
    if isinstance(actor, Operator):
        return Viewer(None, None, actor.label, Role.ADMIN, frozenset())
    person = store.person_by_chat(session, actor)
    if person is None:
        raise PermissionDenied(texts.HD_ERR_NOT_REGISTERED)
    return viewer_for(session, person, admin_chat_ids)


def viewer_for(session: Session, person: Person, admin_chat_ids: frozenset[int] = frozenset()) -> Viewer:
    role = Role.ADMIN if person.chat_user_id in admin_chat_ids else Role(person.role)
    villages = frozenset(b.village_id for b in store.person_bindings(session, person.id))
    label = f"{person.display_name}（{ROLE_LABELS[role]}）"
    return Viewer(person.id, person.chat_user_id, label, role, villages)


def can_view(viewer: Viewer, request: HelpRequest) -> bool:
    return (
        viewer.is_admin
        or request.requester_id == viewer.person_id
        or request.village_id in viewer.village_ids
    )


def sees_full_text(viewer: Viewer, request: HelpRequest) -> bool:
    """Requester, assigned cadre and admins see phones and ID numbers unmasked."""
    return viewer.is_admin or (
        viewer.person_id is not None
        and viewer.person_id
        in (
            request.requester_id,
            request.assignee_id,
        )
    )


def require_view(viewer: Viewer, request: HelpRequest) -> None:
    if not can_view(viewer, request):
        raise PermissionDenied(texts.HD_ERR_NOT_VISIBLE.format(number=request.number))


def require_village_cadre(viewer: Viewer, request: HelpRequest) -> None:
    """Handling actions (start, resolve, return, …) are for the village's cadres and admins."""
    if viewer.is_admin or request.village_id in viewer.village_ids:
        return
    raise PermissionDenied(
        texts.HD_ERR_OTHER_VILLAGE.format(number=request.number, village=request.village.township + request.village.name)
    )


def dispatchers(bindings: list[CadreBinding], dispatcher_posts: frozenset[str]) -> list[CadreBinding]:
    """The village's dispatchers: cadres in a dispatcher post, else all its cadres."""
    chosen = [b for b in bindings if b.post in dispatcher_posts]
    return chosen or list(bindings)


def require_dispatcher(
    session: Session, viewer: Viewer, request: HelpRequest, dispatcher_posts: frozenset[str]
) -> None:
    if viewer.is_admin:
        return
    require_village_cadre(viewer, request)
    allowed = dispatchers(store.village_bindings(session, request.village_id), dispatcher_posts)
    if viewer.person_id not in {b.person_id for b in allowed}:
        raise PermissionDenied(texts.HD_ERR_DISPATCHER_ONLY.format(village=request.village.township + request.village.name))


def require_admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise PermissionDenied(texts.HD_ERR_ADMIN_ONLY)
