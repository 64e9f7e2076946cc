""""Requests I filed" (RequestFilter.requester) and counts by status and village (request_counts)."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.helpdesk import OPERATOR, Helpdesk, PermissionDenied, RequestFilter, Status
from tests.helpdesk.conftest import (
    ADMIN,
    MEMBER_A,
    SECRETARY_A,
    SECRETARY_B,
    VILLAGER_1,
    VILLAGER_2,
    Clock,
    World,
)
from tests.helpdesk.helpers import file


def numbers(hd: Helpdesk, actor, **filters) -> set[str]:  # type: ignore[no-untyped-def]
    return {v.number for v in hd.queries.list_requests(actor, RequestFilter(**filters), limit=200).items}


def test_requester_filter_keeps_the_requests_a_person_filed(hd: Helpdesk, world: World) -> None:
    own_in_b = file(hd, world.b, "家里老人住院，医药费报销不了", requester=SECRETARY_A)
    v1_a, v1_b = file(hd, world.a), file(hd, world.b)
    v2_a = file(hd, world.a, requester=VILLAGER_2)
    # A villager registered under the cadre's display name: names are not identities.
    hd.directory.register_villager(777, "王书记")
    namesake = file(hd, world.a, requester=777)

    assert numbers(hd, SECRETARY_A) == {own_in_b, v1_a, v2_a, namesake}  # village A + own requests
    assert numbers(hd, SECRETARY_A, requester=SECRETARY_A) == {own_in_b}
    assert numbers(hd, VILLAGER_1, requester=VILLAGER_1) == {v1_a, v1_b}
    assert numbers(hd, ADMIN, requester=VILLAGER_1) == {v1_a, v1_b}
    assert numbers(hd, OPERATOR, requester=777) == {namesake}
    assert numbers(hd, ADMIN, requester=123456) == set()  # nobody by that id
    # Combined with other filters.
    assert numbers(hd, ADMIN, requester=VILLAGER_1, village=world.b.id) == {v1_b}
    assert numbers(hd, VILLAGER_1, requester=VILLAGER_1, statuses=(Status.RESOLVED,)) == set()
    # Streams and counts use the same filter.
    listed = hd.queries.iter_requests(SECRETARY_A, RequestFilter(requester=SECRETARY_A))
    assert [v.number for v in listed] == [own_in_b]
    assert hd.queries.request_counts(ADMIN, RequestFilter(requester=VILLAGER_1))["total"] == 2


def test_requester_filter_does_not_widen_what_anyone_may_see(hd: Helpdesk, world: World) -> None:
    v1_a, v1_b = file(hd, world.a), file(hd, world.b)
    file(hd, world.a, requester=VILLAGER_2)
    assert numbers(hd, VILLAGER_2, requester=VILLAGER_1) == set()  # villagers: only their own
    assert numbers(hd, SECRETARY_B, requester=VILLAGER_1) == {v1_b}  # cadres: only their villages
    assert numbers(hd, MEMBER_A, requester=VILLAGER_1) == {v1_a}
    (view,) = hd.queries.list_requests(MEMBER_A, RequestFilter(requester=VILLAGER_1)).items
    assert view.masked  # and masking is unchanged


def test_requester_pages_count_only_their_requests(hd: Helpdesk, world: World) -> None:
    own = [file(hd, world.a, f"家里房子漏雨，第{i}次反映", requester=SECRETARY_A) for i in range(3)]
    for _ in range(4):
        file(hd, world.a)
    first = hd.queries.list_requests(SECRETARY_A, RequestFilter(requester=SECRETARY_A), limit=2)
    second = hd.queries.list_requests(SECRETARY_A, RequestFilter(requester=SECRETARY_A), limit=2, offset=2)
    assert first.has_more and not second.has_more
    assert [v.number for v in first.items + second.items] == own[::-1]  # newest first


def test_request_counts_by_status_and_village(hd: Helpdesk, world: World, clock: Clock) -> None:
    water = file(hd, world.a, "水管破了没水喝")  # 饮水安全 2 working days
    job = file(hd, world.a, "失业了想找工作")  # 就业 5 working days
    roof = file(hd, world.a, "房子漏雨", requester=VILLAGER_2)  # 住房安全 3 working days
    hd.casework.start(SECRETARY_A, roof)
    hd.casework.resolve(SECRETARY_A, roof, "已修好")
    in_b = file(hd, world.b, "老人住院看病没钱")  # 医疗 3 working days
    returned = file(hd, world.b, "村里水质差")
    hd.casework.return_to_dispatch(SECRETARY_B, returned, "需要乡镇水管站处理")
    own_in_b = file(hd, world.b, "孩子学费交不起", requester=SECRETARY_A)  # 教育 5 working days
    hd.casework.mark_unable(SECRETARY_B, own_in_b, "超出村级办理能力")
    clock.advance(hours=88)  # Friday 01:00: past due: water, in_b, returned (roof is resolved, job not yet due)

    counts = hd.queries.request_counts(ADMIN)
    assert counts == {
        "total": 6,
        "by_status": {Status.ASSIGNED: 3, Status.RESOLVED: 1, Status.RETURNED: 1, Status.UNABLE: 1},
        "by_village": {
            world.a: {"total": 3, "open": 2, "overdue": 1},
            world.b: {"total": 3, "open": 2, "overdue": 2},
        },
    }
    assert list(counts["by_status"]) == [s for s in Status if s in counts["by_status"]]  # lifecycle order
    assert hd.queries.request_counts(OPERATOR) == counts

    # A cadre counts their villages plus what they filed elsewhere; a villager their own requests.
    assert hd.queries.request_counts(SECRETARY_A)["by_village"] == {
        world.a: {"total": 3, "open": 2, "overdue": 1},
        world.b: {"total": 1, "open": 0, "overdue": 0},
    }
    assert hd.queries.request_counts(SECRETARY_B)["by_village"] == {world.b: {"total": 3, "open": 2, "overdue": 2}}
    assert hd.queries.request_counts(VILLAGER_2) == {
        "total": 1,
        "by_status": {Status.RESOLVED: 1},
        "by_village": {world.a: {"total": 1, "open": 0, "overdue": 0}},
    }
    # Filters narrow the counts the same way they narrow lists.
    assert hd.queries.request_counts(ADMIN, RequestFilter(village=world.b.id))["total"] == 3
    assert hd.queries.request_counts(ADMIN, RequestFilter(overdue_only=True))["by_status"] == {
        Status.ASSIGNED: 2,
        Status.RETURNED: 1,
    }

    # The same numbers as reading every request.
    for actor in (ADMIN, SECRETARY_A, MEMBER_A, SECRETARY_B, VILLAGER_1):
        views = list(hd.queries.iter_requests(actor))
        counts = hd.queries.request_counts(actor)
        assert counts["total"] == len(views)
        assert counts["by_status"] == dict(Counter(v.status for v in views))
        assert {v: c["overdue"] for v, c in counts["by_village"].items() if c["overdue"]} == dict(
            Counter(v.village for v in views if v.overdue)
        )
    assert {water, job, in_b} <= {v.number for v in hd.queries.iter_requests(ADMIN)}


def test_request_counts_when_nothing_is_filed_and_for_strangers(hd: Helpdesk, world: World) -> None:
    assert hd.queries.request_counts(ADMIN) == {"total": 0, "by_status": {}, "by_village": {}}
    assert hd.queries.request_counts(VILLAGER_1) == {"total": 0, "by_status": {}, "by_village": {}}
    with pytest.raises(PermissionDenied):
        hd.queries.request_counts(123456)  # not registered
