"""A villager's own requests: the list (我的求助), one request's card, its photos, and the answer to
问题解决了吗？ (已解决 / 未解决).

Apart from `Requests` (the form that files a request) because these only read what was filed,
and the form is long enough on its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import texts
from bot.assistant.cards import request_card, satisfaction_buttons, split
from bot.assistant.context import AssistantContext, friendly
from bot.assistant.replies import Block, Button, Reply, UserRef, chunks, keyboard
from bot.assistant.requests import photo_files
from bot.helpdesk import OPEN_STATUSES, RequestFilter, Status, Urgency, local_time

MINE_PAGE = 5


class MyRequests:
    """Reading filed requests: a villager's list, a request's card, its photos (also the cadre's
    看照片 button), and the answer to 问题解决了吗？."""

    def __init__(self, context: AssistantContext) -> None:
        self._ctx = context

    @friendly
    def show_photos(self, user: UserRef, number: str) -> Reply:
        """The photos of a request, for whoever may see it (the cadre's 看照片 button)."""
        files = photo_files(self._ctx, user, number)
        if not files:
            return Reply.of(texts.BOT_PHOTOS_NONE.format(number=number))
        return Reply.of(texts.BOT_PHOTOS_TITLE.format(number=number, count=len(files)), photos=files)

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
                rows.append(satisfaction_buttons(view.number, numbered=True))
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
        if view.attachment_count:
            buttons.append([Button(texts.BOT_PHOTOS_BUTTON.format(count=view.attachment_count), "ph", number)])
        if view.status in OPEN_STATUSES and view.urgency is Urgency.NORMAL:  # 这事很急 (casefront)
            buttons.append([Button(texts.BOT_MARK_URGENT, "ur", number)])
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
                    buttons=keyboard(*(satisfaction_buttons(v.number, numbered=True) for v in waiting)),
                )
            number = waiting[0].number
        outcome = self._ctx.helpdesk.casework.feedback(user.id, number, satisfied)
        own, notices = split(outcome, user.id)
        return Reply(tuple(own), notices=notices, replace_buttons=(), toast=texts.BOT_FEEDBACK_RECORDED)
