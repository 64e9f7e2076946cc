#!/usr/bin/env bash
# First run on a fresh machine: install, index the bundled knowledge base (embedded Chroma and
# SQLite under ./data), then answer a sample question.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/python ingest.py
.venv/bin/python -m bot ask "扶贫最关键是扶什么？"
