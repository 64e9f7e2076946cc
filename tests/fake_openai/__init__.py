"""A fake OpenAI-compatible chat server for tests (see server.py).

with FakeOpenAI() as llm:
    llm.push(Reply("能补，最多3.5万元[1]。"))
    settings = Settings(llm_base_url=llm.base_url, llm_model=llm.model)
"""

from .server import FakeOpenAI, Reply, Request, citing, is_condensing, passage_number, question_of, unchanged

__all__ = [
    "FakeOpenAI", "Reply", "Request", "citing", "is_condensing", "passage_number", "question_of", "unchanged",
]
