"""Every user-facing string, in simplified Chinese, in one place.

Front ends and the core import from here so wording can be reviewed (and one day translated)
without hunting through code. Engineers' log messages stay in English in the code itself.
"""

from __future__ import annotations


# ----------------------------------------------------------------------------- previews
def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with "…", line breaks kept (a description in an alert)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_line(text: str | None, limit: int) -> str:
    """`text` on one line (runs of whitespace become one space), cut to `limit` characters with "…"
    (a line in a list, a note in a history)."""
    return clip(" ".join((text or "").split()), limit)


# ----------------------------------------------------------------------------- answering
NOT_COVERED = (
    "抱歉，知识库里没有找到与您问题相关的政策内容，为避免误导，暂不作答。\n"
    "建议：向本村驻村工作队或村两委干部咨询，或发送“我要求助”登记您的困难，我们会安排干部跟进。"
)
NOT_COVERED_FIGURE = (
    "抱歉，知识库里的政策资料没有写明您问的具体{what}，为避免误导，暂不作答。"
    "具体标准各地不同，以当地最新文件为准。\n"
    "建议：向本村驻村工作队、村两委干部或乡镇相关部门咨询，或发送“我要求助”登记您的困难，我们会安排干部跟进。"
)
NOT_COVERED_YEAR = (
    "抱歉，知识库里的政策资料没有写明{year}的标准，只有其他年份的，为避免误导，暂不作答。"
    "请以当地最新文件为准。\n"
    "建议：向本村驻村工作队、村两委干部或乡镇相关部门咨询，或发送“我要求助”登记您的困难，我们会安排干部跟进。"
)
EMPTY_QUESTION = "请输入您想咨询的问题，例如：“低保怎么申请？”"
QUESTION_TOO_LONG = "问题太长了（超过 {limit} 个字），请简要描述您想问的内容。"
ANSWER_HEADER = "根据知识库中的政策资料："
SOURCES_HEADER = "来源："
# Before the answer to a short follow-up asked about the previous question's topic
# (bot/assistant/conversation.py): says what was assumed, so a wrong guess is seen at once.
FOLLOW_UP_ASSUMED = "（接着上一个问题：{topic}）"
# "那低保呢？" after "危房改造能补多少钱？": the previous question asked about the new policy.
FOLLOW_UP_SWITCHED = "（按上一个问题来问：{question}）"
# After a source's title when its text was read from a scan or photo (OCR may misread a figure).
SOURCE_SCANNED = "（扫描件）"

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
    "claim": "接单",
    "progress": "办理进展",
    "reopen_explicit": "重开",
    "extension": "申请延期",
}
HD_ACTION_FILED = "登记"  # the first event of a request, when nothing has moved it since
HD_SATISFACTION_LABELS = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}
HD_SYSTEM_ACTOR = "系统"
HD_ROLE_LABELS = {"villager": "村民", "cadre": "干部", "admin": "管理员"}
HD_DEFAULT_VILLAGER_NAME = "村民{chat_user_id}"
HD_DEFAULT_ADMIN_NAME = "管理员{chat_user_id}"
HD_FIELD_NAME = "姓名"
HD_FIELD_VILLAGE = "村名"
HD_FIELD_NOTE = "说明"
HD_FIELD_ADDRESS = "住址/户号"
HD_THIS_VILLAGE = "该村"

# -- event-log notes (shown in a request's history), by event code (bot/helpdesk/events.py).
# Rows store the code and its parameters, so a rewording here reaches every request's history.
# {note} is the actor's own words as HD_EVENT_NOTE_SUFFIX, or empty.
HD_EVENT_TEXTS = {
    "filed": "类别：{category}（系统建议：{suggested}）",
    "auto_assigned": "自动派给{post}{name}",
    "assigned": "派给{post}{name}{note}",
    "duplicate_of": "与 {original} 重复{note}",
    "satisfied": "求助人表示问题已解决{note}",
    "unsatisfied": "求助人表示问题未解决{note}；新的办理时限 {due}",
    "claimed": "{post}{name}接单{note}",
    "rated": "回访评价：{rating}{note}",
    "reopened": "重开，原因{note}；新的办理时限 {due}",
    "follow_up_asked": "已发送回访",
    "emergency": "紧急求助（{words}），已提醒拨打{services}",
    "reminded": "督办：已超过办理时限（{due}），已提醒承办人",
    "escalated": "督办：超期 {days} 天仍未办结，已上报管理员",
    "extension_requested": "申请延期到 {new_due}，理由{note}",
    "extension_approved": "同意延期到 {new_due}{note}",
    "extension_rejected": "不同意延期到 {new_due}{note}",
    "attached": "上传照片（{size} KB）{note}",
    "village_moved": "所属村从“{old}”并入“{new}”",
}
HD_EVENT_NOTE_SUFFIX = "：{note}"
HD_OPERATOR_ACTOR = "后台管理员"

