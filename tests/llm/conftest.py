"""The optional model path: a small policy corpus with figures, the fake OpenAI server, and
settings pointing the product at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from tests.fake_openai import FakeOpenAI
from tests.telegram.conftest import (  # noqa: F401 - fixtures, found by name
    analytics,
    bot_settings,
    db_url,
    helpdesk,
    start_bot,
    tg,
    world,
)

# Two fictional county documents whose figures the gate checks against.
HOUSING = """石岭县农村危房改造补助办法

第一条 农村危房改造对象为住房鉴定为C级或D级危房的农村低收入群体。
第二条 补助标准：D级危房拆除重建的，每户补助3.5万元；C级危房加固维修的，每户补助1.5万元。
第三条 申请程序：农户向村民委员会提出申请，村委会在5个工作日内完成评议并公示，公示期为7天。
第四条 联系方式：县住房和城乡建设局村镇股，电话0851-28765432。
"""
MEDICAL = """石岭县医疗救助问答

问：住院要不要先交押金？
答：特困人员、低保对象在县内定点医院住院，入院时不用交押金，实行先诊疗后付费。

问：医疗救助一年最多能报多少？
答：低保对象政策范围内个人自付费用按70%给予救助，年度救助限额为每人每年2万元。
"""
# Questions the corpus answers (retrieval grounds them) and one it does not.
HOUSING_Q = "危房改造能补多少钱？"
MEDICAL_Q = "住院要不要先交押金？"
NOT_COVERED_Q = "城乡居民养老保险一年交多少？"


@pytest.fixture(scope="session")
def llm_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("llm-corpus")
    (source / "石岭县农村危房改造补助办法.txt").write_text(HOUSING, encoding="utf-8")
    (source / "石岭县医疗救助问答.txt").write_text(MEDICAL, encoding="utf-8")
    return source


@pytest.fixture(scope="session")
def llm_kb(tmp_path_factory: pytest.TempPathFactory, llm_corpus: Path, embedder):
    """The two documents, ingested once per session (embedded Chroma)."""
    from bot.kb import KnowledgeBase

    data = tmp_path_factory.mktemp("llm-data")
    kb = KnowledgeBase(Settings(data_dir=data, kb_source=llm_corpus), embedder=embedder)
    kb.ingest()
    return kb


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def llm_settings(fake: FakeOpenAI, **overrides) -> dict:
    """Settings fields pointing the product at the fake server (short timeouts for tests)."""
    return {
        "llm_base_url": fake.base_url,
        "llm_model": fake.model,
        "llm_first_token_timeout": 3.0,
        "llm_timeout": 10.0,
        **overrides,
    }
