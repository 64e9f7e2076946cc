"""The prompts: the grounded answer, and the condensing of a follow-up into a standalone question.

They are in Chinese because the answer must be, and local Chinese models (Qwen, DeepSeek) follow
Chinese instructions best. docs/llm.md quotes them and explains each rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.documents import Document
from langchain_core.prompts import ChatPromptTemplate

from bot.llm.gate import REFUSAL

ANSWER_SYSTEM = f"""你是乡村政策助手，回答村民关于政策的问题。只能根据下面编号的资料回答，不能用资料以外的知识。
要求：
1. 用一两句大白话回答，像跟村里老乡说话，不超过80个字。先说结论（能不能、多少钱、找谁办），不要标题、列表和客套话。
2. 每句话后面用方括号写上依据的资料编号，例如[1]。
3. 金额、比例、日期、年龄、期限、电话号码必须和资料里写的一模一样，不能自己换算，不能编。
4. 如果这些资料回答不了这个问题，只回复：{REFUSAL}。"""

ANSWER_HUMAN = "资料：\n{passages}\n\n问题：{question}"

CONDENSE_SYSTEM = """下面是村民和助手最近的对话，以及村民的新问题。
如果新问题是接着前面的话题问的（比如“那要带啥材料？”“找谁办？”），把它改写成一个不看对话也能看懂的完整问题，补上前面说的是哪项政策；如果新问题本身已经完整，原样输出。
只输出改写后的问题，不要回答它。"""

CONDENSE_HUMAN = "对话：\n{history}\n\n新问题：{question}"


def answer_prompt() -> ChatPromptTemplate:
    return ChatPromptTemplate.from_messages([("system", ANSWER_SYSTEM), ("human", ANSWER_HUMAN)])


def condense_prompt() -> ChatPromptTemplate:
    return ChatPromptTemplate.from_messages([("system", CONDENSE_SYSTEM), ("human", CONDENSE_HUMAN)])


def passage_text(doc: Document) -> str:
    """A passage as the model and the gate see it: title and section, then the text."""
    meta = doc.metadata
    head = f"《{meta.get('title', '')}》" + (f" {meta['section']}" if meta.get("section") else "")
    return f"{head}\n{doc.page_content}"


def format_passages(docs: Sequence[Document]) -> str:
    return "\n\n".join(f"[{n}] {passage_text(doc)}" for n, doc in enumerate(docs, 1))


def format_history(turns: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"村民：{q}\n助手：{a}" for q, a in turns)
