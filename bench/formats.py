"""What the loaders make of a real corpus, without a database: files read, files skipped grouped by reason.

    python bench/formats.py /work/corpus/python-docs/usr/share/doc/python3.11/html /work/corpus/node-docs/api

Prints, per folder: files, documents read, sections, characters of text, seconds, and the skip reasons
with how many files each (the first source of each as an example). A check that every dialect is read.
"""

import argparse
import sys
import time
from collections import Counter

from bot.errors import UnsupportedDocument
from ingestion import loaders
from ingestion.discovery import discover
from ingestion.reading import read_file

_MAX_BYTES = 20_000_000


def measure(folder: str) -> None:
    started = time.monotonic()
    discovery = discover(folder)
    reasons: Counter[str] = Counter()
    example: dict[str, str] = {}
    documents = sections = characters = 0
    for unusable in discovery.unusable:
        reasons[unusable.reason] += 1
        example.setdefault(unusable.reason, unusable.source)
    for candidate in discovery.candidates:
        try:
            document = loaders.load(read_file(candidate.path, _MAX_BYTES), name=candidate.source)
        except UnsupportedDocument as error:
            reason = str(error)[:120]
            reasons[reason] += 1
            example.setdefault(reason, candidate.source)
            continue
        documents += 1
        sections += len(document.sections)
        characters += sum(len(section.text) for section in document.sections)
    files = len(discovery.candidates) + len(discovery.unusable)
    print(f"{folder}: {files} files, {documents} read, {sum(reasons.values())} skipped, {sections} sections, "
          f"{characters:,} characters, {time.monotonic() - started:.1f} s")
    for reason, count in reasons.most_common():
        print(f"  {count:5d} skipped: {reason}  (e.g. {example[reason]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+")
    for folder in parser.parse_args().folders:
        measure(folder)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
