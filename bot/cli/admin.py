"""`python -m bot admin village | cadre | person | invite`: bootstrap villages, cadres and users.

Output is English; names, villages and posts are data and stay as entered. See
`bot/cli/desk.py` for error handling.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import timedelta
from typing import TextIO

from bot.cli.desk import Desk, chat_id, leaf, positive
from bot.cli.table import format_table
from bot.helpdesk import OPERATOR, PersonView, SimilarVillages


def village_add(desk: Desk, args: argparse.Namespace, out: TextIO) -> None:
    """Register a village; a name close to an existing one needs --allow-similar."""
    try:
        village = desk.helpdesk.directory.add_village(
            OPERATOR, args.name, args.township or "", args.county or "", allow_similar=args.allow_similar
        )
    except SimilarVillages as exc:
        print("Villages with a similar name exist (nothing was registered):", file=out)
        for v in exc.similar:
            print(f"  {v.id}  {v.full_name}", file=out)
        print("If this is another village, run the command again with --allow-similar.", file=out)
        raise
    print(f"village registered: {village.full_name} (id {village.id})", file=out)


def village_rename(desk: Desk, args: argparse.Namespace, out: TextIO) -> None:
    before = desk.helpdesk.directory.get_village(args.village)
    after = desk.helpdesk.directory.rename_village(OPERATOR, before.id, args.name, args.township, args.county)
    print(f"village {after.id} renamed: {before.full_name} -> {after.full_name}", file=out)


def village_merge(desk: Desk, args: argparse.Namespace, out: TextIO) -> None:
    result = desk.helpdesk.directory.merge_villages(OPERATOR, args.village, args.into)
    print(
        f"village {result.source.full_name} (id {result.source.id}) merged into {result.target.full_name} "
        f"(id {result.target.id}): {result.requests} requests, {result.cadres} cadres, "
        f"{result.invites} invites moved",
        file=out,
    )


def village_remove(desk: Desk, args: argparse.Namespace, out: TextIO) -> None:
    gone = desk.helpdesk.directory.remove_village(OPERATOR, args.village)
    print(f"village removed: {gone.full_name} (id {gone.id})", file=out)


def village_list(desk: Desk, args: argparse.Namespace, out: TextIO) -> None:
    villages = desk.helpdesk.directory.list_villages()
    if not villages:
        print("No villages yet. Add one: admin village add NAME --township TOWNSHIP --county COUNTY", file=out)
        return
    rows = [[str(v.id), v.name, v.township, v.county] for v in villages]
    print(format_table(["Id", "Village", "Township", "County"], rows), file=out)


def print_people(people: Sequence[PersonView], out: TextIO) -> None:
    if not people:
        print("No cadres found.", file=out)
        return
    rows = [
        [
            str(p.chat_user_id),
            p.display_name,
            p.role.value,
            "; ".join(f"{post.village.display_name}·{post.post}" for post in p.posts) or "—",
        ]
        for p in people
    ]
    print(format_table(["User id", "Name", "Role", "Village·post"], rows), file=out)


def cadre_add(desk: Desk, args: argparse.Namespace, out: TextIO) -> None:
    person = desk.helpdesk.directory.bind_cadre(
        OPERATOR, args.chat_user_id, args.village, args.post, display_name=args.name
    )
    print_people([person], out)


def cadre_bind(desk: Desk, args: argparse.Namespace, out: TextIO) -> None:
    print_people([desk.helpdesk.directory.bind_cadre(OPERATOR, args.chat_user_id, args.village, args.post)], out)


def cadre_list(desk: Desk, args: argparse.Namespace, out: TextIO) -> None:
    print_people(desk.helpdesk.directory.list_cadres(OPERATOR, args.village), out)


def person_add(desk: Desk, args: argparse.Namespace, out: TextIO) -> None:
    print_people([desk.helpdesk.directory.add_person(OPERATOR, args.chat_user_id, args.name, args.role)], out)


def invite_create(desk: Desk, args: argparse.Namespace, out: TextIO) -> None:
    invite = desk.helpdesk.directory.create_invite(OPERATOR, args.post, args.village, ttl=timedelta(days=args.days))
    print(f"invite code: {invite.code}", file=out)
    print(
        f"for: {invite.village.full_name} {invite.post} (single use, before {desk.when(invite.expires_at)})",
        file=out,
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    admin = subparsers.add_parser("admin", help="manage villages, cadres and users")
    admin_sub = admin.add_subparsers(
        dest="admin_command", metavar="{village,cadre,person,invite}", required=True
    )

    village = admin_sub.add_parser("village", help="villages")
    village_sub = village.add_subparsers(
        dest="village_command", metavar="{add,list,rename,merge,remove}", required=True
    )
    p = leaf(village_sub, "add", village_add, "register a village")
    p.add_argument("name", help="village name (or township and name in one word, e.g. 龙场镇新寨村)")
    p.add_argument("--township", help="township")
    p.add_argument("--county", help="county (district)")
    p.add_argument(
        "--allow-similar", action="store_true", help="register even if a village with a similar name exists"
    )
    leaf(village_sub, "list", village_list, "list villages")
    p = leaf(village_sub, "rename", village_rename, "rename a village (its requests and cadres stay)")
    p.add_argument("village", help="village id or name")
    p.add_argument("name", help="new name")
    p.add_argument("--township", help="new township (default: unchanged)")
    p.add_argument("--county", help="new county (default: unchanged)")
    p = leaf(village_sub, "merge", village_merge, "move a village's requests and cadres into another, then remove it")
    p.add_argument("village", help="the village to merge away (id or name)")
    p.add_argument("--into", required=True, help="the village that receives everything (id or name)")
    p = leaf(village_sub, "remove", village_remove, "remove a village without requests or cadres")
    p.add_argument("village", help="village id or name")

    cadre = admin_sub.add_parser("cadre", help="cadres")
    cadre_sub = cadre.add_subparsers(dest="cadre_command", metavar="{add,bind,list}", required=True)
    p = leaf(cadre_sub, "add", cadre_add, "register a cadre and bind them to a village")
    p.add_argument("chat_user_id", type=chat_id, help="Telegram user id")
    p.add_argument("name", help="name")
    p.add_argument("--village", required=True, help="village id or name")
    p.add_argument("--post", required=True, help="post, e.g. 第一书记, 驻村工作队员, 村两委干部")
    p = leaf(cadre_sub, "bind", cadre_bind, "bind a registered cadre to (another) village")
    p.add_argument("chat_user_id", type=chat_id, help="Telegram user id")
    p.add_argument("--village", required=True, help="village id or name")
    p.add_argument("--post", required=True, help="post")
    p = leaf(cadre_sub, "list", cadre_list, "list cadres")
    p.add_argument("--village", help="only this village")

    person = admin_sub.add_parser("person", help="users (administrators, villagers)")
    person_sub = person.add_subparsers(dest="person_command", metavar="{add}", required=True)
    p = leaf(person_sub, "add", person_add, "register a user or change their role")
    p.add_argument("chat_user_id", type=chat_id, help="Telegram user id")
    p.add_argument("name", help="name")
    p.add_argument("--role", required=True, help="admin, villager or cadre")

    invite = admin_sub.add_parser("invite", help="cadre invite codes")
    invite_sub = invite.add_subparsers(dest="invite_command", metavar="{create}", required=True)
    p = leaf(invite_sub, "create", invite_create, "create a single-use invite code")
    p.add_argument("--village", required=True, help="village id or name")
    p.add_argument("--post", required=True, help="post")
    p.add_argument("--days", type=positive, default=7, help="days it stays valid (default 7)")
