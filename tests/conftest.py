"""Shared fixtures: one real embedding model per session, knowledge bases in temp folders,
a real `chroma run` server, a migrated helpdesk template and settings isolated from the machine.
Database fixtures live in tests/helpdesk/conftest.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT, Settings, get_settings, set_offline_environment

set_offline_environment()  # before anything imports huggingface_hub, transformers or chromadb

from bot.helpdesk import Helpdesk  # noqa: E402  (after the offline switches)
from tests.suite_settings import SETTING_NAMES, SUITE_SETTINGS, checkout_pythonpath  # noqa: E402

SEEDS = PROJECT_ROOT / "knowledge_base"
DEV_QUESTIONS = PROJECT_ROOT / "tests" / "data" / "dev.jsonl"
ENV_FILE = Settings.model_config.get("env_file")  # what the bot reads: `.env` in the working directory


def _scrub_settings_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.upper() in SETTING_NAMES and key not in SUITE_SETTINGS:
            monkeypatch.delenv(key)
    for key, value in SUITE_SETTINGS.items():
        monkeypatch.setenv(key, value)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts (or shares) a server carries its marker, so the fast development command
    (`-m "not slow and not postgres and not chroma_server"`) never starts one, without every test
    having to remember the decorator."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "pg_server" in names:
            item.add_marker(pytest.mark.postgres)
        if "chroma_server_address" in names:
            item.add_marker(pytest.mark.chroma_server)


# The background model build of a pytest-xdist run without VA_TEST_MODEL_CACHE (pytest_configure).
_prebuild: subprocess.Popen[bytes] | None = None
RUN_MODEL_CACHE = "model-cache"  # the run's shared model folder, beside the workers' temp folders


@pytest.hookimpl(trylast=True)  # after pytest's tmp_path plugin has set up the run's temp folder
def pytest_configure(config: pytest.Config) -> None:
    """On a fresh clone under pytest-xdist, the controller starts building the embedding model in a
    subprocess at once, into the folder the workers share (`model_settings`). It runs while the
    workers start, collect and run the tests that need no model; a worker that needs the model
    waits on the build's file lock (bot.kb.model_build) instead of building it itself, so no core
    idles for the ~30 s of a build (measured: the first worker to need the model built it while
    the other blocked on the lock). If the subprocess fails, that worker builds as before."""
    global _prebuild
    if os.environ.get("VA_TEST_MODEL_CACHE") or hasattr(config, "workerinput"):
        return
    if not getattr(config.option, "numprocesses", None):  # `-n 0`: the session fixture builds
        return
    cache = config._tmp_path_factory.getbasetemp() / RUN_MODEL_CACHE  # type: ignore[attr-defined]
    cache.mkdir(exist_ok=True)
    _prebuild = subprocess.Popen(
        [sys.executable, "-m", "bot.kb.model_build", "--no-onnx", str(cache / "models")],
        env=os.environ | {"PYTHONPATH": checkout_pythonpath()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    if _prebuild is not None and _prebuild.poll() is None:  # a run that ended early (-x, collection error)
        _prebuild.terminate()
        _prebuild.wait()


@pytest.fixture(scope="session", autouse=True)
def _machine_independent_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests see only the settings they pass: not the shell's variables, not a `.env` anywhere.

    The README tells operators to put `.env` in the repo root, which is where pytest runs. So for
    the whole session: every variable named like a setting is removed except SUITE_SETTINGS
    (subprocesses inherit that), `Settings` reads no env file, and the working directory is an
    empty folder, so a subprocess
    that builds `Settings()` finds no `.env` either. PYTHONPATH names this checkout so that
    `python -m bot` / `python -c "import bot"` in a subprocess still import it from there.
    Session-scoped so that session fixtures (the model, the seeded knowledge base) are covered.
    """
    with pytest.MonkeyPatch.context() as mp:
        _scrub_settings_environment(mp)
        mp.setitem(Settings.model_config, "env_file", None)
        mp.chdir(tmp_path_factory.mktemp("cwd"))
        mp.setenv("PYTHONPATH", checkout_pythonpath())
        get_settings.cache_clear()
        yield
    get_settings.cache_clear()


@pytest.fixture
def dotenv_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests of `.env` handling itself (`@pytest.mark.usefixtures("dotenv_enabled")`): `Settings`
    reads `.env` from the working directory again, so the test must chdir into its own folder."""
    monkeypatch.setitem(Settings.model_config, "env_file", ENV_FILE)


@pytest.fixture(autouse=True)
def _no_settings_leak_between_tests(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A test that set a setting's variable without monkeypatch, or filled `get_settings()`'s
    cache, must not hand that to the next test."""
    _scrub_settings_environment(monkeypatch)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the schema head, built once per session by the real migrations."""
    path = tmp_path_factory.mktemp("template") / "helpdesk.db"
    Helpdesk.open(f"sqlite:///{path}").close()  # the last connection's close checkpoints the WAL
    assert not path.with_name(path.name + "-wal").exists(), "the template must be one self-contained file"
    return path


@pytest.fixture(scope="session")
def model_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose data dir holds the built embedding model; VA_TEST_MODEL_CACHE reuses a build.

    Without it (a fresh clone, CI) the model is built once per run: pytest-xdist's workers share
    one folder beside their own temp folders, which the controller starts building at once
    (pytest_configure); the build's file lock (bot.kb.model_build) makes a worker wait for that
    build, or build itself and make the others wait if it got there first."""
    cache = os.environ.get("VA_TEST_MODEL_CACHE")
    if cache:
        data_dir = Path(cache)
    elif os.environ.get("PYTEST_XDIST_WORKER"):
        data_dir = tmp_path_factory.getbasetemp().parent / RUN_MODEL_CACHE  # the run's folder, not the worker's
        data_dir.mkdir(exist_ok=True)
    else:
        data_dir = tmp_path_factory.mktemp("model-cache")
    return Settings(data_dir=data_dir)


@pytest.fixture(scope="session")
def embedder(model_settings: Settings):
    from bot.kb.embeddings import load_embedder

    return load_embedder(model_settings)


@pytest.fixture
def make_kb(tmp_path: Path, embedder):
    """Factory: a KnowledgeBase over its own data dir and source folder (seeded with `files`)."""
    from bot.kb import KnowledgeBase

    def make(files: dict[str, bytes | str] | None = None, *, seeds: bool = False, **overrides) -> KnowledgeBase:
        source = tmp_path / "kb"
        source.mkdir(exist_ok=True)
        if seeds:
            for f in SEEDS.iterdir():
                shutil.copy(f, source / f.name)
        for name, content in (files or {}).items():
            path = source / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        settings = Settings(data_dir=tmp_path / "data", kb_source=source, **overrides)
        return KnowledgeBase(settings, embedder=embedder)

    return make


@pytest.fixture(scope="session")
def seeded_kb(tmp_path_factory: pytest.TempPathFactory, embedder):
    """The bundled knowledge base, ingested once per session (embedded Chroma)."""
    from bot.kb import KnowledgeBase

    root = tmp_path_factory.mktemp("seeded")
    kb = KnowledgeBase(Settings(data_dir=root / "data", kb_source=SEEDS), embedder=embedder)
    kb.ingest()
    return kb


@pytest.fixture(scope="session")
def chroma_server_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    from tests.chroma_server import chroma_server

    with chroma_server(tmp_path_factory.mktemp("chroma-server") / "db") as address:
        yield address
