"""Does the gate (bot/llm/gate.py) pass faithful answers and catch changed figures? No model needed.

    python bench/llm_gate.py [--source tests/data/realistic/docs] [--questions tests/data/realistic/dev.jsonl]

For every question the knowledge base answers, the extractive answer — sentences copied from the
passages, so every figure in it is sourced — is given to the gate as if a model had written it,
with its citations renumbered to the prompt's passage numbers: each should pass (a rejection is a
false alarm that would cost a villager the plain-words answer). Then the first number in it is
raised by one, as a model that misremembers would: each such answer should be rejected. Prints
both counts and the changed answers that passed, for review (docs/llm.md records the result).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from bot.config import Settings, set_offline_environment

    set_offline_environment()
    from bot import texts
    from bot.answer import compose
    from bot.kb import KnowledgeBase
    from bot.kb.evaluate import load_questions
    from bot.llm import gate
    from bot.llm.pipeline import PROMPT_PASSAGES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=str(ROOT / "tests/data/realistic/docs"))
    parser.add_argument("--questions", default=str(ROOT / "tests/data/realistic/dev.jsonl"))
    parser.add_argument("--data-dir", default="data", help="where the built embedding model is cached")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="va-gate-") as scratch:
        settings = Settings(
            data_dir=Path(scratch), kb_source=Path(args.source), model_cache=Settings(data_dir=Path(args.data_dir)).model_cache_dir
        )
        kb = KnowledgeBase(settings)
        kb.ingest()
        verdicts: dict[str, int] = {}
        changed = caught = 0
        missed: list[str] = []
        for q in load_questions(Path(args.questions)):
            result = kb.search(q["q"], settings.top_k)
            answer = compose(result)
            if not answer.grounded:
                continue
            hits = result.hits[:PROMPT_PASSAGES]
            passages = [f"《{h.chunk.title}》 {h.chunk.section}\n{h.chunk.text}" for h in hits]
            number = {n: next((m for m, h in enumerate(hits, 1) if h.chunk.text == s.text), 0)
                      for n, s in enumerate(answer.sources, 1)}  # fmt: skip
            cited = answer.answer.removeprefix(texts.ANSWER_HEADER)
            body = re.sub(r"\[(\d+)\]", lambda m, number=number: f"[{number[int(m.group(1))]}]", cited)
            if "[0]" in body:
                continue  # a source outside the prompt's passages
            verdict = gate.check(body, passages).verdict.value
            verdicts[verdict] = verdicts.get(verdict, 0) + 1
            first = re.search(r"(?<!\[)\d+(?!\])", body)
            if first:
                changed += 1
                wrong = f"{body[: first.start()]}{int(first.group()) + 1}{body[first.end() :]}"
                if gate.check(wrong, passages).verdict is gate.Verdict.PASSED:
                    missed.append(wrong[max(0, first.start() - 20) : first.end() + 12])
                else:
                    caught += 1
    print(json.dumps({"faithful": verdicts, "changed": changed, "changed_rejected": caught}, ensure_ascii=False))
    for text in missed:
        print("passed although changed:", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
