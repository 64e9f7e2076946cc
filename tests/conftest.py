"""Shared fixtures: one real embedding model per session, knowledge bases in temp folders,
a real `chroma run` server. Database fixtures live in tests/helpdesk/conftest.py."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT, Settings, set_offline_environment

set_offline_environment()  # before anything imports huggingface_hub, transformers or chromadb

SEEDS = PROJECT_ROOT / "knowledge_base"
DEV_QUESTIONS = PROJECT_ROOT / "tests" / "data" / "dev.jsonl"


@pytest.fixture(scope="session")
def model_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose data dir holds the built embedding model; VA_TEST_MODEL_CACHE reuses a build."""
    cache = os.environ.get("VA_TEST_MODEL_CACHE")
    data_dir = Path(cache) if cache else tmp_path_factory.mktemp("model-cache")
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
