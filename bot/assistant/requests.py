"""Villagers' help requests: the step-by-step form, "my requests", and 问题解决了吗？ (follow-up)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from bot import texts
from bot.assistant.cards import request_card, satisfaction_buttons, split
from bot.assistant.context import AssistantContext, friendly
from bot.assistant.dialogs import stale
from bot.assistant.replies import Block, Button, Reply, UserRef, chunks, keyboard
from bot.helpdesk import InvalidInput, RequestFilter, Status, local_time, village_labels

MINE_PAGE = 5
VILLAGE_BUTTONS = 24


FormStep = Callable[[UserRef, dict, "str | None", "str | None"], Reply]


class Requests:
    """A villager's side of help requests: the form, my requests, the follow-up answer."""

    def __init__(self, context: AssistantContext) -> None:
        self._ctx = context
        self._steps: dict[str, FormStep] = {
            "category": self._form_category,
            "description": self._form_description,
            "village": self._form_village,
            "phone": self._form_phone,
            "confirm": self._form_confirm,
        }

    # ------------------------------------------------------------------------ the form
    @friendly
    def start_request(self, user: UserRef, question_id: int | None = None) -> Reply:
        if not self._ctx.helpdesk.directory.list_villages():
            return Reply.of(texts.BOT_FORM_NO_VILLAGES)
        data: dict[str, Any] = {}
        if question_id and self._ctx.analytics:
            logged = self._ctx.analytics.get(question_id)
            if logged and logged.chat_user_id == user.id:
                data["question"] = logged.question
        return self.form_prompt({"state": "request.category", "data": data, "at": self._ctx.clock()})

    def form_input(
        self, user: UserRef, dialog: dict[str, Any], text: str | None, button: str | None
    ) -> Reply:
        """One turn of the form: the answer to its current step (typed `text` or a pressed `button`)."""
        step = self._steps.get(str(dialog.get("state", "")).removeprefix("request."))
        if step is None:
            return Reply.of(texts.BOT_FORM_GONE)
        return step(user, dialog, text, button)

    def _form_category(self, user: UserRef, dialog: dict, text: str | None, button: str | None) -> Reply:
        categories = self._ctx.helpdesk.categories
        chosen = None
        if button is not None:
            if not re.fullmatch(r"c\d{1,3}", button) or int(button[1:]) >= len(categories):
                return stale(dialog)
            chosen = categories[int(button[1:])]
        elif text and text.strip() in categories:
            chosen = text.strip()
        if chosen is None:
            return self.form_prompt(dialog, error=texts.BOT_FORM_CATEGORY_AGAIN)
        dialog["data"]["category"] = chosen
        return self.form_prompt({**dialog, "state": "request.description"})

    def _form_description(self, user: UserRef, dialog: dict, text: str | None, button: str | None) -> Reply:
        data = dialog["data"]
        if button is not None:
            if button != "q" or not data.get("question"):
                return stale(dialog)
            text = data["question"]
        try:
            data["description"] = self._ctx.helpdesk.intake.clean_description(text)
        except InvalidInput as exc:
            return self.form_prompt(dialog, error=exc.message_zh)
        return self.form_prompt({**dialog, "state": "request.village"})

    def _form_village(self, user: UserRef, dialog: dict, text: str | None, button: str | None) -> Reply:
        villages = self._ctx.helpdesk.directory.list_villages()
        if not villages:
            return Reply.of(texts.BOT_FORM_NO_VILLAGES)
        chosen = None
        if button is not None:
            if not re.fullmatch(r"v\d{1,12}", button):
                return stale(dialog)
            chosen = next((v for v in villages if v.id == int(button[1:])), None)
            if chosen is None:
                return stale(dialog)
        else:
            typed = " ".join((text or "").split())
            exact = [v for v in villages if typed in (v.name, v.display_name, v.full_name)]
            matches = exact or [v for v in villages if typed and (typed in v.full_name or v.name in typed)]
            if len(matches) == 1:
                chosen = matches[0]
            elif matches:
                return self.form_prompt(dialog, error=texts.BOT_FORM_VILLAGE_MATCHES, villages=matches)
            else:
                return self.form_prompt(dialog, error=texts.HD_ERR_UNKNOWN_VILLAGE.format(village=typed[:30]))
        label = village_labels(villages).get(chosen.id, chosen.display_name)  # township where names repeat
        dialog["data"].update(village_id=chosen.id, village=label)
        return self.form_prompt({**dialog, "state": "request.phone"})

    def _form_phone(self, user: UserRef, dialog: dict, text: str | None, button: str | None) -> Reply:
        if button is not None:
            if button != "skip":
                return stale(dialog)
            phone = None
        else:
            try:
                phone = self._ctx.helpdesk.intake.clean_phone(text or "")
            except InvalidInput as exc:
                return self.form_prompt(dialog, error=exc.message_zh)
            if phone is None:
                return self.form_prompt(dialog)
        dialog["data"]["phone"] = phone
        return self.form_prompt({**dialog, "state": "request.confirm"})

    def _form_confirm(self, user: UserRef, dialog: dict, text: str | None, button: str | None) -> Reply:
        data = dialog["data"]
        if button == "redo":
            fresh = {k: v for k, v in data.items() if k == "question"}
            return self.form_prompt({**dialog, "state": "request.category", "data": fresh})
        if button != "ok":
            return (
                stale(dialog)
                if button is not None
                else self.form_prompt(dialog, error=texts.BOT_FORM_CONFIRM_AGAIN)
            )
        outcome = self._ctx.helpdesk.intake.file_request(
            user.id,
            int(data["village_id"]),
            data["description"],
            display_name=user.name,
            phone=data.get("phone"),
            category=data["category"],
        )
        own, notices = split(outcome, user.id)
        return Reply(tuple(own), notices=notices, menu=True, replace_buttons=())

    def form_prompt(
        self,
        dialog: dict[str, Any],
        *,
        error: str | None = None,
        villages: Sequence[Any] | None = None,
    ) -> Reply:
        """The question for the form's current step (after `error`, if the last answer was refused)."""
        state, data = dialog["state"], dialog["data"]
        blocks: list[Block] = [Block(error)] if error else []
        buttons: list[Sequence[Button]] = []
        if state == "request.category":
            blocks.append(Block(texts.BOT_FORM_CATEGORY))
            cats = [Button(c, "f", f"c{i}") for i, c in enumerate(self._ctx.helpdesk.categories)]
            buttons.extend(chunks(cats, 2))
        elif state == "request.description":
            blocks.append(Block(texts.BOT_FORM_DESCRIPTION.format(category=data.get("category", ""))))
            if data.get("question"):
                blocks.append(Block(data["question"], quote=True))
                buttons.append([Button(texts.BOT_FORM_USE_QUESTION, "f", "q")])
        elif state == "request.village":
            if villages is None:
                blocks.append(Block(texts.BOT_FORM_VILLAGE))
                villages = self._ctx.helpdesk.directory.list_villages()[:VILLAGE_BUTTONS]
            labels = village_labels(self._ctx.helpdesk.directory.list_villages())  # township where names repeat
            shown = villages[:VILLAGE_BUTTONS]
            buttons.extend(chunks([Button(labels.get(v.id, v.display_name), "f", f"v{v.id}") for v in shown], 3))
        elif state == "request.phone":
            blocks.append(Block(texts.BOT_FORM_PHONE))
            buttons.append([Button(texts.BOT_FORM_SKIP_PHONE, "f", "skip")])
        elif state == "request.confirm":
            fields = [
                texts.BOT_FORM_FIELD_CATEGORY.format(value=data.get("category", "")),
                texts.BOT_FORM_FIELD_VILLAGE.format(value=data.get("village", "")),
                texts.BOT_FORM_FIELD_PHONE.format(value=data.get("phone") or texts.BOT_FORM_NO_PHONE),
                texts.BOT_FORM_FIELD_DESCRIPTION.format(value=data.get("description", "")),
            ]
            blocks.append(Block("\n".join(fields), title=texts.BOT_FORM_CONFIRM))
            buttons.append(
                [Button(texts.BOT_FORM_SUBMIT, "f", "ok"), Button(texts.BOT_FORM_REDO, "f", "redo")]
            )
        buttons.append([Button(texts.BOT_FORM_CANCEL, "f", "x")])
        return Reply(tuple(blocks), keyboard(*buttons), dialog=dialog)

    # ------------------------------------------------------------------------ my requests
    @friendly
    def my_requests(self, user: UserRef, offset: int = 0) -> Reply:
        if self._ctx.helpdesk.directory.get_person(user.id) is None:
            return Reply.of(texts.BOT_MINE_EMPTY)
        # Cadres also see their villages' requests in lists; "mine" means the ones they filed.
        page = self._ctx.helpdesk.queries.list_requests(
            user.id, RequestFilter(requester=user.id), limit=MINE_PAGE, offset=offset
        )
        items = page.items
        if not items and offset == 0:
            return Reply.of(texts.BOT_MINE_EMPTY)
        blocks: list[Block] = [Block("", title=texts.BOT_MINE_TITLE.format(count=len(items)))]
        rows: list[Sequence[Button]] = []
        for view in items:
            line = texts.BOT_MINE_LINE.format(
                number=view.number,
                status=view.status.label,
                category=view.category,
                village=view.village.display_name,
                created=local_time(view.created_at, self._ctx.tz),
                description=texts.one_line(view.description, 60),
            )
            if view.status is Status.RESOLVED:
                line += "\n" + texts.BOT_MINE_WAITING
                rows.append(satisfaction_buttons(view.number))
            blocks.append(Block(line))
        views = [Button(texts.BOT_VIEW_BUTTON.format(number=v.number), "rv", v.number) for v in items]
        rows = [*chunks(views, 2), *rows]
        if page.has_more:
            rows.append([Button(texts.BOT_MORE, "my", str(offset + MINE_PAGE))])
        return Reply(tuple(blocks), keyboard(*rows))

    @friendly
    def request_detail(self, user: UserRef, number: str) -> Reply:
        view = self._ctx.helpdesk.queries.show(user.id, number)
        buttons = [satisfaction_buttons(number)] if view.status is Status.RESOLVED else []
        return Reply(tuple(request_card(view, self._ctx.tz, history=True)), keyboard(*buttons))

    @friendly
    def answer_follow_up(self, user: UserRef, satisfied: bool, number: str | None = None) -> Reply:
        """问题解决了吗？ — 已解决 closes the request, 未解决 reopens it for the cadres."""
        if number is None:
            if self._ctx.helpdesk.directory.get_person(user.id) is None:
                return Reply.of(texts.BOT_NO_FEEDBACK_PENDING)
            waiting = self._ctx.helpdesk.queries.list_requests(
                user.id, RequestFilter(requester=user.id, statuses=(Status.RESOLVED,)), limit=10
            ).items
            if not waiting:
                return Reply.of(texts.BOT_NO_FEEDBACK_PENDING)
            if len(waiting) > 1:
                return Reply.of(
                    texts.BOT_WHICH_REQUEST,
                    buttons=keyboard(*(satisfaction_buttons(v.number) for v in waiting)),
                )
            number = waiting[0].number
        outcome = self._ctx.helpdesk.casework.feedback(user.id, number, satisfied)
        own, notices = split(outcome, user.id)
        return Reply(tuple(own), notices=notices, replace_buttons=(), toast=texts.BOT_FEEDBACK_RECORDED)
