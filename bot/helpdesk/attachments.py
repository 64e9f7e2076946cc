"""Photos on help requests: a villager shows the crack in the wall instead of describing it.

Files live under the configured attachments folder (`DATA_DIR/attachments`), owner-only like
every other file with personal data (folders 0700, files 0600), one folder per request:

    attachments/<number>/<random>.<jpg|png|webp>     attached (a row in request_attachments)
    attachments/staged/<chat id>/<token>.<ext>       sent during the form, before there is a request

Why staging: the help-request form is filled over several messages (and may survive a restart);
a photo sent at step 2 has no request to belong to yet. It is checked and stored at once, the form
keeps only its token, and `add_staged` attaches it once the request is filed. A staged file is
kept `STAGED_TTL` at most. Only the chat user who staged a photo can attach it: the token is found
under their own folder.

Rules (each refusal is an `InvalidInput` whose `message_zh` a front end shows as it is):
- the bytes must be a JPEG, PNG or WebP picture (checked by its signature, not a file name);
- at most `HelpdeskConfig.attachment_max_bytes` (ATTACHMENT_MAX_MB), at most MAX_PHOTOS a request;
- the requester, the village's cadres and admins may add photos while the request is not closed;
  whoever may see the request may look at them (`photos`).

Adding a photo is recorded in the request's history (code ATTACHED, the caption as the note),
counts in `attachment_count` (the ledger's 照片数), and tells the assigned cadre (ATTACHED).

Backups (bot/ops/backup.py) hold the request_attachments rows with the database and the files
as their `photos/` part (staged photos of forms in progress are left out). A database restored
without its files still works: `photos` leaves a missing file out and logs it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.files import fsync_dir, open_private, private_dir
from bot.helpdesk import access, store
from bot.helpdesk.access import Actor, Viewer
from bot.helpdesk.context import DeskContext
from bot.helpdesk.errors import InvalidInput, NotFound
from bot.helpdesk.events import EventCode, EventNote
from bot.helpdesk.lifecycle import OPEN_STATUSES, Status
from bot.helpdesk.models import HelpRequest, RequestAttachment
from bot.helpdesk.moves import Change, Mover, Step
from bot.helpdesk.present import attachment_view
from bot.helpdesk.validate import clean_note, clean_number
from bot.helpdesk.views import AttachmentView, Notification, NotificationKind, Outcome

log = logging.getLogger(__name__)

MAX_PHOTOS = 9  # per request: enough to show a problem, not a photo album
STAGED_TTL = timedelta(days=2)  # a form left longer than this has long expired
STAGED = "staged"
# Photos may be added while the request is being handled and until the villager's 回访.
ATTACHABLE = frozenset({*OPEN_STATUSES, Status.RESOLVED})
_TOKEN = re.compile(r"^[0-9a-f]{16}$")
_SIGNATURES: tuple[tuple[str, str, bytes, int], ...] = (
    # (content type, file suffix, signature, offset)
    ("image/jpeg", "jpg", b"\xff\xd8\xff", 0),
    ("image/png", "png", b"\x89PNG\r\n\x1a\n", 0),
    ("image/webp", "webp", b"WEBP", 8),
)
_SUFFIX_TYPES = {suffix: kind for kind, suffix, _sig, _off in _SIGNATURES}


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, suffix) of a JPEG, PNG or WebP picture; None for anything else."""
    for kind, suffix, signature, offset in _SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            if kind == "image/webp" and not data.startswith(b"RIFF"):
                continue
            return kind, suffix
    return None


@dataclass(frozen=True)
class Photo:
    """One attached photo with its bytes (what a front end sends to a cadre)."""

    view: AttachmentView
    data: bytes
    filename: str


