"""bench/check_evalsets.py on the committed team handbook: its set agrees with its pages, and a broken case is named."""

from pathlib import Path

from bench.check_evalsets import case_problems, duplicate_ids
from bench.quality import fetch_corpus
from bot.answering.evaluation import Case, load_cases

EVAL_DIR = Path(__file__).resolve().parents[2] / "bench" / "eval"


def test_team_handbook_sources_exist_and_hold_every_keyword(tmp_path):
    folder = fetch_corpus(EVAL_DIR, "team-handbook", tmp_path)
    cases = load_cases(EVAL_DIR / "team-handbook.jsonl")

    assert [problem for case in cases for problem in case_problems(case, folder)] + duplicate_ids(cases) == []
    assert sum(case.answerable for case in cases) >= 30
    assert sum(not case.answerable for case in cases) == 5


def test_missing_source_and_absent_keyword_are_reported(tmp_path):
    folder = fetch_corpus(EVAL_DIR, "team-handbook", tmp_path)
    missing = Case("m", "q", ("no-such-page.md",), ("x",), "single")
    absent = Case("a", "q", ("vpn.md",), ("Tailscale", "OpenVPN 9000"), "single")
    unanswerable_with_sources = Case("u", "q", ("vpn.md",), (), "unanswerable")

    assert case_problems(missing, folder) == [f"m: source no-such-page.md not in {folder}"]
    assert case_problems(absent, folder) == ["a: keyword 'OpenVPN 9000' not in the text of vpn.md"]
    assert case_problems(unanswerable_with_sources, folder) == ["u: unanswerable but lists sources or keywords"]
    assert duplicate_ids([missing, missing]) == ["m: id used more than once"]
