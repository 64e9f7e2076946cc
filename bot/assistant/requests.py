"""Villagers' help requests: the step-by-step form that files one, and photos sent with it.

What each step shows is `form_prompts`; what was filed (我的求助, 问题解决了吗？) is `my_requests`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot import texts, vocab
from bot.assistant.cards import notice, split
from bot.assistant.context import AssistantContext, friendly
from bot.assistant.dialogs import stale
from bot.assistant.form_prompts import step_prompt
from bot.assistant.replies import (
    Attachment,
    Block,
    Button,
    Keyboard,
    Notice,
    Reply,
    UserRef,
    keyboard,
)
from bot.helpdesk import (
    HelpdeskError,
    InvalidInput,
    NotificationKind,
    village_labels,
)
from bot.helpdesk.attachments import MAX_PHOTOS

# Alerts that tell cadres (and admins) of a new request: they carry the form's photos.
ALERT_KINDS = frozenset({NotificationKind.NEW_REQUEST, NotificationKind.URGENT, NotificationKind.UNROUTED})


FormStep = Callable[[UserRef, dict, "str | None", "str | None"], Reply]

# A photo sent this soon after filing (with no form open) belongs to the request just filed.
PHOTO_AFTER_FILING = timedelta(hours=2)
# Fewer letters than this tell a cadre nothing ("水"): the form asks for more.
MIN_DESCRIPTION_CHARS = 5


def meaningful_length(text: str) -> int:
    """Letters, digits and Chinese characters in `text` (punctuation and spaces do not count)."""
    return sum(1 for ch in text if ch.isalnum())


def photo_files(context: AssistantContext, user: UserRef, number: str) -> tuple[Attachment, ...]:
    """The photos of request `number` as files to send, for whoever may see them."""
    return tuple(
        Attachment(p.filename, p.data, p.view.caption or "")
        for p in context.helpdesk.attachments.photos(user.id, number)
    )


def looks_like_question(text: str) -> bool:
    """Question wording (吗、怎么、多少、？…, bot/vocab.py QUESTION_MARKERS) in `text`."""
    return any(marker in text for marker in vocab.QUESTION_MARKERS)


class Requests:
    """A villager's side of help requests: the form, my requests, the follow-up answer, photos.

    The form forgives (issue 11): a question typed in the middle of it is answered and the form
    kept (`is_aside` tells the facade which text is a question rather than the step's answer);
    a menu button asks before anything is thrown away (`ask_leave`); a problem described at the
    category step is kept as the description and a category is suggested; a description too short
    to act on is asked for again; photos sent during the form are staged and attached on filing.
    """

    def __init__(self, context: AssistantContext) -> None:
        self._ctx = context
        self._steps: dict[str, FormStep] = {
            "category": self._form_category,
            "description": self._form_description,
            "village": self._form_village,
            "address": self._form_address,
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
        dialog["data"].pop("pending", None)  # any answer means the villager stays in the form
        if button == "keep":
            return self.form_prompt(dialog, replace_buttons=())
        step = self._steps.get(str(dialog.get("state", "")).removeprefix("request."))
        if step is None:
            return Reply.of(texts.BOT_FORM_GONE)
        return step(user, dialog, text, button)

    def is_aside(self, dialog: dict[str, Any], text: str) -> bool:
        """`text`, typed at the form's current step, is a question to answer beside the form rather
        than the step's answer. The description step takes any text (a problem is often worded as
        a question: "水管冻裂了怎么办"); elsewhere question wording that is not a valid answer is a
        question ("对了 低保怎么申请啊" at the phone step)."""
        state = str(dialog.get("state", "")).removeprefix("request.")
        typed = " ".join((text or "").split())
        if state not in self._steps or state == "description" or not looks_like_question(typed):
            return False
        if state == "category":
            return typed not in self._ctx.helpdesk.categories
        if state == "village":
            return not self._village_matches(typed)
        if state == "phone":
            try:
                return self._ctx.helpdesk.intake.clean_phone(typed) is None
            except InvalidInput:
                return True
        return True  # address, confirm

    def resume_prompt(self, dialog: dict[str, Any], question: str | None = None) -> Reply:
        """After `question` was answered mid-form: 继续填写求助吗？ The form stays as it was; a
        question asked before the problem was described is offered as the description later."""
        data = dialog.setdefault("data", {})
        if question and not data.get("description") and not data.get("question"):
            data["question"] = question
        buttons = keyboard(
            [Button(texts.BOT_FORM_RESUME_BUTTON, "f", "keep"), Button(texts.BOT_FORM_QUIT_BUTTON, "f", "x")]
        )
        return Reply.of(texts.BOT_FORM_RESUME, buttons=buttons, dialog=dialog)

    def ask_leave(self, dialog: dict[str, Any], pending: str) -> Reply:
        """A menu button (or 我要求助 again) pressed mid-form: ask before throwing the form away.
        `pending` is what to do if the villager does leave: a menu word, or "rq:<question id>"."""
        dialog = {**dialog, "data": {**dialog.get("data", {}), "pending": pending}}
        label = pending if not pending.startswith("rq:") else texts.BOT_MENU_REQUEST
        buttons = keyboard(
            [
                Button(texts.BOT_FORM_LEAVE_KEEP, "f", "keep"),
                Button(texts.BOT_FORM_LEAVE_DROP.format(menu=label), "f", "drop"),
            ]
        )
        return Reply.of(texts.BOT_FORM_LEAVE, buttons=buttons, dialog=dialog)

    def discard(self, user: UserRef, dialog: dict[str, Any] | None) -> None:
        """The form is over without filing: forget the photos it staged."""
        tokens = [p["t"] for p in ((dialog or {}).get("data") or {}).get("photos", []) if "t" in p]
        if tokens and self._ctx.helpdesk.attachments.enabled:
            self._ctx.helpdesk.attachments.discard_staged(user.id, tokens)

    def _choose_category(self, dialog: dict, chosen: str) -> Reply:
        data = dialog["data"]
        data["category"] = chosen
        data.pop("suggested", None)
        # A problem already described (typed at step 1, or a photo's caption) is kept.
        next_state = "request.village" if data.get("description") else "request.description"
        return self.form_prompt({**dialog, "state": next_state})

    def _form_category(self, user: UserRef, dialog: dict, text: str | None, button: str | None) -> Reply:
        categories = self._ctx.helpdesk.categories
        if button is not None:
            if not re.fullmatch(r"c\d{1,3}", button) or int(button[1:]) >= len(categories):
                return stale(dialog)
            return self._choose_category(dialog, categories[int(button[1:])])
        typed = (text or "").strip()
        if typed in categories:
            return self._choose_category(dialog, typed)
        return self._described(dialog, typed)

    def _described(self, dialog: dict, typed: str) -> Reply:
        """Free text at the category step: the villager is telling us the problem. Keep it as the
        description (when long enough to act on) and suggest the category it sounds like."""
        data = dialog["data"]
        if not typed:
            return self.form_prompt(dialog, error=texts.BOT_FORM_CATEGORY_AGAIN)
        try:
            suggestion = self._ctx.helpdesk.intake.suggest_category(typed)
        except InvalidInput as exc:  # too long
            return self.form_prompt(dialog, error=exc.message_zh)
        suggested = suggestion.category if suggestion.matched else None
        if meaningful_length(typed) >= MIN_DESCRIPTION_CHARS:
            data["description"] = self._ctx.helpdesk.intake.clean_description(typed)
        if suggested is not None:
            data["suggested"] = suggested
        else:
            data.pop("suggested", None)
        if "description" not in data:
            return self.form_prompt(dialog, error=texts.BOT_FORM_CATEGORY_AGAIN)
        note = (
            texts.BOT_FORM_CATEGORY_SUGGESTED.format(category=suggested)
            if suggested
            else texts.BOT_FORM_CATEGORY_UNSURE
        )
        return self.form_prompt(dialog, error=note)

    def _take_description(self, dialog: dict, text: str | None) -> Reply | None:
        """Store `text` as the description; a Reply asking again when it is empty, too long or too
        short to act on."""
        try:
            cleaned = self._ctx.helpdesk.intake.clean_description(text)
        except InvalidInput as exc:
            return self.form_prompt(dialog, error=exc.message_zh)
        if meaningful_length(cleaned) < MIN_DESCRIPTION_CHARS:
            return self.form_prompt(dialog, error=texts.BOT_FORM_DESCRIPTION_SHORT.format(text=cleaned[:20]))
        dialog["data"]["description"] = cleaned
        return None

    def _form_description(self, user: UserRef, dialog: dict, text: str | None, button: str | None) -> Reply:
        data = dialog["data"]
        if button is not None:
            if button != "q" or not data.get("question"):
                return stale(dialog)
            text = data["question"]
        refused = self._take_description(dialog, text)
        if refused is not None:
            return refused
        return self.form_prompt({**dialog, "state": "request.village"})

    def _village_matches(self, typed: str) -> list[Any]:
        villages = self._ctx.helpdesk.directory.list_villages()
        exact = [v for v in villages if typed in (v.name, v.display_name, v.full_name)]
        return exact or [v for v in villages if typed and (typed in v.full_name or v.name in typed)]

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
            matches = self._village_matches(typed)
            if len(matches) == 1:
                chosen = matches[0]
            elif matches:
                return self.form_prompt(dialog, error=texts.BOT_FORM_VILLAGE_MATCHES, villages=matches)
            else:
                return self.form_prompt(dialog, error=texts.HD_ERR_UNKNOWN_VILLAGE.format(village=typed[:30]))
        label = village_labels(villages).get(chosen.id, chosen.display_name)  # township where names repeat
        dialog["data"].update(village_id=chosen.id, village=label)
        return self.form_prompt({**dialog, "state": "request.address"})

    def _form_address(self, user: UserRef, dialog: dict, text: str | None, button: str | None) -> Reply:
        if button is not None:
            if button != "skip":
                return stale(dialog)
            address = ""
        else:
            address = " ".join((text or "").split())
            if not address:
                return self.form_prompt(dialog)
            if len(address) > self._ctx.helpdesk.config.max_address_chars:
                return self.form_prompt(
                    dialog,
                    error=texts.HD_ERR_TEXT_TOO_LONG.format(
                        field=texts.HD_FIELD_ADDRESS, limit=self._ctx.helpdesk.config.max_address_chars
                    ),
                )
        dialog["data"]["address"] = address
        return self.form_prompt({**dialog, "state": "request.phone"})

    def _form_phone(self, user: UserRef, dialog: dict, text: str | None, button: str | None) -> Reply:
        if button is not None:
            if button != "skip":
                return stale(dialog)
            phone = None
        elif (text or "").strip() in vocab.NO_PHONE_WORDS:
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
            fresh = {k: v for k, v in data.items() if k in ("question", "photos")}
            return self.form_prompt({**dialog, "state": "request.category", "data": fresh})
        if button != "ok":
            return (
                stale(dialog)
                if button is not None
                else self.form_prompt(dialog, error=texts.BOT_FORM_CONFIRM_AGAIN)
            )
        hd = self._ctx.helpdesk
        outcome = hd.intake.file_request(
            user.id,
            int(data["village_id"]),
            data["description"],
            display_name=user.name,
            phone=data.get("phone"),
            address=data.get("address") or None,
            category=data["category"],
        )
        number = outcome.request.number
        attached, failed = self._attach_staged(user, number, data.get("photos") or [])
        photos = photo_files(self._ctx, user, number) if attached else ()
        own: list[Block] = []
        notices: list[Notice] = []
        for n in outcome.notifications:
            if n.chat_user_id == user.id:
                own.append(Block(n.text_zh))
                continue
            sent = notice(n)
            if photos and n.kind in ALERT_KINDS:  # the cadres see the photos with the alert
                sent = Notice(sent.chat_id, replace(sent.reply, photos=photos))
            notices.append(sent)
        if attached:
            own.append(Block(texts.BOT_FORM_FILED_PHOTOS.format(count=attached)))
        if failed:
            own.append(Block(texts.BOT_FORM_PHOTOS_FAILED.format(count=len(failed), reason=failed[0])))
        if hd.attachments.enabled:
            own.append(Block(texts.BOT_FORM_PHOTO_LATER))
        return Reply(tuple(own), notices=tuple(notices), menu=True, replace_buttons=())

    def _attach_staged(self, user: UserRef, number: str, photos: list[dict]) -> tuple[int, list[str]]:
        """Attach the form's staged photos to the new request: (how many, why others failed).
        A photo that cannot be attached never costs the villager the request itself."""
        attached, failed = 0, []
        for photo in photos:
            try:
                self._ctx.helpdesk.attachments.add_staged(user.id, number, str(photo.get("t")), photo.get("c"))
                attached += 1
            except HelpdeskError as exc:
                failed.append(exc.message_zh)
        return attached, failed

    def form_prompt(
        self,
        dialog: dict[str, Any],
        *,
        error: str | None = None,
        villages: Sequence[Any] | None = None,
        replace_buttons: Keyboard | None = None,
    ) -> Reply:
        """The question for the form's current step (after `error`, if the last answer was refused)."""
        return step_prompt(
            self._ctx.helpdesk, dialog, error=error, villages=villages, replace_buttons=replace_buttons
        )

    # ------------------------------------------------------------------------ photos
    def check_photo(self, user: UserRef, dialog: dict[str, Any] | None, size: int | None) -> Reply | None:
        """A photo refused by its announced size before download (None: go ahead). An open form
        stays open."""
        try:
            self._ctx.helpdesk.attachments.check_size(size)
        except HelpdeskError as exc:
            return self._refused(dialog, exc)
        return None

    def _refused(self, dialog: dict[str, Any] | None, exc: HelpdeskError) -> Reply:
        """A refused photo: say why, and in the form ask its current step again."""
        if dialog is not None and str(dialog.get("state", "")).removeprefix("request.") in self._steps:
            return self.form_prompt(dialog, error=exc.message_zh)
        return Reply.of(exc.message_zh, dialog=dialog)

    def photo(self, user: UserRef, dialog: dict[str, Any] | None, data: bytes, caption: str | None) -> Reply:
        """A photo from a villager. In the form: kept for the request (a caption at the category or
        description step is the description). Just after filing: attached to that request. Else:
        a new request starts with the photo, its caption as the description."""
        caption = " ".join((caption or "").split()) or None
        try:
            if dialog is not None:
                return self._form_photo(user, dialog, data, caption)
            number = self._ctx.helpdesk.attachments.latest_open(user.id, PHOTO_AFTER_FILING)
            if number is not None:
                return self._attach_now(user, number, data, caption)
            return self._photo_starts_request(user, data, caption)
        except HelpdeskError as exc:
            return self._refused(dialog, exc)

    def _form_photo(self, user: UserRef, dialog: dict[str, Any], data: bytes, caption: str | None) -> Reply:
        form = dialog["data"]
        photos = form.setdefault("photos", [])
        if len(photos) >= MAX_PHOTOS:
            return self.form_prompt(dialog, error=texts.HD_ERR_PHOTO_TOO_MANY.format(limit=MAX_PHOTOS))
        token = self._ctx.helpdesk.attachments.stage(user.id, data)
        photos.append({"t": token, "c": caption})
        saved = texts.BOT_FORM_PHOTO_SAVED.format(count=len(photos))
        state = str(dialog.get("state", ""))
        if caption and state == "request.category":
            reply = self._described(dialog, caption)
            return replace(reply, blocks=(Block(saved), *reply.blocks))
        if caption and state == "request.description":
            refused = self._take_description(dialog, caption)
            if refused is None:
                return self.form_prompt({**dialog, "state": "request.village"}, error=saved)
        return self.form_prompt(dialog, error=saved)

    def _attach_now(self, user: UserRef, number: str, data: bytes, caption: str | None) -> Reply:
        outcome = self._ctx.helpdesk.attachments.add(user.id, number, data, caption=caption)
        own, notices = split(outcome, user.id)
        photo = Attachment(f"{number}.jpg", data, caption or "")
        notices = tuple(Notice(n.chat_id, replace(n.reply, photos=(photo,))) for n in notices)
        return Reply((*own, Block(texts.BOT_PHOTO_ATTACHED.format(number=number))), notices=notices)

    def _photo_starts_request(self, user: UserRef, data: bytes, caption: str | None) -> Reply:
        started = self.start_request(user)
        if started.dialog is None:  # no villages yet: nothing to file the photo under
            return started
        dialog = started.dialog
        token = self._ctx.helpdesk.attachments.stage(user.id, data)
        dialog["data"]["photos"] = [{"t": token, "c": caption}]
        reply = self._described(dialog, caption) if caption else self.form_prompt(dialog)
        return replace(reply, blocks=(Block(texts.BOT_FORM_PHOTO_START), *reply.blocks))
