"""Words that carry meaning: shared by the full-text query, follow-up rewriting, quotes and the support check."""

import re

# English function words and chat filler: they say nothing about which document answers a question.
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any anything are aren't as at be because been before being
    below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
    either else ever every few for from further get gets getting got had hadn't has hasn't have haven't having he her
    here hers herself him himself his how however i i'd i'll i'm i've if in into is isn't it it's its itself just
    let let's like make makes may me might more most much must mustn't my myself need needs no nor not now of off
    on once one only or other ought our ours ourselves out over own per please quick quite rather really right same
    say says shall she should shouldn't since so some something still such sure than that that's the their theirs
    them themselves then there there's these they they'd they'll they're they've thing things this those though
    through thus to too try trying under until up upon us use used uses using very via want wanted wants was wasn't
    way we we'd we'll we're we've well were weren't what what's whatever when where where's whether which while who
    who's whom whose why will with within without won't would wouldn't yes yet you you'd you'll you're you've your
    yours yourself yourselves ok okay hey hi hello thanks thank nice cool anyway actually basically just tell
    know show give go going keep kind lot lots mean means meant work works working worked happen happens
    """.split()
)

# A word, an identifier (snake_case, dotted.names, --flags, -p) or a number (3.11, 4300, 1.25).
_TOKEN = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*|\d+(?:\.\d+)*%?|[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*")
_NUMBER = re.compile(r"^\d+(?:\.\d+)*%?$")


def tokens(text: str) -> list[str]:
    """Every word, identifier and number of `text`, in order, lower-cased."""
    return [t.lower().rstrip(".") for t in _TOKEN.findall(text)]


def is_number(token: str) -> bool:
    return bool(_NUMBER.match(token))


def content_terms(text: str) -> list[str]:
    """The tokens that carry meaning (no stopwords, no one-letter words), first occurrence order, no repeats."""
    seen: dict[str, None] = {}
    for token in tokens(text):
        bare = token.lstrip("-")
        if token in STOPWORDS or bare in STOPWORDS or (len(bare) < 2 and not is_number(bare)):
            continue
        seen.setdefault(token, None)
    return list(seen)


def keyword_terms(text: str) -> list[str]:
    """The content terms as full-text search terms: no leading dashes, none of `websearch_to_tsquery`'s operators."""
    terms = (t.strip("-") for t in content_terms(text))
    return [t for t in terms if t and t not in {"or", "and"}]


def stem(term: str) -> str:
    """A light suffix strip so "folders"/"folder" and "created"/"create" compare equal."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if len(term) > len(suffix) + 3 and term.endswith(suffix) and not term.endswith("ss"):
            return term[: -len(suffix)] + keep
    return term


def stems(text: str) -> set[str]:
    """Stems of all tokens of `text`, with dotted and snake_case identifiers also split into their parts."""
    found: set[str] = set()
    for token in tokens(text):
        found.add(stem(token.lstrip("-")))
        for part in re.split(r"[._]+", token.lstrip("-")):
            if part:
                found.add(stem(part))
    return found
