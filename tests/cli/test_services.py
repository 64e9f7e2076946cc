"""bot/services.py: the services every front end answers through, built in one place."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.kb.batching import BatchingEmbedder
from bot.services import close_services, open_services


def test_open_services_wires_kb_helpdesk_and_question_log(tmp_path: Path, model_settings: Settings) -> None:
    settings = Settings(
        _env_file=None, data_dir=tmp_path / "data", model_cache=model_settings.model_cache_dir, admin_ids=[900]
    )
    assistant = open_services(settings)
    try:
        assert isinstance(assistant.kb.embedder, BatchingEmbedder)  # the bot: many users at once
        assert assistant.helpdesk.directory.list_villages() == []
        assert assistant.analytics is not None
        assert (tmp_path / "data" / "helpdesk.db").exists() and (tmp_path / "data" / "analytics.db").exists()
    finally:
        close_services(assistant)
    single = open_services(settings, batching=False)  # the terminal: one user
    try:
        assert not isinstance(single.kb.embedder, BatchingEmbedder)
    finally:
        close_services(single)


def test_an_unusable_question_log_does_not_stop_answering(tmp_path: Path, model_settings: Settings) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", "utf-8")
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        model_cache=model_settings.model_cache_dir,
        analytics_database_url=f"sqlite:///{blocker / 'analytics.db'}",
    )
    assistant = open_services(settings, batching=False)
    try:
        assert assistant.analytics is None and assistant.kb is not None
    finally:
        close_services(assistant)
