"""Index the knowledge base: `python ingest.py [--source DIR] [--data-dir DIR] [--rebuild]`.

A thin wrapper over `python -m bot ingest`, kept at the top level because operators look for it.
"""

import sys

from bot.__main__ import main

if __name__ == "__main__":
    sys.exit(main(["ingest", *sys.argv[1:]]))
