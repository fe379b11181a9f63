"""The answering service: question (+ history) → grounded answer with its sources, or an honest "not in the docs".

It only wires the stages, each a module that takes the previous one's result:

    retrieve.py → relevance.py → evidence.py → compose.py → verify.py → deliver.py
    (question,    (answer or     (sources cut  (sentences,   (each checked  (shown as they
     history →     abstain?)      into scored   written or    against the    pass, cleaned
     hits)                        units)        quoted)       sources)       for Slack)

The model is at most trusted to phrase an answer: whether to answer, what the sources are and which
sentences stand are decided from the collection and the retrieved text.
"""

import logging
import time
from collections.abc import Sequence

from langchain_core.messages import HumanMessage

from bot.answering import deliver as delivery
from bot.index import vocabulary
from bot.answering.compose import from_evidence, from_model
from bot.answering.evidence import gather
from bot.answering.llm import LLM, load_llm
from bot.answering.llm.local import LocalChatModel
from bot.answering.prompt import format_sources
from bot.answering.relevance import Judged, judge
from bot.answering.retrieve import RETRIEVE_CHUNKS, Retrieved, retrieve, search
from bot.index.search import Hit, Mode
from bot.answering.types import Answer, Progress, ProgressCallback, TokenCallback, Turn
from bot.answering.verify import verified
from bot.db.engine import Database
from bot.embeddings import Embedder, load_embedder
from bot.embeddings.query_memo import QueryMemo
from bot.settings import AnswerWriter, LLMBackend, Settings

logger = logging.getLogger(__name__)

EVIDENCE_SOURCES = 3  # documents a reply built from the evidence draws on
REMOTE_SOURCES = 4  # documents a remote writing model is given (llm/__init__.py's sources_in_prompt for remote backends)
WRITING_MODEL_PARAMETERS = 1_000_000_000  # a local model this large writes its own answers (under the check)


class AnswerService:
    """Implements `bot.answering.types.Answerer`. Models load on first use, once per process."""

    def __init__(self, settings: Settings, database: Database, *, embedder: Embedder | None = None, llm: LLM | None = None) -> None:
        self.settings = settings
        self.database = database
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

    @property
    def writer(self) -> LLM | None:
        """The model that writes replies, or None when the evidence itself is the reply."""
        choice = self.settings.answer_writer
        if choice is AnswerWriter.EVIDENCE:
            return None
        if choice is AnswerWriter.MODEL:
            return self.llm
        if self._llm is None and self.settings.llm_backend is LLMBackend.LOCAL and not self.settings.llm_model:
            return None  # the bundled 135M model invents facts: it doesn't write (and isn't loaded)
        size = self.llm.parameters  # None: a remote model
        return self.llm if size is None or size >= WRITING_MODEL_PARAMETERS else None

    def warm_up(self) -> None:
        """Loads the models now rather than on the first question (a local model also runs its slow first step),
        and counts the vocabulary of collections ingested before it was kept."""
        _ = self.embedder
        vocabulary.count_missing(self.database)
        writer = self.writer
        if writer is not None and isinstance(writer.model, LocalChatModel):
            writer.model.invoke([HumanMessage("Hi")], max_new_tokens=1)

    def search(self, query: str, *, collections: Sequence[str], k: int = 5, mode: Mode = "hybrid") -> list[Hit]:
        """The `k` best chunks for `query` in `collections`, best first, a few per document."""
        return search(self.database, self.embedder, query, collections, k, mode)

    def retrieve(self, question: str, *, collections: Sequence[str], history: Sequence[Turn] = (), k: int = RETRIEVE_CHUNKS) -> Retrieved:
        return retrieve(self.database, QueryMemo(self.embedder), question, collections, history, k)

    def judge(self, question: str, *, collections: Sequence[str], history: Sequence[Turn] = ()) -> Judged:
        return judge(self.retrieve(question, collections=collections, history=history))

    def model_context(self, judged: Judged) -> str:
        """The source text a writing model is given for this question (fenced and cut as in its prompt).

        The configured writer's number of sources, or a remote model's when the evidence writes: the ceiling
        of what a capable model could answer from. Measured also where relevance abstained ("" without hits).
        """
        if not judged.hits:
            return ""
        writer = self.writer
        evidence = gather(judged, QueryMemo(self.embedder), writer.sources_in_prompt if writer else REMOTE_SOURCES, for_model=True)
        return format_sources(evidence.sources, evidence)

    def answer(
        self,
        question: str,
        *,
        collections: Sequence[str],
        history: Sequence[Turn] = (),
        on_token: TokenCallback | None = None,
        on_progress: ProgressCallback | None = None,
        shown_in: str | None = None,
    ) -> Answer:
        """Answers from `collections` only, and of them only from documents that may be shown in `shown_in` (the
        Slack channel asked in). `on_token` gets the reply as it is shown, sentence by sentence; the pieces add up
        to `Answer.text` (nothing shown is taken back). `on_progress` hears of each step (the sources being read,
        then the reply being written and checked); an abstention has neither."""
        started = time.monotonic()
        embedder = QueryMemo(self.embedder)  # the question is embedded once for all the stages that use it
        judged = judge(retrieve(self.database, embedder, question, collections, history, shown_in=shown_in))
        if not judged.relevant:
            answer = delivery.abstain(judged, on_token)
        else:
            writer = self.writer
            evidence = gather(judged, embedder, writer.sources_in_prompt if writer else EVIDENCE_SOURCES, for_model=writer is not None)
            if on_progress is not None:
                on_progress(Progress("reading", tuple(delivery.citation(s.first, "") for s in evidence.sources)))
                on_progress(Progress("checking"))
            if writer:
                reply = from_model(evidence, writer)
                # A model that says the sources don't answer makes the reply an abstention (a knowledge gap).
                answer = delivery.deliver(verified(reply, evidence), evidence, on_token, by_model=True, declined=lambda: reply.declined)
            else:
                answer = delivery.deliver(verified(from_evidence(evidence), evidence), evidence, on_token)
        logger.info(
            "answered abstained=%s reason=%s replaced=%s sources=%d best_similarity=%.3f seconds=%.2f",
            answer.abstained, "the writing model declined" if answer.abstained and judged.relevant else judged.reason, answer.replaced_by_quotes, len(answer.citations),
            judged.retrieved.best_similarity, time.monotonic() - started,
        )
        return answer
