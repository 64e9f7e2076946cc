"""The Assistant facade without Telegram: roles on every call, the form as a state machine, my
requests and the statistics."""

from __future__ import annotations

from bot import texts
from bot.assistant import Assistant, UserRef, validate_question
from bot.helpdesk import OPERATOR, Helpdesk
from tests.assistant.conftest import ADMIN, CADRE, VILLAGER


def test_validate_question_is_kept_for_the_cli() -> None:
    assert validate_question("  ") == texts.EMPTY_QUESTION
    assert validate_question("问" * 501) == texts.QUESTION_TOO_LONG.format(limit=500)
    assert validate_question("低保怎么申请？") is None


def test_roles_are_checked_on_every_privileged_action(assistant: Assistant) -> None:
    assert assistant.identity(ADMIN).is_admin and assistant.identity(CADRE).is_cadre
    assert not assistant.identity(VILLAGER).is_cadre
    admin_only = [
        lambda u: assistant.admin.reload(u),
        lambda u: assistant.admin.documents(u),
        lambda u: assistant.admin.ask_remove_document(u, "x.md"),
        lambda u: assistant.admin.remove_document(u, "0123456789"),
        lambda u: assistant.admin.stats(u),
        lambda u: assistant.admin.export(u),
        lambda u: assistant.directory.villages(u),
        lambda u: assistant.directory.add_village(u, ["假村"]),
        lambda u: assistant.admin.add_document(u, "a.md", b"# a\n\nb"),
    ]
    for call in admin_only:
        for who in (VILLAGER, CADRE):
            reply = call(who)
            assert reply.text in (texts.BOT_ADMIN_ONLY, texts.BOT_DOCUMENT_NOT_ALLOWED), reply.text
    for call in (
        lambda u: assistant.cadre.tickets(u),
        lambda u: assistant.cadre.duties(u),
        lambda u: assistant.directory.invite(u, []),
    ):
        assert call(VILLAGER).text in (texts.BOT_CADRE_ONLY, texts.BOT_ADMIN_ONLY)
    assert "tickets" in assistant.roles.commands_for(CADRE) and "reload" not in assistant.roles.commands_for(
        CADRE
    )
    assert "reload" in assistant.roles.commands_for(ADMIN)


def test_the_form_is_a_state_machine_front_ends_only_store(assistant: Assistant, hd: Helpdesk) -> None:
    reply = assistant.requests.start_request(VILLAGER)
    dialog = reply.dialog
    assert dialog["state"] == "request.category"
    reply = assistant.dialog_input(VILLAGER, dialog, button="c999")
    assert reply.toast == texts.BOT_FORM_STALE_BUTTON and reply.dialog["state"] == dialog["state"]
    reply = assistant.dialog_input(VILLAGER, dialog, text="住房安全")  # typing the label works too
    reply = assistant.dialog_input(VILLAGER, reply.dialog, text="")
    assert texts.HD_ERR_DESCRIPTION_EMPTY in reply.text and reply.dialog["state"] == "request.description"
    reply = assistant.dialog_input(VILLAGER, reply.dialog, text="房子漏雨了")
    reply = assistant.dialog_input(VILLAGER, reply.dialog, text="新寨村")
    reply = assistant.dialog_input(VILLAGER, reply.dialog, button="skip")  # 住址/户号
    reply = assistant.dialog_input(VILLAGER, reply.dialog, button="skip")
    assert reply.dialog["state"] == "request.confirm" and "（未留）" in reply.text
    done = assistant.dialog_input(VILLAGER, reply.dialog, button="ok")
    assert done.dialog is None and "工单编号" in done.text
    assert [n.chat_id for n in done.notices] == [CADRE.id]
    assert hd.queries.count_requests() == 1
    assert assistant.cancel_dialog(VILLAGER, None).text == texts.BOT_NOTHING_TO_CANCEL


def test_mine_is_what_the_caller_filed_and_stats_count_every_village(
    assistant: Assistant, hd: Helpdesk
) -> None:
    (home,) = hd.directory.list_villages()
    other = hd.directory.add_village(OPERATOR, "红旗村")
    own = hd.intake.file_request(CADRE.id, other.id, "家里老人住院，医药费报销不了").request.number
    hd.directory.register_villager(777, CADRE.name)  # a villager under the cadre's display name
    namesake = hd.intake.file_request(777, home.id, "家里房子漏雨，需要维修").request.number
    villager = hd.intake.file_request(VILLAGER.id, home.id, "水管破了没水喝").request.number

    mine = assistant.mine.my_requests(CADRE).text
    assert own in mine and namesake not in mine and villager not in mine
    assert texts.BOT_MINE_TITLE.format(count=1) in mine
    assert namesake in assistant.mine.my_requests(UserRef(777, CADRE.name)).text
    assert assistant.mine.my_requests(UserRef(778, "新用户")).text == texts.BOT_MINE_EMPTY

    hd.directory.add_person(OPERATOR, ADMIN.id, ADMIN.name, "admin")
    stats = assistant.admin.stats(ADMIN).text
    assert texts.BOT_STATS_BY_STATUS.format(total=3) in stats
    assert "新寨村：共 2 件，未办结 2，超期 0" in stats and "红旗村：共 1 件，未办结 1，超期 0" in stats
