"""What `python -m bot eval FILE --llm` adds to the answer metrics: how the model did.

`OutcomeLog` is the answer function handed to `bot.kb.evaluate.evaluate`: it answers each question
through the pipeline, exactly as a user is answered, and keeps the outcome (mode, gate, seconds),
so a county can judge its own model on its own documents — how often the model's answer is
shown, how often the gate rejects it and why, how often the endpoint fails, and how long a
villager waits (p50/p95 over the questions the model was asked).
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from bot.answer import Answer
from bot.llm.gate import Verdict
from bot.llm.pipeline import AnswerPipeline, Outcome

REJECTIONS = frozenset({Verdict.TOO_LONG, Verdict.BAD_CITATION, Verdict.NO_CITATION, Verdict.UNSUPPORTED_FIGURE})


@dataclass
class OutcomeLog:
    pipeline: AnswerPipeline
    k: int
    outcomes: list[Outcome] = field(default_factory=list)

    def __call__(self, question: str) -> Answer:
        outcome = self.pipeline.answer(question, self.k)
        self.outcomes.append(outcome)
        return outcome.answer

    @property
    def asked(self) -> list[Outcome]:
        """The questions the model was asked (retrieval covered them)."""
        return [o for o in self.outcomes if o.gate is not None]

    def gates(self) -> Counter[str]:
        return Counter(o.gate for o in self.asked if o.gate is not None)

    def metrics(self) -> dict[str, float]:
        gates = self.gates()
        seconds = sorted(o.seconds for o in self.asked)
        rejected = sum(n for gate, n in gates.items() if gate in REJECTIONS)
        return {
            "llm_asked": float(len(self.asked)),
            "llm_answers": float(gates[Verdict.PASSED]),
            "llm_refusals": float(gates[Verdict.REFUSED]),
            "gate_rejections": float(rejected),
            "llm_failures": float(sum(gates.values()) - gates[Verdict.PASSED] - gates[Verdict.REFUSED] - rejected),
            "latency_p50_s": _percentile(seconds, 50),
            "latency_p95_s": _percentile(seconds, 95),
        }

    def rejections(self) -> list[dict[str, str]]:
        """Each question whose model answer was not shown, with the reason: what to look at first."""
        return [
            {"q": o.answer.question, "gate": o.gate}
            for o in self.asked
            if o.gate is not None and o.mode == "extractive"
        ]

    def table(self) -> str:
        rows = [f"| {name} | {value:.2f} |" if name.startswith("latency") else f"| {name} | {value:.0f} |"
                for name, value in self.metrics().items()]  # fmt: skip
        by_gate = ", ".join(f"{gate} {n}" for gate, n in sorted(self.gates().items(), key=lambda i: (-i[1], i[0])))
        return "\n".join(["| model | value |", "|---|---|", *rows, "", f"gate: {by_gate or '-'}"])


def _percentile(values: list[float], pct: int) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]
