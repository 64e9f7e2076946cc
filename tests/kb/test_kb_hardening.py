"""Knowledge-base hardening (issue 12): links never publish files from outside the knowledge-base
folder, and a damaged CURRENT pointer neither silences answers nor loses the intact index —
with embedded Chroma and with a `chroma run` server. Real files, real model, real Chroma."""

from __future__ import annotations

import errno
import json
import os
import threading
from pathlib import Path

import pytest

from bot.kb import KnowledgeBase
from bot.kb.index import CURRENT
from bot.ops import preflight

POLICY = (
    "第一章 总则\n"
    "第一条 为规范农村最低生活保障工作，制定本办法。农村低保对象由村民委员会初审。\n"
    "第二条 申请最低生活保障的家庭，应当向户籍所在地乡镇人民政府提出书面申请。\n"
)
WATER = "农村饮水安全工程\n各村要保障群众喝上干净的自来水，水质检测每季度一次，发现问题及时维修管网。\n"
SECRET = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n" * 3


def _outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir(exist_ok=True)
    (folder / "passwd.txt").write_text(SECRET, "utf-8")
    (folder / ".env").write_text("TELEGRAM_BOT_TOKEN=123456:SECRETSECRETSECRET\n" * 3, "utf-8")
    return folder


# ------------------------------------------------------------------------------------- links


