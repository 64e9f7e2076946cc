"""Helpdesk tunables with sensible defaults.

Categories come from `Settings.request_categories`; the deadline and keyword tables below are
defaults that `REQUEST_DEADLINE_HOURS` (per-category override) and `REQUEST_KEYWORDS` (words
added to a category's own) adjust without a release.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING

from bot.config import DEFAULT_REQUEST_CATEGORIES, FALLBACK_CATEGORY
from bot.helpdesk.lifecycle import Urgency

if TYPE_CHECKING:
    from bot.config import Settings

# Hours to resolve a request, per category: urgent physical risks (water, housing, illness) first.
DEFAULT_DEADLINE_HOURS: Mapping[str, int] = MappingProxyType(
    {
        "医疗": 72,
        "饮水安全": 48,
        "住房安全": 72,
        "教育": 120,
        "低保/救助": 168,
        "就业": 168,
        "产业发展": 240,
        "其他": 120,
    }
)
DEFAULT_DEADLINE = 120
# An urgent request is never given longer than this, whatever its category.
DEFAULT_URGENCY_CAP_HOURS: Mapping[Urgency, int | None] = MappingProxyType(
    {Urgency.NORMAL: None, Urgency.URGENT: 48, Urgency.CRITICAL: 24}
)

# Keyword rules for category suggestion: plain substrings of simplified Chinese text.
DEFAULT_KEYWORDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "医疗": (
            "看病",
            "住院",
            "医药费",
            "医疗费",
            "生病",
            "病了",
            "手术",
            "吃药",
            "药费",
            "医保",
            "慢性病",
            "大病",
            "医院",
            "治疗",
        ),
        "教育": (
            "上学",
            "学费",
            "辍学",
            "读书",
            "学校",
            "孩子上",
            "助学",
            "营养餐",
            "失学",
            "书本费",
            "退学",
        ),
        "住房安全": ("房子", "漏雨", "危房", "房屋", "墙体", "裂缝", "倒塌", "屋顶", "改造", "住房"),
        "饮水安全": ("喝水", "水管", "水质", "饮水", "自来水", "水井", "停水", "没水", "水源", "水浑"),
        "就业": ("工作", "打工", "失业", "务工", "找活", "招聘", "技能培训", "公益岗", "岗位", "工资"),
        "产业发展": (
            "种植",
            "养殖",
            "合作社",
            "产业",
            "农产品",
            "销路",
            "种子",
            "化肥",
            "贷款",
            "养猪",
            "养牛",
            "养羊",
            "养鸡",
            "大棚",
        ),
        "低保/救助": ("低保", "救助", "特困", "补助", "五保", "临时救助", "残疾", "孤寡", "生活困难", "没钱"),
    }
)

# Posts a cadre may hold in a village, in routing priority: the first one bound gets new requests.
DEFAULT_POSTS: tuple[str, ...] = (
    "第一书记",
    "驻村工作队长",
    "村党组织书记",
    "村委会主任",
    "驻村工作队员",
    "村两委干部",
    "帮扶责任人",
    "网格员",
    "乡镇干部",
)
# Posts that dispatch (派单/改派) and receive returned requests.
DEFAULT_DISPATCHER_POSTS: frozenset[str] = frozenset({"第一书记", "驻村工作队长", "村党组织书记"})


@dataclass(frozen=True)
class HelpdeskConfig:
    """Everything the workflow needs to know that is policy rather than code."""

    categories: tuple[str, ...] = DEFAULT_REQUEST_CATEGORIES
    deadline_hours: Mapping[str, int] = field(default_factory=lambda: DEFAULT_DEADLINE_HOURS)
    default_deadline_hours: int = DEFAULT_DEADLINE
    urgency_cap_hours: Mapping[Urgency, int | None] = field(default_factory=lambda: DEFAULT_URGENCY_CAP_HOURS)
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: DEFAULT_KEYWORDS)
    posts: tuple[str, ...] = DEFAULT_POSTS
    dispatcher_posts: frozenset[str] = DEFAULT_DISPATCHER_POSTS
    timezone: str = "Asia/Shanghai"
    max_description_chars: int = 2000
    max_note_chars: int = 1000
    max_address_chars: int = 200
    policy_hints_k: int = 3
    invite_ttl: timedelta = timedelta(days=7)
    admin_chat_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, settings: Settings) -> HelpdeskConfig:
        categories = tuple(settings.request_categories) or DEFAULT_REQUEST_CATEGORIES
        if FALLBACK_CATEGORY not in categories:
            categories = (*categories, FALLBACK_CATEGORY)
        deadlines = {**DEFAULT_DEADLINE_HOURS, **settings.request_deadline_hours}
        keywords = dict(DEFAULT_KEYWORDS)
        for category, words in settings.request_keywords.items():
            extra = tuple(w.strip() for w in words if w.strip() not in keywords.get(category, ()))
            keywords[category] = (*keywords.get(category, ()), *extra)
        return cls(
            categories=categories,
            deadline_hours=MappingProxyType(deadlines),
            keywords=MappingProxyType(keywords),
            timezone=settings.timezone,
            admin_chat_ids=frozenset(settings.admin_ids),
        )

    def deadline(self, category: str, urgency: Urgency) -> timedelta:
        """Time allowed to resolve: the category deadline, shortened by the urgency cap."""
        hours = self.deadline_hours.get(category, self.default_deadline_hours)
        cap = self.urgency_cap_hours.get(urgency)
        if cap is not None:
            hours = min(hours, cap)
        return timedelta(hours=hours)

    def post_rank(self, post: str) -> int:
        """Routing priority of a post (lower routes first); unknown posts go last."""
        return self.posts.index(post) if post in self.posts else len(self.posts)
