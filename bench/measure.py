"""Small measuring helpers shared by the benchmarks."""

import math
import resource
import statistics
import sys


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: share 0.5 is the median, 0.95 the 95th percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def say(message: str) -> None:
    """Progress for the person watching: stderr, so stdout stays the figures."""
    print(message, file=sys.stderr, flush=True)


def child_env() -> dict[str, str]:
    """The environment for a measured child process: offline (nothing downloads) and without progress bars."""
    import os

    quiet = {"HF_HUB_DISABLE_PROGRESS_BARS": "1", "TQDM_DISABLE": "1", "TRANSFORMERS_VERBOSITY": "error", "TOKENIZERS_PARALLELISM": "false"}
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **quiet}
