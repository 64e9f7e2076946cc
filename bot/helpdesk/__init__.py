"""Household-help request case log (求助工单): intake → dispatch → handling → resolution → follow-up.

Public surface for front ends (the Telegram bot, the CLI). Typical use::

    from bot.helpdesk import Helpdesk, OPERATOR, open_helpdesk
    helpdesk = open_helpdesk()                      # settings, migrations, admins from ADMIN_IDS
    outcome = helpdesk.intake.file_request(chat_id, village_id, "家里房子漏雨", phone="13812345678")
    for n in outcome.notifications: send(n.chat_user_id, n.text_zh)

Every error meant for users is a `HelpdeskError` whose `message_zh` can be shown as is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.lazy import lazy_exports

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.helpdesk.facade import Helpdesk
    from bot.helpdesk.policy import PolicyLookup

# Names resolve on first use (PEP 562), as in bot.kb: a caller that needs the light parts (errors,
# views, privacy masks: the assistant's context, the answer pipeline) does not import SQLAlchemy,
# the models and the workflow with them, which keeps `python -m bot ask` quick (issue 13). A new
# public name goes into this table.
_EXPORTS = {
    "OPERATOR": "bot.helpdesk.access",
    "Actor": "bot.helpdesk.access",
    "Operator": "bot.helpdesk.access",
    "HelpdeskConfig": "bot.helpdesk.config",
    "Conflict": "bot.helpdesk.errors",
    "HelpdeskError": "bot.helpdesk.errors",
    "IllegalTransition": "bot.helpdesk.errors",
    "InvalidInput": "bot.helpdesk.errors",
    "NotFound": "bot.helpdesk.errors",
    "PermissionDenied": "bot.helpdesk.errors",
    "SimilarVillages": "bot.helpdesk.errors",
    "Stale": "bot.helpdesk.errors",
    "export_ledger": "bot.helpdesk.export",
    "Helpdesk": "bot.helpdesk.facade",
    "OPEN_STATUSES": "bot.helpdesk.lifecycle",
    "Action": "bot.helpdesk.lifecycle",
    "Role": "bot.helpdesk.lifecycle",
    "Satisfaction": "bot.helpdesk.lifecycle",
    "Status": "bot.helpdesk.lifecycle",
    "Urgency": "bot.helpdesk.lifecycle",
    "allowed_actions": "bot.helpdesk.lifecycle",
    "transitions": "bot.helpdesk.lifecycle",
    "hint_lines": "bot.helpdesk.notify",
    "local_time": "bot.helpdesk.notify",
    "CategorySuggestion": "bot.helpdesk.policy",
    "KeywordOverlapLookup": "bot.helpdesk.policy",
    "PolicyHint": "bot.helpdesk.policy",
    "PolicyLookup": "bot.helpdesk.policy",
    "mask_phone": "bot.helpdesk.privacy",
    "mask_text": "bot.helpdesk.privacy",
    "Emergency": "bot.helpdesk.replies",
    "ReplyClass": "bot.helpdesk.replies",
    "classify_reply": "bot.helpdesk.replies",
    "detect_emergency": "bot.helpdesk.replies",
    "AttachmentView": "bot.helpdesk.views",
    "CadreOverdue": "bot.helpdesk.views",
    "EventView": "bot.helpdesk.views",
    "ExtensionView": "bot.helpdesk.views",
    "Invitation": "bot.helpdesk.views",
    "Notification": "bot.helpdesk.views",
    "NotificationKind": "bot.helpdesk.views",
    "Outcome": "bot.helpdesk.views",
    "Page": "bot.helpdesk.views",
    "PersonView": "bot.helpdesk.views",
    "PostView": "bot.helpdesk.views",
    "RequestCounts": "bot.helpdesk.views",
    "RequestFilter": "bot.helpdesk.views",
    "RequestView": "bot.helpdesk.views",
    "VillageCounts": "bot.helpdesk.views",
    "VillageView": "bot.helpdesk.views",
    "village_labels": "bot.helpdesk.views",
}


def open_helpdesk(settings: Settings | None = None, *, lookup: PolicyLookup | None = None) -> Helpdesk:
    """The helpdesk for these settings (default: the process settings), schema upgraded to head."""
    if settings is None:
        from bot.config import get_settings

        settings = get_settings()
    from bot.helpdesk.facade import Helpdesk  # deferred: see _EXPORTS

    return Helpdesk.from_settings(settings, lookup=lookup)


__all__ = sorted([*_EXPORTS, "open_helpdesk"])


__getattr__ = lazy_exports(__name__, _EXPORTS)