class Attachments:
    """Check, stage, attach and read request photos."""

    def __init__(self, context: DeskContext, mover: Mover) -> None:
        self._ctx = context
        self._mover = mover

    # ------------------------------------------------------------------------ checks
    @property
    def enabled(self) -> bool:
        return self._ctx.config.attachments_dir is not None

    def check_size(self, size: int | None) -> None:
        """Refuse a photo by its announced size before it is downloaded (`InvalidInput`)."""
        self._folder()  # photos switched off: say so before anything is downloaded
        limit = self._ctx.config.attachment_max_bytes
        if size is not None and size > limit:
            raise InvalidInput(
                texts.HD_ERR_PHOTO_TOO_BIG.format(size=_mb(size), limit=_mb(limit))
            )

    def _check(self, data: bytes) -> tuple[str, str]:
        if not data:
            raise InvalidInput(texts.HD_ERR_PHOTO_EMPTY)
        self.check_size(len(data))
        kind = sniff(data)
        if kind is None:
            raise InvalidInput(texts.HD_ERR_PHOTO_TYPE)
        return kind

    def _folder(self) -> Path:
        folder = self._ctx.config.attachments_dir
        if folder is None:
            raise InvalidInput(texts.HD_ERR_PHOTOS_OFF)
        return Path(folder)

    # ------------------------------------------------------------------------ staging (forms)
    def stage(self, actor: int, data: bytes) -> str:
        """Check and keep a photo sent before its request exists; returns its token."""
        _kind, suffix = self._check(data)
        folder = private_dir(self._folder() / STAGED / str(int(actor)))
        self._sweep_staged()
        token = secrets.token_hex(8)
        _write(folder / f"{token}.{suffix}", data)
        return token

    def _staged_path(self, actor: int, token: str) -> Path | None:
        if not _TOKEN.match(token or ""):
            return None
        folder = self._folder() / STAGED / str(int(actor))
        for suffix in _SUFFIX_TYPES:
            path = folder / f"{token}.{suffix}"
            if path.is_file():
                return path
        return None

    def add_staged(self, actor: int, number: str, token: str, caption: str | None = None) -> Outcome:
        """Attach a photo `actor` staged earlier to request `number`; the staged file is removed.
        A token that is unknown, expired or another user's is `NotFound`."""
        path = self._staged_path(actor, token)
        if path is None:
            raise NotFound(texts.HD_ERR_PHOTO_GONE)
        outcome = self.add(actor, number, path.read_bytes(), caption=caption)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return outcome

    def discard_staged(self, actor: int, tokens: list[str] | tuple[str, ...]) -> None:
        """Forget staged photos (the form was cancelled)."""
        for token in tokens:
            path = self._staged_path(actor, token)
            if path is not None:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    def _sweep_staged(self) -> None:
        """Remove staged photos older than STAGED_TTL (forms that were never finished)."""
        root = self._folder() / STAGED
        cutoff = time.time() - STAGED_TTL.total_seconds()
        for path in root.glob("*/*"):
            with contextlib.suppress(OSError):
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()

    # ------------------------------------------------------------------------ attaching
    def add(self, actor: Actor, number: str, data: bytes, *, caption: str | None = None) -> Outcome:
        """Attach a photo to request `number` (see the module docstring for who may, and limits).

        The file is written first and the row in the same step as the history event; if the
        transaction is refused, the file is removed again, so nothing half-added remains.
        """
        number = clean_number(number)
        kind, suffix = self._check(data)
        note = clean_note(caption, self._ctx.config)
        digest = hashlib.sha256(data).hexdigest()
        folder = private_dir(self._folder() / number)
        relative = f"{number}/{uuid.uuid4().hex}.{suffix}"
        path = self._folder() / relative
        _write(path, data)

        def permit(session: Session, viewer: Viewer, request: HelpRequest) -> None:
            if viewer.person_id != request.requester_id:
                access.require_village_cadre(viewer, request)
            if Status(request.status) not in ATTACHABLE:
                raise InvalidInput(
                    texts.HD_ERR_PHOTO_CLOSED.format(number=number, status=Status(request.status).label)
                )
            if request.attachment_count >= MAX_PHOTOS:
                raise InvalidInput(texts.HD_ERR_PHOTO_TOO_MANY.format(limit=MAX_PHOTOS))

        def apply(step: Step) -> Change:
            request = step.request
            step.session.add(
                RequestAttachment(
                    request_id=request.id,
                    path=relative,
                    content_type=kind,
                    size=len(data),
                    sha256=digest,
                    caption=note,
                    added_by=step.viewer.label[:64],
                    added_at=step.now,
                )
            )
            request.attachment_count += 1
            notifications: list[Notification] = []
            assignee = request.assignee
            if assignee is not None and assignee.id != step.viewer.person_id:
                text = texts.HD_MSG_ATTACHED.format(
                    number=number,
                    who=step.viewer.label,
                    caption=texts.HD_MSG_ATTACHED_CAPTION.format(caption=note) if note else "",
                )
                notifications.append(
                    Notification(assignee.chat_user_id, text, number, NotificationKind.ATTACHED)
                )
            event = EventNote(EventCode.ATTACHED, {"size": str(max(1, round(len(data) / 1024)))}, note)
            return Change(event, lambda: notifications)

        try:
            outcome = self._mover.move(actor, number, None, permit, apply, kind="attach")
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            raise
        fsync_dir(folder)
        log.info("request %s: photo of %d bytes attached", number, len(data))
        return outcome

    # ------------------------------------------------------------------------ reading
    def photos(self, actor: Actor, number: str) -> list[Photo]:
        """The request's photos, oldest first, for whoever may see the request. A file missing on
        disk (restored database without its photos) is left out and logged."""
        number = clean_number(number)
        with self._ctx.read() as session:
            viewer = self._ctx.viewer(session, actor)
            request = store.request_by_number(session, number)
            access.require_view(viewer, request)
            rows = store.attachments_of(session, request.id)
        out: list[Photo] = []
        folder = self._folder()
        for index, row in enumerate(rows, 1):
            path = folder / row.path
            try:
                data = path.read_bytes()
            except OSError as exc:
                log.warning("photo %s of request %s is missing: %s", row.id, number, exc)
                continue
            suffix = Path(row.path).suffix or ".jpg"
            out.append(Photo(attachment_view(row), data, f"{number}-{index}{suffix}"))
        return out

    def latest_open(self, actor: int, within: timedelta) -> str | None:
        """The number of `actor`'s newest request that is still open and was filed within
        `within` — where a photo sent just after filing belongs. None when there is none."""
        since: datetime = self._ctx.now() - within
        with self._ctx.read() as session:
            person = store.person_by_chat(session, actor)
            if person is None:
                return None
            return session.execute(
                select(HelpRequest.number)
                .where(
                    HelpRequest.requester_id == person.id,
                    HelpRequest.created_at >= since,
                    HelpRequest.status.in_([s.value for s in ATTACHABLE]),
                )
                .order_by(HelpRequest.created_at.desc(), HelpRequest.id.desc())
                .limit(1)
            ).scalar_one_or_none()


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def _write(path: Path, data: bytes) -> None:
    """An owner-only file, fsynced (a photo acknowledged to the villager must survive a crash)."""
    with open_private(path) as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
