"""Does a faster precision change what users get? Hybrid retrieval (dense + BM25, abstention
included) with int8 and bf16 vectors against fp32, over the eval questions plus one literal
look-up per passage (its first clause).

    python bench/agreement.py [--source knowledge_base] [--precisions bf16,int8]

Prints top-1 agreement, top-5 overlap and how often the grounded/abstain decision matches fp32.
Each precision gets its own index (ingested here) and embeds its own queries, as a deployment
with that EMBEDDING_PRECISION would.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def main() -> int:
    from bot.config import Settings
    from bot.kb import KnowledgeBase
    from bot.kb.evaluate import load_questions

    parser = argparse.ArgumentParser()
    parser.add_argument("--source", default=str(ROOT / "knowledge_base"))
    parser.add_argument("--precisions", default="bf16,int8")
    parser.add_argument("--model-cache", default=os.environ.get("BENCH_MODEL_CACHE", str(ROOT / "data" / "models")))
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="agreement-"))
    kbs = {}
    for precision in ["fp32", *args.precisions.split(",")]:
        settings = Settings(data_dir=work / precision, kb_source=Path(args.source),
                            model_cache=Path(args.model_cache), embedding_precision=precision)
        kbs[precision] = KnowledgeBase(settings)
        kbs[precision].ingest(rebuild=True)

    files = [ROOT / "tests" / "data" / name for name in ("dev.jsonl", "heldout.jsonl")]
    questions = [q["q"] for path in files for q in load_questions(path)]
    lookups = 0
    for chunk in kbs["fp32"].retriever.snapshot().chunks:
        first = re.split(r"[，。；！？,]", chunk.text)[0]
        if 6 <= len(first) <= 40:
            questions.append(first)
            lookups += 1
    print(f"{len(questions)} queries ({len(questions) - lookups} eval questions, {lookups} look-ups)")

    results = {p: [kb.search(q, 5) for q in questions] for p, kb in kbs.items()}

    def ids(result) -> list[str]:
        return [h.chunk.id for h in result.hits]

    print("| precision | top-1 agreement | top-5 overlap | same grounded decision |")
    print("|---|---|---|---|")
    for precision in args.precisions.split(","):
        pairs = list(zip(results["fp32"], results[precision], strict=True))
        top1 = sum(ids(a)[:1] == ids(b)[:1] for a, b in pairs) / len(pairs)
        top5 = sum(len(set(ids(a)) & set(ids(b))) / max(len(ids(a)), 1) for a, b in pairs) / len(pairs)
        same = sum(a.grounded == b.grounded for a, b in pairs) / len(pairs)
        print(f"| {precision} | {top1:.3f} | {top5:.3f} | {same:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
