"""Helpdesk tunables with sensible defaults.

Categories come from `Settings.request_categories`; the deadline and keyword tables below are
defaults that `REQUEST_DEADLINE_DAYS` (per-category working days), `REQUEST_DEADLINE_HOURS`
(per-category round-the-clock hours, for deadlines shorter than a day or set before working days
existed) and `REQUEST_KEYWORDS` (words added to a category's own) adjust without a release.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import vocab
from bot.helpdesk.lifecycle import Urgency
from bot.helpdesk.workdays import WorkCalendar
from bot.vocab import FALLBACK_CATEGORY

if TYPE_CHECKING:
    from bot.config import Settings

# Working days to resolve a request, per category (12345 practice: help requests within 3–5
# working days): urgent physical risks (water, housing, illness) first. Counted by
# bot/helpdesk/workdays.py: weekends, official holidays and 调休 as a county office has them.
DEFAULT_DEADLINE_DAYS: Mapping[str, int] = MappingProxyType(
    {
        vocab.MEDICAL: 3,
        vocab.WATER: 2,
        vocab.HOUSING: 3,
        vocab.EDUCATION: 5,
        vocab.WELFARE: 5,
        vocab.JOBS: 5,
        vocab.INDUSTRY: 5,
        vocab.OTHER: 5,
    }
)
DEFAULT_DEADLINE_DAYS_OTHER = 5  # a category a county added without a deadline
# An urgent request is never given longer than this, whatever its category; and with a clock,
# it is due the same (local) day — 12345 practice for emergencies — but never in under
# URGENT_MIN_HOURS, so one filed late at night still gets a workable deadline.
DEFAULT_URGENCY_CAP_HOURS: Mapping[Urgency, int | None] = MappingProxyType(
    {Urgency.NORMAL: None, Urgency.URGENT: 24, Urgency.CRITICAL: 24}
)
URGENT_MIN_HOURS = 4

# Keyword rules for category suggestion: plain substrings of simplified Chinese text.
DEFAULT_KEYWORDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        vocab.MEDICAL: (
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
        vocab.EDUCATION: (
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
        vocab.HOUSING: ("房子", "漏雨", "危房", "房屋", "墙体", "裂缝", "倒塌", "屋顶", "改造", "住房"),
        vocab.WATER: ("喝水", "水管", "水质", "饮水", "自来水", "水井", "停水", "没水", "水源", "水浑"),
        vocab.JOBS: ("工作", "打工", "失业", "务工", "找活", "招聘", "技能培训", "公益岗", "岗位", "工资"),
        vocab.INDUSTRY: (
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
        vocab.WELFARE: ("低保", "救助", "特困", "补助", "五保", "临时救助", "残疾", "孤寡", "生活困难", "没钱"),
    }
)

# Without settings (tests, tools): the product's home timezone, as Settings defaults to.
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")

# Posts in routing priority, and the posts that dispatch: the vocabulary's (bot/vocab.py).
DEFAULT_POSTS: tuple[str, ...] = vocab.POSTS
DEFAULT_DISPATCHER_POSTS: frozenset[str] = vocab.DISPATCHER_POSTS


@dataclass(frozen=True)
class HelpdeskConfig:
    """Everything the workflow needs to know that is policy rather than code."""

    categories: tuple[str, ...] = vocab.CATEGORIES
    deadline_days: Mapping[str, int] = field(default_factory=lambda: DEFAULT_DEADLINE_DAYS)
    default_deadline_days: int = DEFAULT_DEADLINE_DAYS_OTHER
    # Round-the-clock deadlines (REQUEST_DEADLINE_HOURS): a category listed here is due this many
    # hours after filing, weekends and holidays included, instead of in working days.
    deadline_hours: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    urgency_cap_hours: Mapping[Urgency, int | None] = field(default_factory=lambda: DEFAULT_URGENCY_CAP_HOURS)
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: DEFAULT_KEYWORDS)
    posts: tuple[str, ...] = DEFAULT_POSTS
    dispatcher_posts: frozenset[str] = DEFAULT_DISPATCHER_POSTS
    tz: ZoneInfo = DEFAULT_TZ  # from_settings: Settings.tz (TIMEZONE, validated at load)
    max_description_chars: int = 2000
    max_note_chars: int = 1000
    max_address_chars: int = 200
    policy_hints_k: int = 3
    invite_ttl: timedelta = timedelta(days=7)
    admin_chat_ids: frozenset[int] = field(default_factory=frozenset)
    follow_up_delay: timedelta = timedelta(hours=24)  # 回访 the day after 办结
    escalate_after_days: int = 2  # 督办: overdue this many working days → admins and 乡镇
    attachments_dir: Path | None = None  # None: photos are refused (no data dir)
    attachment_max_bytes: int = 10 * 1024 * 1024
    # Policy passages below this retrieval score are not attached to a request: a wrong policy on
    # a receipt misleads, none is better. The cut-off belongs to the lookup's score scale, so the
    # deployed default lives in Settings.request_policy_min_score (0.86 for the knowledge base's
    # fused score, measured on 42 labelled requests with bench/policy_threshold.py: docs/helpdesk.md
    # § Policy suggestions); without settings (tests with other lookups) nothing is cut.
    policy_min_score: float = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> HelpdeskConfig:
        categories = tuple(settings.request_categories) or vocab.CATEGORIES
        if FALLBACK_CATEGORY not in categories:
            categories = (*categories, FALLBACK_CATEGORY)
        days = {**DEFAULT_DEADLINE_DAYS, **settings.request_deadline_days}
        for category in settings.request_deadline_hours:  # hours replace the default days
            days.pop(category, None)
        keywords = dict(DEFAULT_KEYWORDS)
        for category, words in settings.request_keywords.items():
            extra = tuple(w.strip() for w in words if w.strip() not in keywords.get(category, ()))
            keywords[category] = (*keywords.get(category, ()), *extra)
        return cls(
            categories=categories,
            deadline_days=MappingProxyType(days),
            deadline_hours=MappingProxyType(dict(settings.request_deadline_hours)),
            keywords=MappingProxyType(keywords),
            tz=settings.tz,
            admin_chat_ids=frozenset(settings.admin_ids),
            follow_up_delay=timedelta(hours=settings.follow_up_delay_hours),
            escalate_after_days=settings.escalate_after_days,
            attachments_dir=settings.data_dir / "attachments",
            attachment_max_bytes=settings.attachment_max_mb * 1024 * 1024,
            policy_min_score=settings.request_policy_min_score,
        )

    @cached_property
    def calendar(self) -> WorkCalendar:
        """Working days in this timezone (one per config, so an unknown year warns once)."""
        return WorkCalendar(self.tz)

    def due_at(self, category: str, urgency: Urgency, now: datetime) -> datetime:
        """When a request filed (or marked urgent, or reopened) at `now` must be resolved.

        Normal: the category's working days (end of the N-th working day after today), or its
        round-the-clock hours where REQUEST_DEADLINE_HOURS sets them. Urgent: the same local day
        (at least URGENT_MIN_HOURS), never later than the urgency cap or the category's hours.
        """
        hours = self.deadline_hours.get(category)
        cap = self.urgency_cap_hours.get(urgency)
        if cap is not None:
            local = now.astimezone(self.tz)
            day_end = datetime.combine(local.date() + timedelta(days=1), time.min, tzinfo=self.tz)
            same_day = max(day_end - local, timedelta(hours=URGENT_MIN_HOURS))
            return now + min(timedelta(hours=min(hours or cap, cap)), same_day)
        if hours is not None:
            return now + timedelta(hours=hours)
        return self.calendar.deadline(now, self.deadline_days.get(category, self.default_deadline_days))

    def escalation_at(self, due_at: datetime) -> datetime:
        """督办 level 2: the end of the `escalate_after_days`-th working day after the due day."""
        return self.calendar.deadline(due_at, self.escalate_after_days)

    def post_rank(self, post: str) -> int:
        """Routing priority of a post (lower routes first); unknown posts go last."""
        return self.posts.index(post) if post in self.posts else len(self.posts)