# -- errors shown to end users (HelpdeskError.message_zh)
HD_ERR_DESCRIPTION_EMPTY = "请描述您遇到的困难，例如：“家里房子漏雨，需要维修。”"
HD_ERR_DESCRIPTION_TOO_LONG = "描述太长了（{length} 个字，最多 {limit} 个字），请简要说明主要困难。"
# photos on requests (bot/helpdesk/attachments.py)
HD_ERR_PHOTO_TOO_BIG = "照片太大了（{size} MB），最多 {limit} MB。请用手机直接拍照发送（不要选“原图”），或换一张小一点的。"
HD_ERR_PHOTO_EMPTY = "没有收到照片的内容，请再发一次。"
HD_ERR_PHOTO_TYPE = "这个文件不是照片（只收 JPG、PNG 图片）。请直接拍照发送。"
HD_ERR_PHOTOS_OFF = "系统暂时不能保存照片，请用文字描述情况。"
HD_ERR_PHOTO_GONE = "这张照片已经过期了，请重新发送。"
HD_ERR_PHOTO_CLOSED = "求助 {number} 已经{status}，不能再补充照片。有新的困难请点“我要求助”。"
HD_ERR_PHOTO_TOO_MANY = "每件求助最多附 {limit} 张照片，这张没有保存。"
HD_MSG_ATTACHED = "【补充照片】工单 {number}：{who}补充了一张照片{caption}。"
HD_MSG_ATTACHED_CAPTION = "，说明：{caption}"
HD_ERR_TEXT_TOO_LONG = "“{field}”太长了（最多 {limit} 个字）。"
HD_ERR_FIELD_EMPTY = "“{field}”不能为空。"
HD_ERR_PHONE = (
    "联系电话“{phone}”格式不正确，请填写 11 位手机号（如 13812345678）或带区号的固定电话（如 0851-1234567）。"
)
HD_ERR_UNKNOWN_VILLAGE = "没有找到村庄“{village}”，请从村庄列表中选择。"
HD_ERR_AMBIGUOUS_VILLAGE = "有多个名为“{village}”的村，请改用村庄编号：{choices}"
HD_ERR_VILLAGE_EXISTS = "村庄“{village}”已经登记过了（编号 {village_id}）。"
# Villages (oversight): similar names, rename, merge, remove.
HD_VILLAGE_CHOICE = "{id}={name}"
HD_ERR_VILLAGE_SIMILAR = "已经有名字相近的村：{choices}。“{village}”是不是其中一个？如果确实是另一个村，请确认后再登记。"
HD_ERR_VILLAGE_MERGE_SELF = "不能把一个村合并到它自己。"
HD_ERR_VILLAGE_NOT_EMPTY = "{village}还有 {requests} 件工单、{cadres} 名干部，不能删除。可以先把它合并到另一个村。"
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
HD_ERR_STALE = "这件工单（{number}）刚被{who}处理过（{action}），现在是“{status}”。请看下面的最新情况再操作。"
HD_ERR_STALE_ANON = "这件工单（{number}）刚被处理过，现在是“{status}”。请看下面的最新情况再操作。"
HD_ERR_ILLEGAL_VILLAGER = "您的求助 {number} 现在是“{status}”，这一步现在还不能做。"
HD_ERR_CLAIM_CHAT_ONLY = "接单要由干部本人在聊天里操作。"
HD_ERR_RESULT_TOO_SHORT = "办结要写一句办理结果，让村民知道办了什么，例如：“已请师傅换了水管，恢复供水。”"
HD_ERR_PROGRESS_ASSIGNEE_ONLY = "只有工单 {number} 的承办人（或管理员）可以发布办理进展。"
HD_ERR_PROGRESS_CLOSED = "工单 {number} 现在是“{status}”，已经不在办理中，不能再发布进展。"
HD_ERR_URGENT_CLOSED = "工单 {number} 现在是“{status}”，已经不在办理中，不用再标紧急了。"
HD_ERR_ALREADY_URGENT = "工单 {number} 已经是紧急的了，干部今天之内会处理。"
HD_ERR_UNKNOWN_RATING = "评价“{rating}”不正确，可选：{choices}。"

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
HD_MSG_ASSIGNED = (
    "【派单】工单 {number}（{village}，{category}）已派给您办理，时限：{due}。\n问题：{description}"
)
HD_MSG_STATUS_CHANGED = "您的工单 {number} 状态更新：{old} → {new}。"
HD_MSG_STATUS_NOTE = "说明：{note}"
HD_MSG_ASK_FEEDBACK = "您的工单 {number} 已办结。\n{note}问题解决了吗？请回复“已解决”或“未解决”。"
HD_MSG_CLOSED = "感谢您的反馈，工单 {number} 已回访关闭。"
HD_MSG_REOPENED_REQUESTER = "已收到您的反馈，工单 {number} 已重新打开，干部会继续跟进。"
HD_MSG_RETURNED = "【退回】工单 {number}（{village}）被{actor}退回，原因：{reason}。请重新派单。"
HD_MSG_REOPENED = "【重新打开】工单 {number}（{village}）需要重新办理，新的办理时限 {due}。"
HD_MSG_NOTE = "您的工单 {number} 有新进展：{note}"
HD_MSG_DUPLICATE = "您的工单 {number} 与工单 {original} 是同一问题，将合并到 {original} 一起办理。"
HD_MSG_OVERDUE_HEADER = "【超期提醒】您负责的 {count} 件工单已超过办理时限："
HD_MSG_OVERDUE_LINE = "· {number} {village} {category}（{status}，时限 {due}）"
HD_MSG_HINT_LINE = "· {title}{section}"
HD_MSG_REQUESTER_NOTE = "工单 {number} 求助人补充：{note}"
HD_MSG_OVERDUE_MORE = "……另有 {count} 件"
# 督办 and 延期 (oversight).
HD_NOBODY = "无人"
HD_MSG_SUPERVISE_REMIND = (
    "【督办】工单 {number}（{village}，{category}）已超过办理时限 {due}，现在是“{status}”。"
    "请尽快办理；确实需要更多时间，请在工单里点“申请延期”并写明理由。"
)
HD_MSG_SUPERVISE_ESCALATE = (
    "【督办上报】工单 {number}（{village}，{category}）超期 {days} 天仍未办结（时限 {due}，"
    "现在是“{status}”，承办人：{assignee}）。请督促办理。"
)
HD_MSG_EXTENSION_REQUESTED = (
    "【延期申请】工单 {number}（{village}）：{who}申请把办理时限从 {due} 延到 {new_due}。\n理由：{reason}"
)
HD_MSG_EXTENSION_APPROVED = "【延期】工单 {number} 的延期申请已同意，新的办理时限：{new_due}。"
HD_MSG_EXTENSION_REJECTED = "【延期】工单 {number} 的延期申请没有同意，办理时限仍是 {due}，请抓紧办理。"
HD_MSG_EXTENSION_TO_REQUESTER = "您的求助 {number} 需要多一些时间办理，新的办理时限是 {due}。干部会继续跟进。"
HD_ERR_EXTENSION_REASON = "申请延期必须写明理由（至少 4 个字），比如“等乡镇审批材料”。"
HD_ERR_EXTENSION_DAYS = "延期天数要在 1 到 {max} 天之间（按工作日算，周末和节假日不算）。"
HD_ERR_EXTENSION_PENDING = "工单 {number} 已经有一个延期申请在等管理员审批，请等审批结果。"
HD_ERR_EXTENSION_NONE = "工单 {number} 没有待审批的延期申请（可能已经有人审批过了）。"
HD_ERR_EXTENSION_CLOSED = "工单 {number} 现在是“{status}”，不需要延期。"
# Status changes told to the villager in plain words ({name}: the cadre in charge); statuses
# not listed fall back to HD_MSG_STATUS_CHANGED.
HD_MSG_STATUS_PLAIN = {
    "assigned": "您的求助 {number} 已交给{name}负责，会尽快联系您。",
    "in_progress": "您的求助 {number} 正在办理，{name}已经开始处理了。",
    "returned": "您的求助 {number} 正在重新安排合适的干部来办，请耐心等一等。",
    "unable": "很抱歉，您的求助 {number} 暂时没办法在村里解决。",
    "reopened": "您的求助 {number} 会重新办理，干部会继续跟进。",
    "closed": "您的求助 {number} 已经结束，谢谢您。",
}
HD_MSG_RESOLVED = (
    "您的求助 {number} 已经办好了。\n办理结果：{note}\n"
    "问题解决了吗？请点下面的按钮评价（满意、基本满意、不满意），也可以直接说说情况。"
)
HD_LEDGER_FOLLOW_UP_WAITING = "已回访，待答复"
# Ledger: 延期 columns (bot/helpdesk/export.py). {state}: HD_EXTENSION_STATE_LABELS.
HD_LEDGER_EXTENSION = "{state}，延至 {due}：{reason}"
HD_EXTENSION_STATE_LABELS = {"pending": "待审批", "approved": "已批准", "rejected": "未批准"}
# Monthly report (月报): bot/helpdesk/report.py (figures) and report_files.py (XLSX + chart).
HD_REPORT_MONTH_LABEL = "{year}年{month}月"
HD_ERR_REPORT_MONTH = "看不懂月份“{text}”。请这样写：2026-11 或 2026年11月。"
HD_ERR_REPORT_FUTURE = "{month}还没到，还没有可以统计的工单。"
HD_REPORT_TITLE = "{month}求助工单月报"
HD_REPORT_SHEETS = {
    "summary": "概况",
    "village": "按村",
    "category": "按类别",
    "status": "按状态",
    "overdue": "超期清单",
}
HD_REPORT_TALLY_HEADERS = ("受理", "办结", "未办结", "按时办结", "按时办结率", "超期")
HD_REPORT_VILLAGE_HEADERS = ("乡镇", "村")
HD_REPORT_CATEGORY_HEADER = "类别"
HD_REPORT_STATUS_HEADERS = ("状态", "件数", "占比")
HD_REPORT_OVERDUE_HEADERS = (
    "工单编号", "乡镇", "村", "类别", "状态", "承办人", "办理时限", "办结时间", "超期天数"
)
HD_REPORT_NO_RATE = "—"
HD_REPORT_TOTAL = "合计"
HD_REPORT_NONE = "本月没有超期工单"
HD_REPORT_SUMMARY = {
    "month": "统计月份",
    "scope": "统计范围",
    "scope_value": "{start} 至 {end} 受理的求助工单（{tz}）",
    "as_of": "统计截止",
    "as_of_value": "{now}（办结、满意度、超期按此时计算）",
    "partial": "本月还没结束，数字还会变",
    "filed": "受理",
    "resolved": "办结",
    "open": "未办结",
    "on_time": "按时办结",
    "on_time_rate": "按时办结率",
    "overdue": "超期（未按时办结）",
    "urgent": "紧急求助",
    "satisfied": "满意",
    "basic": "基本满意",
    "unsatisfied": "不满意",
    "rated": "回访评价",
    "satisfaction_rate": "满意率（满意＋基本满意）",
    "supervised": "督办工单",
    "supervisions": "督办次数",
    "reopened": "重新办理工单",
    "extended": "批准延期工单",
}
HD_REPORT_CHART_VILLAGES = "各村受理和办结"
HD_REPORT_CHART_CATEGORIES = "各类别受理"
HD_REPORT_CHART_TOP_VILLAGES = "受理最多的 {count} 个村（全部村见表格“按村”）"
HD_REPORT_CHART_SERIES = ("受理", "办结", "超期")
HD_REPORT_CHART_EMPTY = "本月没有求助工单"
HD_REPORT_CHART_RATES = "按时办结率 {on_time}　满意率 {satisfaction}"
HD_URGENT_BY_VILLAGER = "村民标为紧急"
HD_EMERGENCY_SERVICES = {
    "120": "有人受伤或生病危急，请马上拨打 120 叫救护车",
    "119": "有火情、洪水、房屋倒塌或有人被困，请马上拨打 119",
    "110": "有人身安全危险或治安案件，请马上拨打 110 报警",
}
HD_MSG_CALL_FIRST = "⚠️ 情况紧急：{calls}！\n村干部也会马上收到通知。"
HD_MSG_FILED_URGENT = "已标为【紧急】，今天之内处理。"
HD_MSG_URGENT_PREFIX = "【紧急】"
HD_MSG_URGENT_ADMIN = "【紧急求助】{village} 工单 {number}（{category}），今天之内处理（时限 {due}）：\n{description}"
HD_MSG_PROGRESS = "您的求助 {number} 有新进展（{name}）：{note}"
HD_MSG_FOLLOW_UP = (
    "【回访】您好！您的求助 {number}（{category}）已在 {resolved} 办结。\n办理结果：{result}\n"
    "您对办理结果满意吗？请点下面的按钮，或直接回复，比如“解决了”或“没解决”。"
)

