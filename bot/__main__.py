"""`python -m bot COMMAND ...`: one entry point for every front end and operator command.

    run                         the Telegram bot (default; long polling, or webhook with WEBHOOK_URL)
    chat                        the assistant in this terminal, no Telegram needed
    ingest                      index the knowledge-base folder (also `python ingest.py`)
    ask QUESTION                answer a question (or JSON lines from stdin)
    eval FILE                   score retrieval on a JSONL question file
    requests list|show|export   help requests (operators)
    admin village|cadre|person|invite   bootstrap villages, cadres and users
    check                       validate settings and reach the database and Chroma
    start [COMMAND ...]         check, then run COMMAND (default: run)
    health                      container health check
    backup create|restore|verify   back up or restore requests, knowledge base and question log
    db current|upgrade          the help-request database schema

The commands live in `bot/cli/`; `python -m bot COMMAND --help` describes each.
"""

from __future__ import annotations

import sys

from bot.config import set_offline_environment

set_offline_environment()  # before bot.cli brings in chromadb and the model libraries, which read it

from bot.cli import build_parser  # noqa: E402
from bot.cli.common import configure_logging, dispatch  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    configure_logging()
    argv = list(sys.argv[1:] if argv is None else argv) or ["run"]
    return dispatch(build_parser(argv[0]), argv)


if __name__ == "__main__":
    sys.exit(main())
