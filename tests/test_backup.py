"""Restore drills: back up, wipe, restore — and every request (with its history) and every indexed
document is back, answering the same questions with the same passages.

Two deployments are drilled: (a) the laptop default, embedded Chroma + SQLite, through the Python
API; (b) the server deployment, a real `chroma run` server + a real PostgreSQL server on
127.0.0.1, through the same commands docker-compose runs (`python -m bot start ingest`,
`python -m bot backup create|restore`, `python -m bot health`) in subprocesses. A third test
restores (a)'s backup into (b)'s servers: the move from a laptop to the county's servers.
The real embedding model is used throughout; each drill ingests once, two short documents.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.config import PROJECT_ROOT, Settings, reveal
from bot.helpdesk import OPERATOR, Helpdesk, open_helpdesk
from bot.helpdesk.attachments import ATTACHABLE
from bot.kb import KnowledgeBase
from bot.kb.index import IndexDir
from bot.ops.backup import BackupError, create_backup, restore_backup, verify_backup
from tests.bot_cli import run_bot
from tests.pg_server import PostgresServer

SEEDS = PROJECT_ROOT / "knowledge_base"
DOCS = ("002_51bb85a07ddc73ae.txt", "003_60e6fd7831f79eb2.txt")
QUESTIONS = (
    "两学一做学习教育要引导党员干部做到什么？",
    "我刚到村里驻村，要先学点啥？",
    "村里搞产业怎么对接市场、抵御市场风险？",
    "挂包帮、转走访是什么工作要求？",
    "明天的天气怎么样？",  # not covered: the abstention must survive a restore too
)
CHAT_IDS = (100, 101, 200, 500, 501)
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256))  # a request's photo (JPEG signature)

pytestmark = [pytest.mark.postgres, pytest.mark.chroma_server]


# ----------------------------------------------------------------------------- servers


@pytest.fixture(scope="module")
def pg_server() -> Iterator[PostgresServer]:
    """A throw-away PostgreSQL cluster; if it cannot start the tests fail with the reason."""
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


def fresh_database(server: PostgresServer) -> str:
    return server.create_database(f"drill_{uuid.uuid4().hex[:10]}")


def drop_collections(host: str, port: int, prefix: str) -> None:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.HttpClient(host=host, port=port, settings=ChromaSettings(anonymized_telemetry=False))
    for col in client.list_collections():
        if col.name.startswith(f"{prefix}-"):
            client.delete_collection(col.name)


# ----------------------------------------------------------------------------- state to compare


def populate(helpdesk: Helpdesk) -> list[str]:
    """A small but complete case log: villages, cadres, a villager, requests in several states with
    notes, feedback, a duplicate pointing at a *later* request, and an invitation."""
    v1 = helpdesk.directory.add_village(OPERATOR, "新寨村", "城关镇", "开江县")
    v2 = helpdesk.directory.add_village(OPERATOR, "红旗村", "普安镇", "开江县")
    helpdesk.directory.bind_cadre(OPERATOR, 100, v1.id, "第一书记", display_name="王书记")
    helpdesk.directory.bind_cadre(OPERATOR, 101, v1.id, "村两委干部", display_name="李干部")
    helpdesk.directory.bind_cadre(OPERATOR, 200, v2.id, "第一书记", display_name="张书记")
    helpdesk.directory.register_villager(500, "赵大爷")
    r1 = helpdesk.intake.file_request(
        500,
        v1.id,
        "家里房子漏雨，墙体有裂缝，电话13812345678",
        phone="13812345678",
        address="三组12号",
        urgency="urgent",
    ).request.number
    r2 = helpdesk.intake.file_request(
        501, v2.id, "孩子上学学费困难，想申请助学补助", display_name="孙大姐"
    ).request.number
    r3 = helpdesk.intake.file_request(500, v1.id, "房子漏雨一直没人来修", phone="13812345678").request.number
    r4 = helpdesk.intake.file_request(501, v2.id, "村里自来水停水三天了", urgency="critical").request.number
    helpdesk.casework.assign(100, r3, 101, "请尽快上门查看")
    helpdesk.casework.start(101, r3, "已到现场")
    helpdesk.casework.resolve(101, r3, "已修补屋顶")
    helpdesk.casework.feedback(500, r3, True, "修好了，谢谢")
    helpdesk.casework.mark_duplicate(100, r1, r3, "同一处房屋")  # r1 → r3: a reference to a later row
    helpdesk.casework.add_note(200, r2, "已联系学校资助办")
    helpdesk.casework.start(200, r4)
    helpdesk.casework.return_to_dispatch(200, r4, "需要乡镇水管站处理")
    helpdesk.directory.create_invite(OPERATOR, "网格员", v2.id)
    return [r1, r2, r3, r4]


def helpdesk_state(helpdesk: Helpdesk) -> dict[str, Any]:
    """Everything the public API shows: each request with its full event history, the people, the villages."""
    numbers = [view.number for view in helpdesk.queries.iter_requests(OPERATOR)]
    return {
        "requests": [dataclasses.asdict(helpdesk.queries.show(OPERATOR, n)) for n in numbers],
        "villages": [dataclasses.asdict(v) for v in helpdesk.directory.list_villages()],
        "people": [
            dataclasses.asdict(p) if p else None for p in map(helpdesk.directory.get_person, CHAT_IDS)
        ],
        "cadres": [dataclasses.asdict(p) for p in helpdesk.directory.list_cadres(OPERATOR)],
    }


def table_rows(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as Python values (timestamps as aware UTC): the byte-level check."""
    from sqlalchemy import MetaData, create_engine, select

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            metadata = MetaData()
            metadata.reflect(bind=conn)
            out = {}
            for table in metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                rows = conn.execute(select(table).order_by(*order)).mappings().all()
                out[table.name] = [
                    {
                        k: (
                            v
                            if not isinstance(v, datetime)
                            else (v if v.tzinfo else v.replace(tzinfo=UTC)).astimezone(UTC)
                        )
                        for k, v in row.items()
                    }
                    for row in rows
                ]
            return out
    finally:
        engine.dispose()


