"""The local LLM backend (LLM_BACKEND=local, the bundled SmolLM2-135M-Instruct): load time, first token, tokens/s.

    python -m bench.llm [--runs 3]

Cold load: an empty model cache, so the GGUF is de-quantized and saved once (what a fresh install pays on
its first question). Cached load: a new process loading the saved model. Both run in their own process
and count from the call that builds the model, not Python's start-up. Then, in the cached process,
`--runs` answers to docbot's real prompt with two numbered sources (greedy, up to the backend's 120 new
tokens): time to the first streamed piece and decode rate after it.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import child_env, median, peak_rss_mb, say

REPO = Path(__file__).resolve().parents[1]

SOURCES = '''[1] pathlib — Object-oriented filesystem paths > Path.mkdir
"""
Path.mkdir(mode=0o777, parents=False, exist_ok=False)
Create a new directory at this given path. If mode is given, it is combined with the process' umask value to
determine the file mode and access flags. If the path already exists, FileExistsError is raised.
If parents is true, any missing parents of this path are created as needed; they are created with the default
permissions without taking mode into account (mimicking the POSIX mkdir -p command).
If parents is false (the default), a missing parent raises FileNotFoundError.
If exist_ok is false (the default), FileExistsError is raised if the target directory already exists.
If exist_ok is true, FileExistsError will not be raised unless the given path already exists in the file
system and is not a directory (same behavior as the POSIX mkdir -p command).
"""

[2] os — Miscellaneous operating system interfaces > os.makedirs
"""
os.makedirs(name, mode=0o777, exist_ok=False)
Recursive directory creation function. Like mkdir(), but makes all intermediate-level directories needed to
contain the leaf directory. If exist_ok is False (the default), a FileExistsError is raised if the target
directory already exists.
"""'''
QUESTION = "what's the pathlib way to do `mkdir -p`? I want the whole nested folder chain created and no error if it's already there"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "phase":
        print(json.dumps(run_phase(json.loads(sys.argv[2]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="answers generated for the first-token and tokens/s figures")
    args = parser.parse_args()
    cache = Path(tempfile.mkdtemp(prefix="docbot-llm-bench-"))
    try:
        say("cold load (de-quantizing the GGUF into an empty model cache) ...")
        cold = phase({"cache": str(cache), "runs": 0})
        say(f"  {cold['load_seconds']} s")
        say(f"cached load and {args.runs} answers ...")
        warm = phase({"cache": str(cache), "runs": args.runs})
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    print(f"\nlocal LLM: {warm['model']} on {warm['threads']} torch threads")
    print(f"{'load, cold (first ever, de-quantize + save)':<46} {cold['load_seconds']:>8.2f} s")
    print(f"{'load, cached (a new process)':<46} {warm['load_seconds']:>8.2f} s")
    print(f"{'prompt tokens (2 sources + question)':<46} {warm['prompt_tokens']:>8}")
    print(f"{'first token, median of ' + str(args.runs):<46} {warm['first_token_s']:>8.2f} s")
    print(f"{'decode tokens/s, median of ' + str(args.runs):<46} {warm['tokens_per_s']:>8.1f}")
    print(f"{'whole answer s, median (' + str(warm['new_tokens']) + ' tokens)':<46} {warm['answer_s']:>8.2f} s")
    print(f"{'peak RSS MB: cold load / cached + answers':<46} {cold['peak_rss_mb']:>5} / {warm['peak_rss_mb']}")


def phase(params: dict) -> dict:
    command = [sys.executable, "-m", "bench.llm", "phase", json.dumps(params)]
    done = subprocess.run(command, cwd=REPO, env=child_env(), stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the LLM phase failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_phase(params: dict) -> dict:
    import torch

    from bot.answering.llm import load_llm
    from bot.answering.prompt import prompt_for
    from bot.settings import load_settings

    settings = load_settings(docbot_model_cache=params["cache"])
    started = time.perf_counter()
    llm = load_llm(settings)
    result = {"load_seconds": round(time.perf_counter() - started, 2), "model": llm.name, "threads": torch.get_num_threads()}
    if params["runs"]:
        messages = prompt_for(True).format_messages(sources=SOURCES, question=QUESTION)
        tokenizer = llm.model.tokenizer
        chat = [{"role": {"system": "system", "human": "user"}[m.type], "content": m.content} for m in messages]
        result["prompt_tokens"] = len(tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=True, return_dict=True)["input_ids"])
        firsts, rates, totals, counts = [], [], [], []
        for _ in range(params["runs"]):
            first, pieces, started = None, [], time.perf_counter()
            for chunk in llm.model.stream(messages):
                if chunk.content and first is None:
                    first = time.perf_counter()
                pieces.append(chunk.content)
            ended = time.perf_counter()
            tokens = len(tokenizer("".join(pieces), add_special_tokens=False)["input_ids"])
            firsts.append(first - started)
            rates.append((tokens - 1) / (ended - first) if tokens > 1 else 0.0)
            totals.append(ended - started)
            counts.append(tokens)
        result.update(
            first_token_s=round(median(firsts), 2), tokens_per_s=round(median(rates), 1),
            answer_s=round(median(totals), 2), new_tokens=int(median(counts)),
        )
    result["peak_rss_mb"] = round(peak_rss_mb())
    return result


if __name__ == "__main__":
    main()
