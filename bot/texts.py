"""Every user-facing string, in simplified Chinese, in one place.

Front ends and the core import from here so wording can be reviewed (and one day translated)
without hunting through code. Engineers' log messages stay in English in the code itself.
"""

from __future__ import annotations

# ----------------------------------------------------------------------------- answering
NOT_COVERED = (
    "抱歉，知识库里没有找到与您问题相关的政策内容，为避免误导，暂不作答。\n"
    "建议：向本村驻村工作队或村两委干部咨询，或发送“我要求助”登记您的困难，我们会安排干部跟进。"
)
EMPTY_QUESTION = "请输入您想咨询的问题，例如：“低保怎么申请？”"
QUESTION_TOO_LONG = "问题太长了（超过 {limit} 个字），请简要描述您想问的内容。"
ANSWER_HEADER = "根据知识库中的政策资料："
SOURCES_HEADER = "来源："

# ----------------------------------------------------------------------------- ingestion
# (ingest reports are for operators and stay in English; see bot/kb/ingest.py)

# ----------------------------------------------------------------------------- helpdesk
# Messages for help requests live below this line (owned by bot/helpdesk).

# Labels shown for statuses, urgencies and actions (keys are the stable English codes).
HD_STATUS_LABELS = {
    "submitted": "已受理",
    "assigned": "已派单",
    "in_progress": "办理中",
    "resolved": "已办结",
    "closed": "已回访关闭",
    "returned": "已退回",
    "duplicate": "重复工单",
    "unable": "无法办理",
    "reopened": "重新打开",
}
HD_URGENCY_LABELS = {"normal": "一般", "urgent": "紧急", "critical": "特急"}
HD_ACTION_LABELS = {
    "assign": "派单",
    "start": "开始办理",
    "resolve": "办结",
    "return": "退回",
    "duplicate": "标记为重复",
    "unable": "标记为无法办理",
    "close": "回访关闭（已解决）",
    "reopen": "重新打开（未解决）",
    "note": "添加备注",
}
HD_SATISFACTION_LABELS = {"satisfied": "满意（已解决）", "unsatisfied": "不满意（未解决）"}
HD_SYSTEM_ACTOR = "系统"
HD_ROLE_LABELS = {"villager": "村民", "cadre": "干部", "admin": "管理员"}
HD_DEFAULT_VILLAGER_NAME = "村民{chat_user_id}"
HD_DEFAULT_ADMIN_NAME = "管理员{chat_user_id}"
HD_FIELD_NAME = "姓名"
HD_FIELD_VILLAGE = "村名"
HD_FIELD_NOTE = "说明"
HD_FIELD_ADDRESS = "住址/户号"
HD_THIS_VILLAGE = "该村"

# -- event-log notes (shown in a request's history)
HD_EVENT_FILED = "类别：{category}（系统建议：{suggested}）"
HD_EVENT_AUTO_ASSIGNED = "自动派给{post}{name}"
HD_EVENT_ASSIGNED = "派给{post}{name}"
HD_EVENT_DUPLICATE = "与 {original} 重复"
HD_EVENT_SATISFIED = "求助人表示问题已解决"
HD_EVENT_UNSATISFIED = "求助人表示问题未解决"
HD_EVENT_NEW_DUE = "新的办理时限 {due}"
HD_EVENT_NOTE_SUFFIX = "：{note}"
HD_OPERATOR_ACTOR = "后台管理员"

