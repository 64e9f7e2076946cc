"""Optional answers from a language model, grounded in the knowledge base (docs/llm.md).

- `config`: the LLM_* settings as one record;
- `pipeline`: question → answer, through the model when configured, else extractively;
- `gate`, `figures`: the check every model answer passes (citations exist, figures are sourced);
- `breaker`: stop asking a failing endpoint for a while;
- `retriever`, `prompt`, `chain`: the LangChain side (BaseRetriever over the hybrid search,
  ChatOpenAI in runnable chains), imported only when a model is configured.
"""

from __future__ import annotations

from bot.config import Settings
from bot.llm.breaker import CircuitBreaker
from bot.llm.config import LLMConfig
from bot.llm.pipeline import AnswerPipeline, Outcome, SearchesKnowledge

__all__ = ["AnswerPipeline", "LLMConfig", "Outcome", "open_pipeline"]


def open_pipeline(settings: Settings, kb: SearchesKnowledge, *, use_model: bool = True) -> AnswerPipeline:
    """The product's answer pipeline: with a model client when LLM_BASE_URL is set (and `use_model`),
    else extractive only."""
    config = LLMConfig.from_settings(settings)
    if config is None or not use_model:
        return AnswerPipeline(kb)
    # Deferred import: langchain-openai and the OpenAI client load only when a model is configured.
    from bot.llm.chain import LLMClient

    return AnswerPipeline(kb, LLMClient(config), CircuitBreaker(config.max_failures, config.cooldown))
