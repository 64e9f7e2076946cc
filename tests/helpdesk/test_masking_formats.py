"""Masking holds for the ways people actually type numbers (issue 12, item 5): full-width digits
from Chinese input methods, ID numbers with spaces or dashes, old 15-digit IDs, landlines in
brackets, and bank-card numbers — in free text and in what a cadre who is not the assignee sees."""

from __future__ import annotations

import pytest

from bot.helpdesk import Helpdesk, mask_text
from bot.helpdesk.privacy import normalize_phone
from tests.helpdesk.conftest import MEMBER_A, SECRETARY_A, VILLAGER_1, World

CASES = [
    # (typed, digits that must not survive, what the masked text shows)
    ("电话１３９１２３４５６７８", "12345678", "电话139****5678"),
    ("手机 １３９－１２３４－５６７８。", "1234", "手机 139****5678。"),
    ("身份证 520102 19800101 123X 号", "19800101", "身份证 520***********123X 号"),
    ("身份证520102-1980-0101-123x", "19800101", "身份证520***********123x"),
    ("身份证５２０１０２１９８００１０１１２３Ｘ", "１９８００１０１", "身份证520***********123X"),
    ("老身份证 520102 800101 123", "800101", "老身份证 520*********123"),
    ("老身份证520102800101123号", "800101", "老身份证520*********123号"),
    ("座机（０８５１）８６５４３２１０", "8654", "座机0851-****3210"),
    ("银行卡 6222 0212 3456 7890 123", "3456", "银行卡 6222***********0123"),
    ("卡号6222021234567890", "02123456", "卡号6222********7890"),
]


@pytest.mark.parametrize(("typed", "secret", "shown"), CASES)
def test_mask_text_normalises_before_matching(typed: str, secret: str, shown: str) -> None:
    masked = mask_text(typed)
    assert masked == shown
    assert secret not in masked


@pytest.mark.parametrize(
    "text", ["工单 2026-000123 已办结", "2026年3月2日花了3000元", "——村委会——", "补贴１２００元"]
)
def test_ordinary_numbers_and_dashes_are_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_full_width_phone_is_accepted_as_a_contact_number() -> None:
    assert normalize_phone("１３９１２３４５６７８") == "13912345678"
    assert normalize_phone("（０８５１）８６５４３２１０") == "0851-86543210"


def test_a_cadre_who_is_not_the_assignee_sees_none_of_them(hd: Helpdesk, world: World) -> None:
    description = "房子漏雨。" + "；".join(typed for typed, _, _ in CASES)
    number = hd.intake.file_request(VILLAGER_1, world.a.id, description).request.number
    assert not hd.queries.show(SECRETARY_A, number).masked  # the assignee sees everything
    view = hd.queries.show(MEMBER_A, number)
    assert view.masked
    for typed, secret, shown in CASES:
        assert secret not in view.description, typed
        assert shown in view.description, typed
