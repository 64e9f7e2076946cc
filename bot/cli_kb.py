"""Command-line entry points for the knowledge base: ingest, ask, eval.

Operator-facing output (progress, summaries, errors) is English; answers are Chinese.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path

from bot.config import MAX_TOP_K, Settings

log = logging.getLogger(__name__)


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings with the command's folder options applied; exit 2 naming any bad setting."""
    from bot.ops.preflight import load_settings_or_exit

    overrides: dict[str, object] = {}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = Path(args.data_dir)
    if getattr(args, "source", None):
        overrides["kb_source"] = Path(args.source)
    return load_settings_or_exit(**overrides)


def open_kb(settings: Settings):
    """The knowledge base, or exit 2 with one line when its data folder cannot be used."""
    from bot.kb import KnowledgeBase

    try:
        return KnowledgeBase(settings)
    except OSError as exc:
        where = exc.filename or settings.data_dir
        print(f"error: cannot use the data folder {settings.data_dir}: {exc.strerror or exc} ({where}); "
              "set --data-dir or DATA_DIR to a folder this user can write", file=sys.stderr)
        raise SystemExit(2) from exc


def passage_count(value: str) -> int:
    """argparse type for --k: how many passages to retrieve (the TOP_K range)."""
    expected = f"expected a whole number from 1 to {MAX_TOP_K}"
    try:
        k = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{expected}, got {value!r}") from None
    if not 1 <= k <= MAX_TOP_K:
        raise argparse.ArgumentTypeError(f"{expected}, got {k}")
    return k


def tqdm_progress():
    """A progress callback drawing one tqdm bar per stage on stderr."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def tick(stage: str, done: int, total: int) -> None:
        if stage == "write":
            return
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="file" if stage == "read" else "chunk",
                                     file=sys.stderr, leave=False, disable=None)
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return tick


def cmd_ingest(args: argparse.Namespace) -> int:
    from bot.kb import SourceMissingError
    from bot.kb.index import IngestBusyError

    settings = settings_from(args)
    kb = open_kb(settings)
    try:
        report = kb.ingest(rebuild=args.rebuild, progress=tqdm_progress())
    except SourceMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except IngestBusyError as exc:
        print(f"error: {exc}; try again when it has finished", file=sys.stderr)
        return 3
    print(report.summary())
    return 0


def ensure_ingested(kb) -> None:
    """A fresh clone answers out of the box: ingest the default folder on first use."""
    if kb.index.current() is None:
        print(f"knowledge base is empty; ingesting {kb.source_dir} first ...", file=sys.stderr)
        print(kb.ingest(progress=tqdm_progress()).summary(), file=sys.stderr)


def cmd_ask(args: argparse.Namespace) -> int:
    from bot.answer import compose
    from bot.assistant import validate_question

    settings = settings_from(args)
    kb = open_kb(settings)
    ensure_ingested(kb)
    # From stdin: one JSON line out per line in, blank lines included (they get the "please ask"
    # prompt), so output rows line up with the input file.
    questions = [args.question] if args.question is not None else (line.rstrip("\n") for line in sys.stdin)
    as_json = args.json or args.question is None
    for question in questions:
        problem = validate_question(question)
        if problem:
            answer_json = {"question": question, "answer": problem, "grounded": False, "sources": []}
            print(json.dumps(answer_json, ensure_ascii=False) if as_json else problem, flush=True)
            continue
        answer = compose(kb.search(question, args.k))
        print(json.dumps(answer.to_json(), ensure_ascii=False) if as_json else answer.render(), flush=True)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.answer import compose
    from bot.kb.evaluate import QuestionFileError, evaluate, load_questions

    try:
        questions = load_questions(Path(args.file))
    except QuestionFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    settings = settings_from(args)
    with tempfile.TemporaryDirectory(prefix="va-eval-") as scratch:
        if args.source:
            # Another corpus is scored in a throwaway index, so the deployed one is never touched;
            # the embedding model still comes from the data folder (nothing is rebuilt).
            settings = settings.model_copy(update={
                "data_dir": Path(scratch), "model_cache": settings.model_cache_dir, "chroma_host": None,
            })
            if not Path(args.source).is_dir():
                print(f"error: {args.source}: not a folder of documents", file=sys.stderr)
                return 2
            kb = open_kb(settings)
            print(f"indexing {args.source} into a temporary folder ...", file=sys.stderr)
            print(kb.ingest(progress=tqdm_progress()).summary(), file=sys.stderr)
        else:
            kb = open_kb(settings)
            ensure_ingested(kb)
        # The answers are composed exactly as a user gets them: the product's search, then compose.
        report = evaluate(questions, kb.search, k=args.k, compose=compose)
    if args.json:
        out = {"metrics": report.metrics, "by_kind": report.by_kind, "misses": report.misses}
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print(report.table())
        for miss in report.misses:
            print("miss:", json.dumps(miss, ensure_ascii=False))
    return 0


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="data folder (default: $DATA_DIR or ./data)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="index the knowledge-base folder (incremental)")
    p.add_argument("--source", help="folder of documents (default: knowledge_base/)")
    p.add_argument("--rebuild", action="store_true", help="start over instead of updating")
    add_data_dir(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="answer a question (or one per line from stdin, as JSON lines)")
    p.add_argument("question", nargs="?", help="the question; omit to read questions from stdin")
    p.add_argument("--k", type=passage_count, default=5, help="passages to retrieve, 1-50 (default 5)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    add_data_dir(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="score retrieval and answers on a JSONL question file")
    p.add_argument("file", help="questions with gold phrases, e.g. tests/data/dev.jsonl")
    p.add_argument("--source", help="score this folder of documents, indexed into a temporary folder "
                   "(default: the deployed knowledge base)")
    p.add_argument("--k", type=passage_count, default=5, help="passages to retrieve, 1-50 (default 5)")
    p.add_argument("--json", action="store_true")
    add_data_dir(p)
    p.set_defaults(func=cmd_eval)