def test_links_out_of_the_folder_are_skipped_with_a_reason(make_kb, tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    kb = make_kb({"a.txt": POLICY, "sub/water.txt": WATER, ".hidden.txt": SECRET})
    src = kb.source_dir
    (src / "passwd.txt").symlink_to(outside / "passwd.txt")  # the drill: ln -s /etc/passwd KB/
    (src / "env.txt").symlink_to(outside / ".env")
    (src / "linked_dir").symlink_to(outside, target_is_directory=True)
    (src / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (src / "peek.txt").symlink_to(src / ".hidden.txt")  # a hidden file stays hidden via a link
    (src / "again.txt").symlink_to(src / "sub" / "water.txt")  # inside the folder: read

    report = kb.ingest()

    skipped = dict(report.skipped)
    for name in ("passwd.txt", "env.txt", "linked_dir", "dangling.txt", "peek.txt"):
        assert "not followed" in skipped[name], (name, skipped)
    assert sorted(report.added) == ["a.txt", "again.txt", "sub/water.txt"]
    texts = " ".join(c.text for c in kb.retriever.snapshot().chunks)
    assert "daemon" not in texts and "SECRET" not in texts and "root:x" not in texts
    result = kb.search("root 用户 bin bash nologin daemon", 5)
    assert all("daemon" not in h.chunk.text for h in result.hits)


def test_an_upload_replaces_a_planted_link_and_never_writes_through_it(make_kb, tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    kb = make_kb({"a.txt": POLICY})
    kb.ingest()
    victim = outside / "passwd.txt"
    (kb.source_dir / "water.txt").symlink_to(victim)
    (kb.source_dir / ".water.txt.upload").symlink_to(outside / "upload-target.txt")

    report = kb.add_file("water.txt", WATER.encode("utf-8"))

    assert "water.txt" in report.added
    assert victim.read_text("utf-8") == SECRET  # the link's target is untouched
    assert not (outside / "upload-target.txt").exists()
    assert not (kb.source_dir / "water.txt").is_symlink()
    assert (kb.source_dir / "water.txt").read_text("utf-8") == WATER


def test_removing_a_document_never_deletes_a_link_target(make_kb, tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    kb = make_kb({"a.txt": POLICY})
    (kb.source_dir / "linked_dir").symlink_to(outside, target_is_directory=True)
    kb.ingest()
    from bot.kb.service import KnowledgeBaseError

    with pytest.raises(KnowledgeBaseError):
        kb.remove_document("linked_dir/passwd.txt")
    assert (outside / "passwd.txt").is_file()


def test_a_folder_with_nothing_usable_is_reported_not_a_crash(make_kb, tmp_path: Path) -> None:
    """Every file skipped (a bomb, a link out, an empty file): the report says why for each, and
    an empty knowledge base is published instead of the ingest crashing."""
    kb = make_kb({"empty.txt": ""})
    (kb.source_dir / "passwd.txt").symlink_to(_outside(tmp_path) / "passwd.txt")
    report = kb.ingest()
    assert report.added == [] and {s for s, _ in report.skipped} == {"empty.txt", "passwd.txt"}
    assert report.generation and kb.is_empty()
    assert not kb.search("低保申请向谁提出", 3).hits


# ---------------------------------------------------------------------------------- pointer


def _no_generation(index_root: Path, gen: str) -> None:
    (index_root / CURRENT).write_text(json.dumps({"previous": gen, "at": 0}), "utf-8")


def _dangling(index_root: Path, gen: str) -> None:
    (index_root / CURRENT).write_text(json.dumps({"generation": "g20000101t000000-deadbeef"}), "utf-8")


CORRUPTIONS = {
    "not json": lambda root, gen: (root / CURRENT).write_text("{not json", "utf-8"),
    "empty": lambda root, gen: (root / CURRENT).write_bytes(b""),
    "no generation": _no_generation,
    "dangling": _dangling,
    "deleted": lambda root, gen: (root / CURRENT).unlink(),
    "binary": lambda root, gen: (root / CURRENT).write_bytes(os.urandom(64)),
}


class _Asker(threading.Thread):
    """Asks the same question in a loop, as a busy bot would, and records every miss."""

    def __init__(self, kb: KnowledgeBase) -> None:
        super().__init__(daemon=True)
        self.kb = kb
        self.asked = 0
        self.missed: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                result = self.kb.search("低保申请向谁提出", 3)
                ok = result.grounded and result.hits[0].chunk.source == "a.txt"
                if not ok:
                    self.missed.append("not grounded")
            except Exception as exc:  # every failure is counted; none may happen
                self.missed.append(repr(exc))
            self.asked += 1

    def wait_for(self, more: int) -> None:
        target = self.asked + more
        while self.asked < target and self.is_alive():
            self.stop.wait(0.01)


def _pointer_drill(kb: KnowledgeBase) -> None:
    first = kb.ingest()
    (kb.source_dir / "b.txt").write_text(WATER, "utf-8")
    second = kb.ingest()
    assert second.generation != first.generation
    root = kb.index.root
    asker = _Asker(kb)
    asker.start()
    try:
        asker.wait_for(5)
        for name, corrupt in CORRUPTIONS.items():
            corrupt(root, second.generation)
            asker.wait_for(10)  # queries keep being answered from the intact generation
            assert asker.missed == [], (name, asker.missed[:3])
            assert kb.index.current() == second.generation, name
            problem = kb.pointer_problem()
            assert problem and second.generation in problem, name
            assert kb.take_alert() == problem and kb.take_alert() is None, name  # one message
            findings = preflight.check_index(kb.settings)
            assert [f.level for f in findings] == [preflight.WARNING], name
            assert "pointer broken" in findings[0].text and findings[0].setting == "DATA_DIR", name
            # The next ingest re-embeds nothing, repairs the pointer and deletes no intact generation.
            report = kb.ingest()
            assert report.embedded == 0 and report.generation == second.generation, name
            assert kb.pointer_problem() is None and kb.index.current() == second.generation, name
            gens = {p.name for p in root.iterdir() if p.name.startswith("g")}
            assert {first.generation, second.generation} <= gens, name
            cols = set(kb.store.names())
            assert kb.index.collection_name(second.generation) in cols, name
            assert preflight.check_index(kb.settings) == [], name
            asker.wait_for(3)
        # A broken pointer and a changed file: the new generation records the fallback as previous.
        CORRUPTIONS["not json"](root, second.generation)
        (kb.source_dir / "c.txt").write_text("村级道路养护\n村内道路由村委会组织养护，每年检查两次路面。\n", "utf-8")
        third = kb.ingest()
        assert third.generation not in (first.generation, second.generation)
        assert kb.index.previous() == second.generation
        assert second.generation in {p.name for p in root.iterdir()}
        asker.wait_for(5)
        assert asker.missed == []
    finally:
        asker.stop.set()
        asker.join(30)


def test_a_damaged_pointer_keeps_serving_embedded(make_kb) -> None:
    _pointer_drill(make_kb({"a.txt": POLICY}))


@pytest.mark.chroma_server
def test_a_damaged_pointer_keeps_serving_chroma_server(make_kb, chroma_server_address) -> None:
    host, port = chroma_server_address
    _pointer_drill(
        make_kb({"a.txt": POLICY}, chroma_host=host, chroma_port=port, chroma_collection_prefix="ptr")
    )


def test_clean_up_keeps_complete_generations_when_nothing_is_served(make_kb) -> None:
    """With no usable pointer and no fallback chosen yet, sweeping must not delete a complete
    generation; only leftovers without a manifest go."""
    kb = make_kb({"a.txt": POLICY})
    first = kb.ingest()
    root = kb.index.root
    (root / CURRENT).write_text("", "utf-8")
    leftover = root / "g20990101t000000-0badf00d"
    leftover.mkdir()  # a run that died before its manifest
    removed = kb.index.sweep(kb.store)
    assert leftover.name in removed and first.generation not in removed
    assert (root / first.generation).is_dir()


# --------------------------------------------------------------------------------- full disk


class _FullDisk:
    """`open` for bot.kb.index: files it writes fail with ENOSPC after `room` bytes, as on a full
    disk (the real drill, on a tiny tmpfs, is bench/drill.py)."""

    def __init__(self, room: int) -> None:
        self.room = room

    def __call__(self, file, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        handle = open(file, mode, *args, **kwargs)  # noqa: SIM115 - wrapped and returned
        if "w" not in mode and "a" not in mode:
            return handle
        disk = self
        write = handle.write

        def limited(data):  # type: ignore[no-untyped-def]
            if len(data) > disk.room:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(file))
            disk.room -= len(data)
            return write(data)

        handle.write = limited
        return handle


def test_a_full_disk_during_ingest_leaves_the_previous_generation_serving(
    make_kb, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import bot.kb.index as index_module

    kb = make_kb({"a.txt": POLICY})
    first = kb.ingest()
    (kb.source_dir / "b.txt").write_text(WATER, "utf-8")
    monkeypatch.setattr(index_module, "open", _FullDisk(room=200), raising=False)
    with pytest.raises(OSError) as caught:
        kb.ingest()
    assert caught.value.errno == errno.ENOSPC
    assert any("previous knowledge base keeps serving" in r.getMessage() for r in caplog.records)
    assert any(getattr(r.exc_info[1], "errno", None) == errno.ENOSPC for r in caplog.records if r.exc_info)
    # Still serving the old generation, nothing half-written left behind, the pointer intact.
    assert kb.index.current() == first.generation and kb.pointer_problem() is None
    assert kb.search("低保申请向谁提出", 3).hits[0].chunk.source == "a.txt"
    assert {p.name for p in kb.index.root.iterdir() if p.name.startswith("g")} == {first.generation}
    monkeypatch.undo()  # space freed: the next run completes
    assert kb.ingest().added == ["b.txt"]