def kb_state(kb: KnowledgeBase) -> dict[str, Any]:
    """Documents, the chunk table, every vector, and what the questions retrieve."""
    snap = kb.retriever.snapshot()
    assert snap is not None and snap.chunks
    ids = [c.id for c in snap.chunks]
    vectors = kb.store.vectors(snap.collection, ids)
    searches = []
    for question in QUESTIONS:
        result = kb.search(question, 5)
        searches.append(
            {
                "question": question,
                "grounded": result.grounded,
                "ids": [h.chunk.id for h in result.hits],
                "scores": [(h.score, h.dense, h.lexical) for h in result.hits],
            }
        )
    return {
        "documents": kb.documents(),
        "generation": snap.generation,
        "chunks": [dataclasses.asdict(c) for c in snap.chunks],
        "vectors": np.stack([vectors[i] for i in ids]),
        "count": kb.store.count(snap.collection),
        "searches": searches,
    }


# Chroma does not hand back the exact float32 bits it was given: an add + get moves a component by
# up to one unit in the last place (measured: 2.4e-7 on vectors of norm 3, 3e-8 on unit vectors,
# for any vector, also without a backup in between). Vectors are therefore compared to that rounding.
VECTOR_ULP = 1e-6


def assert_same_kb(after: dict[str, Any], before: dict[str, Any]) -> None:
    assert after["documents"] == before["documents"]
    assert after["generation"] == before["generation"]
    assert after["chunks"] == before["chunks"]
    assert after["vectors"].shape == before["vectors"].shape
    assert float(np.abs(after["vectors"] - before["vectors"]).max()) <= VECTOR_ULP
    assert after["count"] == before["count"] == len(before["chunks"])
    for got, expected in zip(after["searches"], before["searches"], strict=True):
        assert (got["question"], got["grounded"], got["ids"]) == (
            expected["question"],
            expected["grounded"],
            expected["ids"],
        )
        assert np.allclose(got["scores"], expected["scores"], rtol=0, atol=1e-5), got["question"]


def assert_backup_holds_the_vectors(backup: Path, before: dict[str, Any]) -> None:
    """The backup stores exactly the bits the vector store returned, in chunk-table order."""
    ids = json.loads((backup / "kb" / "vector_ids.json").read_text(encoding="utf-8"))
    assert ids == [c["id"] for c in before["chunks"]]
    saved = np.load(backup / "kb" / "vectors.npy")
    assert saved.dtype == np.float32 and np.array_equal(saved, before["vectors"])


