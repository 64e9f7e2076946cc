"""Measure the relevance cut-off for policy suggestions on help requests (REQUEST_POLICY_MIN_SCORE).

    python bench/policy_threshold.py [--model-dir DATA_DIR] [--json out.json]

A wrong policy on a receipt misleads a villager (a frozen water pipe got 党建 articles; a tuition
request got 医疗救助 and 主题教育), and none is better than a wrong one. This script files nothing:
it runs each labelled request of `bench/data/policy_requests.jsonl` (realistic villager wording,
with the policy topics that would help, or none) through the knowledge base the helpdesk uses
(the bundled seed documents plus the realistic county corpus of tests/data/realistic/docs, the
real embedding model, the same `policy_lookup` gate: grounded results only, top 3), labels every
suggested passage relevant or not by its document, and prints, for a sweep of thresholds on the
passage's score, how many relevant and irrelevant suggestions survive. The chosen threshold and
its numbers are recorded in docs/helpdesk.md § Policy suggestions.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench._machine import describe  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.kb import KnowledgeBase  # noqa: E402
from bot.kb.embeddings import load_embedder  # noqa: E402

REQUESTS = ROOT / "bench" / "data" / "policy_requests.jsonl"
SEEDS = ROOT / "knowledge_base"
REALISTIC = ROOT / "tests" / "data" / "realistic" / "docs"
K = 3  # HelpdeskConfig.policy_hints_k

# The topic each realistic document addresses; the seed documents (党建, 主题教育 …) address none
# of a villager's household problems.
DOC_TOPICS = {
    "石岭县农村最低生活保障和特困人员救助供养实施办法.docx": "dibao",
    "医疗保障政策问答（2025年版）.txt": "medical",
    "关于做好2026年度城乡居民基本医疗保险集中参保缴费工作的通知.pdf": "medical",
    "农村危房改造办事指南_石岭县人民政府门户网站.html": "housing",
    "防止返贫监测帮扶政策解读.md": "fanfanpin",
    "2025年秋季学期雨露计划职业教育补助申报通知.docx": "yulu",
    "松岭镇村务公开目录和村级小微权力清单.txt": "cunwu",
    "脫貧人口小額信貸及產業獎補政策問答（轉載）.txt": "credit",
    "石岭县困难残疾人生活补贴和重度残疾人护理补贴实施细则.pdf": "disability",
    "石岭县临时救助实施细则.docx": "temp_aid",
}
THRESHOLDS = [0.0, 0.80, 0.82, 0.84, 0.85, 0.86, 0.87, 0.875, 0.88, 0.885, 0.89, 0.895, 0.90]


def build_kb(model_dir: Path, work: Path, corpus: str = "full") -> KnowledgeBase:
    source = work / "kb"
    source.mkdir()
    for folder in (SEEDS, REALISTIC) if corpus == "full" else (SEEDS,):
        for f in folder.iterdir():
            shutil.copy(f, source / f.name)
    embedder = load_embedder(Settings(data_dir=model_dir))
    kb = KnowledgeBase(Settings(data_dir=work / "data", kb_source=source), embedder=embedder)
    kb.ingest()
    return kb


def measure(kb: KnowledgeBase) -> list[dict]:
    rows = []
    for line in REQUESTS.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        result = kb.search(item["text"], K)
        hits = [
            {
                "source": h.chunk.source,
                "title": h.chunk.title,
                "topic": DOC_TOPICS.get(Path(h.chunk.source).name),
                "dense": round(h.dense, 4),
                "fused": round(h.score, 4),
                "relevant": DOC_TOPICS.get(Path(h.chunk.source).name) in item["topics"],
            }
            for h in result.hits
        ]
        rows.append({**item, "grounded": result.grounded, "dense_top": round(result.dense_top, 4), "hits": hits})
    return rows


def sweep(rows: list[dict], signal: str) -> list[dict]:
    """Per threshold on `signal` (after the grounded gate): suggestions kept, by relevance."""
    total_relevant = sum(h["relevant"] for r in rows for h in r["hits"])
    out = []
    for t in THRESHOLDS:
        kept = [(r, h) for r in rows if r["grounded"] for h in r["hits"] if h[signal] >= t]
        good = sum(h["relevant"] for _, h in kept)
        bad = len(kept) - good
        helped = len({r["id"] for r, h in kept if h["relevant"]})
        misled = len({r["id"] for r, h in kept if not h["relevant"]})
        out.append(
            {
                "threshold": t,
                "kept": len(kept),
                "relevant": good,
                "irrelevant": bad,
                "precision": round(good / len(kept), 3) if kept else 1.0,
                "recall": round(good / total_relevant, 3) if total_relevant else 0.0,
                "requests_helped": helped,
                "requests_misled": misled,
            }
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=Path(os.environ.get("VA_TEST_MODEL_CACHE", ROOT / "data")),
        help="data dir that holds the built embedding model (default: VA_TEST_MODEL_CACHE or ./data)",
    )
    parser.add_argument(
        "--corpus",
        choices=["full", "seeds"],
        default="full",
        help="full: seed documents + realistic county corpus (default); seeds: the bundled seeds only",
    )
    parser.add_argument("--json", type=Path, help="also write the per-request measurements here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        kb = build_kb(args.model_dir, Path(tmp), args.corpus)
        rows = measure(kb)
    print(f"# Policy suggestion threshold ({len(rows)} labelled requests, top {K}, corpus {args.corpus})\n")
    print(describe())
    print("\n| id | grounded | dense top | hits (topic dense/fused, * relevant) | request |")
    print("|---|---|---|---|---|")
    for r in rows:
        hits = "; ".join(
            f"{h['topic'] or 'seed'} {h['dense']:.3f}/{h['fused']:.2f}{'*' if h['relevant'] else ''}" for h in r["hits"]
        )
        print(f"| {r['id']} | {r['grounded']} | {r['dense_top']:.3f} | {hits} | {r['text'][:24]} |")
    for signal in ("dense", "fused"):
        print(f"\n## threshold on {signal}\n")
        print("| threshold | kept | relevant | irrelevant | precision | recall | requests helped | requests misled |")
        print("|---|---|---|---|---|---|---|---|")
        for s in sweep(rows, signal):
            print(
                f"| {s['threshold']} | {s['kept']} | {s['relevant']} | {s['irrelevant']} | {s['precision']} "
                f"| {s['recall']} | {s['requests_helped']} | {s['requests_misled']} |"
            )
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