# -- errors shown to end users (HelpdeskError.message_zh)
HD_ERR_DESCRIPTION_EMPTY = "请描述您遇到的困难，例如：“家里房子漏雨，需要维修。”"
HD_ERR_DESCRIPTION_TOO_LONG = "描述太长了（{length} 个字，最多 {limit} 个字），请简要说明主要困难。"
HD_ERR_TEXT_TOO_LONG = "“{field}”太长了（最多 {limit} 个字）。"
HD_ERR_FIELD_EMPTY = "“{field}”不能为空。"
HD_ERR_PHONE = (
    "联系电话“{phone}”格式不正确，请填写 11 位手机号（如 13812345678）"
    "或带区号的固定电话（如 0851-1234567）。"
)
HD_ERR_UNKNOWN_VILLAGE = "没有找到村庄“{village}”，请从村庄列表中选择。"
HD_ERR_AMBIGUOUS_VILLAGE = "有多个名为“{village}”的村，请改用村庄编号：{choices}"
HD_ERR_VILLAGE_EXISTS = "村庄“{village}”已经登记过了（编号 {village_id}）。"
HD_ERR_UNKNOWN_REQUEST = "没有找到编号为“{number}”的工单，请核对编号（格式如 2026-000123）。"
HD_ERR_ILLEGAL_TRANSITION = "工单 {number} 当前状态为“{status}”，不能执行“{action}”。"
HD_ERR_ILLEGAL_HINT = "当前可执行的操作：{allowed}。"
HD_ERR_ILLEGAL_NONE = "该工单已结束，不能再办理。"
HD_ERR_REASON_REQUIRED = "“{action}”必须填写原因，请说明原因后再提交。"
HD_ERR_OTHER_VILLAGE = "工单 {number} 属于{village}，您不是该村的帮扶干部，无权处理。"
HD_ERR_NOT_VISIBLE = "您无权查看工单 {number}。"
HD_ERR_VILLAGE_NOT_YOURS = "您不是{village}的帮扶干部，无权查看该村的工单。"
HD_ERR_NOT_REGISTERED = "系统中还没有您的身份信息，请先联系村干部或管理员登记。"
HD_ERR_ADMIN_ONLY = "只有管理员可以执行此操作。"
HD_ERR_DISPATCHER_ONLY = "只有{village}的派单人（第一书记等）或管理员可以派单、改派。"
HD_ERR_FEEDBACK_ONLY_REQUESTER = "只有求助人本人（或管理员回访时）可以评价工单 {number}。"
HD_ERR_UNKNOWN_CATEGORY = "类别“{category}”不存在，可选：{choices}。"
HD_ERR_UNKNOWN_URGENCY = "紧急程度“{urgency}”不正确，可选：{choices}。"
HD_ERR_UNKNOWN_POST = "职务“{post}”不正确，可选：{choices}。"
HD_ERR_UNKNOWN_ROLE = "身份“{role}”不正确，可选：{choices}。"
HD_ERR_UNKNOWN_STATUS = "状态“{status}”不正确，可选：{choices}。"
HD_ERR_ASSIGNEE_NOT_CADRE = "{name}不是{village}的帮扶干部，不能派单给他/她。"
HD_ERR_UNKNOWN_PERSON = "没有找到用户 {who}，请先登记。"
HD_ERR_PERSON_EXISTS = "用户 {who} 已经登记过了（{name}）。"
HD_ERR_DUPLICATE_SELF = "不能把工单标记为它自己的重复件。"
HD_ERR_ALREADY_ASSIGNED = "工单 {number} 已经派给{name}了。"
HD_ERR_INVITE_UNKNOWN = "邀请码“{code}”无效，请核对后重新输入。"
HD_ERR_INVITE_USED = "邀请码“{code}”已经被使用过了，每个邀请码只能用一次。"
HD_ERR_INVITE_EXPIRED = "邀请码“{code}”已过期，请联系管理员重新生成。"
HD_ERR_INVITE_TTL = "邀请码有效期应在 1 小时到 90 天之间。"
HD_ERR_DATE_RANGE = "开始日期不能晚于结束日期。"
HD_ERR_PAGE = "分页参数不正确（每页 1–{limit} 条）。"
HD_ERR_BUSY = "系统繁忙，请稍后再试。"

# -- notifications (Notification.text_zh)
HD_MSG_FILED = "您的求助已受理，工单编号：{number}\n类别：{category}　办理时限：{due}"
HD_MSG_FILED_ASSIGNED = "已交给{post}{name}负责，办理过程中每一步都会通知您。"
HD_MSG_FILED_UNROUTED = "我们会尽快安排干部跟进，办理过程中每一步都会通知您。"
HD_MSG_POLICY_WHILE_WAITING = "在等待期间，以下政策可能对您有帮助：\n{hints}"
HD_MSG_NEW_REQUEST = (
    "【新求助】{village} 工单 {number}\n类别：{category}　紧急程度：{urgency}\n"
    "求助人：{requester}\n问题：{description}\n办理时限：{due}"
)
HD_MSG_NEW_REQUEST_YOURS = "已派给您办理，请尽快联系求助人。"
HD_MSG_NEW_REQUEST_OTHERS = "已派给{post}{name}办理。"
HD_MSG_POSSIBLE_POLICIES = "可能适用的政策：\n{hints}"
HD_MSG_UNROUTED = "【待派单】{village}还没有绑定帮扶干部，工单 {number}（{category}）无人接收，请尽快派单。"
HD_MSG_ASSIGNED = "【派单】工单 {number}（{village}，{category}）已派给您办理，时限：{due}。\n问题：{description}"
HD_MSG_STATUS_CHANGED = "您的工单 {number} 状态更新：{old} → {new}。"
HD_MSG_STATUS_NOTE = "说明：{note}"
HD_MSG_ASK_FEEDBACK = "您的工单 {number} 已办结。\n{note}问题解决了吗？请回复“已解决”或“未解决”。"
HD_MSG_CLOSED = "感谢您的反馈，工单 {number} 已回访关闭。"
HD_MSG_REOPENED_REQUESTER = "已收到您的反馈，工单 {number} 已重新打开，干部会继续跟进。"
HD_MSG_RETURNED = "【退回】工单 {number}（{village}）被{actor}退回，原因：{reason}。请重新派单。"
HD_MSG_REOPENED = "【重新打开】工单 {number}（{village}）：求助人表示问题未解决。"
HD_MSG_NOTE = "您的工单 {number} 有新进展：{note}"
HD_MSG_DUPLICATE = "您的工单 {number} 与工单 {original} 是同一问题，将合并到 {original} 一起办理。"
HD_MSG_OVERDUE_HEADER = "【超期提醒】您负责的 {count} 件工单已超过办理时限："
HD_MSG_OVERDUE_LINE = "· {number} {village} {category}（{status}，时限 {due}）"
HD_MSG_HINT_LINE = "· {title}{section}"
HD_MSG_REQUESTER_NOTE = "工单 {number} 求助人补充：{note}"
HD_MSG_OVERDUE_MORE = "……另有 {count} 件"

# ----------------------------------------------------------------------------- telegram
# Messages for the Telegram front end live below this line (owned by bot/telegram).