def source_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def seed_source(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in DOCS:
        shutil.copyfile(SEEDS / name, folder / name)


# ----------------------------------------------------------------------------- drill (a): embedded


@dataclasses.dataclass
class Origin:
    settings: Settings
    backup: Path
    helpdesk: dict[str, Any]
    rows: dict[str, list[dict[str, Any]]]
    kb: dict[str, Any]
    sources: dict[str, bytes]
    questions: list[dict[str, Any]]
    photo_on: str = ""  # the request with a photo


def open_question_log(settings: Settings):
    from bot.analytics import Analytics, analytics_url

    return Analytics.open(analytics_url(settings.resolved_database_url, reveal(settings.analytics_database_url)))


def log_questions(settings: Settings) -> None:
    """What /stats is built from: an answered question with 👍, an unanswered one."""
    log = open_question_log(settings)
    try:
        source = {"title": "打好基层党建", "source": DOCS[0], "section": "", "text": "引导党员干部扶真贫"}
        answered = log.log_question(500, "两学一做要引导干部做到什么？电话13812345678", True, 0.91, [source])
        log.log_question(501, "明天的天气怎么样？", False, 0.12, [])
        assert answered is not None and log.set_feedback(answered, 500, True)
    finally:
        log.close()


def question_rows(settings: Settings) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from bot.analytics import questions

    log = open_question_log(settings)
    try:
        with log.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(questions).order_by(questions.c.id)).mappings()]
    finally:
        log.close()


@pytest.fixture(scope="module")
def embedded_origin(tmp_path_factory: pytest.TempPathFactory, embedder) -> Origin:
    """The laptop deployment (embedded Chroma + SQLite) with data, and a backup of it."""
    root = tmp_path_factory.mktemp("embedded-origin")
    seed_source(root / "kb")
    settings = Settings(data_dir=root / "data", kb_source=root / "kb")
    kb = KnowledgeBase(settings, embedder=embedder)
    kb.ingest()
    with open_helpdesk(settings) as helpdesk:
        numbers = populate(helpdesk)
        photo_on = next(n for n in numbers if helpdesk.queries.show(OPERATOR, n).status in ATTACHABLE)
        helpdesk.attachments.add(OPERATOR, photo_on, PHOTO, caption="墙上的裂缝")
        helpdesk.attachments.stage(500, PHOTO)  # a form in progress: not backed up
        state = helpdesk_state(helpdesk)
    log_questions(settings)
    before_kb = kb_state(kb)
    summary = create_backup(settings, root / "backups" / "b1")
    assert summary.tables["requests"] == 4 and summary.documents == len(DOCS) and summary.questions == 2
    assert summary.photos == 1 and "photos: 1 files" in summary.text()
    assert summary.chunks == len(before_kb["chunks"]) and summary.generation == before_kb["generation"]
    assert_backup_holds_the_vectors(summary.path, before_kb)
    return Origin(
        settings,
        summary.path,
        state,
        table_rows(settings.resolved_database_url),
        before_kb,
        source_files(settings.kb_source),
        question_rows(settings),
        photo_on,
    )


def wipe_embedded(settings: Settings) -> None:
    """Lose the disk: every collection, the data folder (index, Chroma, SQLite), the documents."""
    from chromadb.api.client import SharedSystemClient

    from bot.kb.vectorstore import open_store

    store = open_store(settings)
    for name in store.names():
        store.drop(name)
    SharedSystemClient.clear_system_cache()  # forget the in-process client of the deleted files
    shutil.rmtree(settings.data_dir)
    shutil.rmtree(settings.kb_source)


