"""The product's vocabulary: help-request categories and cadre posts, spelled once.

Settings (bot/config.py), the helpdesk's tables (deadlines, keywords, routing order) and the
assistant's handbooks all name categories and posts through these constants, so a typo is an
ImportError rather than a table row that silently never matches.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# ----------------------------------------------------------------------------- categories
MEDICAL = "医疗"
EDUCATION = "教育"
HOUSING = "住房安全"
WATER = "饮水安全"
JOBS = "就业"
INDUSTRY = "产业发展"
WELFARE = "低保/救助"
OTHER = "其他"

# The one every request can fall back to (always accepted, even when REQUEST_CATEGORIES leaves it out).
FALLBACK_CATEGORY = OTHER
# The default REQUEST_CATEGORIES, in the order the form shows them.
CATEGORIES: tuple[str, ...] = (MEDICAL, EDUCATION, HOUSING, WATER, JOBS, INDUSTRY, WELFARE, OTHER)

# ----------------------------------------------------------------------------- posts
FIRST_SECRETARY = "第一书记"
TEAM_LEADER = "驻村工作队长"
PARTY_SECRETARY = "村党组织书记"
COMMITTEE_DIRECTOR = "村委会主任"
TEAM_MEMBER = "驻村工作队员"
TWO_COMMITTEES = "村两委干部"
HELPER = "帮扶责任人"
GRID_WORKER = "网格员"
TOWNSHIP_CADRE = "乡镇干部"

# Posts a cadre may hold in a village, in routing priority: the first one bound gets new requests.
POSTS: tuple[str, ...] = (
    FIRST_SECRETARY,
    TEAM_LEADER,
    PARTY_SECRETARY,
    COMMITTEE_DIRECTOR,
    TEAM_MEMBER,
    TWO_COMMITTEES,
    HELPER,
    GRID_WORKER,
    TOWNSHIP_CADRE,
)
# Posts that dispatch (派单/改派) and receive returned requests.
DISPATCHER_POSTS: frozenset[str] = frozenset({FIRST_SECRETARY, TEAM_LEADER, PARTY_SECRETARY})
# Posts with a duty handbook (bot/assistant/duties/<post>职责.md) …
HANDBOOK_POSTS: tuple[str, ...] = (FIRST_SECRETARY, TEAM_MEMBER, PARTY_SECRETARY, TWO_COMMITTEES, HELPER)
# … and the handbook other posts read: the closest one.
HANDBOOK_FOR: Mapping[str, str] = MappingProxyType(
    {TEAM_LEADER: TEAM_MEMBER, COMMITTEE_DIRECTOR: TWO_COMMITTEES}
)
