"""Measure the retrieval choices on the seed corpus: passage size, what the dense side embeds,
BM25 tokens and the dense/lexical weight; then dump the abstention signals per question.

    python bench/tune_retrieval.py [--questions tests/data/dev.jsonl tests/data/heldout.jsonl]

Numbers from this script are recorded in docs/retrieval.md; rerun it when the corpus, the
chunker or the embedding model changes. It is exact search over all passages (no Chroma), so
it measures the choices, not the index.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import bm25s
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bot.config import Settings  # noqa: E402
from bot.kb import lexicon  # noqa: E402
from bot.kb.chunking import chunk_document  # noqa: E402
from bot.kb.documents import load_document  # noqa: E402
from bot.kb.embeddings import load_embedder  # noqa: E402
from bot.kb.evaluate import load_questions  # noqa: E402
from bot.kb.normalize import normalize_for_match  # noqa: E402

SIZES = [(150, 240), (200, 320), (250, 380), (300, 450)]
WEIGHTS = [0.4, 0.5, 0.6, 0.7, 1.0]


def _minmax(x: np.ndarray) -> np.ndarray:
    lo, hi = x.min(), x.max()
    return (x - lo) / (hi - lo) if hi > lo else x * 0


def _metrics(ranks: list[int | None]) -> str:
    n = len(ranks)
    r1 = sum(r == 1 for r in ranks) / n
    r5 = sum(r is not None for r in ranks) / n
    mrr = sum(1 / r for r in ranks if r) / n
    return f"{r1:.3f} | {r5:.3f} | {mrr:.3f}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", nargs="+",
                        default=[str(ROOT / "tests/data/dev.jsonl"), str(ROOT / "tests/data/heldout.jsonl")])
    args = parser.parse_args()
    embedder = load_embedder(Settings())
    docs = [load_document(p, p.name) for p in sorted((ROOT / "knowledge_base").glob("*.txt"))]
    questions = [q for f in args.questions for q in load_questions(Path(f)) if q.get("gold")]
    qtext = [lexicon.expand_query(q["q"]) for q in questions]
    qvec = np.stack([embedder.embed_query(t) for t in qtext])
    print(f"{len(questions)} answerable questions; {embedder.name}\n")
    print("| passage size | dense embeds | BM25 tokens | dense weight | R@1 | R@5 | MRR |")
    print("|---|---|---|---|---|---|---|")
    for target, most in SIZES:
        chunks = [c for d in docs for c in chunk_document(d, target_chars=target, max_chars=most)]
        holders = [{i for i, c in enumerate(chunks)
                    if normalize_for_match(q["gold"]) in normalize_for_match(f"{c.section}\n{c.text}")}
                   for q in questions]
        variants = {"passage": [c.text for c in chunks]}
        if (target, most) == (200, 320):
            variants["section+passage"] = [f"{c.section}\n{c.text}" if c.section else c.text for c in chunks]
        for dname, dtexts in variants.items():
            dense = qvec @ embedder.embed_passages(dtexts).T
            for tname, tok in (("words", lexicon.tokens), ("words+bigrams", lexicon.index_tokens)):
                bm = bm25s.BM25()
                bm.index([tok(c.lexical_text) for c in chunks], show_progress=False)
                lex = []
                for t in qtext:
                    known = [x for x in tok(t) if x in bm.vocab_dict]
                    lex.append(np.asarray(bm.get_scores(known)) if known else np.zeros(len(chunks)))
                for w in WEIGHTS:
                    ranks = []
                    for i in range(len(questions)):
                        d, lx = dense[i], lex[i]
                        cand = list(dict.fromkeys(np.argsort(-d)[:40].tolist()
                                                  + [j for j in np.argsort(-lx)[:40] if lx[j] > 0]))
                        fused = w * _minmax(d[cand]) + (1 - w) * _minmax(lx[cand])
                        top = [cand[j] for j in np.argsort(-fused)][:5]
                        ranks.append(next((k + 1 for k, j in enumerate(top) if j in holders[i]), None))
                    print(f"| {target}/{most} ({len(chunks)}) | {dname} | {tname} | {w} | {_metrics(ranks)} |",
                          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