def test_restore_drill_embedded_chroma_and_sqlite(embedded_origin: Origin, embedder) -> None:
    origin = embedded_origin
    settings = origin.settings
    wipe_embedded(settings)
    assert not settings.data_dir.exists() and not settings.kb_source.exists()

    result = restore_backup(settings, origin.backup)
    assert result["tables"]["requests"] == 4 and result["kb"]["chunks"] == len(origin.kb["chunks"])
    assert result["analytics"] == {"question_log": 2}
    assert question_rows(settings) == origin.questions  # masked text, sources, 👍, timestamps
    assert result["photos"] == {"files": 1}
    assert "13812345678" not in str(origin.questions) and len(origin.questions) == 2

    assert source_files(settings.kb_source) == origin.sources
    assert table_rows(settings.resolved_database_url) == origin.rows
    kb = KnowledgeBase(settings, embedder=embedder)
    assert_same_kb(kb_state(kb), origin.kb)
    with open_helpdesk(settings) as helpdesk:
        assert helpdesk_state(helpdesk) == origin.helpdesk
        (photo,) = helpdesk.attachments.photos(OPERATOR, origin.photo_on)  # the file is back, not only its row
        assert photo.data == PHOTO and photo.view.caption == "墙上的裂缝"
        # Life goes on: the next request gets the next id and number.
        new = helpdesk.intake.file_request(500, "新寨村", "低保申请材料不知道怎么准备").request
        assert new.number not in {r["number"] for r in origin.helpdesk["requests"]}
        assert helpdesk.queries.count_requests() == 5


def test_restore_refuses_to_overwrite_data_unless_forced(
    embedded_origin: Origin, tmp_path: Path, embedder
) -> None:
    settings = Settings(data_dir=tmp_path / "data", kb_source=tmp_path / "kb")
    with open_helpdesk(settings) as helpdesk:
        helpdesk.directory.add_village(OPERATOR, "别的村")
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "local.txt").write_text("本地文件", encoding="utf-8")

    with pytest.raises(BackupError) as refused:
        restore_backup(settings, embedded_origin.backup)
    message = str(refused.value)
    assert "refusing to restore over existing data" in message and "--force" in message
    assert "1 villages" in message and f"KB_SOURCE {tmp_path / 'kb'} holds 1 files" in message
    with open_helpdesk(settings) as helpdesk:  # nothing was touched
        assert [v.name for v in helpdesk.directory.list_villages()] == ["别的村"]
    assert source_files(tmp_path / "kb") == {"local.txt": "本地文件".encode()}

    restore_backup(settings, embedded_origin.backup, force=True)
    assert source_files(settings.kb_source) == embedded_origin.sources
    assert table_rows(settings.resolved_database_url) == embedded_origin.rows
    with open_helpdesk(settings) as helpdesk:
        assert helpdesk_state(helpdesk) == embedded_origin.helpdesk
    assert_same_kb(kb_state(KnowledgeBase(settings, embedder=embedder)), embedded_origin.kb)

    assert question_rows(settings) == embedded_origin.questions

    # Now the targets hold the restored data: a second restore is refused again, a forced one is idempotent.
    with pytest.raises(BackupError, match="4 requests") as again:
        restore_backup(settings, embedded_origin.backup)
    assert "the question log holds 2 questions" in str(again.value)
    restore_backup(settings, embedded_origin.backup, force=True)
    assert table_rows(settings.resolved_database_url) == embedded_origin.rows


