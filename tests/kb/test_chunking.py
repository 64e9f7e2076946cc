"""Chunking: structure (heading chains), sentence integrity, sizes, merging and stable ids.

The invariant checker reassembles every section from its chunks, so "nothing lost, nothing
duplicated, sections never mixed, no cut inside a sentence" is verified on the real seed
documents for several size settings, not only on hand-made examples.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.kb.chunking import (
    MAX_CHARS,
    MIN_CHARS,
    TARGET_CHARS,
    chunk_document,
    parse_sections,
    split_sentences,
)
from bot.kb.documents import load_document
from bot.kb.normalize import normalize_for_match
from bot.kb.types import Chunk, Document

ROOT = Path(__file__).resolve().parents[2]
KB = ROOT / "knowledge_base"
SIZES = [(TARGET_CHARS, MAX_CHARS, MIN_CHARS), (100, 160, 20), (400, 640, 80), (60, 80, 10)]
_WS = re.compile(r"\s+")
_CLAUSE = re.compile(r"[，,、：:]+[”’」』\"'）)》】\]]*")


@pytest.fixture(scope="module")
def seeds() -> dict[str, Document]:
    return {p.name[:3]: load_document(p, p.name) for p in sorted(KB.glob("*.txt"))}


def doc_of(text: str, title: str = "测试文件", source: str = "test.txt") -> Document:
    return Document(source=source, title=title, text=text)


def squash(text: str) -> str:
    return _WS.sub("", text)


def allowed_cuts(paragraphs: list[str], max_chars: int) -> set[int]:
    """Positions (in the section's whitespace-free text) where a chunk may legally end."""
    cuts, pos = set(), 0
    for paragraph in paragraphs:
        for sentence in split_sentences(paragraph):
            if len(sentence) > max_chars:  # last resort: clause boundaries inside it
                inner = 0
                for match in _CLAUSE.finditer(sentence):
                    inner_text = squash(sentence[: match.end()])
                    cuts.add(pos + len(inner_text))
                    inner = match.end()
                del inner
            pos += len(squash(sentence))
            cuts.add(pos)
    return cuts


def is_single_unsplittable_sentence(text: str) -> bool:
    return len(split_sentences(text)) == 1 and not _CLAUSE.search(text[:-1])


def check_invariants(doc: Document, chunks: list[Chunk], target: int, max_chars: int, min_chars: int) -> None:
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert len({c.id for c in chunks}) == len(chunks)
    sections = parse_sections(doc.text)
    # Runs of consecutive chunks with one heading chain must be exactly the parsed sections.
    runs: list[tuple[str, list[Chunk]]] = []
    for chunk in chunks:
        assert chunk.title == doc.title and chunk.source == doc.source
        assert chunk.text and chunk.text == chunk.text.strip()
        if runs and runs[-1][0] == chunk.section:
            runs[-1][1].append(chunk)
        else:
            runs.append((chunk.section, [chunk]))
    assert [heading for heading, _ in runs] == [s.heading for s in sections]
    for section, (_, run) in zip(sections, runs, strict=True):
        whole = squash("".join(section.paragraphs))
        assert squash("".join(c.text for c in run)) == whole, f"section {section.heading!r} not reassembled"
        cuts = allowed_cuts(section.paragraphs, max_chars)
        pos = 0
        for i, chunk in enumerate(run):
            pos += len(squash(chunk.text))
            assert pos in cuts, f"cut inside a sentence after {chunk.text[-20:]!r}"
            if len(chunk.text) > max_chars:
                assert is_single_unsplittable_sentence(chunk.text), chunk.text
            if len(chunk.text) < min_chars and len(run) > 1:
                # A small piece only survives when no same-section neighbour can take it.
                neighbours = [run[j] for j in (i - 1, i + 1) if 0 <= j < len(run)]
                assert all(len(n.text) + len(chunk.text) + 1 > max_chars for n in neighbours), chunk.text


# --------------------------------------------------------------------------- seeds


@pytest.mark.parametrize(("target", "max_chars", "min_chars"), SIZES)
def test_invariants_on_seeds(seeds: dict[str, Document], target: int, max_chars: int, min_chars: int) -> None:
    for doc in seeds.values():
        chunks = chunk_document(doc, target_chars=target, max_chars=max_chars, min_chars=min_chars)
        assert chunks
        check_invariants(doc, chunks, target, max_chars, min_chars)


def test_default_sizes_on_seeds(seeds: dict[str, Document]) -> None:
    lengths = [len(c.text) for doc in seeds.values() for c in chunk_document(doc)]
    assert max(lengths) <= MAX_CHARS
    assert sum(lengths) / len(lengths) >= 0.5 * TARGET_CHARS  # packing actually packs


def test_seed_section_chains(seeds: dict[str, Document]) -> None:
    sections = {k: {c.section for c in chunk_document(d)} for k, d in seeds.items()}
    assert "一、调研情况 > (一)基本情况分析" in sections["001"]
    assert "一、调研情况 > (二)抓党建促脱贫的主要做法 > 1. 让基层干部在脱贫一线锤炼" in sections["001"]
    assert "一、调研情况 > (三)几点启示 > 启示三:扶贫关键在扶志" in sections["001"]
    assert "三、对策建议 > 2. 建强基层干部队伍提升脱贫攻坚战斗力" in sections["001"]
    # "引言" is an unnumbered heading; the numbered sections after it are its siblings.
    assert "引言" in sections["000"]
    assert "一、当前基层党建工作当中存在的问题 > 1.党建组织对于精准扶贫的认识有待提升" in sections["000"]
    assert "六、要办实事解难题,着力打通扶贫“连心桥”" in sections["003"]
    assert "因地制宜打造“基层党建+精准扶贫”的创新模式" in sections["004"]
    assert sections["002"] == {""}  # no headings at all: the chain is empty, not invented


def test_dev_gold_phrases_are_inside_one_passage(seeds: dict[str, Document]) -> None:
    questions = [
        json.loads(line) for line in (ROOT / "tests/data/dev.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    chunks = {k: chunk_document(d) for k, d in seeds.items()}
    for q in questions:
        if q["gold"]:
            gold = normalize_for_match(q["gold"])
            assert any(gold in normalize_for_match(f"{c.section}\n{c.text}") for c in chunks[q["doc"]]), q[
                "id"
            ]


# --------------------------------------------------------------------------- headings

OUTLINE = """这是一份关于贫困村党建工作的调研报告，介绍基本情况、主要做法和几点启示。
一、调研情况
（一）基本情况分析
我市有自治区级贫困村若干个，建档立卡贫困人口若干户。
(二)主要做法
1. 让基层干部在脱贫一线锤炼。调优配强贫困村“两委”班子，建强脱贫攻坚骨干队伍。
2、让党建资源在脱贫一线集聚
建立经费保障机制，按照村年均运转经费予以保障。
（1）细化保障标准
服务群众专项经费不低于五万元。
（三）几点启示
启示一：给钱给物，不如建个好支部。坚持党的领导是打赢脱贫攻坚战的根本保证。
二、存在问题
一是思想认识不到位，对脱贫攻坚的重要性认识不足。二是工作作风不扎实，下基层调研的少。
三、对策建议"""


def sections_by_text(doc: Document, **sizes: int) -> dict[str, str]:
    return {c.text: c.section for c in chunk_document(doc, **sizes)}


def test_chinese_numbering_outline() -> None:
    got = sections_by_text(doc_of(OUTLINE), target_chars=60, max_chars=100, min_chars=10)
    assert got == {
        "这是一份关于贫困村党建工作的调研报告，介绍基本情况、主要做法和几点启示。": "",
        "我市有自治区级贫困村若干个，建档立卡贫困人口若干户。": "一、调研情况 > （一）基本情况分析",
        "1. 让基层干部在脱贫一线锤炼。调优配强贫困村“两委”班子，建强脱贫攻坚骨干队伍。": (
            "一、调研情况 > (二)主要做法 > 1. 让基层干部在脱贫一线锤炼"
        ),
        "建立经费保障机制，按照村年均运转经费予以保障。": "一、调研情况 > (二)主要做法 > 2、让党建资源在脱贫一线集聚",
        "服务群众专项经费不低于五万元。": (
            "一、调研情况 > (二)主要做法 > 2、让党建资源在脱贫一线集聚 > （1）细化保障标准"
        ),
        "启示一：给钱给物，不如建个好支部。坚持党的领导是打赢脱贫攻坚战的根本保证。": (
            "一、调研情况 > （三）几点启示 > 启示一：给钱给物，不如建个好支部"
        ),
        # 一是/二是 start sentences; they are not headings.
        "一是思想认识不到位，对脱贫攻坚的重要性认识不足。二是工作作风不扎实，下基层调研的少。": "二、存在问题",
    }


def test_heading_only_lines_are_never_chunks() -> None:
    chunks = chunk_document(doc_of(OUTLINE))
    headings = {"一、调研情况", "（一）基本情况分析", "(二)主要做法", "三、对策建议", "（三）几点启示"}
    assert not headings & {c.text for c in chunks}
    assert all(c.section for c in chunks[1:])


def test_chapters_and_articles() -> None:
    text = (
        "第一章 总则\n第一条 为了规范村务管理，根据有关法律法规，制定本办法。\n第二条 本办法适用于全县各行政村。\n"
        "第二章 村务公开\n第三条 村务公开的内容包括财务收支、集体资产和重大决策事项。"
    )
    got = sections_by_text(doc_of(text), target_chars=30, max_chars=60, min_chars=5)
    assert got == {
        "第一条 为了规范村务管理，根据有关法律法规，制定本办法。": "第一章 总则 > 第一条",
        "第二条 本办法适用于全县各行政村。": "第一章 总则 > 第二条",
        "第三条 村务公开的内容包括财务收支、集体资产和重大决策事项。": "第二章 村务公开 > 第三条",
    }


def test_markdown_and_docx_heading_levels() -> None:
    text = (
        "# 乡村振兴促进法\n## 第一章 总则\n为了全面实施乡村振兴战略，制定本法。\n"
        "### 一、基本原则\n坚持农业农村优先发展。\n（一）细则\n坚持农民主体地位。\n"
        "## 第二章 产业发展\n国家支持发展乡村特色产业。"
    )
    got = sections_by_text(doc_of(text), target_chars=20, max_chars=40, min_chars=5)
    assert got == {
        "为了全面实施乡村振兴战略，制定本法。": "乡村振兴促进法 > 第一章 总则",
        "坚持农业农村优先发展。": "乡村振兴促进法 > 第一章 总则 > 一、基本原则",
        "坚持农民主体地位。": "乡村振兴促进法 > 第一章 总则 > 一、基本原则 > （一）细则",
        "国家支持发展乡村特色产业。": "乡村振兴促进法 > 第二章 产业发展",
    }


def test_unnumbered_headings_need_a_paragraph_under_them() -> None:
    body = "开江县在充分调研各贫困村产业特性、自身优势等因素的基础上，灵活采取强弱联合等方式，实现党建脱贫双推进。"
    text = f"前言段落到此结束。\n因地制宜打造创新模式\n{body}\n张三\n李四\n王五"
    chunks = chunk_document(doc_of(text), target_chars=60, max_chars=80, min_chars=5)
    assert [c.section for c in chunks] == ["", "因地制宜打造创新模式"]
    # A run of short lines (a list of names) is content, not a cascade of headings.
    assert chunks[1].text == f"{body}\n张三\n李四\n王五"


def test_numbered_items_without_text_under_them_are_content() -> None:
    text = "三、保障措施\n1. 加强组织领导\n2. 强化资金保障\n3. 严格考核问责。\n四、附则\n本办法自发布之日起施行。"
    chunks = chunk_document(doc_of(text), target_chars=60, max_chars=80, min_chars=5)
    assert [(c.section, c.text) for c in chunks] == [
        ("三、保障措施", "1. 加强组织领导\n2. 强化资金保障\n3. 严格考核问责。"),
        ("四、附则", "本办法自发布之日起施行。"),
    ]


# --------------------------------------------------------------------------- sentences and sizes


def test_split_sentences_keeps_closing_quotes_and_round_trips() -> None:
    paragraph = "他说：“扶贫先扶志。”大家都同意！真的吗？是的；Hello world. 增长1.2亿元。结尾没有标点"
    sentences = split_sentences(paragraph)
    assert "".join(sentences) == paragraph
    assert sentences == [
        "他说：“扶贫先扶志。”",
        "大家都同意！",
        "真的吗？",
        "是的；",
        "Hello world.",
        " 增长1.2亿元。",
        "结尾没有标点",
    ]


def test_small_trailing_piece_merges_into_its_neighbour() -> None:
    long = "各地要加强组织领导，压实工作责任，确保各项政策措施落地见效，让脱贫群众生活更上一层楼。" * 4
    chunks = chunk_document(doc_of(f"{long}\n特此通知。"))
    assert len(chunks) == 1 and chunks[0].text.endswith("\n特此通知。")


def test_small_piece_does_not_merge_across_sections() -> None:
    text = "一、甲部分\n" + "甲部分的内容很长，需要单独成块，确保信息完整准确。" * 3 + "\n二、乙部分\n短句。"
    chunks = chunk_document(doc_of(text))
    assert [c.section for c in chunks] == ["一、甲部分", "二、乙部分"]
    assert chunks[1].text == "短句。"


def test_packing_prefers_paragraph_starts() -> None:
    paragraphs = [
        f"第{i}段的第一句话说明情况。第{i}段的第二句话提出要求，要求各地认真落实。" for i in range(6)
    ]
    chunks = chunk_document(doc_of("\n".join(paragraphs)), target_chars=100, max_chars=160, min_chars=20)
    assert all(c.text.startswith("第") and "段的第一句" in c.text.split("\n")[0][:12] for c in chunks)


def test_over_long_sentence_is_split_at_clauses() -> None:
    clause = "按照村年均运转经费和服务群众专项经费予以保障"
    sentence = "，".join([clause] * 30) + "。"  # ~700 characters, one sentence
    doc = doc_of(sentence)
    chunks = chunk_document(doc)
    assert len(chunks) > 2
    assert all(len(c.text) <= MAX_CHARS for c in chunks)
    assert all(c.text.endswith(("，", "。")) for c in chunks)
    check_invariants(doc, chunks, TARGET_CHARS, MAX_CHARS, MIN_CHARS)


def test_unsplittable_sentence_stays_whole() -> None:
    sentence = "扶贫" * 250 + "。"  # 501 characters without a clause mark
    chunks = chunk_document(doc_of(f"前一句话。\n{sentence}\n后一句话。"))
    assert sentence in [c.text for c in chunks]


def test_text_without_any_punctuation_is_still_bounded() -> None:
    blob = "扶贫工作" * 2000  # 8000 characters, nothing to cut at
    chunks = chunk_document(doc_of(blob))
    assert "".join(c.text for c in chunks) == blob
    assert all(len(c.text) <= MAX_CHARS for c in chunks)


def test_sizes_are_parameters() -> None:
    text = "\n".join("这是一个用于测试分块大小参数的完整句子，包含足够的字数。" for _ in range(40))
    small = chunk_document(doc_of(text), target_chars=60, max_chars=90, min_chars=10)
    large = chunk_document(doc_of(text), target_chars=500, max_chars=800, min_chars=100)
    assert len(small) > len(large) > 1
    assert max(len(c.text) for c in small) <= 90


@pytest.mark.parametrize(("target", "max_chars", "min_chars"), [(200, 100, 40), (200, 320, 0), (30, 320, 40)])
def test_inconsistent_sizes_are_rejected(target: int, max_chars: int, min_chars: int) -> None:
    with pytest.raises(ValueError):
        chunk_document(doc_of("内容。"), target_chars=target, max_chars=max_chars, min_chars=min_chars)


def test_empty_and_heading_only_documents() -> None:
    assert chunk_document(doc_of("")) == []
    assert chunk_document(doc_of("# 标题\n## 一、总则")) == []


# --------------------------------------------------------------------------- ids


def test_ids_are_stable_and_source_dependent(seeds: dict[str, Document]) -> None:
    doc = seeds["001"]
    first = [c.id for c in chunk_document(doc)]
    assert first == [c.id for c in chunk_document(doc)]
    moved = Document(source="other/" + doc.source, title=doc.title, text=doc.text, meta=doc.meta)
    assert not set(first) & {c.id for c in chunk_document(moved)}


def test_ids_are_stable_across_processes(seeds: dict[str, Document]) -> None:
    """No per-process state (hash seeds, dict order) leaks into ids: a fresh interpreter agrees."""
    path = next(KB.glob("003_*.txt"))
    script = (
        "import json, sys; from pathlib import Path; from bot.kb.documents import load_document; "
        "from bot.kb.chunking import chunk_document; "
        f"print(json.dumps([c.id for c in chunk_document(load_document(Path({str(path)!r}), {path.name!r}))]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == [c.id for c in chunk_document(seeds["003"])]
