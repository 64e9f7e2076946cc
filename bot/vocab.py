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

# ----------------------------------------------------------------------------- post aliases
# What people call the posts in chat (`/invite 村支书`); reviewed list, mapped to the posts above.
POST_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "村支书": PARTY_SECRETARY,
        "支书": PARTY_SECRETARY,
        "村书记": PARTY_SECRETARY,
        "村党支部书记": PARTY_SECRETARY,
        "村两委": TWO_COMMITTEES,
        "两委干部": TWO_COMMITTEES,
        "村干部": TWO_COMMITTEES,
        "村主任": COMMITTEE_DIRECTOR,
        "村长": COMMITTEE_DIRECTOR,
        "队长": TEAM_LEADER,
        "工作队长": TEAM_LEADER,
        "工作队员": TEAM_MEMBER,
        "队员": TEAM_MEMBER,
        "驻村干部": TEAM_MEMBER,
        "帮扶人": HELPER,
        "帮扶干部": HELPER,
        "乡镇": TOWNSHIP_CADRE,
    }
)

# ----------------------------------------------------------------------------- 回访 replies
# A villager's free-text verdict after 办结 (bot/helpdesk/replies.py). Checked in this order:
# not satisfied first (its phrases contain the satisfied ones: 没解决 ⊃ 解决), then 基本满意.
REPLY_UNSATISFIED: tuple[str, ...] = (
    "没解决",
    "没有解决",
    "未解决",
    "不解决",
    "没处理",
    "没有处理",
    "没人联系",
    "没有人联系",
    "没人来",
    "没有人来",
    "没人管",
    "没人理",
    "不管",
    "还是漏",
    "还在漏",
    "还漏",
    "又漏",
    "没修",
    "没有修",
    "没好",
    "还没好",
    "不满意",
    "没用",
    "没效果",
    "还是不行",
    "还不行",
    "不行",
    "还是没",
    "根本没",
    "敷衍",
    "糊弄",
    "骗人",
    "没办",
    "没有办",
    "还是老样子",
    "更严重",
)
REPLY_BASIC: tuple[str, ...] = (
    "基本满意",
    "基本解决",
    "基本上解决",
    "基本好了",
    "还行",
    "还可以",
    "凑合",
    "一般般",
    "差不多",
    "马马虎虎",
)
REPLY_SATISFIED: tuple[str, ...] = (
    "解决了",
    "已解决",
    "好了",
    "修好",
    "弄好",
    "搞好",
    "搞定",
    "满意",
    "谢谢",
    "感谢",
    "多谢",
    "辛苦了",
    "可以了",
    "没问题了",
    "没事了",
    "办好",
    "办妥",
    "收到了",
    "到账",
    "落实了",
)
# Words that make a "satisfied" phrase a question ("修好了吗？"): then it is no verdict.
REPLY_QUESTION_MARKS: tuple[str, ...] = ("吗", "么", "?", "？", "什么时候", "啥时候", "怎么")

# ----------------------------------------------------------------------------- emergencies
# Wording that marks a request 紧急 (same-day deadline, every cadre and the admins alerted) and
# the service the villager is told to call first: 120 ambulance, 119 fire/rescue, 110 police.
EMERGENCY_WORDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "摔断": ("120",),
        "骨折": ("120",),
        "昏迷": ("120",),
        "晕倒": ("120",),
        "不省人事": ("120",),
        "喘不上气": ("120",),
        "中风": ("120",),
        "大出血": ("120",),
        "流血不止": ("120",),
        "心脏病发": ("120",),
        "喝农药": ("120", "110"),
        "中毒": ("120",),
        "难产": ("120",),
        "被蛇咬": ("120",),
        "煤气中毒": ("120",),
        "着火": ("119",),
        "失火": ("119",),
        "起火": ("119",),
        "火灾": ("119",),
        "洪水": ("119",),
        "山洪": ("119",),
        "被淹": ("119",),
        "泥石流": ("119",),
        "滑坡": ("119",),
        "塌了": ("119",),
        "倒塌": ("119",),
        "垮了": ("119",),
        "被困": ("119",),
        "掉进河": ("119", "120"),
        "落水": ("119", "120"),
        "打人": ("110",),
        "打架": ("110",),
        "被打": ("110",),
        "砍人": ("110", "120"),
        "家暴": ("110",),
        "走失": ("110",),
        "找不到人": ("110",),
        "小偷": ("110",),
        "被偷": ("110",),
        "没水喝": (),
        "断水好几天": (),
        "断粮": (),
        "没饭吃": (),
    }
)


# Wording that makes a typed message a question (the help-request form answers it beside the form
# instead of refusing it as a wrong answer). Not "么"/"几"/"呢": "裂了这么大的缝", "停水几天了" are
# descriptions.
QUESTION_MARKERS: tuple[str, ...] = (
    "？", "?", "吗", "怎么", "怎样", "咋", "如何", "什么", "啥", "哪里", "哪儿", "哪些", "哪个",
    "多少", "谁", "能不能", "可不可以", "是不是", "有没有", "要不要",
)
# Typed at the phone step: the villager has no phone to give (the same as 不留电话).
NO_PHONE_WORDS: frozenset[str] = frozenset({"没有", "没", "无", "不留", "不留了", "没电话", "没有电话", "不用", "不想留"})

# ----------------------------------------------------------------------------- follow-up questions
# A short message that names no policy of its own is asked about the previous question's policy
# (bot/assistant/conversation.py) when it has a follow-up's form: it opens like one (那要带啥材料？
# 还要交钱吗？), ends in 呢 (那在外地打工的呢？), or asks one of the things people ask next about the
# same policy (材料, 找谁, 去哪办, 多少钱, 多久 …). Reviewed list: a word here turns a short, policy-less
# question into one about the last topic, so keep it to words that make sense only with a topic.
FOLLOW_UP_OPENERS: tuple[str, ...] = (
    "那",
    "还要",
    "还得",
    "还需",
    "还用",
    "还能",
    "还可以",
    "还有",
    "另外",
    "再问",
    "顺便问",
    "这个",
    "这项",
    "这种",
    "它",
    "要是",
    "如果",
)
FOLLOW_UP_ASPECTS: tuple[str, ...] = (
    "材料",
    "手续",
    "证件",
    "证明",
    "带啥",
    "带什么",
    "准备啥",
    "准备什么",
    "找谁",
    "问谁",
    "谁管",
    "谁办",
    "去哪",
    "到哪",
    "在哪",
    "哪里办",
    "哪儿办",
    "多少钱",
    "补多少",
    "给多少",
    "领多少",
    "交多少",
    "报多少",
    "多久",
    "多长时间",
    "几天",
    "几个月",
    "啥时候",
    "什么时候",
    "截止",
    "批下来",
    "发下来",
    "到账",
    "怎么申请",
    "咋申请",
    "如何申请",
    "怎么办理",
    "咋办理",
    "怎么弄",
    "咋弄",
    "流程",
    "条件",
    "标准",
    "电话",
    "能不能",
    "可不可以",
    "要不要",
    "用不用",
    "够不够",
    "有没有",
)
# What else an aspect-only follow-up may say ("要带啥材料？" "能补多少？" "咋申请呀"): with the aspect
# and these characters taken away, at most two characters may remain. "村干部一个月工资多少钱？" keeps
# 村干部月工资 and stands alone: it names what it asks about.
FOLLOW_UP_FILLER = "我你他她咱俺们要需得能可以还就都也再又的地了吗嘛呢啊呀吧么是去到在办弄有多少几个一这那怎咋啥什样哪里儿"
