"""Settings: secrets stay out of repr and logs, the time zone is checked once, the offline switches."""

from __future__ import annotations

import logging
import os
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr, ValidationError

from bot.config import Settings, reveal, set_offline_environment
from bot.ops.preflight import load_settings_or_exit

TOKEN = "123456789:" + "T" * 35
WEBHOOK = "webhook_SECRET-value"
PASSWORD = "db-pa55word"


def secret_settings() -> Settings:
    return Settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        webhook_secret=WEBHOOK,
        database_url=f"postgresql+psycopg://bot:{PASSWORD}@db:5432/assistant",
        analytics_database_url=f"postgresql+psycopg://stats:{PASSWORD}@db:5432/assistant",
    )


def test_secrets_are_not_in_repr_str_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    settings = secret_settings()
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("settings: %s / %r / %s", settings, settings, settings.model_dump())
    for shown in (repr(settings), str(settings), caplog.text):
        for secret in (TOKEN, WEBHOOK, PASSWORD):
            assert secret not in shown
    assert "**********" in repr(settings)


def test_the_raw_values_are_there_for_the_calls_that_need_them() -> None:
    settings = secret_settings()
    assert isinstance(settings.telegram_bot_token, SecretStr)
    assert reveal(settings.telegram_bot_token) == TOKEN and reveal(settings.webhook_secret) == WEBHOOK
    assert settings.resolved_database_url == f"postgresql+psycopg://bot:{PASSWORD}@db:5432/assistant"
    assert reveal(Settings(_env_file=None).telegram_bot_token) is None


def test_an_empty_token_counts_as_unset() -> None:
    assert not Settings(_env_file=None, telegram_bot_token="").telegram_bot_token


def test_the_time_zone_is_validated_once_into_a_zoneinfo() -> None:
    settings = Settings(_env_file=None, timezone="Asia/Urumqi")
    assert settings.tz == ZoneInfo("Asia/Urumqi") and settings.timezone == "Asia/Urumqi"
    assert Settings(_env_file=None).tz == ZoneInfo("Asia/Shanghai")
    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings(_env_file=None, timezone="Mars/Olympus")


def test_a_bad_time_zone_stops_the_loader_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TIMEZONE", "Mars/Olympus")
    with pytest.raises(SystemExit) as exit_info:
        load_settings_or_exit(_env_file=None)
    assert exit_info.value.code == 2
    lines = [line.strip() for line in capsys.readouterr().err.splitlines()]
    assert lines[1:] == ["TIMEZONE: unknown time zone (e.g. Asia/Shanghai) (got 'Mars/Olympus')"]


def test_a_bad_secret_is_named_but_not_echoed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        load_settings_or_exit(_env_file=None, database_url=12345, analytics_database_url=67890)
    err = capsys.readouterr().err
    assert "  DATABASE_URL: " in err and "  ANALYTICS_DATABASE_URL: " in err
    assert "12345" not in err and "67890" not in err


def test_offline_switches_are_forced_and_quiet_defaults_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("TRANSFORMERS_VERBOSITY", "info")  # an operator's choice survives
    monkeypatch.delenv("ANONYMIZED_TELEMETRY", raising=False)
    set_offline_environment()
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_VERBOSITY"] == "info" and os.environ["ANONYMIZED_TELEMETRY"] == "False"


def test_a_missing_llm_model_is_named_without_echoing_none(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LLM_BASE_URL", "http://10.0.0.5:8000/v1")
    with pytest.raises(SystemExit):
        load_settings_or_exit(_env_file=None)
    lines = [line.strip() for line in capsys.readouterr().err.splitlines()]
    assert lines[1:] == ["LLM_MODEL: required when LLM_BASE_URL is set: the model name the server serves"]


def test_a_rule_over_two_settings_is_shown_without_a_placeholder_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REQUEST_DEADLINE_HOURS", '{"没有这类": 24}')
    with pytest.raises(SystemExit):
        load_settings_or_exit(_env_file=None)
    lines = [line.strip() for line in capsys.readouterr().err.splitlines()]
    assert lines[1:] == ["REQUEST_DEADLINE_HOURS names categories not in REQUEST_CATEGORIES: 没有这类"]
