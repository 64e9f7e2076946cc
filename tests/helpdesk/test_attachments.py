"""Photos on requests (bot/helpdesk/attachments.py), on SQLite and PostgreSQL: who may add and see
them, the size/type/count limits with nothing written on refusal, owner-only files, staging for the
form, and the ledger's count."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot import texts
from bot.helpdesk import (
    OPERATOR,
    Helpdesk,
    InvalidInput,
    KeywordOverlapLookup,
    NotFound,
    NotificationKind,
    PermissionDenied,
    Status,
)
from bot.helpdesk.attachments import MAX_PHOTOS, sniff
from bot.helpdesk.export import headers, ledger_rows
from tests.helpdesk.conftest import (
    MEMBER_A,
    SECRETARY_A,
    SECRETARY_B,
    VILLAGER_1,
    VILLAGER_2,
    Clock,
    World,
)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
LIMIT = 4096


@pytest.fixture
def photos_dir(tmp_path: Path) -> Path:
    return tmp_path / "data" / "attachments"


@pytest.fixture
def desk(hd: Helpdesk, clock: Clock, lookup: KeywordOverlapLookup, photos_dir: Path) -> Iterator[Helpdesk]:
    """The test helpdesk's database, with photos stored under a temp data dir (limit 4 KB)."""
    config = dataclasses.replace(hd.config, attachments_dir=photos_dir, attachment_max_bytes=LIMIT)
    yield Helpdesk(hd.engine, lookup=lookup, config=config, clock=clock)


def _file(desk: Helpdesk, world: World) -> str:
    return desk.intake.file_request(VILLAGER_1, world.a.id, "家里房子漏雨，墙也裂了").request.number


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_the_requester_adds_a_photo_the_cadre_is_told_and_sees_it(
    desk: Helpdesk, world: World, photos_dir: Path
) -> None:
    number = _file(desk, world)
    out = desk.attachments.add(VILLAGER_1, number, JPEG, caption="俺家房子裂了这么大的缝")
    assert out.request.attachment_count == 1
    (alert,) = out.notifications
    assert alert.kind is NotificationKind.ATTACHED and alert.chat_user_id == SECRETARY_A
    assert number in alert.text_zh and "裂了这么大的缝" in alert.text_zh
    view = desk.queries.show(SECRETARY_A, number)
    assert [(a.content_type, a.size, a.caption) for a in view.attachments] == [
        ("image/jpeg", len(JPEG), "俺家房子裂了这么大的缝")
    ]
    assert view.events[-1].code == "attached" and "俺家房子裂了这么大的缝" in (view.events[-1].note or "")
    assert view.status is Status.ASSIGNED and view.version == 1  # a photo moves nothing
    (photo,) = desk.attachments.photos(SECRETARY_A, number)
    assert photo.data == JPEG and photo.filename == f"{number}-1.jpg"
    # stored owner-only, like every file with personal data
    (stored,) = _files(photos_dir)
    assert stored.read_bytes() == JPEG
    assert stored.stat().st_mode & 0o777 == 0o600
    assert stored.parent.stat().st_mode & 0o777 == 0o700 and photos_dir.stat().st_mode & 0o777 == 0o700
    # the ledger counts it (照片数)
    (row,) = ledger_rows(desk, OPERATOR)
    assert row[headers().index("照片数")] == 1


def test_refusals_write_nothing(desk: Helpdesk, world: World, photos_dir: Path) -> None:
    number = _file(desk, world)
    before = desk.queries.show(OPERATOR, number)
    with pytest.raises(InvalidInput) as too_big:
        desk.attachments.add(VILLAGER_1, number, JPEG + b"\x00" * LIMIT)
    assert "MB" in too_big.value.message_zh and "最多" in too_big.value.message_zh
    with pytest.raises(InvalidInput) as big_before_download:
        desk.attachments.check_size(LIMIT + 1)
    assert big_before_download.value.message_zh == too_big.value.message_zh
    desk.attachments.check_size(None)  # Telegram did not say: checked again after download
    desk.attachments.check_size(LIMIT)
    with pytest.raises(InvalidInput, match="不是照片"):
        desk.attachments.add(VILLAGER_1, number, b"%PDF-1.4 not a picture")
    with pytest.raises(InvalidInput):
        desk.attachments.add(VILLAGER_1, number, b"")
    with pytest.raises(PermissionDenied):  # another villager
        desk.attachments.add(VILLAGER_2, number, JPEG)
    with pytest.raises(PermissionDenied):  # a cadre of another village
        desk.attachments.add(SECRETARY_B, number, JPEG)
    with pytest.raises(PermissionDenied):
        desk.attachments.photos(SECRETARY_B, number)
    with pytest.raises(NotFound):
        desk.attachments.add(VILLAGER_1, "2026-999999", JPEG)
    after = desk.queries.show(OPERATOR, number)
    assert after.attachment_count == 0 and after.attachments == () and len(after.events) == len(before.events)
    assert _files(photos_dir) == []  # the file written before the refused transaction is gone