def test_restore_of_one_part_leaves_the_other_alone(embedded_origin: Origin, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", kb_source=tmp_path / "kb")
    restore_backup(settings, embedded_origin.backup, parts=["database"])
    assert table_rows(settings.resolved_database_url) == embedded_origin.rows
    assert not (tmp_path / "kb").exists() and IndexDir(settings.index_dir).current() is None


def test_damaged_or_foreign_backups_are_refused_before_anything_changes(
    embedded_origin: Origin, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(embedded_origin.backup, copy)
    target = copy / "database" / "requests.jsonl"
    data = bytearray(target.read_bytes())
    data[10] ^= 0x01
    target.write_bytes(bytes(data))
    settings = Settings(data_dir=tmp_path / "data", kb_source=tmp_path / "kb")
    with pytest.raises(BackupError, match=r"damaged: database/requests\.jsonl \(checksum mismatch\)"):
        restore_backup(settings, copy)
    assert not (tmp_path / "data").exists() and not (tmp_path / "kb").exists()

    future = tmp_path / "future"
    shutil.copytree(embedded_origin.backup, future)
    manifest = json.loads((future / "manifest.json").read_text(encoding="utf-8"))
    manifest["database"]["revision"] = "9999_from_a_newer_release"
    (future / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(BackupError, match="unknown to this version"):
        restore_backup(settings, future)

    with pytest.raises(BackupError, match="not a backup, or an unfinished one"):
        verify_backup(tmp_path)


def test_backup_never_leaves_a_half_written_folder(embedded_origin: Origin, tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x").write_text("x")
    with pytest.raises(BackupError, match="is not empty"):
        create_backup(embedded_origin.settings, tmp_path / "taken")

    settings = Settings(data_dir=tmp_path / "data", kb_source=tmp_path / "kb")
    with IndexDir(settings.index_dir).lock(), pytest.raises(BackupError, match="an ingest is running"):
        create_backup(settings, tmp_path / "b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "taken"], "no partial backup is left behind"


# ----------------------------------------------------------------------------- drill (b): servers


def test_restore_drill_chroma_server_and_postgresql(
    tmp_path: Path,
    pg_server: PostgresServer,
    chroma_server_address: tuple[str, int],
    embedder,
    model_settings,
) -> None:
    host, port = chroma_server_address
    url = fresh_database(pg_server)
    prefix = f"drill{uuid.uuid4().hex[:6]}"
    env = {
        "DATA_DIR": str(tmp_path / "data"),
        "KB_SOURCE": str(tmp_path / "kb"),
        "DATABASE_URL": url,
        "CHROMA_HOST": host,
        "CHROMA_PORT": str(port),
        "CHROMA_COLLECTION_PREFIX": prefix,
        "MODEL_CACHE": str(model_settings.model_cache_dir),
    }
    seed_source(tmp_path / "kb")

    # The compose `ingest` service: preflight, then an incremental ingest into the Chroma server.
    ingested = run_bot(["start", "--wait", "30", "ingest"], tmp_path, env)
    assert ingested.returncode == 0, ingested.stderr
    assert f"{len(DOCS)} added" in ingested.stdout and "serving generation" in ingested.stdout
    settings = Settings(
        data_dir=tmp_path / "data",
        kb_source=tmp_path / "kb",
        database_url=url,
        chroma_host=host,
        chroma_port=port,
        chroma_collection_prefix=prefix,
        model_cache=model_settings.model_cache_dir,
    )
    kb = KnowledgeBase(settings, embedder=embedder)
    assert kb.store.describe().startswith("chroma server") and len(kb.documents()) == len(DOCS)
    with open_helpdesk(settings) as helpdesk:  # the bot's side: requests in PostgreSQL
        populate(helpdesk)
        before_helpdesk = helpdesk_state(helpdesk)
    log_questions(settings)  # schema "analytics" of the same database
    before_questions = question_rows(settings)
    before_rows = table_rows(url)
    before_kb = kb_state(kb)
    before_sources = source_files(tmp_path / "kb")
    checked = run_bot(["check", "--for", "backup"], tmp_path, env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # the suite's pinned precision reached the subprocesses: with `auto` the ingest above would
    # build the ONNX copies and measure every runtime (minutes) into the shared model cache
    assert "EMBEDDING_PRECISION=int8" in checked.stdout, checked.stdout
    healthy = run_bot(["health"], tmp_path, env)
    assert healthy.returncode == 0 and healthy.stdout.strip() == "healthy", healthy.stderr

    backup_dir = tmp_path / "backups" / "nightly"
    made = run_bot(["backup", "create", str(backup_dir)], tmp_path, env)
    assert made.returncode == 0, made.stderr
    assert "requests 4" in made.stdout and f"{len(DOCS)} source files" in made.stdout
    assert "question log: 2 questions" in made.stdout
    assert_backup_holds_the_vectors(backup_dir, before_kb)
    verified = run_bot(["backup", "verify", str(backup_dir)], tmp_path, env)
    assert verified.returncode == 0 and verified.stdout.startswith("ok:"), verified.stderr
    assert oct(backup_dir.stat().st_mode & 0o777) == oct(0o700), "backups hold personal data"

    # Disaster: the database is dropped, the collections are gone, the data volume and documents are lost.
    dbname = url.rsplit("/", 1)[1]
    pg_server.drop_database(dbname)
    pg_server.create_database(dbname)
    drop_collections(host, port, prefix)
    shutil.rmtree(tmp_path / "data")
    shutil.rmtree(tmp_path / "kb")
    unhealthy = run_bot(["health"], tmp_path, env)
    assert unhealthy.returncode == 1 and "no knowledge base is indexed" in unhealthy.stderr

    restored = run_bot(["backup", "restore", str(backup_dir)], tmp_path, env)
    assert restored.returncode == 0, restored.stderr
    assert json.loads(restored.stdout)["tables"]["requests"] == 4
    assert json.loads(restored.stdout)["analytics"] == {"question_log": 2}
    assert run_bot(["health"], tmp_path, env).returncode == 0
    assert question_rows(settings) == before_questions
    log = open_question_log(settings)  # the id sequence moved past the restored rows
    try:
        assert log.log_question(100, "新问题", False, 0.0, []) == max(q["id"] for q in before_questions) + 1
    finally:
        log.close()

    assert source_files(tmp_path / "kb") == before_sources
    assert table_rows(url) == before_rows
    assert_same_kb(kb_state(KnowledgeBase(settings, embedder=embedder)), before_kb)
    with open_helpdesk(settings) as helpdesk:
        assert helpdesk_state(helpdesk) == before_helpdesk
        # PostgreSQL sequences were moved past the restored ids: new rows do not collide.
        helpdesk.directory.add_village(OPERATOR, "新村")
        new = helpdesk.intake.file_request(501, "新村", "申请公益性岗位").request
        assert new.number not in {r["number"] for r in before_helpdesk["requests"]}

    # A restore over the live data is refused with the reason, and changes nothing ...
    again = run_bot(["backup", "restore", str(backup_dir)], tmp_path, env)
    assert again.returncode == 1 and "refusing to restore over existing data" in again.stderr
    assert "Traceback" not in again.stderr
    assert len(table_rows(url)["requests"]) == 5
    # ... and a forced one replaces it: the append-only triggers and functions are dropped and rebuilt.
    forced = run_bot(["backup", "restore", str(backup_dir), "--force", "--only", "database"], tmp_path, env)
    assert forced.returncode == 0, forced.stderr
    assert table_rows(url) == before_rows


def test_backup_command_fails_with_one_line_when_a_server_is_down(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        "DATA_DIR": str(tmp_path / "data"),
        "KB_SOURCE": str(tmp_path / "kb"),
        "DATABASE_URL": f"postgresql+psycopg://bot@127.0.0.1:{port}/assistant",
    }
    out = run_bot(["backup", "create", str(tmp_path / "b")], tmp_path, env)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert (
        out.stderr.startswith("error: OperationalError: ")
        and "hint: `python -m bot check --for backup`" in out.stderr
    )
    assert not (tmp_path / "b").exists()


def test_laptop_backup_restores_onto_the_servers(
    embedded_origin: Origin,
    tmp_path: Path,
    pg_server: PostgresServer,
    chroma_server_address: tuple[str, int],
    embedder,
) -> None:
    """Outgrowing the laptop: SQLite + embedded Chroma backed up, restored into PostgreSQL + a Chroma
    server under another collection prefix — same rows, same vectors, same answers."""
    host, port = chroma_server_address
    url = fresh_database(pg_server)
    prefix = f"county{uuid.uuid4().hex[:6]}"
    settings = Settings(
        data_dir=tmp_path / "data",
        kb_source=tmp_path / "kb",
        database_url=url,
        chroma_host=host,
        chroma_port=port,
        chroma_collection_prefix=prefix,
    )
    restore_backup(settings, embedded_origin.backup)

    assert table_rows(url) == embedded_origin.rows
    kb = KnowledgeBase(settings, embedder=embedder)
    snap = kb.retriever.snapshot()
    assert snap is not None and snap.collection == f"{prefix}-{snap.generation}"
    assert_same_kb(kb_state(kb), embedded_origin.kb)
    with open_helpdesk(settings) as helpdesk:
        assert helpdesk_state(helpdesk) == embedded_origin.helpdesk
        assert helpdesk.intake.file_request(500, "新寨村", "医保报销问题").request.number
    # An incremental ingest on the servers reuses every restored vector: nothing is re-embedded.
    report = kb.ingest()
    assert report.embedded == 0 and not report.changed and report.generation == snap.generation
