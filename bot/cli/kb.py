"""`python -m bot ingest | ask | eval`: build the knowledge base, answer from it, score retrieval.

Operator-facing output (progress, summaries, errors) is English; answers are Chinese.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from bot.assistant import validate_question
from bot.cli.common import add_data_dir, ensure_ingested, load_settings, open_kb, passage_count, tqdm_progress
from bot.config import Settings
from bot.kb.embed_auto import embedder_line
from bot.kb.evaluate import QuestionFileError, evaluate, load_questions
from bot.kb.index import IngestBusyError
from bot.kb.types import SourceMissingError
from bot.llm import LLMConfig, open_pipeline
from bot.llm.measure import OutcomeLog


def cmd_ingest(args: argparse.Namespace) -> int:
    kb = open_kb(load_settings(args))
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


def cmd_ask(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    k = args.k or settings.top_k
    kb = open_kb(settings)
    ensure_ingested(kb)
    pipeline = open_pipeline(settings, kb)  # with a model only when LLM_BASE_URL is set
    # From stdin: one JSON line out per line in, blank lines included (they get the "please ask"
    # prompt), so output rows line up with the input file.
    questions = [args.question] if args.question is not None else (line.rstrip("\n") for line in sys.stdin)
    as_json = args.json or args.question is None
    for question in questions:
        problem = validate_question(question)
        if problem:
            answer_json = {"question": question, "answer": problem, "grounded": False, "sources": [],
                           "mode": "extractive", "gate": None}  # fmt: skip
            print(json.dumps(answer_json, ensure_ascii=False) if as_json else problem, flush=True)
            continue
        outcome = pipeline.answer(question, k)
        print(json.dumps(outcome.to_json(), ensure_ascii=False) if as_json else outcome.answer.render(), flush=True)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    try:
        questions = load_questions(Path(args.file))
    except QuestionFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    settings = load_settings(args)
    if args.llm and LLMConfig.from_settings(settings) is None:
        print("error: --llm needs LLM_BASE_URL and LLM_MODEL (see docs/llm.md)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="va-eval-") as scratch:
        if args.source:
            # Another corpus is scored in a throwaway index, so the deployed one is never touched;
            # the embedding model still comes from the data folder (nothing is rebuilt).
            if not Path(args.source).is_dir():
                print(f"error: {args.source}: not a folder of documents", file=sys.stderr)
                return 2
            settings = settings.model_copy(
                update={"data_dir": Path(scratch), "model_cache": settings.model_cache_dir, "chroma_host": None}
            )
            kb = open_kb(settings)
            print(f"indexing {args.source} into a temporary folder ...", file=sys.stderr)
            print(kb.ingest(progress=tqdm_progress()).summary(), file=sys.stderr)
        else:
            kb = open_kb(settings)
            ensure_ingested(kb)
        # Answers come from the product's answer pipeline, exactly as a user gets them; through
        # the model only with --llm, so the figures without it never depend on a server.
        k = args.k or settings.top_k
        answers = OutcomeLog(open_pipeline(settings, kb, use_model=args.llm), k)
        report = evaluate(questions, kb.search, k=k, answer_question=answers)
        embedded_by = embedder_line(kb)
    if args.json:
        out = {"metrics": report.metrics, "by_kind": report.by_kind, "misses": report.misses, "embeddings": embedded_by}
        if args.llm:
            out |= {"llm": answers.metrics(), "llm_fallbacks": answers.rejections()}
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print(embedded_by)
        print(report.table())
        if args.llm:
            print(f"\n{answers.table()}")
        for miss in report.misses:
            print("miss:", json.dumps(miss, ensure_ascii=False))
    return 0


def add_k(parser: argparse.ArgumentParser) -> None:
    default = Settings.model_fields["top_k"].default
    parser.add_argument(
        "--k", type=passage_count, default=None, help=f"passages to retrieve, 1-50 (default: TOP_K, {default})"
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="index the knowledge-base folder (incremental)")
    p.add_argument("--source", help="folder of documents (default: knowledge_base/)")
    p.add_argument("--rebuild", action="store_true", help="start over instead of updating")
    add_data_dir(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="answer a question (or one per line from stdin, as JSON lines)")
    p.add_argument("question", nargs="?", help="the question; omit to read questions from stdin")
    add_k(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    add_data_dir(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="score retrieval and answers on a JSONL question file")
    p.add_argument("file", help="questions with gold phrases, e.g. tests/data/dev.jsonl")
    p.add_argument(
        "--source", help="score this folder of documents, indexed into a temporary folder (default: the deployed one)"
    )
    add_k(p)
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--llm", action="store_true", help="answer through the configured model (LLM_*): gate, failures, latency"
    )
    add_data_dir(p)
    p.set_defaults(func=cmd_eval)
