"""Privacy: phones and ID numbers are masked for everyone but the requester, the assignee and admins."""

from __future__ import annotations

import logging

import pytest

from bot.helpdesk import (
    OPERATOR,
    Helpdesk,
    NotificationKind,
    PermissionDenied,
    RequestFilter,
    VillageView,
    mask_phone,
    mask_text,
)
from tests.helpdesk.conftest import ADMIN, MEMBER_A, SECRETARY_A, VILLAGER_1, VILLAGER_2, World

PHONE = "13812345678"
ID_NO = "52010219800101123X"
TEXT = f"我家房子漏雨，身份证{ID_NO}，有事打{PHONE}或者座机0851-86543210"


def _secrets_in(*texts: str | None) -> bool:
    joined = " ".join(t or "" for t in texts)
    return PHONE in joined or ID_NO in joined or "86543210" in joined


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("电话：138 1234 5678。", "电话：138****5678。"),
        ("+86-138-1234-5678", "+86-138****5678"),
        ("身份证52010219800101123X号", "身份证520***********123X号"),
        ("身份证520102198001011234", "520***********1234"),
        ("座机 0851-86543210", "座机 0851-****3210"),
        ("工单 2026-000123 已办结", "工单 2026-000123 已办结"),
        ("2026年3月2日花了3000元", "2026年3月2日花了3000元"),
        ("银行卡 6222021234567890123", "银行卡 6222***********0123"),
    ],
)
def test_mask_text(raw: str, masked: str) -> None:
    assert masked in mask_text(raw)


def test_mask_phone() -> None:
    assert mask_phone(PHONE) == "138****5678"
    assert mask_phone("0851-8654321") == "0851-***4321"
    assert mask_phone(None) is None


def _file(hd: Helpdesk, village: VillageView) -> str:
    out = hd.intake.file_request(
        VILLAGER_1, village.id, TEXT, phone=PHONE, address=f"3组12号 户主电话{PHONE}"
    )
    return out.request.number


def test_requester_assignee_and_admin_see_everything(hd: Helpdesk, world: World) -> None:
    number = _file(hd, world.a)
    for viewer in (VILLAGER_1, SECRETARY_A, ADMIN, OPERATOR):
        view = hd.queries.show(viewer, number)
        assert not view.masked
        assert view.phone == PHONE and ID_NO in view.description and PHONE in view.address


def test_other_cadre_of_the_village_sees_masked_text(hd: Helpdesk, world: World) -> None:
    number = _file(hd, world.a)
    hd.casework.add_note(SECRETARY_A, number, f"已联系户主 {PHONE}")
    view = hd.queries.show(MEMBER_A, number)
    assert view.masked
    assert view.phone == "138****5678"
    assert not _secrets_in(view.description, view.address, view.phone, *(e.note for e in view.events))
    (listed,) = hd.queries.list_requests(MEMBER_A).items
    assert listed.masked and not _secrets_in(listed.description, listed.address, listed.phone)


def test_masking_follows_reassignment(hd: Helpdesk, world: World) -> None:
    number = _file(hd, world.a)
    hd.casework.assign(SECRETARY_A, number, MEMBER_A)
    assert not hd.queries.show(MEMBER_A, number).masked
    assert hd.queries.show(SECRETARY_A, number).masked  # the dispatcher is no longer the assignee


def test_notifications_are_masked_for_cadres_who_are_not_assigned(hd: Helpdesk, world: World) -> None:
    out = hd.intake.file_request(VILLAGER_1, world.a.id, TEXT, phone=PHONE)
    alerts = {n.chat_user_id: n.text_zh for n in out.notifications if n.kind is NotificationKind.NEW_REQUEST}
    assert ID_NO in alerts[SECRETARY_A]
    assert not _secrets_in(alerts[MEMBER_A])
    returned = hd.casework.return_to_dispatch(SECRETARY_A, out.request.number, f"请直接打 {PHONE} 联系")
    for n in returned.notifications:
        if n.chat_user_id != VILLAGER_1:
            assert not _secrets_in(n.text_zh)


def test_villager_sees_only_their_own_requests(hd: Helpdesk, world: World) -> None:
    mine = _file(hd, world.a)
    theirs = hd.intake.file_request(VILLAGER_2, world.a.id, "想找份工作").request.number
    assert [v.number for v in hd.queries.list_requests(VILLAGER_2).items] == [theirs]
    assert [
        v.number for v in hd.queries.list_requests(VILLAGER_1, RequestFilter(village=world.a.id)).items
    ] == [mine]
    with pytest.raises(PermissionDenied) as caught:
        hd.queries.show(VILLAGER_2, mine)
    assert mine in caught.value.message_zh
    with pytest.raises(PermissionDenied):
        hd.casework.feedback(VILLAGER_2, mine, True)
    with pytest.raises(PermissionDenied):
        hd.casework.add_note(VILLAGER_2, mine, "我也来说两句")


def test_logs_never_carry_phone_or_id_numbers(
    hd: Helpdesk, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.helpdesk")
    number = _file(hd, world.a)
    hd.casework.start(SECRETARY_A, number, f"打了 {PHONE}")
    logging.getLogger("bot.helpdesk.casework").info("debug dump: %s", TEXT)  # even careless logging
    assert caplog.records, "expected helpdesk log records"
    assert not _secrets_in(caplog.text)
    assert "138****5678" in caplog.text


def test_failed_policy_lookup_does_not_block_filing_or_leak(
    db_url: str, clock, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(text: str, k: int) -> list:
        raise RuntimeError(f"index unavailable while searching {text!r}")

    caplog.set_level(logging.DEBUG, logger="bot.helpdesk")
    with Helpdesk.open(db_url, lookup=broken, clock=clock) as helpdesk:
        village = helpdesk.directory.add_village(OPERATOR, "新寨村")
        out = helpdesk.intake.file_request(VILLAGER_1, village.id, TEXT)
        assert out.request.policy_hints == ()
        assert "policy lookup failed" in caplog.text
        assert "index unavailable" in caplog.text  # the traceback is kept…
        assert not _secrets_in(caplog.text)  # …but masked