# ----------------------------------------------------------------------------- telegram
# Messages for the Telegram front end live below this line (owned by bot/telegram).

# Prefix BOT_: shared by the Telegram bot and the terminal chat (`python -m bot chat`).
# Placeholders in braces are filled with escaped values; never put HTML here.

# -- menu (reply keyboard) and commands
BOT_MENU_ASK = "问政策"
BOT_MENU_REQUEST = "我要求助"
BOT_MENU_MINE = "我的求助"
BOT_MENU_HELP = "帮助"
BOT_COMMANDS_VILLAGER = {
    "start": "开始使用",
    "help_request": "我要求助（登记困难）",
    "mine": "我的求助和办理进度",
    "cancel": "取消当前操作",
    "join": "使用邀请码登记干部身份",
    "help": "使用说明",
}
BOT_COMMANDS_CADRE = {
    "tickets": "本村待办工单（超期在前）",
    "extend": "申请延期（工单号 天数 理由）",
    "duties": "我的岗位职责",
}
BOT_COMMANDS_ADMIN = {
    "reload": "重新导入知识库",
    "docs": "知识库文档列表",
    "stats": "使用统计和月报",
    "export": "导出求助工单台账（Excel）",
    "invite": "生成干部邀请码",
    "villages": "村庄列表",
    "addvillage": "登记村庄",
    "renamevillage": "村庄改名",
    "mergevillage": "合并村庄",
    "rmvillage": "删除村庄",
}
BOT_DESCRIPTION = (
    "乡村政策助手：用大白话问政策，答案注明出处；遇到困难可以登记求助，干部会跟进办理，每一步都会通知您。"
)
BOT_SHORT_DESCRIPTION = "问政策、登记求助、查办理进度"

