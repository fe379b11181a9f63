"""`docbot search`, `ask`, `chat` and `eval`: the answering service from the terminal."""

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.answering.evaluation import load_cases, run_case, summarize
from bot.answering.evidence import source_label
from bot.index.search import resolve_collections
from bot.answering.service import AnswerService
from bot.answering.types import Answer, Turn
from bot.cli.context import cli_context
from bot.errors import NotFound

console = Console(soft_wrap=True)

_COLLECTIONS_HELP = "Collection to search; repeat for several (default: default) [env var: DOCBOT_COLLECTIONS, space-separated]"


def _collections_option() -> list[str]:
    return typer.Option([], "--collection", "-c", envvar="DOCBOT_COLLECTIONS", help=_COLLECTIONS_HELP, show_default=False)


def search(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="What to look for"),
    collection: list[str] = _collections_option(),
    k: int = typer.Option(5, "--k", min=1, max=100, help="How many chunks to show"),
    as_json: bool = typer.Option(False, "--json", help='A JSON list of {"source","title","heading","score","text"}, best first'),
) -> None:
    """Hybrid search (vector + full-text) over the ingested chunks."""
    service, collections = _service(ctx, collection)
    hits = service.search(query, collections=collections, k=k)
    if as_json:
        typer.echo(json.dumps([{"source": h.source, "title": h.title, "heading": h.heading, "score": round(h.score, 6), "text": h.text} for h in hits], ensure_ascii=False))
        return
    if not hits:
        console.print("No matching chunks.")
        return
    for rank, hit in enumerate(hits, start=1):
        similarity = "" if hit.similarity is None else f", similarity {hit.similarity:.3f}"
        console.print(f"[bold]{rank}. {escape(hit.source)}[/bold] — {escape(hit.heading or hit.title)}  (score {hit.score:.4f}{similarity})", highlight=False)
        console.print("   " + escape(" ".join(hit.text.split())[:300]), highlight=False)


def ask(
    ctx: typer.Context,
    question: str = typer.Argument(..., help="The question"),
    collection: list[str] = _collections_option(),
    as_json: bool = typer.Option(False, "--json", help='{"answer", "sources": [{"source","title","url"}]}'),
) -> None:
    """Answer one question from the documents, with its sources."""
    service, collections = _service(ctx, collection)
    if as_json:
        answer = service.answer(question, collections=collections)
        sources = [{"source": c.source, "title": c.title, "url": c.url} for c in answer.citations]
        typer.echo(json.dumps({"answer": answer.text, "sources": sources}, ensure_ascii=False))
        return
    print_sources(answer_streamed(service, question, collections, ()))


def chat(
    ctx: typer.Context,
    collection: list[str] = _collections_option(),
) -> None:
    """A conversation in the terminal: follow-up questions use what was said before. Ctrl-D or `exit` ends it."""
    service, collections = _service(ctx, collection)
    history: list[Turn] = []
    console.print(f"Asking {', '.join(collections)}. Ctrl-D or `exit` ends the conversation.")
    while True:
        try:
            question = console.input("[bold]you>[/bold] ").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if question.lower() in {"exit", "quit"}:
            return
        if not question:
            continue
        answer = answer_streamed(service, question, collections, history)
        print_sources(answer)
        history += [Turn("user", question), Turn("assistant", answer.text)]


def evaluate(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="JSONL questions: id, question, sources, answer_keywords, kind, thread", exists=False),
    collection: list[str] = _collections_option(),
    k: int = typer.Option(5, "--k", min=1, max=50, help="Documents that count for hit@k and MRR"),
    no_answers: bool = typer.Option(False, "--no-answers", help="Retrieval and abstention only: don't generate answers"),
    as_json: bool = typer.Option(False, "--json", help='One JSON line per question, then {"summary": {...}}'),
) -> None:
    """Measure retrieval (hit@k, MRR), answers (keyword recall, latency) and abstention on a question set."""
    cases = load_cases(file)
    service, collections = _service(ctx, collection)
    results = []
    for case in cases:
        result = run_case(service, case, collections, k, answers=not no_answers)
        results.append(result)
        if as_json:
            typer.echo(json.dumps(result.line(), ensure_ascii=False))
            sys.stdout.flush()
    summary = summarize(results, k)
    if as_json:
        typer.echo(json.dumps({"summary": summary}))
        return
    table = Table("id", "kind", "rank", "best sim", "abstained", "keywords", "first token s", "answer s")
    for r in results:
        keywords = f"{len(r.keywords_found)}/{len(r.case.answer_keywords)}" if r.answer is not None and r.case.answer_keywords else ""
        table.add_row(
            r.case.id, r.case.kind, str(r.rank or "-") if r.case.answerable else "", f"{r.best_similarity:.3f}",
            "yes" if r.abstained else "", keywords,
            _seconds(r.first_token_seconds), _seconds(r.answer_seconds),
        )
    console.print(table)
    for key, value in summary.items():
        console.print(f"{key}: {value if value is not None else '-'}")


def _service(ctx: typer.Context, collection: list[str]):

    context = cli_context(ctx)
    database = context.database()
    collections = _split(collection) or ["default"]
    known = {c.name for c in resolve_collections(database, collections)}
    missing = [name for name in collections if name not in known]
    if missing:
        raise NotFound(f"No collection named {', '.join(missing)}; `docbot collections` lists them, `docbot ingest` creates one.")
    return AnswerService(context.settings, database), collections


def _split(values: list[str]) -> list[str]:
    """--collection a --collection b, or DOCBOT_COLLECTIONS="a b"."""
    return list(dict.fromkeys(name for value in values for name in value.split()))


def answer_streamed(service, question: str, collections: list[str], history) -> Answer:
    """Prints the reply as it is shown, sentence by sentence: every sentence printed has passed the check."""
    def show(piece: str) -> None:
        console.print(piece, end="", markup=False, highlight=False)

    answer = service.answer(question, collections=collections, history=history, on_token=show)
    console.print()
    return answer


def print_sources(answer: Answer) -> None:
    if answer.citations:
        console.print("[bold]Sources:[/bold]")
        for number, citation in enumerate(answer.citations, start=1):
            where = source_label(citation.title, citation.heading, citation.source)
            link = f" {citation.url}" if citation.url else ""
            console.print(f"  [{number}] {escape(where)} ({escape(citation.source)}){escape(link)}", highlight=False)


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"
