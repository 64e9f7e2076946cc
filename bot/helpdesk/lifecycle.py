"""Work-order lifecycle: statuses, actions and the one table of legal transitions.

Modelled on the 12345 hotline loop 受理 → 派单 → 办理 → 办结 → 回访. Keeping the table as data (not
if-chains in the workflow) lets tests enumerate every (status, action) pair and lets docs print it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot import texts


class Status(StrEnum):
    SUBMITTED = "submitted"  # 已受理
    ASSIGNED = "assigned"  # 已派单
    IN_PROGRESS = "in_progress"  # 办理中
    RESOLVED = "resolved"  # 已办结 (waiting for the villager's feedback)
    CLOSED = "closed"  # 已回访关闭
    RETURNED = "returned"  # 退回 (back to dispatch)
    DUPLICATE = "duplicate"  # 重复
    UNABLE = "unable"  # 无法办理
    REOPENED = "reopened"  # 重新打开 (villager not satisfied)

    @property
    def label(self) -> str:
        return texts.HD_STATUS_LABELS[self.value]


class Action(StrEnum):
    ASSIGN = "assign"
    START = "start"
    RESOLVE = "resolve"
    RETURN = "return"
    DUPLICATE = "duplicate"
    UNABLE = "unable"
    CLOSE = "close"  # villager satisfied (满意 / 基本满意)
    REOPEN = "reopen"  # villager not satisfied, or an explicit 重开 with a reason

    @property
    def label(self) -> str:
        return texts.HD_ACTION_LABELS[self.value]


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"
    CRITICAL = "critical"

    @property
    def label(self) -> str:
        return texts.HD_URGENCY_LABELS[self.value]


class Satisfaction(StrEnum):
    """The villager's rating at 回访 (12345 practice: 满意 / 基本满意 / 不满意)."""

    SATISFIED = "satisfied"
    BASIC = "basically_satisfied"
    UNSATISFIED = "unsatisfied"

    @property
    def label(self) -> str:
        return texts.HD_SATISFACTION_LABELS[self.value]


class Role(StrEnum):
    VILLAGER = "villager"
    CADRE = "cadre"
    ADMIN = "admin"


ROLE_LABELS = {role: texts.HD_ROLE_LABELS[role.value] for role in Role}

# Statuses in which the request still needs work from cadres; only these can become overdue.
OPEN_STATUSES: frozenset[Status] = frozenset(
    {Status.SUBMITTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.RETURNED, Status.REOPENED}
)
# The end of a request's life: no action leaves them, except an explicit 重开 (reopen, dispatchers
# and admins, with a reason) from 已回访关闭.
FINAL_STATUSES: frozenset[Status] = frozenset({Status.CLOSED, Status.DUPLICATE, Status.UNABLE})


@dataclass(frozen=True)
class Rule:
    """One action: the statuses it may start from, where it leads, and whether a reason is mandatory."""

    sources: frozenset[Status]
    target: Status
    reason_required: bool = False


_WORKING = frozenset(
    {Status.SUBMITTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.RETURNED, Status.REOPENED}
)

# No rule leads backwards by accident: 派单/改派 is refused once work has started (办理中 → 已派单
# was the silent step back); only 退回 and 重开 move a request back, each with a reason.
RULES: dict[Action, Rule] = {
    Action.ASSIGN: Rule(
        frozenset({Status.SUBMITTED, Status.ASSIGNED, Status.RETURNED, Status.REOPENED}), Status.ASSIGNED
    ),
    Action.START: Rule(frozenset({Status.ASSIGNED, Status.REOPENED}), Status.IN_PROGRESS),
    Action.RESOLVE: Rule(frozenset({Status.IN_PROGRESS}), Status.RESOLVED),
    Action.RETURN: Rule(
        frozenset({Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED}),
        Status.RETURNED,
        reason_required=True,
    ),
    Action.DUPLICATE: Rule(_WORKING, Status.DUPLICATE),
    Action.UNABLE: Rule(_WORKING, Status.UNABLE, reason_required=True),
    Action.CLOSE: Rule(frozenset({Status.RESOLVED}), Status.CLOSED),
    # From 已回访关闭 only as an explicit 重开 by a dispatcher or admin (reason checked by the command).
    Action.REOPEN: Rule(frozenset({Status.RESOLVED, Status.CLOSED}), Status.REOPENED),
}


def allowed_actions(status: Status) -> list[Action]:
    """Actions that are legal from `status`, in table order (used in error hints and by front ends)."""
    return [action for action, rule in RULES.items() if status in rule.sources]


def transitions() -> dict[Status, set[Status]]:
    """The state graph: for each status, the statuses reachable in one action."""
    graph: dict[Status, set[Status]] = {s: set() for s in Status}
    for rule in RULES.values():
        for source in rule.sources:
            graph[source].add(rule.target)
    return graph