# -- welcome and help
BOT_WELCOME = (
    "您好，{name}！我是乡村政策助手。\n"
    "· 直接发文字提问，比如“驻村工作队要做哪些工作？”，我会从政策资料里找答案并注明出处；\n"
    "· 遇到生活困难，点“我要求助”，干部会跟进办理；\n"
    "· 点“我的求助”查看办理进度。"
)
BOT_WELCOME_CADRE = "您是{posts}，可以用 /tickets 处理本村工单，用 /duties 查看岗位职责。"
BOT_WELCOME_ADMIN = "您是管理员，发送 /help 查看管理命令。"
BOT_HELP_TITLE = "可以使用的命令"
BOT_HELP_VILLAGER_NOTE = "直接发送文字就是提问；求助办好以后，直接说“解决了”或“没解决”就是评价。"
BOT_HELP_ADMIN_NOTE = (
    "把文件直接发给我，即可加入知识库（不超过 {mb} MB）：Word（.doc .docx .wps）、表格（.xls .xlsx .et .csv）、"
    "PDF（包括扫描件）、通知的照片或扫描图片（.jpg .png）、网页和文本（.html .txt .md）。"
)
SMALL_TALK_GREETING = (
    "您好！我是乡村政策助手。请直接用文字提问，比如“驻村工作队要做哪些工作？”；"
    "遇到生活困难，可以发送“我要求助”登记，干部会跟进办理。"
)
SMALL_TALK_THANKS = "不客气！还有问题随时问我；遇到困难也可以发送“我要求助”。"
SMALL_TALK_GOODBYE = "再见！有需要随时找我。"
BOT_ASK_PROMPT = "请直接输入您想咨询的问题，例如：“驻村第一书记主要做什么？”"
BOT_UNKNOWN_COMMAND = "没有这个命令。发送 /help 查看可以使用的命令。"
BOT_NOTHING_TO_CANCEL = "当前没有进行中的操作。"
BOT_PRIVATE_ONLY = "为保护个人信息，请私聊我使用。"

# -- answers
BOT_SOURCE_BUTTON = "原文{n}"
BOT_USEFUL_BUTTON = "👍 有用"
BOT_USELESS_BUTTON = "👎 没用"
BOT_FILE_REQUEST_BUTTON = "📝 登记求助"
BOT_FEEDBACK_THANKS = "感谢您的反馈！"
BOT_FEEDBACK_SORRY = "感谢反馈，我们会补充相关资料。如需帮助，可以点“我要求助”。"
BOT_FEEDBACK_NOT_YOURS = "只能评价自己提的问题。"
BOT_SOURCE_TITLE = "[{n}] {label}"
BOT_SOURCE_GONE = "这条记录已经找不到了，请重新提问。"
BOT_NOT_COVERED_OFFER = "如果您遇到了实际困难，可以点下面的按钮登记求助，干部会联系您。"
BOT_MEDIA_NOT_SUPPORTED = "我目前只能看懂文字。请用文字描述您的问题，例如：“危房改造找谁申请？”"
BOT_DOCUMENT_NOT_ALLOWED = "只有管理员可以向知识库上传文档。如果想咨询政策，请直接用文字提问。"

