"""Grouping questions by meaning with the real embedding model, and the threshold's two statistics exactly."""

import numpy as np
import pytest

from bot.embeddings import load_embedder
from bot.settings import load_settings
from bot.slack.knowledge.gap_groups import background_threshold, group_by_meaning, otsu_threshold

VPN = ["How do I set up the VPN on my laptop?", "vpn configuration for a new laptop", "What's the VPN setup process?"]
PARKING = ["Where can I park my car at the office?", "is there parking at the office"]
ALONE = ["How do I clean the espresso machine?", "Who approves expense reports over 500 euros?", "What is the wifi password for guests?",
         "How do I request a new monitor?", "when is the next all-hands meeting", "how do I get access to the staging database"]


@pytest.fixture(scope="module")
def embed():
    embedder = load_embedder(load_settings())
    return lambda texts: np.asarray(embedder.embed_documents(texts), dtype=np.float32)


def test_paraphrases_group_and_unrelated_questions_stay_apart(embed):
    questions = ALONE[:3] + VPN + ALONE[3:] + PARKING
    grouping = group_by_meaning(embed(questions))
    named = [sorted(questions[i] for i in group) for group in grouping.groups]
    assert named[0] == sorted(VPN) and named[1] == sorted(PARKING)
    assert all(len(group) == 1 for group in named[2:]) and len(named) == 2 + len(ALONE)
    assert 0 < grouping.threshold < 1


def test_only_unrelated_questions_make_no_groups(embed):
    grouping = group_by_meaning(embed(ALONE))
    assert [len(g) for g in grouping.groups] == [1] * len(ALONE)


def test_two_questions_group_only_against_a_background(embed):
    alone = group_by_meaning(embed(VPN[:2]))
    assert alone.threshold is None and len(alone.groups) == 2  # one pair says nothing about what "close" is
    against = group_by_meaning(embed(VPN[:2]), background=embed(ALONE))
    assert against.groups == [[0, 1]]


def test_otsu_cuts_between_the_two_classes_and_the_background_fence_is_three_iqrs_above_the_upper_quartile():
    values = np.array([0.10, 0.12, 0.11, 0.13, 0.80, 0.82])
    assert 0.13 < otsu_threshold(values) < 0.80
    spread = np.array([0.0, 0.1, 0.2, 0.3, 0.4])
    assert background_threshold(spread) == pytest.approx(0.3 + 3 * (0.3 - 0.1))
