"""Cadres and villages through the chat: /invite and /join, and the admin's village commands
(/villages, /addvillage with a confirmation when the name is close to an existing village,
/renamevillage, /mergevillage, /rmvillage).

The front end of `helpdesk.directory`, one name for one concept; kept apart from `Admin` (the
knowledge base, numbers and the ledger) because the two share nothing but the admin check.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Sequence

from bot import texts
from bot.assistant.context import AssistantContext, friendly
from bot.assistant.replies import Block, Button, Notice, Reply, UserRef, keyboard
from bot.helpdesk import SimilarVillages, local_time


class Directory:
    """Invites (which village dispatchers may create too), /join, and villages (admins only)."""

    def __init__(self, context: AssistantContext) -> None:
        self._ctx = context
        # /addvillage waiting for the admin to confirm a name close to an existing village:
        # token → (admin id, name, township, county). Lost on restart (the admin just asks again).
        self._pending_villages: dict[str, tuple[int, str, str, str]] = {}
        self._pending_lock = threading.Lock()

    # ------------------------------------------------------------------------ people
    @friendly
    def invite(self, user: UserRef, args: Sequence[str]) -> Reply:
        who = self._ctx.identity(user)
        if not who.is_cadre:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        if len(args) < 2:
            villages = (
                "、".join(v.display_name for v in self._ctx.helpdesk.directory.list_villages())
                or texts.BOT_STATS_NONE
            )
            return Reply.of(
                texts.BOT_INVITE_USAGE.format(
                    posts="、".join(self._ctx.helpdesk.config.posts), villages=villages
                )
            )
        invitation = self._ctx.helpdesk.directory.create_invite(user.id, args[0], " ".join(args[1:]))
        done = texts.BOT_INVITE_DONE.format(
            code=invitation.code,
            village=invitation.village.display_name,
            post=invitation.post,
            expires=local_time(invitation.expires_at, self._ctx.tz),
        )
        return Reply((Block(done), Block(texts.BOT_INVITE_COMMAND.format(code=invitation.code), code=True)))

    @friendly
    def join(self, user: UserRef, code: str) -> Reply:
        if not code.strip():
            return Reply.of(texts.BOT_JOIN_USAGE)
        directory = self._ctx.helpdesk.directory
        before = directory.get_person(user.id)
        person = directory.redeem_invite(code, user.id, user.name)
        places = "、".join(f"{p.village.display_name}的{p.post}" for p in person.posts)
        if before is not None and before.posts == person.posts:  # their own code, sent again
            return Reply.of(texts.BOT_JOIN_ALREADY.format(places=places))
        new = [p for p in person.posts if before is None or p not in before.posts]
        joined = "、".join(f"{p.village.display_name}的{p.post}" for p in new) or places
        alert = Reply.of(texts.BOT_JOIN_ADMIN_NOTICE.format(name=person.display_name, places=joined))
        notices = tuple(Notice(admin, alert) for admin in directory.admin_chat_ids() if admin != user.id)
        return Reply.of(texts.BOT_JOIN_DONE.format(places=places), role_changed=True, notices=notices)

    # ------------------------------------------------------------------------ villages
    @friendly
    def villages(self, user: UserRef) -> Reply:
        if not self._ctx.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        villages = self._ctx.helpdesk.directory.list_villages()
        if not villages:
            return Reply.of(texts.BOT_VILLAGES_EMPTY)
        lines = "\n".join(texts.BOT_VILLAGE_LINE.format(id=v.id, name=v.full_name) for v in villages)
        return Reply(
            (
                Block(lines, title=texts.BOT_VILLAGES_TITLE.format(count=len(villages))),
                Block(texts.BOT_VILLAGES_MANAGE),
            )
        )

    @friendly
    def add_village(self, user: UserRef, args: Sequence[str]) -> Reply:
        """/addvillage 村名 [乡镇] [县] (or 龙场镇新寨村 as one word). A name close to an existing
        village is not registered at once: the admin sees the similar ones and confirms."""
        if not self._ctx.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        if not args:
            return Reply.of(texts.BOT_ADDVILLAGE_USAGE)
        name, township, county = ([*list(args), "", ""])[:3]
        try:
            village = self._ctx.helpdesk.directory.add_village(user.id, name, township, county)
        except SimilarVillages as exc:
            token = secrets.token_hex(4)
            place = exc.parsed
            with self._pending_lock:
                self._pending_villages[token] = (user.id, place.name, place.township, place.county)
            similar = "\n".join(
                texts.BOT_VILLAGE_LINE.format(id=v.id, name=v.full_name) for v in exc.similar
            )
            shown = "".join(p for p in (place.county, place.township, place.name) if p)
            return Reply(
                (Block(texts.BOT_ADDVILLAGE_SIMILAR.format(name=shown)), Block(similar, quote=True)),
                keyboard(
                    [
                        Button(texts.BOT_ADDVILLAGE_CONFIRM.format(name=shown), "va", token),
                        Button(texts.BOT_ADDVILLAGE_CANCEL, "vk"),
                    ]
                ),
            )
        return Reply.of(texts.BOT_ADDVILLAGE_DONE.format(name=village.full_name, id=village.id))

    @friendly
    def confirm_add_village(self, user: UserRef, token: str) -> Reply:
        if not self._ctx.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        with self._pending_lock:
            pending = self._pending_villages.get(token)
            if pending is None or pending[0] != user.id:
                return Reply.of(texts.BOT_ADDVILLAGE_GONE, replace_buttons=())
            del self._pending_villages[token]
        _, name, township, county = pending
        village = self._ctx.helpdesk.directory.add_village(user.id, name, township, county, allow_similar=True)
        return Reply.of(
            texts.BOT_ADDVILLAGE_DONE.format(name=village.full_name, id=village.id), replace_buttons=()
        )

    @friendly
    def rename_village(self, user: UserRef, args: Sequence[str]) -> Reply:
        """/renamevillage 编号 新村名 [乡镇] [县]"""
        if not self._ctx.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        if len(args) < 2:
            return Reply.of(texts.BOT_RENAMEVILLAGE_USAGE)
        directory = self._ctx.helpdesk.directory
        before = directory.get_village(args[0])
        township = args[2] if len(args) > 2 else None
        county = args[3] if len(args) > 3 else None
        after = directory.rename_village(user.id, before.id, args[1], township, county)
        return Reply.of(texts.BOT_RENAMEVILLAGE_DONE.format(old=before.full_name, new=after.full_name, id=after.id))

    @friendly
    def merge_village(self, user: UserRef, args: Sequence[str]) -> Reply:
        """/mergevillage 被合并的村 并入的村: asks to confirm (requests and cadres move)."""
        if not self._ctx.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        if len(args) != 2:
            return Reply.of(texts.BOT_MERGEVILLAGE_USAGE)
        directory = self._ctx.helpdesk.directory
        source, target = directory.get_village(args[0]), directory.get_village(args[1])
        if source.id == target.id:
            return Reply.of(texts.HD_ERR_VILLAGE_MERGE_SELF)
        return Reply.of(
            texts.BOT_MERGEVILLAGE_CONFIRM.format(source=source.full_name, target=target.full_name),
            buttons=keyboard(
                [
                    Button(texts.BOT_MERGEVILLAGE_YES, "vm", f"{source.id}.{target.id}"),
                    Button(texts.BOT_ADDVILLAGE_CANCEL, "vk"),
                ]
            ),
        )

    @friendly
    def confirm_merge_village(self, user: UserRef, source: int, target: int) -> Reply:
        if not self._ctx.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        result = self._ctx.helpdesk.directory.merge_villages(user.id, source, target)
        return Reply.of(
            texts.BOT_MERGEVILLAGE_DONE.format(
                source=result.source.full_name,
                target=result.target.full_name,
                requests=result.requests,
                cadres=result.cadres,
            ),
            replace_buttons=(),
        )

    @friendly
    def remove_village(self, user: UserRef, args: Sequence[str]) -> Reply:
        """/rmvillage 编号: only a village without requests and cadres."""
        if not self._ctx.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        if len(args) != 1:
            return Reply.of(texts.BOT_RMVILLAGE_USAGE)
        gone = self._ctx.helpdesk.directory.remove_village(user.id, args[0])
        return Reply.of(texts.BOT_RMVILLAGE_DONE.format(name=gone.full_name, id=gone.id))
