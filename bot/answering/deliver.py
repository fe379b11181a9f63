"""Stage 6, deliver: verified sentences become the reply's text, shown as they come, and its citations.

This is the one place text is made safe for Slack (safety.py): broadcasts and user mentions are taken
out, and links the sources don't carry. Sources are numbered in the order the reply first cites them.

Layout: with the evidence as the writer, the lead unit is a paragraph of its own and the others follow
as a list. After a model's sentences, the units follow under "From the sources:" as quotes; if none of
the model's sentences passed, the units are the reply, as with the evidence writer.
"""

from collections.abc import Callable, Iterable

from bot.answering.compose import Sentence
from bot.answering.evidence import Evidence, Source
from bot.answering.relevance import Judged
from bot.index.search import Hit
from bot.answering.safety import clean_answer, strip_mentions, urls_in
from bot.answering.types import Answer, Citation, TokenCallback

QUOTES_HEADER = "From the sources:"
ABSTAINED_TEXT = (
    "I couldn't find this in the documents I can search, so I won't guess. "
    "The closest sources are listed below; they may help, but they don't answer it."
)
NOTHING_VERIFIED_TEXT = "I couldn't put together an answer these sources support."
CLOSEST_SOURCES = 3


class Delivery:
    def __init__(self, evidence: Evidence, on_token: TokenCallback | None, by_model: bool = False, declined: Callable[[], bool] = lambda: False) -> None:
        self.evidence = evidence
        self.declined = declined  # asked once the sentences are done: did the writing model decline?
        self.by_model = by_model
        self.on_token = on_token
        self.allowed_links = urls_in([s.text for s in evidence.sources] + [s.first.url for s in evidence.sources])
        self.numbers: dict[int, int] = {}  # source number in the evidence → number shown
        self.quotes: dict[int, list[str]] = {}
        self.shown = ""
        self.written = 0  # a model's sentences shown
        self.quoted = 0

    def run(self, sentences: Iterable[Sentence]) -> Answer:
        for sentence in sentences:
            self._show(sentence)
        if not self.shown and self.declined():
            return abstain(self.evidence.judged, self.on_token)
        if not self.shown:
            self._emit(NOTHING_VERIFIED_TEXT)
        return Answer(
            text=self.shown,
            citations=self._citations(),
            replaced_by_quotes=self.by_model and self.written == 0,
        )

    def _show(self, sentence: Sentence) -> None:
        plain = " ".join(clean_answer(sentence.text, self.allowed_links).split())
        if not plain:
            return
        text = with_marks(plain, [self._number(s) for s in sentence.sources])
        if not sentence.quoted:
            self._emit(f"{' ' if self.shown else ''}{text}")
            self.written += 1
            return
        for source in sentence.sources:
            self.quotes.setdefault(source.number, []).append(plain)
        if self.written:  # quotes under a model's answer
            header = "" if self.quoted else f"\n\n{QUOTES_HEADER}"
            self._emit(f"{header}\n> {text}")
        elif not self.quoted:  # the lead unit
            self._emit(text)
        else:  # the units after it, as a list
            gap = "\n\n" if self.quoted == 1 else "\n"
            self._emit(f"{gap}• {text}")
        self.quoted += 1

    def _number(self, source: Source) -> int:
        return self.numbers.setdefault(source.number, len(self.numbers) + 1)

    def _emit(self, piece: str) -> None:
        self.shown += piece
        if self.on_token and piece:
            self.on_token(piece)

    def _citations(self) -> list[Citation]:
        """The sources in the order the reply cites them, then the others the reply was drawn from."""
        for source in self.evidence.sources:
            self._number(source)
        by_number = {s.number: s for s in self.evidence.sources}
        return [
            citation(by_number[number].first, " … ".join(self.quotes.get(number, [])))
            for number, _ in sorted(self.numbers.items(), key=lambda item: item[1])
        ]


def with_marks(text: str, numbers: list[int]) -> str:
    """"… end of March [1]." : citation marks go before the sentence's final punctuation."""
    if not numbers:
        return text
    marks = " ".join(f"[{n}]" for n in numbers)
    body, end = (text[:-1], text[-1]) if text[-1] in ".!?:" else (text, "")
    return f"{body} {marks}{end}"


def deliver(
    sentences: Iterable[Sentence], evidence: Evidence, on_token: TokenCallback | None = None, *, by_model: bool = False,
    declined: Callable[[], bool] = lambda: False,
) -> Answer:
    """`declined`: asked after the sentences: whether the writing model said the sources don't answer (then,
    with nothing shown, the reply is an abstention)."""
    return Delivery(evidence, on_token, by_model, declined).run(sentences)


def abstain(judged: Judged, on_token: TokenCallback | None = None) -> Answer:
    """The documents don't answer it: say so, and list the closest sources (no quotes: they don't answer)."""
    closest: dict[int, Hit] = {}
    for hit in judged.hits:
        if len(closest) < CLOSEST_SOURCES:
            closest.setdefault(hit.document_id, hit)
    if on_token:
        on_token(ABSTAINED_TEXT)
    return Answer(text=ABSTAINED_TEXT, citations=[citation(h, "") for h in closest.values()], abstained=True)


def citation(hit: Hit, quote: str) -> Citation:
    title = strip_mentions(hit.title or hit.source)
    return Citation(source=hit.source, title=title, heading=section(title, strip_mentions(hit.heading)), url=hit.url, quote=quote)


def section(title: str, heading_path: str) -> str:
    """The heading path below the title: ingestion starts it with the document's title, a citation shows that once."""
    if heading_path == title:
        return ""
    prefix = title + " > "
    return heading_path[len(prefix):] if heading_path.startswith(prefix) else heading_path
