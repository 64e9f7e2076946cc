"""docs/helpdesk.md's lifecycle diagram and table say what the code does (`RULES` in
bot/helpdesk/lifecycle.py): a transition added, removed or given a mandatory reason in the code
and not in the docs fails here."""

from __future__ import annotations

import re
from pathlib import Path

from bot import texts
from bot.helpdesk import Action, NotificationKind, Status, transitions
from bot.helpdesk.lifecycle import RULES

DOC = Path(__file__).resolve().parents[2] / "docs" / "helpdesk.md"
BY_LABEL = {label: Status(code) for code, label in texts.HD_STATUS_LABELS.items()}
EDGE = re.compile(r"^\s*(\w+) --> (\w+)\s*:", re.M)


def _section() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text[text.index("## States") : text.index("## Routing and permissions")]


def _table() -> list[dict[str, str]]:
    lines = [line for line in _section().splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header[:2] == ["from", "action (`Action`)"], header
    rows = []
    for line in lines[1:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if set(cells[0]) <= {"-"}:
            continue  # the separator line
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def _states(cell: str) -> set[Status]:
    return {BY_LABEL[label.strip()] for label in cell.split("·")}


def test_table_rows_match_the_transition_rules() -> None:
    sources: dict[Action, set[Status]] = {}
    for row in _table():
        code = re.match(r"`(\w+)`", row["action (`Action`)"])
        if code is None:
            assert row["to"].startswith(("(unchanged", "已派单")), row  # notes, 督办, 延期, intake
            continue
        action = Action(code.group(1))
        rule = RULES[action]
        came_from = _states(row["from"])
        assert came_from <= rule.sources, (action, came_from - rule.sources)
        sources.setdefault(action, set()).update(came_from)
        assert BY_LABEL[row["to"].split()[0]] is rule.target, row
        if rule.reason_required:
            assert row["reason"].startswith("**required**"), row
    assert sources == {action: set(rule.sources) for action, rule in RULES.items()}


def test_diagram_edges_are_transitions_and_only_the_noted_ones_are_left_out() -> None:
    diagram = _section().split("```mermaid", 1)[1].split("```", 1)[0]
    codes = {s.value for s in Status}
    edges = {(Status(a), Status(b)) for a, b in EDGE.findall(diagram) if a in codes and b in codes}
    assert len(edges) > 10
    graph = {(source, target) for source, targets in transitions().items() for target in targets}
    assert edges <= graph, edges - graph
    missing = graph - edges
    # The diagram notes instead that 重复 / 无法办理 are reachable from every open state.
    assert {target for _, target in missing} <= {Status.DUPLICATE, Status.UNABLE}, missing
    assert "duplicate / unable are reachable from every open state" in diagram


def test_every_notification_kind_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Notifications") : text.index("## Numbers and storage")]
    listed = set(re.findall(r"^\| `(\w+)` \|", section, re.M))
    assert listed == {kind.value for kind in NotificationKind}
