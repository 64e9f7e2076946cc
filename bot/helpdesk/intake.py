"""Intake (受理): a villager's request is logged, given policy hints, and routed to a cadre (派单).

Filing and routing happen in one transaction and are logged as two events; the receipt, the
cadres' alerts (or the admins', when the village has no cadre) come back as notifications.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from bot import texts
from bot.helpdesk import access, store
from bot.helpdesk.config import FALLBACK_CATEGORY
from bot.helpdesk.context import DeskContext
from bot.helpdesk.events import EventCode, EventNote, record
from bot.helpdesk.lifecycle import Action, Role, Status, Urgency
from bot.helpdesk.models import CadreBinding, HelpRequest, RequestPolicyHint
from bot.helpdesk.notify import hint_lines, local_time, preview
from bot.helpdesk.numbering import allocate_number
from bot.helpdesk.policy import CategorySuggestion, PolicyHint, suggest_category
from bot.helpdesk.present import place, request_view
from bot.helpdesk.privacy import mask_text, masked_logger
from bot.helpdesk.replies import Emergency, detect_emergency
from bot.helpdesk.validate import (
    check_category,
    clean_address,
    clean_description,
    clean_name,
    clean_phone,
    parse_urgency,
)
from bot.helpdesk.views import Notification, NotificationKind, Outcome

log = masked_logger(__name__)


class Intake:
    """Filing new requests: category suggestion, policy hints, numbering and routing."""

    def __init__(self, context: DeskContext) -> None:
        self._ctx = context

    def clean_description(self, description: str | None) -> str:
        """The description as `file_request` would store it; `InvalidInput` says what is wrong.

        Lets a front end check each answer of a multi-step form as it is given.
        """
        return clean_description(description, self._ctx.config)

    def clean_phone(self, phone: str | None) -> str | None:
        """The phone number as `file_request` would store it (None when blank), or `InvalidInput`."""
        return clean_phone(phone)

    def detect_emergency(self, text: str) -> Emergency | None:
        """Emergency wording in `text` (摔断、昏迷、着火 …) and the services to call first; lets a
        front end advise 120/119/110 before the form is even finished."""
        return detect_emergency(text)

    def suggest_category(self, description: str) -> CategorySuggestion:
        """What `file_request` would choose; lets a front end propose a category before filing."""
        text = clean_description(description, self._ctx.config)
        return self._suggest(text, self._policy_hints(text))

    def file_request(
        self,
        requester: int,
        village: int | str,
        description: str,
        *,
        display_name: str | None = None,
        phone: str | None = None,
        address: str | None = None,
        category: str | None = None,
        urgency: Urgency | str = Urgency.NORMAL,
    ) -> Outcome:
        """Log a new request (受理), store matching policies and route it to the village (派单).

        An unknown `requester` chat id is registered as a villager. Without `category`, the
        suggested one is used. Notifications: receipt to the requester (with policies that may
        help), a new-request alert to every cadre of the village (admins if it has none).

        Emergency wording (bot/vocab.py EMERGENCY_WORDS), or `urgency` given by the villager,
        makes the request 紧急 with a same-day deadline; an emergency also alerts the admins, and
        `Outcome.emergency` names the services (120/119/110) the front end advises calling first.
        """
        ctx, config = self._ctx, self._ctx.config
        text = clean_description(description, config)
        phone_n = clean_phone(phone)
        address_n = clean_address(address, config)
        urgency_n = parse_urgency(urgency)
        emergency = detect_emergency(text)
        if emergency is not None and urgency_n is Urgency.NORMAL:
            urgency_n = Urgency.URGENT
        chosen = check_category(category, config) if category is not None else None
        name = clean_name(display_name, texts.HD_FIELD_NAME) if display_name is not None else None
        hints = self._policy_hints(text)  # outside the transaction: the KB may be slow
        suggestion = self._suggest(text, hints)
        chosen = chosen or suggestion.category
        now = ctx.now()
        with ctx.write() as session:
            village_row = store.resolve_village(session, village)
            person = store.person_by_chat(session, requester) or store.ensure_person(
                session,
                requester,
                name or texts.HD_DEFAULT_VILLAGER_NAME.format(chat_user_id=requester),
                Role.VILLAGER,
                now,
            )
            bindings = store.village_bindings(session, village_row.id)
            primary = min(bindings, key=lambda b: (config.post_rank(b.post), b.created_at), default=None)
            request = HelpRequest(
                number=allocate_number(session, now.astimezone(ctx.tz).year),
                requester=person,
                village=village_row,
                address=address_n,
                phone=phone_n,
                category=chosen,
                suggested_category=suggestion.category,
                description=text,
                urgency=urgency_n.value,
                # Routing happens in the same transaction; both steps are logged as events below.
                status=(Status.ASSIGNED if primary else Status.SUBMITTED).value,
                assignee=primary.person if primary else None,
                created_at=now,
                updated_at=now,
                due_at=config.due_at(chosen, urgency_n, now),
                emergency=",".join(emergency.services) if emergency and emergency.services else None,
            )
            session.add(request)
            session.flush()
            viewer = access.viewer_for(session, person, config.admin_chat_ids)
            filed = EventNote(EventCode.FILED, {"category": chosen, "suggested": suggestion.category})
            record(session, request, viewer.label, person.id, "filed", None, Status.SUBMITTED, filed, now)
            hint_rows = [
                RequestPolicyHint(
                    request_id=request.id,
                    rank=rank,
                    title=h.title[:200],
                    section=h.section[:200],
                    text=h.text,
                    score=float(h.score),
                )
                for rank, h in enumerate(hints)
            ]
            session.add_all(hint_rows)
            if urgency_n is not Urgency.NORMAL:
                words = "、".join(emergency.matched) if emergency else texts.HD_URGENT_BY_VILLAGER
                services = "/".join(emergency.services) if emergency and emergency.services else "—"
                urgent = EventNote(EventCode.EMERGENCY, {"words": words, "services": services})
                record(session, request, viewer.label, person.id, "note", None, None, urgent, now)
            if primary is not None:
                routed = EventNote(
                    EventCode.AUTO_ASSIGNED, {"post": primary.post, "name": primary.person.display_name}
                )
                record(
                    session,
                    request,
                    texts.HD_SYSTEM_ACTOR,
                    None,
                    Action.ASSIGN.value,
                    Status.SUBMITTED,
                    Status.ASSIGNED,
                    routed,
                    now,
                )
            session.flush()
            notifications = self._notifications(session, request, bindings, primary, hints, emergency)
            log.info(
                "request %s filed in village %s, routed to %s",
                request.number,
                village_row.id,
                primary.person_id if primary else "nobody",
            )
            view = request_view(request, viewer, now, hints=hint_rows)
            services = emergency.services if emergency else ()
            return Outcome(view, tuple(notifications), services)

    def _policy_hints(self, text: str) -> list[PolicyHint]:
        lookup, k = self._ctx.lookup, self._ctx.config.policy_hints_k
        if lookup is None:
            return []
        try:
            found = list(lookup(text, k))[:k]
        except Exception:  # the KB being down must not stop a villager from asking for help
            log.exception("policy lookup failed; filing without hints")
            return []
        # A weakly related passage on a receipt misleads (a frozen pipe got 党建 articles): keep
        # only those at or above the measured threshold.
        return [h for h in found if h.score >= self._ctx.config.policy_min_score]

    def _suggest(self, text: str, hints: Sequence[PolicyHint]) -> CategorySuggestion:
        config = self._ctx.config
        fallback = FALLBACK_CATEGORY if FALLBACK_CATEGORY in config.categories else config.categories[-1]
        return suggest_category(text, hints, config.keywords, config.categories, fallback)

    def _notifications(
        self,
        session: Session,
        request: HelpRequest,
        bindings: Sequence[CadreBinding],
        primary: CadreBinding | None,
        hints: Sequence[PolicyHint],
        emergency: Emergency | None,
    ) -> list[Notification]:
        number, due = request.number, local_time(request.due_at, self._ctx.tz)
        urgent = Urgency(request.urgency) is not Urgency.NORMAL
        receipt = ""
        if emergency is not None and emergency.services:
            receipt = texts.HD_MSG_CALL_FIRST.format(
                calls="；".join(texts.HD_EMERGENCY_SERVICES[s] for s in emergency.services)
            ) + "\n\n"
        receipt += texts.HD_MSG_FILED.format(number=number, category=request.category, due=due)
        if urgent:
            receipt += "\n" + texts.HD_MSG_FILED_URGENT
        if primary is not None:
            receipt += "\n" + texts.HD_MSG_FILED_ASSIGNED.format(
                post=primary.post, name=primary.person.display_name
            )
        else:
            receipt += "\n" + texts.HD_MSG_FILED_UNROUTED
        if hints:
            receipt += "\n\n" + texts.HD_MSG_POLICY_WHILE_WAITING.format(hints=hint_lines(hints))
        out = [Notification(request.requester.chat_user_id, receipt, number, NotificationKind.FILED)]
        for b in bindings:
            cadre = b.person
            full = cadre.id in (request.requester_id, request.assignee_id)
            body = texts.HD_MSG_NEW_REQUEST.format(
                village=place(request.village),
                number=number,
                category=request.category,
                urgency=Urgency(request.urgency).label,
                requester=request.requester.display_name,
                description=preview(request.description if full else mask_text(request.description)),
                due=due,
            )
            if primary is not None and cadre.id == primary.person_id:
                body += "\n" + texts.HD_MSG_NEW_REQUEST_YOURS
            elif primary is not None:
                body += "\n" + texts.HD_MSG_NEW_REQUEST_OTHERS.format(
                    post=primary.post, name=primary.person.display_name
                )
            if hints:
                body += "\n" + texts.HD_MSG_POSSIBLE_POLICIES.format(hints=hint_lines(hints))
            if urgent:
                body = texts.HD_MSG_URGENT_PREFIX + body
            kind = NotificationKind.URGENT if urgent else NotificationKind.NEW_REQUEST
            out.append(Notification(cadre.chat_user_id, body, number, kind))
        if not bindings:
            text = texts.HD_MSG_UNROUTED.format(
                village=place(request.village), number=number, category=request.category
            )
            out.extend(
                Notification(admin.chat_user_id, text, number, NotificationKind.UNROUTED)
                for admin in store.admins(session)
            )
        if urgent:  # the admins hear of every emergency at once, whoever else is told
            cadre_ids = {b.person.chat_user_id for b in bindings}
            text = texts.HD_MSG_URGENT_ADMIN.format(
                village=place(request.village),
                number=number,
                category=request.category,
                description=preview(mask_text(request.description)),
                due=due,
            )
            out.extend(
                Notification(admin.chat_user_id, text, number, NotificationKind.URGENT)
                for admin in store.admins(session)
                if admin.chat_user_id not in cadre_ids
            )
        return out
