"""Emergencies: wording marks a request 紧急, due the same day, everyone alerted, 120/119/110 advised."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.helpdesk import Helpdesk, NotificationKind, Urgency, detect_emergency
from tests.helpdesk.conftest import ADMIN, MEMBER_A, SECRETARY_A, VILLAGER_1, Clock, World


@pytest.mark.parametrize(
    ("text", "services"),
    [
        ("俺婆婆腿摔断了", ("120",)),
        ("我爸突然昏迷了", ("120",)),
        ("隔壁家着火了", ("119",)),
        ("发洪水了，路被冲断", ("119",)),
        ("房子后墙塌了", ("119",)),
        ("村里没水喝三天了", ()),
    ],
)
def test_emergency_wording_names_the_service(text: str, services: tuple[str, ...]) -> None:
    found = detect_emergency(text)
    assert found is not None and found.services == services


def test_ordinary_requests_are_not_emergencies() -> None:
    assert detect_emergency("孩子上学学费交不起") is None
    assert detect_emergency("家里房子漏雨，需要维修") is None


def test_a_broken_leg_is_filed_urgent_due_today_with_120_advice(
    hd: Helpdesk, world: World, clock: Clock
) -> None:
    out = hd.intake.file_request(VILLAGER_1, world.a.id, "俺婆婆腿摔断了，走不了路")
    view = out.request
    assert view.urgency is Urgency.URGENT and out.emergency == ("120",) and view.emergency == ("120",)
    local_due = view.due_at.astimezone(hd.config.tz)
    assert local_due == datetime.combine(
        clock.now.astimezone(hd.config.tz).date() + timedelta(days=1), datetime.min.time(), hd.config.tz
    )  # the same day: filed 09:00, due at midnight (it used to get 72 hours)
    receipt = next(n for n in out.notifications if n.kind is NotificationKind.FILED)
    assert receipt.text_zh.startswith("⚠️ 情况紧急") and "120" in receipt.text_zh
    urgent = {n.chat_user_id for n in out.notifications if n.kind is NotificationKind.URGENT}
    assert urgent == {SECRETARY_A, MEMBER_A, ADMIN}  # every cadre of the village and the admins


def test_the_villager_can_mark_a_request_urgent(hd: Helpdesk, world: World) -> None:
    out = hd.intake.file_request(VILLAGER_1, world.a.id, "家里老人两天没吃饭了", urgency="紧急")
    assert out.request.urgency is Urgency.URGENT and out.emergency == ()
    assert {n.chat_user_id for n in out.notifications if n.kind is NotificationKind.URGENT} == {
        SECRETARY_A,
        MEMBER_A,
        ADMIN,
    }