def test_a_cadre_of_the_village_may_add_one_and_nobody_is_told_twice(desk: Helpdesk, world: World) -> None:
    number = _file(desk, world)
    own = desk.attachments.add(SECRETARY_A, number, PNG)  # the assignee: no alert to themselves
    assert own.notifications == () and own.request.attachments[0].content_type == "image/png"
    other = desk.attachments.add(MEMBER_A, number, JPEG)
    assert [n.chat_user_id for n in other.notifications] == [SECRETARY_A]
    assert len(desk.attachments.photos(VILLAGER_1, number)) == 2  # the requester sees them too


def test_at_most_max_photos_and_none_after_closing(desk: Helpdesk, world: World) -> None:
    number = _file(desk, world)
    for _ in range(MAX_PHOTOS):
        desk.attachments.add(VILLAGER_1, number, JPEG)
    with pytest.raises(InvalidInput, match=str(MAX_PHOTOS)):
        desk.attachments.add(VILLAGER_1, number, JPEG)
    other = _file(desk, world)
    desk.casework.start(SECRETARY_A, other)
    desk.casework.resolve(SECRETARY_A, other, "已派人修好屋顶")
    desk.attachments.add(VILLAGER_1, other, JPEG)  # 已办结: still fine (before the 回访)
    desk.followup.rate(VILLAGER_1, other, "满意")
    with pytest.raises(InvalidInput) as closed:
        desk.attachments.add(VILLAGER_1, other, JPEG)
    assert other in closed.value.message_zh and Status.CLOSED.label in closed.value.message_zh


def test_staged_photos_belong_to_whoever_sent_them(desk: Helpdesk, world: World, photos_dir: Path) -> None:
    token = desk.attachments.stage(VILLAGER_1, JPEG)
    (staged,) = _files(photos_dir)
    assert staged.stat().st_mode & 0o777 == 0o600
    number = _file(desk, world)
    with pytest.raises(NotFound):  # another user cannot attach (or even find) it
        desk.attachments.add_staged(VILLAGER_2, number, token)
    with pytest.raises(NotFound):
        desk.attachments.add_staged(VILLAGER_1, number, "../../etc/passwd")
    out = desk.attachments.add_staged(VILLAGER_1, number, token, caption="墙缝")
    assert out.request.attachment_count == 1 and not staged.exists()
    with pytest.raises(NotFound):  # used once
        desk.attachments.add_staged(VILLAGER_1, number, token)
    dropped = desk.attachments.stage(VILLAGER_1, PNG)
    desk.attachments.discard_staged(VILLAGER_1, [dropped])
    assert [p.parent.name for p in _files(photos_dir)] == [number]
    with pytest.raises(InvalidInput):  # staging checks like adding does
        desk.attachments.stage(VILLAGER_1, b"GIF89a" + b"\x00" * 10)


def test_latest_open_request_is_where_a_photo_after_filing_goes(
    desk: Helpdesk, world: World, clock: Clock
) -> None:
    assert desk.attachments.latest_open(VILLAGER_1, timedelta(hours=2)) is None
    first = _file(desk, world)
    clock.advance(minutes=5)
    second = _file(desk, world)
    assert desk.attachments.latest_open(VILLAGER_1, timedelta(hours=2)) == second
    assert desk.attachments.latest_open(VILLAGER_2, timedelta(hours=2)) is None
    clock.advance(hours=3)
    assert desk.attachments.latest_open(VILLAGER_1, timedelta(hours=2)) is None
    assert first != second


def test_photos_switched_off_are_refused_clearly(hd: Helpdesk, world: World) -> None:
    assert hd.config.attachments_dir is None
    number = hd.intake.file_request(VILLAGER_1, world.a.id, "家里房子漏雨，墙也裂了").request.number
    with pytest.raises(InvalidInput) as off:
        hd.attachments.add(VILLAGER_1, number, JPEG)
    assert off.value.message_zh == texts.HD_ERR_PHOTOS_OFF


def test_sniff_reads_the_signature_not_the_name() -> None:
    assert sniff(JPEG) == ("image/jpeg", "jpg")
    assert sniff(PNG) == ("image/png", "png")
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == ("image/webp", "webp")
    assert sniff(b"GIF89a") is None and sniff(b"") is None