# -- help-request form
BOT_FORM_CATEGORY = "第 1 步（共 6 步）：请选择求助类别，也可以直接说说遇到了什么困难。随时发送 /cancel 可取消。"
BOT_FORM_CATEGORY_AGAIN = "请点击下方按钮选择类别，或者用一句话说说遇到了什么困难。"
BOT_FORM_DESCRIPTION = "第 2 步：请用几句话描述您遇到的困难（类别：{category}）。"
BOT_FORM_USE_QUESTION = "用刚才的问题"
BOT_FORM_VILLAGE = "第 3 步：请选择您所在的村，或直接输入村名。"
BOT_FORM_VILLAGE_MATCHES = "找到以下村庄，请点击选择："
BOT_FORM_NO_VILLAGES = "系统还没有登记村庄，暂时无法登记求助。请联系村干部或管理员。"
BOT_FORM_PHONE = "第 5 步：请输入联系电话（手机号或带区号的固定电话），方便干部联系您。"
BOT_FORM_SKIP_PHONE = "不留电话"
BOT_FORM_CONFIRM = "第 6 步：请核对求助信息"
BOT_FORM_FIELD_CATEGORY = "类别：{value}"
BOT_FORM_FIELD_DESCRIPTION = "困难描述：{value}"
BOT_FORM_FIELD_VILLAGE = "所在村：{value}"
BOT_FORM_FIELD_PHONE = "联系电话：{value}"
BOT_FORM_NO_PHONE = "（未留）"
BOT_FORM_SUBMIT = "✅ 提交"
BOT_FORM_REDO = "✏️ 重新填写"
BOT_FORM_CANCEL = "✖ 取消"
BOT_FORM_CONFIRM_AGAIN = "请点击“提交”确认，或点击“取消”。"
BOT_FORM_CANCELLED = "已取消求助登记。需要时再点“我要求助”即可。"
BOT_FORM_EXPIRED = "之前未完成的操作已超时，已自动取消。"
BOT_FORM_STALE_BUTTON = "这个按钮已经过期了。"
BOT_FORM_TEXT_ONLY = "请用文字回复（也可以发照片），或发送 /cancel 取消。"
BOT_FORM_GONE = "这个表单已经结束了。需要帮助请重新点“我要求助”。"
BOT_FORM_ALREADY_CLOSED = "已提交"
# the form forgives (issue 11): questions mid-form, menu buttons, a described problem, photos
BOT_FORM_CATEGORY_SUGGESTED = "您说的情况已经记下了。看起来属于“{category}”，请点“✅ {category}”确认，或选择其他类别。"
BOT_FORM_CATEGORY_UNSURE = "您说的情况已经记下了。请选择最接近的类别（拿不准就选“其他”）。"
BOT_FORM_SUGGESTED_BUTTON = "✅ {category}"
BOT_FORM_DESCRIPTION_SHORT = (
    "“{text}”说得太简单了，干部看不明白。请多说几句：出了什么事、在哪里、多久了。"
    "例如：“家里水管冻裂了，三天没水用。”"
)
BOT_FORM_ADDRESS = "第 4 步：请输入您家的住址或户号（例如“3组12号”），方便干部上门。不想填可以点“跳过”。"
BOT_FORM_SKIP_ADDRESS = "跳过"
BOT_FORM_FIELD_ADDRESS = "住址/户号：{value}"
BOT_FORM_NO_ADDRESS = "（未填）"
BOT_FORM_FIELD_PHOTOS = "照片：{count} 张"
BOT_FORM_RESUME = "继续填写求助吗？"
BOT_FORM_RESUME_BUTTON = "继续填写"
BOT_FORM_QUIT_BUTTON = "不填了"
BOT_FORM_LEAVE = "您的求助还没有提交。要放弃正在填写的内容吗？"
BOT_FORM_LEAVE_KEEP = "继续填写"
BOT_FORM_LEAVE_DROP = "放弃，去“{menu}”"
BOT_FORM_DROPPED = "已放弃刚才没填完的求助。"
BOT_FORM_PHOTO_SAVED = "照片收到了（共 {count} 张），提交求助时会一起附上。"
BOT_FORM_PHOTO_START = "收到您的照片。我们来登记一件求助，照片会附在上面，村干部能看到。"
BOT_FORM_FILED_PHOTOS = "已附上 {count} 张照片，村干部能看到。"
BOT_FORM_PHOTOS_FAILED = "有 {count} 张照片没能附上：{reason}"
BOT_FORM_PHOTO_LATER = "有照片的话，现在直接发过来，会附在这件求助上。"
BOT_PHOTO_ATTACHED = "照片已附在您的求助 {number} 上，村干部能看到。如果这是另一件事，请点“我要求助”。"
BOT_PHOTO_DOWNLOAD_FAILED = "照片没有收到，请再发一次。"
BOT_PHOTOS_BUTTON = "看照片（{count}）"
BOT_PHOTOS_TITLE = "求助 {number} 的照片（{count} 张）："
BOT_PHOTOS_NONE = "求助 {number} 没有照片。"

# -- my requests
BOT_MINE_EMPTY = "您还没有登记过求助。遇到困难可以点“我要求助”。"
BOT_MINE_TITLE = "我的求助（最近 {count} 件）"
BOT_MINE_LINE = "{number}　{status}\n{category} · {village} · {created}\n{description}"
BOT_MINE_WAITING = "已办结，请告诉我们问题解决了吗？"
BOT_MORE = "下一页"
BOT_VIEW_BUTTON = "查看 {number}"
BOT_SOLVED_BUTTON = "已解决"
BOT_UNSOLVED_BUTTON = "未解决"
BOT_SOLVED_WORDS = ("已解决", "解决了")
BOT_UNSOLVED_WORDS = ("未解决", "没解决", "没有解决")
BOT_NO_FEEDBACK_PENDING = "您目前没有等待回访的工单。"
BOT_WHICH_REQUEST = "您有多件已办结的工单，请选择要评价的一件："
BOT_REQUEST_TITLE = "工单 {number}（{status}）"
BOT_REQUEST_FIELDS = (
    "类别：{category}　紧急程度：{urgency}\n村：{village}　求助人：{requester}\n"
    "电话：{phone}　住址：{address}\n受理：{created}　时限：{due}{overdue}\n承办人：{assignee}"
)
BOT_REQUEST_OVERDUE = "（已超期）"
BOT_REQUEST_UNASSIGNED = "待派单"
BOT_REQUEST_DESCRIPTION = "问题描述"
BOT_REQUEST_HISTORY = "办理记录"
BOT_REQUEST_EVENT = "{at} {actor}：{change}{note}"
BOT_REQUEST_HINTS = "可能适用的政策"
BOT_REQUEST_DUPLICATE_OF = "与工单 {number} 重复"

