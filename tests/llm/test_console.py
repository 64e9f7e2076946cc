"""The terminal chat with a model: sentences printed as they stream, the rest of the reply after,
nothing printed twice; a fallback prints the extractive answer after what was streamed."""

from __future__ import annotations

import io
from pathlib import Path

from bot import texts
from bot.analytics import Analytics
from bot.assistant import Assistant, UserRef
from bot.config import Settings
from bot.console import Session
from bot.helpdesk import Helpdesk
from tests.fake_openai import FakeOpenAI, Reply, citing, unchanged
from tests.llm.conftest import HOUSING_Q, llm_settings


class Recorder(io.StringIO):
    """Terminal output, and what had been printed at each flush (the streaming)."""

    def __init__(self) -> None:
        super().__init__()
        self.flushes: list[str] = []

    def flush(self) -> None:
        self.flushes.append(self.getvalue())


def test_the_terminal_prints_the_answer_as_it_streams(tmp_path: Path, llm_kb, fake_llm: FakeOpenAI) -> None:
    helpdesk = Helpdesk.open(f"sqlite:///{tmp_path / 'hd.db'}")
    settings = Settings(data_dir=tmp_path, **llm_settings(fake_llm))
    assistant = Assistant(settings, llm_kb, helpdesk, Analytics.open("sqlite://"))
    out = Recorder()
    session = Session(assistant, UserRef(500, "张大爷"), out, out_dir=tmp_path)
    fake_llm.condense = unchanged
    fake_llm.push(citing("3.5万元", "能补。D级每户3.5万元[{n}]。找村委会申请[{n}]。", piece_delay=0.05))
    session.handle(HOUSING_Q)
    text = out.getvalue()
    head = f"{texts.BOT_LOOKING_UP}\n【{texts.ANSWER_HEADER}】\n"
    assert text.startswith(f"{head}能补。D级每户3.5万元[1]。找村委会申请[1]。\n\n【{texts.SOURCES_HEADER}】\n[1] 《")
    assert f"{head}能补。" in out.flushes, "the first sentence was printed before the rest arrived"
    assert text.count("能补。") == 1 and "[1] 原文1" in text

    fake_llm.push(Reply(status=500))
    out.seek(0)
    out.truncate()
    session.handle(HOUSING_Q)
    fallback = out.getvalue()
    assert fallback.startswith(f"{texts.BOT_LOOKING_UP}\n【{texts.ANSWER_HEADER}】\n")
    assert "能补" not in fallback and "【来源：】" in fallback
    helpdesk.close()


def test_a_streamed_follow_up_names_its_topic_first_and_prints_once(
    tmp_path: Path, llm_kb, fake_llm: FakeOpenAI
) -> None:
    helpdesk = Helpdesk.open(f"sqlite:///{tmp_path / 'hd.db'}")
    settings = Settings(data_dir=tmp_path, **llm_settings(fake_llm))
    assistant = Assistant(settings, llm_kb, helpdesk, Analytics.open("sqlite://"))
    out = Recorder()
    session = Session(assistant, UserRef(500, "张大爷"), out, out_dir=tmp_path)
    fake_llm.push(citing("3.5万元", "能补。D级每户3.5万元[{n}]。"))
    session.handle(HOUSING_Q)
    out.seek(0)
    out.truncate()
    fake_llm.push(citing("公示期为7天", "公示7天[{n}]。", piece_delay=0.05))
    session.handle("那公示几天？")
    text = out.getvalue()
    assumed = texts.FOLLOW_UP_ASSUMED.format(topic="危房改造")
    assert text.startswith(f"{texts.BOT_LOOKING_UP}\n【{texts.ANSWER_HEADER}】\n{assumed}\n公示7天[1]。\n\n【")
    assert text.count("公示7天") == 1 and text.count(assumed) == 1
    helpdesk.close()
