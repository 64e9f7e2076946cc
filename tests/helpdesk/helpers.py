"""Drive requests into a given status, for table-driven lifecycle tests."""

from __future__ import annotations

from bot.helpdesk import OPERATOR, Action, Helpdesk, Outcome, Status, VillageView
from tests.helpdesk.conftest import ADMIN, VILLAGER_1

# Actions that lead from a freshly filed (auto-assigned) request to each status.
PATHS: dict[Status, list[Action]] = {
    Status.ASSIGNED: [],
    Status.IN_PROGRESS: [Action.START],
    Status.RESOLVED: [Action.START, Action.RESOLVE],
    Status.CLOSED: [Action.START, Action.RESOLVE, Action.CLOSE],
    Status.REOPENED: [Action.START, Action.RESOLVE, Action.REOPEN],
    Status.RETURNED: [Action.RETURN],
    Status.DUPLICATE: [Action.DUPLICATE],
    Status.UNABLE: [Action.UNABLE],
}


def file(
    hd: Helpdesk,
    village: VillageView,
    text: str = "家里房子漏雨，需要维修",
    requester: int = VILLAGER_1,
    **kw,
) -> str:
    return hd.intake.file_request(requester, village.id, text, **kw).request.number


def perform(hd: Helpdesk, action: Action, number: str, anchor: str, actor: int = ADMIN) -> Outcome:
    """Run `action` as an admin (or the requester, for follow-up answers)."""
    if action is Action.ASSIGN:
        view = hd.queries.show(OPERATOR, number)
        cadres = hd.directory.list_cadres(OPERATOR, view.village.id)
        target = next(c.chat_user_id for c in cadres if c.chat_user_id != view.assignee_chat_user_id)
        return hd.casework.assign(actor, number, target, "改派测试")
    if action is Action.START:
        return hd.casework.start(actor, number)
    if action is Action.RESOLVE:
        return hd.casework.resolve(actor, number, "已安排处理")
    if action is Action.RETURN:
        return hd.casework.return_to_dispatch(actor, number, "不属于本人职责")
    if action is Action.DUPLICATE:
        return hd.casework.mark_duplicate(actor, number, anchor)
    if action is Action.UNABLE:
        return hd.casework.mark_unable(actor, number, "超出村级办理能力，已上报乡镇")
    if action is Action.CLOSE:
        return hd.casework.feedback(VILLAGER_1, number, True, "修好了")
    if action is Action.REOPEN:
        if hd.queries.show(OPERATOR, number).status is Status.RESOLVED:
            return hd.casework.feedback(VILLAGER_1, number, False, "还是漏")
        return hd.casework.reopen(actor, number, "村民来电说又漏了")
    raise AssertionError(action)


def drive(hd: Helpdesk, number: str, status: Status, anchor: str) -> None:
    for action in PATHS[status]:
        perform(hd, action, number, anchor)
    assert hd.queries.show(OPERATOR, number).status is status
