"""PDF text extractors side by side on real PDFs: pypdfium2 (PDFium), pdfminer.six and pypdf, and docbot's loader.

    python bench/pdf_extractors.py /tmp/pdf/*.pdf            # the first 40 pages of each
    python bench/pdf_extractors.py --pages 0 --extractors pypdfium2,pypdf manual.pdf   # every page

Prints, per PDF and extractor: seconds, words, glued words per 1,000 words, the share of ~150-word windows
(about one chunk) holding a glued word, ligature characters left (ﬁ, ﬂ…), and words hyphenated across a
line end. A glued word is a run of letters that is no word of the embedding model's vocabulary but splits
into three or more of them, one a function word, the others four letters at least ("installationofuploadedfiles"),
or into two function words ("ofthe"); a word hyphenated
across a line end is "instal-" then "lation" on the next line. The vocabulary is the bundled model's
WordPiece vocabulary, so the check owes nothing to any one PDF.
"""

import argparse
import io
import logging
import re
import time
from collections.abc import Callable
from functools import lru_cache

import pypdf
import pypdfium2
from pdfminer.high_level import extract_text as pdfminer_text

from bot.embeddings import bundled_model_path
from ingestion.loaders import pdf as docbot_pdf

_WINDOW_WORDS = 150
_FUNCTION_WORDS = frozenset(
    "a an and are as at be by can do for from has have if in into is it its no not of on or that the their then "
    "there these this to was when which will with you your".split()
)
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\S")
_LIGATURES = re.compile("[\ufb00-\ufb06]")
# PDFium marks a hyphen that ends a line with U+FFFE and leaves it to the reader to join the word.
_HYPHEN_BREAK = re.compile(r"([^\W\d_]+)(?:-[ \t]*\r?\n|\ufffe)[ \t]*([^\W\d_]+)")
_MIN_GLUED = 6
_MIN_PIECE = 4  # other than function words, a glued run's words are this long at least ("de"+"bian" is no glue)


def pdfium_pages(data: bytes, pages: int) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    try:
        return [document[index].get_textpage().get_text_range() for index in range(_count(len(document), pages))]
    finally:
        document.close()


def pypdf_pages(data: bytes, pages: int) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [reader.pages[index].extract_text() or "" for index in range(_count(len(reader.pages), pages))]


def pdfminer_pages(data: bytes, pages: int) -> list[str]:
    total = len(pypdf.PdfReader(io.BytesIO(data)).pages)
    text = pdfminer_text(io.BytesIO(data), page_numbers=set(range(_count(total, pages))))
    return text.split("\x0c")[:_count(total, pages)]


def docbot_pages(data: bytes, pages: int) -> list[str]:
    by_page: dict[int, list[str]] = {}
    for section in docbot_pdf.load(data, name="bench.pdf").sections:
        by_page.setdefault(section.metadata["page"], []).append(section.text)
    count = _count(max(by_page), pages)
    return ["\n".join(by_page.get(number, [])) for number in range(1, count + 1)]


EXTRACTORS: dict[str, Callable[[bytes, int], list[str]]] = {
    "pypdfium2": pdfium_pages, "pdfminer.six": pdfminer_pages, "pypdf": pypdf_pages, "docbot loader": docbot_pages,
}


@lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    lines = (bundled_model_path() / "vocab.txt").read_text(encoding="utf-8").split("\n")
    return frozenset(line for line in lines if line.isalpha())


def is_glued(word: str) -> bool:
    word = word.lower()
    if len(word) < _MIN_GLUED or not word.isalpha() or word in vocabulary():
        return False
    return _segments(word, 0, 0, 0)


@lru_cache(maxsize=100_000)
def _segments(word: str, start: int, pieces: int, function_words: int) -> bool:
    """Whether word[start:] ends a run of vocabulary words that reads as glue: three words or more, one of
    them a function word, the others long ("theshellprompt"), or two function words ("ofthe")."""
    if start == len(word):
        return function_words > 0 and (pieces >= 3 or function_words == pieces)
    for end in range(len(word), start, -1):
        piece = word[start:end]
        is_function_word = piece in _FUNCTION_WORDS
        if start == 0 and end == len(word) or not (is_function_word or len(piece) >= _MIN_PIECE) or piece not in vocabulary():
            continue
        if _segments(word, end, pieces + 1, function_words + is_function_word):
            return True
    return False


def measure(pages: list[str]) -> dict[str, float]:
    text = "\n".join(pages)
    words = [token for token in _TOKEN.findall(text) if token[0].isalpha()]
    glued = [is_glued(word) for word in words]
    windows = [any(glued[start:start + _WINDOW_WORDS]) for start in range(0, len(words), _WINDOW_WORDS)]
    breaks = [m for m in _HYPHEN_BREAK.finditer(text) if (m.group(1) + m.group(2)).lower() in vocabulary()]
    return {
        "words": len(words),
        "glued_per_1000": 1000 * sum(glued) / max(len(words), 1),
        "windows_glued": sum(windows) / max(len(windows), 1),
        "ligatures": len(_LIGATURES.findall(text)),
        "hyphen_breaks": len(breaks),
        "empty_pages": sum(1 for page in pages if not page.strip()),
    }


def _count(total: int, wanted: int) -> int:
    return total if wanted <= 0 else min(total, wanted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pdfs", nargs="+")
    parser.add_argument("--pages", type=int, default=40, help="first N pages of each PDF (0: all)")
    parser.add_argument("--examples", type=int, default=0, help="print this many glued words per extractor")
    parser.add_argument("--extractors", default=",".join(EXTRACTORS), help="comma-separated, of: " + ", ".join(EXTRACTORS))
    arguments = parser.parse_args()
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its font warnings would interleave with the table
    chosen = {name: EXTRACTORS[name] for name in arguments.extractors.split(",")}
    print(f"{'pdf':28} {'extractor':14} {'pages':>5} {'s':>6} {'words':>7} {'glued/1k':>8} {'windows glued':>13} "
          f"{'ligatures':>9} {'hyphen breaks':>13} {'empty':>5}")
    for path in arguments.pdfs:
        data = open(path, "rb").read()
        for name, extract in chosen.items():
            started = time.monotonic()
            pages = extract(data, arguments.pages)
            seconds = time.monotonic() - started
            figures = measure(pages)
            print(f"{path.rsplit('/', 1)[-1][:28]:28} {name:14} {len(pages):5d} {seconds:6.2f} {figures['words']:7d} "
                  f"{figures['glued_per_1000']:8.2f} {figures['windows_glued']:13.0%} {figures['ligatures']:9d} "
                  f"{figures['hyphen_breaks']:13d} {figures['empty_pages']:5d}", flush=True)
            if arguments.examples:
                glued = [w for w in _TOKEN.findall("\n".join(pages)) if is_glued(w)]
                print("    e.g.", ", ".join(glued[:arguments.examples]))


if __name__ == "__main__":
    main()
