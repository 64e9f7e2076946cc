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

from bot.helpdesk.access import OPERATOR, Actor, Operator
from bot.helpdesk.config import HelpdeskConfig
from bot.helpdesk.errors import (
    Conflict,
    HelpdeskError,
    IllegalTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
    SimilarVillages,
    Stale,
)
from bot.helpdesk.export import export_ledger
from bot.helpdesk.facade import Helpdesk
from bot.helpdesk.lifecycle import (
    OPEN_STATUSES,
    Action,
    Role,
    Satisfaction,
    Status,
    Urgency,
    allowed_actions,
    transitions,
)
from bot.helpdesk.notify import hint_lines, local_time
from bot.helpdesk.policy import CategorySuggestion, KeywordOverlapLookup, PolicyHint, PolicyLookup
from bot.helpdesk.privacy import mask_phone, mask_text
from bot.helpdesk.replies import Emergency, ReplyClass, classify_reply, detect_emergency
from bot.helpdesk.views import (
    AttachmentView,
    CadreOverdue,
    EventView,
    ExtensionView,
    Invitation,
    Notification,
    NotificationKind,
    Outcome,
    Page,
    PersonView,
    PostView,
    RequestCounts,
    RequestFilter,
    RequestView,
    VillageCounts,
    VillageView,
    village_labels,
)

if TYPE_CHECKING:
    from bot.config import Settings


def open_helpdesk(settings: Settings | None = None, *, lookup: PolicyLookup | None = None) -> Helpdesk:
    """The helpdesk for these settings (default: the process settings), schema upgraded to head."""
    if settings is None:
        from bot.config import get_settings

        settings = get_settings()
    return Helpdesk.from_settings(settings, lookup=lookup)


__all__ = [
    "OPEN_STATUSES",
    "OPERATOR",
    "Action",
    "Actor",
    "AttachmentView",
    "CadreOverdue",
    "CategorySuggestion",
    "Conflict",
    "Emergency",
    "EventView",
    "ExtensionView",
    "Helpdesk",
    "HelpdeskConfig",
    "HelpdeskError",
    "IllegalTransition",
    "InvalidInput",
    "Invitation",
    "KeywordOverlapLookup",
    "NotFound",
    "Notification",
    "NotificationKind",
    "Operator",
    "Outcome",
    "Page",
    "PermissionDenied",
    "PersonView",
    "PolicyHint",
    "PolicyLookup",
    "PostView",
    "ReplyClass",
    "RequestCounts",
    "RequestFilter",
    "RequestView",
    "Role",
    "Satisfaction",
    "SimilarVillages",
    "Stale",
    "Status",
    "Urgency",
    "VillageCounts",
    "VillageView",
    "allowed_actions",
    "classify_reply",
    "detect_emergency",
    "export_ledger",
    "hint_lines",
    "local_time",
    "mask_phone",
    "mask_text",
    "open_helpdesk",
    "transitions",
    "village_labels",
]
