"""A question needs none of the ingest path, the help desk's database layer or the operator checks.

`python -m bot ask` is a cold start per question (issue 13: ≤ 5 s, ≤ 700 MB); these imports cost
about a second and 100 MB there, so they are kept out of what answering imports. The import graph
is checked in a fresh interpreter (the test process has imported everything already).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What answering a question must not import. jieba.posseg: the part-of-speech tagger is loaded
# only for a question that names a 县/镇/乡 (bot.kb.lexicon.places_named).
NOT_FOR_A_QUESTION = (
    "bot.kb.ingest",
    "bot.kb.loaders",
    "bot.kb.ocr",
    "bot.helpdesk.facade",
    "bot.ops.preflight",
    "sqlalchemy",
    "alembic",
    "openpyxl",
    "pypdf",
    "jieba.posseg",
)

PROGRAM = """
import json, sys
from bot.cli import build_parser
from bot.assistant import validate_question
from bot.kb import KnowledgeBase
from bot.kb.lexicon import places_named
from bot.llm import open_pipeline
build_parser("ask")
assert validate_question("低保怎么申请") is None
assert places_named("低保怎么申请") == []
print(json.dumps(sorted(sys.modules)))
"""


def loaded_modules(program: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return set(json.loads(out))


def test_answering_a_question_imports_no_ingest_helpdesk_or_operator_code() -> None:
    loaded = loaded_modules(PROGRAM)
    assert "bot.kb.service" in loaded  # the program did load the knowledge base and the parser
    assert "bot.cli.kb" in loaded
    assert sorted(m for m in NOT_FOR_A_QUESTION if m in loaded) == []


def test_a_question_naming_a_county_loads_the_tagger_and_finds_the_name() -> None:
    program = (
        "import json, sys\nfrom bot.kb.lexicon import places_named\n"
        "print(json.dumps([c.named for c in places_named('建水县那边低保怎么申请')] + ['jieba.posseg' in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True,
                         timeout=120).stdout  # fmt: skip
    assert json.loads(out) == ["建水县", True]
