"""Each embedding precision's `python -m bot eval` figures on every question file, against fp32's.

    python bench/eval_precisions.py [--precisions fp32,bf16,int8,onnx-mixed] [--model-cache DIR]

Issue 13: "the chosen candidate's figures on every question file in tests/data equal fp32's within
one question". Each precision gets its own data folder (its own freshly ingested index, as a
deployment with that EMBEDDING_PRECISION has) and runs the product's own `python -m bot eval
--json` on tests/data/{dev,heldout,fresh}.jsonl (the shipped knowledge_base/) and on
tests/data/realistic/dev.jsonl (its own docs/, `--source`). Figures are turned back into question
counts (recall@1 × answerable …) and compared with fp32's; the last column says whether every
figure is within one question. Set MODEL_CACHE (or --model-cache) to a built model folder so
nothing is rebuilt.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
# (label, question file, --source or None for knowledge_base/)
FILES = (
    ("dev", DATA / "dev.jsonl", None),
    ("heldout", DATA / "heldout.jsonl", None),
    ("fresh", DATA / "fresh.jsonl", None),
    ("realistic", DATA / "realistic" / "dev.jsonl", DATA / "realistic" / "docs"),
)
# Figures that count questions: metric name → the count it is a fraction of.
COUNTED = {
    "recall@1": "answerable",
    "recall@5": "answerable",
    "grounded_answerable": "answerable",
    "abstained_unanswerable": "unanswerable",
    "answer_has_facts": "with_facts",
    "false_refusals": "answerable",
}


def run_eval(precision: str, data_dir: Path, path: Path, source: Path | None, cache: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATA_DIR": str(data_dir), "MODEL_CACHE": cache,
           "EMBEDDING_PRECISION": precision, "LOG_LEVEL": "WARNING"}  # fmt: skip
    cmd = [sys.executable, "-m", "bot", "eval", str(path), "--json"]
    if source is not None:
        cmd += ["--source", str(source)]
    out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def counts(report: dict, path: Path) -> dict[str, int]:
    questions = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    base = {
        "answerable": sum(bool(q.get("gold")) for q in questions),
        "unanswerable": sum(not q.get("gold") for q in questions),
        "with_facts": sum(bool(q.get("gold")) and bool(q.get("answer_must")) for q in questions),
    }
    return {m: round(v * base[COUNTED[m]]) for m, v in report["metrics"].items() if m in COUNTED}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--precisions", default="fp32,bf16,int8,onnx-mixed")
    ap.add_argument("--model-cache", default=os.environ.get("MODEL_CACHE", str(ROOT / "data" / "models")))
    args = ap.parse_args()
    precisions = ["fp32", *[p for p in args.precisions.split(",") if p != "fp32"]]
    work = Path(tempfile.mkdtemp(prefix="eval-precisions-"))
    table: dict[str, dict[str, dict[str, int]]] = {}
    for precision in precisions:
        for label, path, source in FILES:
            report = run_eval(precision, work / precision, path, source, args.model_cache)
            table.setdefault(label, {})[precision] = counts(report, path)
            print(f"{precision} {label}: {report['embeddings']} {table[label][precision]}", file=sys.stderr)
    print("| file | metric (questions) | " + " | ".join(precisions) + " |")
    print("|---|---|" + "---|" * len(precisions))
    worst = {p: 0 for p in precisions}
    for label, by_precision in table.items():
        for metric in by_precision["fp32"]:
            ref = by_precision["fp32"][metric]
            cells = []
            for p in precisions:
                value = by_precision[p].get(metric)
                diff = 0 if value is None else value - ref
                worst[p] = max(worst[p], abs(diff))
                cells.append(f"{value}" + (f" ({diff:+d})" if diff else ""))
            print(f"| {label} | {metric} | " + " | ".join(cells) + " |")
    print("\nlargest difference from fp32, in questions: " + ", ".join(f"{p} {worst[p]}" for p in precisions))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
