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

# ----------------------------------------------------------------------------- telegram
# Messages for the Telegram front end live below this line (owned by bot/telegram).