# -- cadres: duties and tickets
BOT_DUTIES_NONE = "没有找到“{post}”的职责说明。可查看以下岗位："
BOT_DUTIES_CHOOSE = "请选择要查看的岗位："
BOT_DUTIES_MISSING = "职责说明文件暂缺，请联系管理员。"
BOT_DUTIES_BUTTON = "📋 {post}岗位职责"
BOT_TICKETS_EMPTY = "您负责的村目前没有待办工单。"
BOT_TICKETS_TITLE = "待办工单（{count} 件，超期和时限最近的在前）"
BOT_TICKET_LINE = (
    "{flag}{number} {village} · {category} · {status}\n时限 {due} · 承办：{assignee}\n{description}"
)
BOT_TICKET_OVERDUE_FLAG = "⚠️超期 "
BOT_TICKET_TAKE = "接单"
BOT_TICKET_START = "开始办理"
BOT_TICKET_RESOLVE = "办结"
BOT_TICKET_RETURN = "退回"
BOT_TICKET_DUPLICATE = "标记重复"
BOT_TICKET_UNABLE = "无法办理"
BOT_TICKET_REASSIGN = "改派"
BOT_TICKET_BACK = "返回列表"
BOT_TICKET_CHOOSE_ASSIGNEE = "请选择把工单 {number} 派给谁："
BOT_TICKET_NO_CADRES = "该村没有其他可以派单的干部。"
BOT_TICKET_DONE = "已完成：{action}"
BOT_TICKET_ASK_RESOLVE = "请输入办结说明（办了什么、结果如何），会转告求助人："
BOT_TICKET_ASK_RETURN = "请输入退回原因："
BOT_TICKET_ASK_UNABLE = "请输入无法办理的原因，会转告求助人："
BOT_TICKET_ASK_DUPLICATE = "请输入与工单 {number} 重复的原工单编号（如 2026-000123），或点击下方候选："
BOT_TICKET_NO_NOTE = "不填说明"
BOT_TICKET_NOTE_CANCELLED = "已取消，工单没有改动。"
# casework front end (issue 11): progress notes, 重开, stale cards, 回访 ratings, urgency
BOT_TICKET_PROGRESS = "办理进展"
BOT_TICKET_REOPEN = "重开"
BOT_TICKET_ASK_PROGRESS = "请写下办理进展（现在办到哪一步了），会用原话转告求助人："
BOT_TICKET_ASK_REOPEN = "请输入重开原因（为什么要重新办理）："
BOT_TICKET_OLD_CARD = "这张工单卡片是旧的，请看下面的最新情况再操作。"
BOT_RATE_BUTTONS = {"s": "😊 满意", "b": "🙂 基本满意", "u": "😞 不满意"}
BOT_RATE_ASK_REASON = (
    "很抱歉没让您满意。请说说哪里还没解决（直接打字就行），干部会看到您的原话，重新给您办。"
)
BOT_RATE_NO_REASON = "不说了，直接提交"
BOT_RATE_REASON_CANCELLED = "好的，评价还没有提交。想评价时，点“我的求助”再选就行。"
BOT_MARK_URGENT = "🚨 这事很急"
BOT_MARK_URGENT_DONE = "已改为【紧急】，村干部和管理员都收到了通知，今天之内处理。"
BOT_MARK_URGENT_CALL = "如果有人受伤或病危请先打 120，着火、房子塌了、发洪水请打 119，有危险请打 110。"

