"""``python -m bot.kb.embed_measure [--again]``: measure the embedding candidates on this CPU now.

A module of its own because it sits above both the measurement (bot.kb.embed_auto) and the
embedder it loads (bot.kb.embeddings), which itself asks embed_auto for the recorded choice.
"""

from __future__ import annotations

import argparse
import logging

from bot.config import get_settings
from bot.kb.embed_auto import choice_path, describe
from bot.kb.embed_model import model_key, resolve_model_source
from bot.kb.embeddings import load_embedder


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.kb.embed_measure [--again]`` — measure now (``--again``: even if this CPU has a
    recorded choice, e.g. after measuring on a busy machine) and print the result."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--again", action="store_true", help="discard the recorded choice first")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings().model_copy(update={"embedding_precision": "auto"})
    if args.again:
        choice_path(settings, model_key(*resolve_model_source(settings))).unlink(missing_ok=True)
    load_embedder(settings, reuse=False)
    print("\n".join(describe(settings)))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
