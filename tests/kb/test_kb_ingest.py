"""Incremental, atomic ingestion with real files, the real model and real Chroma."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.kb import KnowledgeBase, SourceMissingError
from bot.kb.index import IndexDir
from bot.kb.ingest import MAX_FILE_BYTES

POLICY = (
    "第一章 总则\n"
    "第一条 为规范农村最低生活保障工作，制定本办法。农村低保对象由村民委员会初审。\n"
    "第二条 申请最低生活保障的家庭，应当向户籍所在地乡镇人民政府提出书面申请。\n"
)
WATER = "农村饮水安全工程\n各村要保障群众喝上干净的自来水，水质检测每季度一次，发现问题及时维修管网。\n"


def sources(kb: KnowledgeBase) -> set[str]:
    return {d.source for d in kb.documents()}


def test_incremental_add_skip_update_remove(make_kb) -> None:
    kb = make_kb({"a.txt": POLICY, "b.md": WATER})
    first = kb.ingest()
    assert sorted(first.added) == ["a.txt", "b.md"] and first.embedded == first.chunks > 0

    again = kb.ingest()
    assert not again.changed and again.embedded == 0 and sorted(again.unchanged) == ["a.txt", "b.md"]
    assert again.generation == first.generation

    (kb.source_dir / "b.md").write_text(WATER + "\n村里饮用水出现浑浊时，应当立即向乡镇水利站报告。\n", "utf-8")
    third = kb.ingest()
    assert third.updated == ["b.md"] and third.unchanged == ["a.txt"]
    assert 0 < third.embedded < third.chunks  # a.txt's vectors were reused, not re-embedded
    hit = kb.search("饮用水浑浊了找谁", 3).hits[0]
    assert "水利站" in hit.chunk.text

    (kb.source_dir / "a.txt").unlink()
    fourth = kb.ingest()
    assert fourth.removed == ["a.txt"] and sources(kb) == {"b.md"}
    assert all(h.chunk.source == "b.md" for h in kb.search("最低生活保障怎么申请", 5).hits)

    rebuilt = kb.ingest(rebuild=True)
    assert rebuilt.added == ["b.md"] and rebuilt.embedded == rebuilt.chunks


def test_old_generations_are_swept(make_kb) -> None:
    kb = make_kb({"a.txt": POLICY})
    kb.ingest()
    for extra in range(3):
        (kb.source_dir / f"n{extra}.txt").write_text(WATER + f"第{extra}次补充说明。", "utf-8")
        kb.ingest()
    index: IndexDir = kb.index
    generations = [p.name for p in index.root.iterdir() if p.is_dir() and p.name.startswith("g")]
    assert sorted(generations) == sorted({index.current(), index.previous()})
    collections = [n for n in kb.store.names() if n.startswith("kb-g")]
    assert len(collections) == 2


def test_bad_files_are_reported_and_the_rest_ingested(make_kb) -> None:
    gbk = "贫困户危房改造补助标准为每户一万五千元，由乡镇统一组织验收。".encode("gbk")
    kb = make_kb({
        "empty.txt": b"",
        "binary.txt": bytes(range(256)) * 40,
        "corrupt.docx": b"PK\x03\x04 this is not really a docx",
        "corrupt.pdf": b"%PDF-1.7\n1 0 obj garbage",
        "gbk.txt": gbk,
        "good.txt": POLICY,
        "photo.jpg": b"\xff\xd8\xff\xe0 not text",
    })
    report = kb.ingest()
    skipped = dict(report.skipped)
    assert set(skipped) == {"empty.txt", "binary.txt", "corrupt.docx", "corrupt.pdf", "photo.jpg"}
    assert all(reason for reason in skipped.values())
    assert sorted(report.added) == ["gbk.txt", "good.txt"]
    hit = kb.search("危房改造每户补助多少钱", 3).hits[0]
    assert hit.chunk.source == "gbk.txt" and "一万五千元" in hit.chunk.text


def test_a_good_file_turned_bad_keeps_its_last_good_version(make_kb) -> None:
    kb = make_kb({"a.txt": POLICY, "b.txt": WATER})
    kb.ingest()
    (kb.source_dir / "a.txt").write_bytes(b"\x00\x01\x02" * 1000)
    report = kb.ingest()
    assert [s for s, _ in report.skipped] == ["a.txt"]
    assert sources(kb) == {"a.txt", "b.txt"}
    assert kb.search("低保申请向谁提出", 3).hits[0].chunk.source == "a.txt"


def test_missing_source_folder_changes_nothing(make_kb, tmp_path: Path) -> None:
    kb = make_kb({"a.txt": POLICY})
    first = kb.ingest()
    with pytest.raises(SourceMissingError):
        kb.ingest(tmp_path / "does-not-exist")
    assert kb.index.current() == first.generation and sources(kb) == {"a.txt"}


def test_oversized_file_is_rejected_without_reading_it(make_kb) -> None:
    kb = make_kb({"a.txt": POLICY})
    kb.ingest()
    big = kb.source_dir / "huge.txt"
    line = ("农村低保政策宣传材料，内容重复用于测试超大文件的处理。" * 4 + "\n").encode("utf-8")
    with open(big, "wb") as fh:
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(line * 1000)
    report = kb.ingest()
    assert [s for s, _ in report.skipped] == ["huge.txt"]
    assert dict(report.skipped)["huge.txt"] == (
        f"file too large: {big.stat().st_size} bytes exceeds the {MAX_FILE_BYTES}-byte limit"
    )
    assert sources(kb) == {"a.txt"}


class _FailingEmbedder:
    """Fault injection: the real model, failing like a full disk once two batches are done."""

    def __init__(self, real) -> None:
        self.real = real
        self.dim, self.name = real.dim, real.name

    def embed_query(self, text: str):
        return self.real.embed_query(text)

    def embed_passages(self, texts, progress=None, **kw):
        def failing(done: int, total: int) -> None:
            if progress is not None:
                progress(done, total)
            if done >= 16:
                raise OSError(28, "No space left on device")

        return self.real.embed_passages(texts, progress=failing, **kw)


def test_failure_midway_leaves_previous_generation_serving(make_kb, embedder, tmp_path: Path) -> None:
    kb = make_kb({"a.txt": POLICY})
    first = kb.ingest()
    for n in range(80):  # distinct files: ten embedding batches, the failure comes after two
        (kb.source_dir / f"extra{n}.txt").write_text(f"第{n}号补充材料\n第{n}号管网维修说明，编号{n * 7}。", "utf-8")
    broken = KnowledgeBase(kb.settings, embedder=_FailingEmbedder(embedder), store=kb.store)
    with pytest.raises(OSError):
        broken.ingest()
    assert kb.index.current() == first.generation
    assert sources(kb) == {"a.txt"}
    assert kb.search("低保申请向谁提出", 3).hits[0].chunk.source == "a.txt"
    assert not [p for p in kb.index.root.iterdir() if p.name.startswith("g") and p.name != first.generation]


@pytest.mark.slow
def test_process_killed_mid_ingest(make_kb, model_settings, tmp_path: Path) -> None:
    kb = make_kb({"a.txt": POLICY})
    first = kb.ingest()
    for n in range(150):
        (kb.source_dir / f"bulk{n:03d}.txt").write_text(f"第{n}号文件\n" + (WATER + POLICY) * 2, "utf-8")
    env = {**os.environ, "DATA_DIR": str(kb.settings.data_dir), "KB_SOURCE": str(kb.source_dir),
           "MODEL_CACHE": str(model_settings.model_cache_dir)}
    script = (
        "from bot.config import Settings; from bot.kb import KnowledgeBase;"
        "KnowledgeBase(Settings()).ingest(progress=lambda s, d, t: print(s, d, t, flush=True))"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:  # wait until it is embedding, then kill it hard
        if line.startswith("embed"):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(0.2)

    reopened = KnowledgeBase(kb.settings, embedder=kb.embedder)
    assert reopened.index.current() == first.generation
    assert {d.source for d in reopened.documents()} == {"a.txt"}
    assert reopened.search("低保申请向谁提出", 3).hits[0].chunk.source == "a.txt"
    report = reopened.ingest()
    assert len(report.added) == 150 and report.unchanged == ["a.txt"]
    leftovers = [p.name for p in reopened.index.root.iterdir() if p.name.startswith("g")]
    assert set(leftovers) == {report.generation, first.generation}


def test_chroma_server_backend(make_kb, chroma_server_address) -> None:
    host, port = chroma_server_address
    kb = make_kb({"a.txt": POLICY, "b.md": WATER}, chroma_host=host, chroma_port=port,
                 chroma_collection_prefix="srvtest")
    report = kb.ingest()
    assert report.chunks > 0 and "chroma server" in kb.store.describe()
    assert any(n.startswith("srvtest-g") for n in kb.store.names())
    assert kb.search("低保申请向谁提出", 3).hits[0].chunk.source == "a.txt"
    (kb.source_dir / "b.md").unlink()
    assert kb.ingest().removed == ["b.md"]


@pytest.mark.slow
def test_ingest_script_prints_a_summary_and_no_library_chatter(model_settings, tmp_path: Path) -> None:
    """`python ingest.py` as an operator runs it: the summary, nothing at DEBUG level (bm25s sets
    its own logger to DEBUG on import)."""
    source = tmp_path / "kb"
    source.mkdir()
    (source / "低保.txt").write_text(POLICY, "utf-8")
    (source / "坏文件.txt").write_bytes(b"\x00\x01\x02" * 100)
    env = {**os.environ, "MODEL_CACHE": str(model_settings.model_cache_dir)}
    env.pop("LOG_LEVEL", None)
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "ingest.py"), "--source", str(source), "--data-dir", str(tmp_path / "data")],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    output = result.stdout + result.stderr
    assert "1 added" in output and "1 skipped" in output and "坏文件.txt" in output
    assert "DEBUG" not in output and "Building index" not in output, output


@pytest.mark.slow
@pytest.mark.chroma_server
@pytest.mark.parametrize("backend", ["server", "embedded"])
def test_separate_process_ingest_while_serving(
    make_kb, model_settings, backend: str, request: pytest.FixtureRequest
) -> None:
    """`python ingest.py` in another process (the compose `ingest` container, or an operator's
    shell on a laptop install) while the bot serves. Questions keep being answered from the old
    generation during the run and from the new one right after, without restarting the serving
    process — with the Chroma server and with embedded Chroma on the same data folder."""
    env = {**os.environ, "MODEL_CACHE": str(model_settings.model_cache_dir)}
    if backend == "server":
        host, port = request.getfixturevalue("chroma_server_address")
        kb = make_kb({"a.txt": POLICY}, chroma_host=host, chroma_port=port, chroma_collection_prefix="xproc")
        env |= {"CHROMA_HOST": host, "CHROMA_PORT": str(port), "CHROMA_COLLECTION_PREFIX": "xproc"}
    else:
        kb = make_kb({"a.txt": POLICY})
        env = {k: v for k, v in env.items() if not k.startswith("CHROMA_")}
    first = kb.ingest()
    for n in range(40):  # enough new passages that the run takes a few seconds
        (kb.source_dir / f"water{n:02d}.txt").write_text(f"第{n}号通知\n" + WATER * 3, "utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(PROJECT_ROOT / "ingest.py"), "--source", str(kb.source_dir),
         "--data-dir", str(kb.settings.data_dir)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    answered = 0
    while proc.poll() is None:  # the serving process keeps answering meanwhile
        result = kb.search("低保申请向谁提出", 3)
        assert result.grounded and result.hits[0].chunk.source == "a.txt"
        answered += 1
        time.sleep(0.2)  # a tight loop would take half of a two-core machine from the ingest
    out, err = proc.communicate()
    assert proc.returncode == 0, err[-2000:]
    assert "40 added" in out and answered > 0
    assert kb.index.current() != first.generation
    water = kb.search("水质检测多久一次", 3)  # the new generation, picked up without a restart
    assert water.hits and water.hits[0].chunk.source.startswith("water")
    assert kb.search("低保申请向谁提出", 3).hits[0].chunk.source == "a.txt"
    # the old generation stays as "previous" (a process may still hold its snapshot) until the next run
    assert kb.index.previous() == first.generation
    assert kb.index.collection_name(first.generation) in kb.store.names()