# -- admins
BOT_ADMIN_ONLY = "抱歉，这个功能只有管理员可以使用。"
BOT_CADRE_ONLY = (
    "抱歉，这个功能只有村干部和管理员可以使用。如果您是干部，请向管理员索取邀请码，然后发送 /join 邀请码。"
)
BOT_RELOAD_STARTED = "开始更新知识库……更新期间照常回答问题。"
BOT_RELOAD_BUSY = "知识库正在更新中，请稍后再试。"
BOT_RELOAD_PROGRESS = "正在更新知识库：{stage} {done}/{total}"
BOT_RELOAD_STAGES = {
    "scan": "扫描文件", "read": "读取文件", "ocr": "识别扫描件（页）", "embed": "计算向量", "write": "写入索引",
}  # fmt: skip
BOT_RELOAD_DONE = (
    "知识库已更新：新增 {added}，更新 {updated}，删除 {removed}，未变 {unchanged}，"
    "无法读取 {skipped}；共 {chunks} 段，用时 {seconds:.1f} 秒。"
)
BOT_RELOAD_SKIPPED_LINE = "· {source}：{reason}"
BOT_RELOAD_FAILED = "知识库更新失败，仍在使用原来的版本。请查看服务器日志。"
BOT_UPLOAD_RECEIVED = "已收到《{name}》，正在加入知识库……"
# The file name a photo sent from the chat (not as a file) is stored under.
BOT_PHOTO_FILENAME = "照片{stamp}-{id}.jpg"
BOT_UPLOAD_BAD_TYPE = "不支持这种文件（{suffix}）。可以上传：{allowed}。"
BOT_UPLOAD_TOO_LARGE = "文件太大（{size:.1f} MB），上限是 {limit} MB。请拆分后再上传。"
BOT_UPLOAD_BAD_NAME = "文件名不合适（不能以“.”开头，也不能为空），请改名后再上传。"
BOT_UPLOAD_UNREADABLE = "《{name}》无法读取：{reason}。知识库没有改动。"
BOT_UPLOAD_DONE = "已加入知识库：《{title}》，共 {chunks} 段。现在就可以针对它提问了。"
BOT_UPLOAD_UNCHANGED = "《{name}》与知识库中已有的版本相同，没有改动。"
BOT_UPLOAD_DOWNLOAD_FAILED = "文件下载失败，请重新发送。"
# Why a file could not be added, by bot.kb SkipReason code; codes not listed read BOT_REASON_UNKNOWN.
BOT_REASONS = {
    "unsupported": "不支持这种文件类型",
    "empty": "文件是空的",
    "too_large": "文件太大",
    "no_text": "文件里没有可提取的文字",
    "no_text_layer": "PDF 里没有可提取的文字，也没有可识别的图片",
    "encrypted": "PDF 有密码保护",
    "password": "文件有密码保护，请去掉密码后再上传",
    "corrupt": "文件已损坏或格式不对",
    "binary": "文件内容不是文字",
    "undecodable": "无法识别文件的文字编码",
    "too_long": "文字太多，请拆分成几个文件",
    "nothing_left": "清理网页杂项后没有剩下正文",
    "conversion_timeout": "文件转换超时（文件可能过大或已损坏）",
    "converter_missing": "服务器没有安装 LibreOffice，读不了这种文件，请联系管理员",
    "ocr_unclear": "照片或扫描件太模糊，识别不清，没有收录。请拍清楚一些再上传",
    "nothing_indexed": "扫描件识别不清或没有文字，没有收录",
    "no_text_recognised": "图片里没有识别出文字",
    "image_too_large": "图片像素太大，请缩小后再上传",
    "link": "是指向知识库文件夹以外的链接，没有读取",
    "bomb": "文件解压后大得异常（可能是恶意文件），没有读取",
    "too_many": "内容太多（页数、段落或网页元素过多），请拆分成几个文件",
}
BOT_REASON_UNKNOWN = "文件无法解析"
# Files indexed only in part (scans): one line each after the reload/upload summary.
BOT_PARTLY_READ_LINE = "· {source}：只收录了部分内容（{note}）"
BOT_NOTES = {
    "ocr confidence below": "有的页字迹不清，没有收录",
    "not read": "页数太多或识别超时，后面的页没有识别",
    "ocr stopped": "识别超时，后面的页没有识别",
    "no text recognised": "有的页没有识别出文字",
}
BOT_DOCS_EMPTY = "知识库里还没有文档。把文件直接发给我即可添加。"
BOT_DOCS_TITLE = "知识库文档（{count} 个，共 {chunks} 段）"
BOT_DOCS_LINE = "{n}. 《{title}》\n　{source} · {chunks} 段 · {size}"
BOT_DOCS_HINT = "删除文档：点下方按钮，或发送 /rmdoc 文件名"
BOT_DOCS_REMOVE_BUTTON = "🗑 {n}"
BOT_DOCS_CONFIRM = "确定从知识库删除《{title}》（{source}）吗？删除后相关问题将无法回答。"
BOT_DOCS_CONFIRM_YES = "确认删除"
BOT_DOCS_CONFIRM_NO = "不删了"
BOT_DOCS_REMOVED = "已从知识库删除《{title}》（{source}），剩 {count} 个文档。"
BOT_DOCS_KEPT = "好的，没有删除。"
BOT_DOCS_UNKNOWN = "知识库里没有“{source}”。发送 /docs 查看文档列表。"
BOT_DOCS_ALREADY_REMOVED = "这个文档已经从知识库删除了。发送 /docs 查看现在的文档列表。"
BOT_RMDOC_USAGE = "用法：/rmdoc 文件名（文件名见 /docs）"
BOT_INVITE_USAGE = (
    "用法：/invite 职务 村名，例如：/invite 驻村工作队员 新寨村\n可选职务：{posts}\n已登记村庄：{villages}"
)
BOT_INVITE_DONE = (
    "邀请码：{code}\n{village} · {post}，{expires} 前有效，只能使用一次。\n"
    "请把下面这句话转发给对方，让对方发给本机器人："
)
BOT_INVITE_COMMAND = "/join {code}"
BOT_JOIN_USAGE = "请在 /join 后面加上邀请码，例如：/join ABCD2345"
BOT_JOIN_DONE = "登记成功！您现在是{places}。发送 /tickets 查看待办工单，/duties 查看岗位职责。"
BOT_JOIN_ALREADY = "您已经用这个邀请码登记过了，现在是{places}。发送 /tickets 查看待办工单。"
BOT_JOIN_ADMIN_NOTICE = "【新干部】{name}用邀请码登记为{places}。"
BOT_VILLAGES_EMPTY = "还没有登记村庄。用 /addvillage 村名 [乡镇] [县] 登记。"
BOT_VILLAGES_TITLE = "已登记的村庄（{count} 个）"
BOT_VILLAGE_LINE = "{id}. {name}"
BOT_ADDVILLAGE_USAGE = "用法：/addvillage 村名 [乡镇] [县]，例如：/addvillage 新寨村 龙场镇 安顺县"
BOT_ADDVILLAGE_DONE = "已登记村庄：{name}（编号 {id}）。现在可以用 /invite 邀请该村干部。"
# Villages (oversight): similar names, rename, merge, remove.
BOT_ADDVILLAGE_SIMILAR = "还没有登记“{name}”：已经有名字相近的村（见下）。如果是其中一个，就不用再登记；如果确实是另一个村，请点“仍然登记”。"
BOT_ADDVILLAGE_CONFIRM = "仍然登记{name}"
BOT_ADDVILLAGE_CANCEL = "取消"
BOT_ADDVILLAGE_CANCELLED = "好的，没有改动。"
BOT_ADDVILLAGE_GONE = "这个确认已经失效了，请重新发送 /addvillage。"
BOT_VILLAGES_MANAGE = "改名：/renamevillage 编号 新村名 [乡镇] [县]\n合并：/mergevillage 被合并的村编号 并入的村编号\n删除（没有工单和干部的村）：/rmvillage 编号"
BOT_RENAMEVILLAGE_USAGE = "用法：/renamevillage 编号 新村名 [乡镇] [县]，例如：/renamevillage 3 新寨村 花溪镇"
BOT_RENAMEVILLAGE_DONE = "已改名：{old} → {new}（编号 {id}）。工单和干部都保留。"
BOT_MERGEVILLAGE_USAGE = "用法：/mergevillage 被合并的村编号 并入的村编号，例如：/mergevillage 3 1（村编号见 /villages）"
BOT_MERGEVILLAGE_CONFIRM = "确定把“{source}”合并到“{target}”吗？\n它的工单和干部都会转到{target}，工单记录里会写明；{source}之后不再出现在村庄列表里。"
BOT_MERGEVILLAGE_YES = "确定合并"
BOT_MERGEVILLAGE_DONE = "已把{source}合并到{target}：转过去 {requests} 件工单、{cadres} 名干部。"
BOT_RMVILLAGE_USAGE = "用法：/rmvillage 编号（只能删除没有工单和干部的村；有的话请用 /mergevillage 合并）"
BOT_RMVILLAGE_DONE = "已删除村庄：{name}（编号 {id}）。"
# 延期 in chat (oversight).
BOT_EXTEND_BUTTON = "申请延期"
BOT_EXTEND_APPROVE = "同意延期"
BOT_EXTEND_REFUSE = "不同意"
BOT_EXTEND_USAGE = (
    "用法：/extend 工单号 延期天数 理由（天数按工作日算，周末和节假日不算），"
    "例如：/extend 2026-000123 3 等乡镇审批材料"
)
BOT_EXTEND_HOW = (
    "申请延期请发送下面这条命令，把天数（按工作日算）和理由改成实际情况"
    "（理由要写清楚，管理员审批后生效）："
)
BOT_EXTEND_COMMAND = "/extend {number} 3 理由"
BOT_EXTEND_SENT = "已提交工单 {number} 的延期申请（延到 {new_due}），等管理员审批，结果会通知您。"
BOT_EXTEND_APPROVED = "已同意工单 {number} 延期，新的办理时限：{new_due}。已通知承办干部和求助人。"
BOT_EXTEND_REFUSED = "已不同意工单 {number} 的延期申请，已通知承办干部。"
BOT_REQUEST_EXTENSION_PENDING = "延期申请：延到 {new_due}（待管理员审批），理由：{reason}"
BOT_STATS_TITLE = "使用统计"
BOT_STATS_QUESTIONS = (
    "提问 {total} 次（近 7 天 {week} 次），{users} 人提问\n"
    "未能回答 {unanswered} 次，占 {share:.0%}\n反馈：👍 {up}　👎 {down}"
)
BOT_STATS_TOP_UNANSWERED = "未能回答最多的问题（提示缺少哪些资料）"
BOT_STATS_TOP_LINE = "{n}. {question}（{count} 次）"
BOT_STATS_NONE = "暂无"
# Shown at once while a model answer streams (docs/llm.md), then edited into the answer.
BOT_LOOKING_UP = "正在查找……"
# The optional model (docs/llm.md): how often its answer was shown, and why the original text was
# shown instead. Codes are the answer pipeline's `gate` codes.
BOT_STATS_MODEL_TITLE = "大模型回答（近 7 天）"
BOT_STATS_MODEL = "大模型回答 {llm} 次，改用资料原文 {fallback} 次。"
BOT_STATS_MODEL_REASONS = "改用原文的原因：{reasons}"
BOT_STATS_MODEL_REASON = "{label} {count} 次"
MODEL_FALLBACK_LABELS = {
    "timeout": "模型超时",
    "http_error": "模型服务报错",
    "unreachable": "连不上模型服务",
    "error": "模型出错",
    "empty": "模型没回答",
    "garbage": "模型回答乱码",
    "circuit_open": "连续出错后暂停调用",
    "too_long": "回答太长",
    "bad_citation": "引用了不存在的资料",
    "no_citation": "没注明出处",
    "unsupported_figure": "数字和资料对不上",
}
BOT_STATS_BY_STATUS = "求助工单按状态（共 {total} 件）"
BOT_STATS_STATUS_LINE = "{status}：{count}"
BOT_STATS_BY_VILLAGE = "求助工单按村"
BOT_STATS_VILLAGE_LINE = "{village}：共 {total} 件，未办结 {open}，超期 {overdue}"
BOT_EXPORT_CAPTION = "求助工单台账（截至 {now}，共 {count} 件）"
BOT_EXPORT_FILENAME = "求助工单台账_{date}.xlsx"
# /stats month: the monthly report (bot/assistant/admin.py)
BOT_REPORT_SUMMARY = (
    "{title}\n受理 {filed} 件，办结 {resolved} 件，按时办结率 {on_time_rate}，超期 {overdue} 件。\n"
    "回访评价 {rated} 件：满意 {satisfied}，基本满意 {basic}，不满意 {unsatisfied}，满意率 {satisfaction_rate}。\n"
    "督办 {supervised} 件，重新办理 {reopened} 件，批准延期 {extended} 件。\n"
    "详细表格在下面的文件里，可以直接转发。"
)
BOT_REPORT_PARTIAL = "（本月还没结束，数字截至 {now}）"
BOT_REPORT_CAPTION = "{title}（统计截止 {now}）"
BOT_REPORT_FILENAME = "求助工单月报_{month}.xlsx"
BOT_REPORT_USAGE = "月报：发送 /stats month 看上个月的，或 /stats month 2026-11 看指定月份。"
BOT_REPORT_BUTTON = "📊 {month}月报"

# -- everywhere
BOT_ERROR = "抱歉，处理您的消息时出了点问题，请稍后再试。如果一直这样，请联系管理员。"
BOT_BUTTON_INVALID = "这个按钮已失效，请重新操作。"
BOT_FLOOD = "您发送得太快了，请稍等一分钟再试。"
BOT_FEEDBACK_RECORDED = "已记录"
BOT_NOT_YOURS = "这不是您的工单。"
