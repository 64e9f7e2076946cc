"""Intake: validation (clear Chinese messages, nothing written), numbering, policy hints, categories."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from bot.helpdesk import (
    OPERATOR,
    Helpdesk,
    HelpdeskError,
    InvalidInput,
    KeywordOverlapLookup,
    NotFound,
    NotificationKind,
    Urgency,
)
from bot.helpdesk.config import DEFAULT_KEYWORDS, HelpdeskConfig
from bot.helpdesk.policy import suggest_category
from tests.helpdesk.conftest import PASSAGES, SECRETARY_A, VILLAGER_1, Clock, World, table_counts
from tests.helpdesk.helpers import file

CJK = "\u4e00-\u9fff"

BAD_INPUT = {
    "empty description": dict(description=""),
    "blank description": dict(description=" \n\t "),
    "5000-char description": dict(description="房" * 5000),
    "malformed phone": dict(phone="12345"),
    "phone with letters": dict(phone="138abcd5678"),
    "unknown village id": dict(village=999),
    "unknown village name": dict(village="不存在村"),
    "unknown category": dict(category="天气"),
    "unknown urgency": dict(urgency="十万火急"),
    "address too long": dict(address="长" * 500),
    "empty display name": dict(display_name="  "),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_refused_in_chinese_and_writes_nothing(hd: Helpdesk, world: World, case: str) -> None:
    args = dict(village=world.a.id, description="家里房子漏雨", phone="13812345678") | BAD_INPUT[case]
    before = table_counts(hd)
    with pytest.raises(HelpdeskError) as caught:
        hd.intake.file_request(
            777,
            args.pop("village"),
            args.pop("description"),
            **args,  # type: ignore[arg-type]
        )
    message = caught.value.message_zh
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    assert table_counts(hd) == before  # no request, no event, no new person, no counter bump
    assert hd.directory.get_person(777) is None
    # The next good filing still gets number 1: the failed one consumed nothing.
    assert file(hd, world.a).endswith("-000001")


def test_messages_are_specific(hd: Helpdesk, world: World) -> None:
    with pytest.raises(InvalidInput, match="5000 个字，最多 2000 个字"):
        hd.intake.file_request(VILLAGER_1, world.a.id, "字" * 5000)
    with pytest.raises(InvalidInput, match="联系电话“12345”格式不正确"):
        hd.intake.file_request(VILLAGER_1, world.a.id, "没水喝", phone="12345")
    with pytest.raises(NotFound, match="没有找到村庄“不存在村”"):
        hd.intake.file_request(VILLAGER_1, "不存在村", "没水喝")
    with pytest.raises(InvalidInput, match="可选：医疗、教育"):
        hd.intake.file_request(VILLAGER_1, world.a.id, "没水喝", category="天气")


@pytest.mark.parametrize("number", ["2026-000999", "2026-999", "abc", "", "2026-00000x"])
def test_unknown_request_number(hd: Helpdesk, world: World, number: str) -> None:
    file(hd, world.a)
    with pytest.raises(NotFound) as caught:
        hd.queries.show(OPERATOR, number)
    assert "没有找到编号为" in caught.value.message_zh
    with pytest.raises(NotFound):
        hd.casework.start(SECRETARY_A, number)


def test_numbers_are_sequential_per_local_year(db_url: str, lookup: KeywordOverlapLookup) -> None:
    # 2026-12-31 17:00 UTC is already 2027-01-01 01:00 in Asia/Shanghai.
    clock = Clock(datetime(2026, 12, 31, 15, 0, tzinfo=UTC))
    with Helpdesk.open(db_url, lookup=lookup, clock=clock) as helpdesk:
        village = helpdesk.directory.add_village(OPERATOR, "新寨村")
        first = [file(helpdesk, village) for _ in range(3)]
        clock.advance(hours=2)
        second = [file(helpdesk, village) for _ in range(2)]
    assert first == ["2026-000001", "2026-000002", "2026-000003"]
    assert second == ["2027-000001", "2027-000002"]


def test_accepts_short_and_compact_numbers(hd: Helpdesk, world: World) -> None:
    number = file(hd, world.a)
    assert hd.queries.show(OPERATOR, number.replace("-00000", "-")).number == number
    assert hd.queries.show(OPERATOR, number.replace("-", "")).number == number


def test_phone_is_normalised(hd: Helpdesk, world: World) -> None:
    out = hd.intake.file_request(VILLAGER_1, world.a.id, "没水喝", phone="+86 138-1234-5678")
    assert out.request.phone == "13812345678"
    out = hd.intake.file_request(VILLAGER_1, world.a.id, "没水喝", phone="0851 86543210")
    assert out.request.phone == "0851-86543210"


def test_policy_hints_are_stored_and_shown_to_cadre_and_villager(hd: Helpdesk, world: World) -> None:
    out = hd.intake.file_request(
        VILLAGER_1, world.a.id, "家里是危房，一下雨房子就漏雨，墙体也开裂了", urgency=Urgency.URGENT
    )
    hints = out.request.policy_hints
    assert hints and hints[0].title == "农村危房改造补助政策"
    assert all(a.score >= b.score for a, b in itertools.pairwise(hints))
    receipt = next(n for n in out.notifications if n.kind is NotificationKind.FILED)
    assert "以下政策可能对您有帮助" in receipt.text_zh and "农村危房改造补助政策" in receipt.text_zh
    alert = next(n for n in out.notifications if n.chat_user_id == SECRETARY_A)
    assert "可能适用的政策" in alert.text_zh and "农村危房改造补助政策" in alert.text_zh
    # Stored with the request: still there later, for everyone who may see the request.
    assert hd.queries.show(SECRETARY_A, out.request.number).policy_hints == hints
    assert hd.queries.show(VILLAGER_1, out.request.number).policy_hints == hints


def test_filing_without_a_lookup_still_works(db_url: str, clock: Clock) -> None:
    with Helpdesk.open(db_url, clock=clock) as helpdesk:
        village = helpdesk.directory.add_village(OPERATOR, "新寨村")
        out = helpdesk.intake.file_request(VILLAGER_1, village.id, "老人看病住院没钱")
        assert out.request.policy_hints == ()
        assert out.request.category == "医疗"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("我妈生病住院了，医药费实在拿不出来", "医疗"),
        ("孩子上学学费太贵，怕要辍学", "教育"),
        ("房子漏雨，是不是危房", "住房安全"),
        ("村里水管坏了，喝水要走很远，水质也差", "饮水安全"),
        ("厂里裁员，我失业了，想找个工作", "就业"),
        ("想扩大养殖，合作社能不能帮忙找销路", "产业发展"),
        ("家里特困，想申请低保", "低保/救助"),
        ("村口路灯坏了", "其他"),
    ],
)
def test_category_suggestion_by_keywords(hd: Helpdesk, world: World, text: str, category: str) -> None:
    out = hd.intake.file_request(VILLAGER_1, world.a.id, text)
    assert out.request.category == category
    assert out.request.suggested_category == category


def test_hints_tip_the_category_when_the_villager_uses_no_keyword() -> None:
    config = HelpdeskConfig()
    text = "自家那口井最近浑得很"  # no keyword of any category
    assert suggest_category(text, [], DEFAULT_KEYWORDS, config.categories, "其他").category == "其他"
    hints = KeywordOverlapLookup(PASSAGES)("井水浑浊，供水站，喝水安全", 3)
    suggestion = suggest_category(text, hints, DEFAULT_KEYWORDS, config.categories, "其他")
    assert suggestion.category == "饮水安全"


def test_villager_choice_wins_over_suggestion(hd: Helpdesk, world: World) -> None:
    out = hd.intake.file_request(VILLAGER_1, world.a.id, "房子漏雨", category="低保/救助")
    assert (out.request.category, out.request.suggested_category) == ("低保/救助", "住房安全")
    # 低保/救助: 5 working days from Monday 03-02 → end of Monday 03-09.
    assert out.request.due_at == datetime(2026, 3, 10, tzinfo=HelpdeskConfig().tz)


def test_unknown_requester_is_registered_as_villager(hd: Helpdesk, world: World) -> None:
    hd.intake.file_request(8888, world.a.id, "没水喝", display_name="新来的")
    person = hd.directory.get_person(8888)
    assert person is not None and person.display_name == "新来的" and person.role.value == "villager"


def test_keyword_lookup_ranks_by_overlap() -> None:
    lookup = KeywordOverlapLookup(PASSAGES)
    assert lookup("住院医药费报销", 1)[0].title == "城乡居民基本医疗保险和大病保险"
    assert lookup("", 3) == []
    assert lookup("zzz", 3) == []
    assert len(lookup("政策", 0)) == 0


def test_control_characters_are_stripped(hd: Helpdesk, world: World) -> None:
    out = hd.intake.file_request(VILLAGER_1, world.a.id, "房子\x00漏雨\u200b了\x07")
    assert out.request.description == "房子漏雨了"


def test_operators_tune_deadlines_and_keywords_through_settings(
    db_url: str, clock: Clock, lookup: KeywordOverlapLookup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REQUEST_DEADLINE_HOURS / REQUEST_KEYWORDS (JSON in the environment) reach the workflow."""
    from datetime import timedelta

    from bot.config import Settings

    monkeypatch.setenv("REQUEST_DEADLINE_HOURS", '{"饮水安全": 24}')
    monkeypatch.setenv("REQUEST_KEYWORDS", '{"饮水安全": ["水窖"]}')
    config = HelpdeskConfig.from_settings(Settings(_env_file=None))
    monday = datetime(2026, 3, 2, 9, tzinfo=config.tz)
    assert config.due_at("饮水安全", Urgency.NORMAL, monday) == monday + timedelta(hours=24)
    # untouched default: 3 working days → end of Thursday
    assert config.due_at("医疗", Urgency.NORMAL, monday) == datetime(2026, 3, 6, tzinfo=config.tz)
    assert "水管" in config.keywords["饮水安全"] and "水窖" in config.keywords["饮水安全"]
    text = "家里的水窖干了，一家人吃水困难"
    assert suggest_category(text, [], DEFAULT_KEYWORDS, config.categories, "其他").category != "饮水安全"
    helpdesk = Helpdesk.open(db_url, lookup=lookup, clock=clock, config=config)
    try:
        village = helpdesk.directory.add_village(OPERATOR, "新寨村")
        out = helpdesk.intake.file_request(VILLAGER_1, village.id, text)
        assert out.request.category == out.request.suggested_category == "饮水安全"
        assert out.request.due_at - out.request.created_at == timedelta(hours=24)
    finally:
        helpdesk.close()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("REQUEST_DEADLINE_HOURS", '{"天气": 24}', "not in REQUEST_CATEGORIES: 天气"),
        ("REQUEST_DEADLINE_HOURS", '{"医疗": 0}', "1-8760 hours"),
        ("REQUEST_DEADLINE_HOURS", '{"医疗": "三天"}', "(?i)request_deadline_hours"),
        ("REQUEST_KEYWORDS", '{"医疗": [" "]}', "empty keyword"),
        ("REQUEST_KEYWORDS", "水窖", "(?i)request_keywords"),  # not JSON
    ],
)
def test_bad_request_tables_are_refused_at_start_up(
    variable: str, value: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pydantic import ValidationError

    from bot.config import Settings

    monkeypatch.setenv(variable, value)
    with pytest.raises((ValidationError, ValueError), match=message):
        Settings(_env_file=None)
