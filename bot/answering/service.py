"""The answering service: question (+ history) → grounded answer with its sources, or an honest "not in the docs".

    rewrite (history) → hybrid retrieval → abstain? → prompt with the top sources → stream the model
    → clean (mentions, links) → support check → answer + supporting quotes, or the quotes instead

The model is only trusted to phrase an answer: whether to answer, which sources are shown and whether
the answer stands are decided here, from retrieval scores and the retrieved text.
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.runnables import Runnable, RunnableLambda

from bot.answering import compose
from bot.answering.guard import Relevance, best_similarity, check_support
from bot.answering.llm import LLM, load_llm
from bot.answering.llm.streaming import stream_answer
from bot.answering.prompt import Source, format_sources, number_sources, prompt_for, prompt_question
from bot.answering.quotes import best_sentences
from bot.answering.retriever import Hit, HybridRetriever, Mode, hybrid_search
from bot.answering.rewrite import Standalone, rewrite
from bot.answering.safety import SafeStream, clean_answer, urls_in
from bot.answering.types import Answer, TokenCallback, Turn
from bot.db.engine import Database
from bot.embeddings import Embedder, load_embedder
from bot.settings import Settings

logger = logging.getLogger(__name__)

RETRIEVE_CHUNKS = 8  # enough for the prompt's sources and for "the closest sources" when abstaining


@dataclass(frozen=True)
class Retrieval:
    standalone: Standalone
    hits: list[Hit]
    best_similarity: float
    relevant: bool  # False: the docs don't answer this, abstain


class AnswerService:
    """Implements `bot.answering.types.Answerer`. Models load on first use, once per process."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        *,
        embedder: Embedder | None = None,
        llm: LLM | None = None,
        relevance: Relevance = Relevance(),
    ) -> None:
        self.settings = settings
        self.database = database
        self.relevance = relevance
        self._embedder = embedder
        self._llm = llm

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = load_embedder(self.settings)
        return self._embedder

    @property
    def llm(self) -> LLM:
        if self._llm is None:
            self._llm = load_llm(self.settings)
        return self._llm

    def warm_up(self) -> None:
        """Loads the models now rather than on the first question (a local model also runs its slow first step)."""
        from langchain_core.messages import HumanMessage

        from bot.answering.llm.local import LocalChatModel

        _ = self.embedder
        if isinstance(self.llm.model, LocalChatModel):
            self.llm.model.invoke([HumanMessage("Hi")], max_new_tokens=1)

    def retriever(self, collections: Sequence[str], k: int = RETRIEVE_CHUNKS, mode: Mode = "hybrid") -> HybridRetriever:
        return HybridRetriever(database=self.database, embedder=self.embedder, collections=list(collections), k=k, mode=mode)

    def search(self, query: str, *, collections: Sequence[str], k: int = 5, mode: Mode = "hybrid") -> list[Hit]:
        """The `k` best chunks for `query` in `collections`, best first."""
        return hybrid_search(self.database, self.embedder, query, collections, limit=k, mode=mode)

    def retrieval_chain(self, collections: Sequence[str], k: int = RETRIEVE_CHUNKS) -> Runnable:
        """{"question", "history"} → Retrieval, as LangChain runnables: rewrite | retriever | relevance."""
        retriever = self.retriever(collections, k)

        def retrieve(standalone: Standalone) -> Retrieval:
            hits = [Hit.from_document(d) for d in retriever.invoke(standalone.search)]
            best = best_similarity(hits)
            return Retrieval(standalone, hits, best, relevant=bool(hits) and self.relevance.relevant(hits))

        return rewrite | RunnableLambda(retrieve, name="retrieve")

    def retrieve(self, question: str, *, collections: Sequence[str], history: Sequence[Turn] = (), k: int = RETRIEVE_CHUNKS) -> Retrieval:
        return self.retrieval_chain(collections, k).invoke({"question": question, "history": list(history)})

    def answer(
        self,
        question: str,
        *,
        collections: Sequence[str],
        history: Sequence[Turn] = (),
        on_token: TokenCallback | None = None,
    ) -> Answer:
        """Answers from `collections` only. `on_token` gets the answer as it is written; the returned
        `Answer.text` is the final word (it adds the quotes, or replaces an unsupported draft)."""
        started = time.monotonic()
        retrieval = self.retrieve(question, collections=collections, history=history)
        if not retrieval.relevant:
            answer = compose.abstention(retrieval.hits)
            _emit(on_token, answer.text)
            logger.info("answered abstained=true best_similarity=%.3f seconds=%.2f", retrieval.best_similarity, time.monotonic() - started)
            return answer
        answer = self._generate(retrieval, on_token)
        logger.info(
            "answered abstained=false replaced=%s sources=%d best_similarity=%.3f seconds=%.2f",
            answer.replaced_by_quotes, len(answer.citations), retrieval.best_similarity, time.monotonic() - started,
        )
        return answer

    def _generate(self, retrieval: Retrieval, on_token: TokenCallback | None) -> Answer:
        llm = self.llm
        sources = self._prompt_sources(retrieval.hits, llm.sources_in_prompt)
        allowed_links = urls_in([s.text for s in sources] + [s.first.url for s in sources])
        safe = SafeStream(allowed_links)
        inputs = {
            "sources": format_sources(sources),
            "question": prompt_question(retrieval.standalone.question, retrieval.standalone.context),
        }
        draft = stream_answer(llm, prompt_for(llm.chat), inputs, on_piece=lambda piece: _emit(on_token, safe.feed(piece)))
        _emit(on_token, safe.flush())
        draft = compose.keep_known_citations(clean_answer(draft, allowed_links), len(sources)).strip()
        # Two sentences from the best source (an answer often spans two), one from each other source.
        quotes = best_sentences(retrieval.standalone.search, [s.text for s in sources], self.embedder, per_text=[2])
        evidence = [f"{s.first.title} {s.first.heading} {s.text}" for s in sources]
        support = check_support(draft, evidence, retrieval.standalone.search)
        cited = compose.citations(sources, quotes)
        if not support.supported:
            logger.info("answer replaced by quotes unsupported_terms=%d", len(support.unsupported))
            logger.debug("answer replaced by quotes reason=%s", support.reason)
            return Answer(text=compose.quotes_instead(sources, quotes), citations=cited, replaced_by_quotes=True)
        text = compose.with_quotes(draft, sources, quotes)
        _emit(on_token, text[len(draft):])
        return Answer(text=text, citations=cited)

    def _prompt_sources(self, hits: Sequence[Hit], limit: int) -> list[Source]:
        """The top documents: the first, then those with a chunk relevant in its own right (a stray source
        misleads), each with all its retrieved chunks."""
        floor = self.relevance.min_similarity
        documents = {hits[0].document_id} | {h.document_id for h in hits if (h.similarity or 0.0) >= floor}
        return number_sources([h for h in hits if h.document_id in documents], limit)


def _emit(on_token: TokenCallback | None, piece: str) -> None:
    if on_token and piece:
        on_token(piece)
