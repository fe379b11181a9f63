"""Grouping questions by meaning: cosine similarity of their embeddings, with a threshold read off the data.

No fixed similarity cut-off: what counts as "the same question" depends on the model and on the questions.
The threshold is the larger of two figures taken from the similarities themselves:

- the background: most pairs of questions are about different things, so the bulk of the pairwise
  similarities describes unrelated pairs; a pair beyond Tukey's "far out" fence (three interquartile ranges
  above the upper quartile) doesn't belong to that bulk. The fence assumes no particular distribution, which
  matters: the similarities' upper tail is long (questions on neighbouring topics), and a normal-theory rule
  such as median + 3 sigma grouped a third of 85 distinct eval questions where this fence groups 4;
- Otsu's split of the pairwise similarities: the cut that best separates them into two classes (close pairs
  and the rest), so a clear gap between paraphrases and unrelated pairs is where the line goes.

Questions are then grouped greedily: the question with the most neighbours above the threshold leads a group;
its neighbours join, closest first, while their average similarity to the group stays above the threshold
(so a question close to the leader only by a shared word doesn't drag in a topic of its own); repeat.
Largest group first; the leader is the group's example.
"""

from dataclasses import dataclass

import numpy as np

# Below this many pairs the background can't be estimated: every question stays its own group.
_MIN_PAIRS = 3
_FAR_OUT_IQRS = 3.0  # Tukey's fence for "far out" values (1.5 marks mere outliers)


@dataclass(frozen=True)
class Grouping:
    groups: list[list[int]]  # indexes into the questions, each group's leader first; largest group first
    threshold: float | None  # None when there were too few questions to estimate one


def group_by_meaning(vectors: np.ndarray, background: np.ndarray | None = None) -> Grouping:
    """Groups rows of `vectors` (unit-length embeddings); `background`: more questions, unrelated on the whole."""
    count = len(vectors)
    if count == 0:
        return Grouping([], None)
    similarity = vectors @ vectors.T
    pairs = similarity[np.triu_indices(count, 1)]
    pool = pairs if background is None or not len(background) else np.concatenate([pairs, (vectors @ background.T).ravel()])
    if len(pool) < _MIN_PAIRS:
        return Grouping([[i] for i in range(count)], None)
    threshold = max(background_threshold(pool), otsu_threshold(pairs) if len(pairs) >= _MIN_PAIRS else -1.0)
    return Grouping(_greedy_groups(similarity, threshold), float(threshold))


def background_threshold(similarities: np.ndarray) -> float:
    lower, upper = np.percentile(similarities, [25, 75])
    return float(upper + _FAR_OUT_IQRS * (upper - lower))


def otsu_threshold(values: np.ndarray) -> float:
    """The cut between sorted values that maximises the between-class variance (Otsu's method, exactly)."""
    ordered = np.sort(values.astype(np.float64))
    n = len(ordered)
    prefix = np.cumsum(ordered)
    low = np.arange(1, n)  # sizes of the lower class for each cut
    mean_low = prefix[:-1] / low
    mean_high = (prefix[-1] - prefix[:-1]) / (n - low)
    between = low * (n - low) * (mean_low - mean_high) ** 2
    best = int(np.argmax(between))
    return float((ordered[best] + ordered[best + 1]) / 2)


def _greedy_groups(similarity: np.ndarray, threshold: float) -> list[list[int]]:
    close = similarity >= threshold
    np.fill_diagonal(close, False)
    ungrouped = np.ones(len(similarity), dtype=bool)
    degree = close.sum(axis=1)  # neighbours still ungrouped, kept up to date as groups form: O(n²) in all
    groups: list[list[int]] = []
    while ungrouped.any():
        # The most-connected question leads; ties go to the earliest, so the result doesn't depend on luck.
        leader = int(np.argmax(np.where(ungrouped, degree, -1)))
        group = [leader]
        candidates = np.flatnonzero(close[leader] & ungrouped)
        # Closest first; each joins only if it is close to the group on average, not just to its leader.
        for i in candidates[np.argsort(-similarity[leader, candidates], kind="stable")]:
            if float(similarity[i, group].mean()) >= threshold:
                group.append(int(i))
        groups.append(group)
        ungrouped[group] = False
        degree -= close[:, group].sum(axis=1)
    groups.sort(key=lambda g: -len(g))  # stable: equal sizes keep the order they were found in
    return groups
