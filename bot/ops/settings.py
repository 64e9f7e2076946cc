"""Loading the settings for a command: one plain line per malformed setting instead of a traceback.

Split from `preflight` (which imports SQLAlchemy, the help desk's migrations and the ingest
loaders for its checks) so that every command, `python -m bot ask` included, can load its settings
without paying for those imports.
"""

from __future__ import annotations

import re
import sys

from pydantic import ValidationError
from pydantic_settings import SettingsError

from bot.config import Settings

# Never echoed back: they are credentials (DATABASE_URL may carry a password).
SECRET_FIELDS = frozenset({"telegram_bot_token", "webhook_secret", "database_url", "analytics_database_url"})

_FRIENDLY = {
    "log_level": "must be one of DEBUG, INFO, WARNING, ERROR",
    "chroma_collection_prefix": "must be 2-41 letters, digits, '_' or '-', starting with a letter or digit",
}


def describe_validation_error(exc: ValidationError) -> list[str]:
    """One line per bad setting, named by its environment variable; secrets are not echoed."""
    lines: list[str] = []
    for err in exc.errors():
        loc = err.get("loc") or ()
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        if not loc:  # a whole-model rule (two settings that disagree) names its settings itself
            line = message
        else:
            field = str(loc[0])
            message = _FRIENDLY.get(field) or message
            shown = ""
            value = err.get("input")
            if field not in SECRET_FIELDS and value is not None and not isinstance(value, dict):
                shown = f" (got {value!r})"  # an absent setting has nothing to echo
            name = field.upper()
            message = message.removeprefix(f"{name} ")  # validators that already name the variable
            line = f"{name}: {message}{shown}"
        if line not in lines:
            lines.append(line)
    return lines


_UNDECODABLE = re.compile(r'error parsing value for field "(?P<field>\w+)"')


def describe_settings_error(exc: Exception) -> str:
    """A value pydantic-settings could not even decode (malformed JSON): name the variable and why."""
    match = _UNDECODABLE.search(str(exc))
    if not match:
        return str(exc)
    cause = exc.__cause__
    why = f"not valid JSON ({cause})" if isinstance(cause, ValueError) else "could not be read"
    return f"{match['field'].upper()}: {why}; .env.example shows the expected form"


def load_settings_or_exit(**overrides: object) -> Settings:
    """The settings, or exit with status 2 and one clear line per malformed setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = describe_validation_error(exc)
    except SettingsError as exc:  # e.g. a value pydantic-settings could not decode at all
        lines = [describe_settings_error(exc)]
    print("configuration error (environment variables or .env):", file=sys.stderr)
    for line in lines:
        print(f"  {line}", file=sys.stderr)
    raise SystemExit(2)
