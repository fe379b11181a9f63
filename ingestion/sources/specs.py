"""Sources written as one location string, so a queued job and a `--every` re-sync carry all of it.

Like pip's VCS URLs, a prefix names the kind and the fragment holds the options:

    crawl+https://docs.internal/guide/#max-pages=500&allow-prefix=/guide/
    git+https://git.example.com/team/handbook.git#branch=main&path=docs/
    git+git@git.example.com:team/handbook.git#branch=main
    git+/srv/repos/handbook#branch=main
    confluence://OPS

A document's location is the string without the options that only bound the work (`max-pages`): raising
the limit re-syncs the same documents rather than adding a second copy of each.
"""

import os
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from bot.errors import ConfigError
from bot.url_redaction import redact_url

CRAWL, GIT, CONFLUENCE = "crawl+", "git+", "confluence://"
DEFAULT_MAX_PAGES = 5000
_SAFE = "/:@"


def _split(spec: str) -> tuple[str, dict[str, str]]:
    base, _, fragment = spec.partition("#")
    return base, dict(parse_qsl(fragment, keep_blank_values=True))


def _join(base: str, options: dict[str, str | None]) -> str:
    kept = {key: value for key, value in options.items() if value not in (None, "")}
    return base + ("#" + urlencode(kept, safe=_SAFE) if kept else "")


@dataclass(frozen=True)
class CrawlSpec:
    start: str  # as given: it may hold credentials
    max_pages: int = DEFAULT_MAX_PAGES
    allow_prefix: str | None = None  # a path on the start URL's host (or a URL there)

    @classmethod
    def parse(cls, spec: str) -> "CrawlSpec":
        base, options = _split(spec.removeprefix(CRAWL))
        try:
            max_pages = int(options.get("max-pages", DEFAULT_MAX_PAGES))
        except ValueError:
            raise ConfigError(f"--max-pages must be a whole number, not {options['max-pages']!r}") from None
        return cls(base, max_pages, options.get("allow-prefix") or None)

    def __str__(self) -> str:
        return _join(CRAWL + self.start, {"allow-prefix": self.allow_prefix, "max-pages": str(self.max_pages)})

    @property
    def location(self) -> str:
        return _join(CRAWL + redact_url(self.start), {"allow-prefix": self.allow_prefix})


@dataclass(frozen=True)
class GitSpec:
    repository: str  # an http(s) or ssh URL, scp-like `user@host:path`, or a local path
    branch: str | None = None  # None: the repository's default branch
    path: str = ""  # the folder in the repository to ingest, "" for all of it

    @classmethod
    def parse(cls, spec: str) -> "GitSpec":
        base, options = _split(spec.removeprefix(GIT))
        return cls(base, options.get("branch") or None, (options.get("path") or "").strip("/"))

    def __str__(self) -> str:
        return _join(GIT + self.repository, {"branch": self.branch, "path": self.path})

    @property
    def location(self) -> str:
        return _join(GIT + redact_url(self.repository), {"branch": self.branch, "path": self.path})


@dataclass(frozen=True)
class ConfluenceSpec:
    space: str

    @classmethod
    def parse(cls, spec: str) -> "ConfluenceSpec":
        space = spec.removeprefix(CONFLUENCE).strip("/")
        if not space or not space.replace("~", "").replace("_", "").replace("-", "").isalnum():
            raise ConfigError(f"{spec!r}: name a Confluence space by its key, e.g. confluence://OPS")
        return cls(space)

    def __str__(self) -> str:
        return CONFLUENCE + self.space

    @property
    def location(self) -> str:
        return str(self)


def document_location(location: str) -> str:
    """The location a source's documents carry for `location` as given or scheduled: a crawl's without the
    options that only bound the work (`max-pages`)."""
    return CrawlSpec.parse(location).location if location.startswith(CRAWL) else location


def looks_like_git(location: str) -> bool:
    """An address only a git remote has: `….git`, `ssh://`, or scp-like `user@host:path`."""
    if location.startswith("ssh://") or location.startswith("git://"):
        return True
    if location.startswith(("http://", "https://")):
        return urlsplit(location).path.rstrip("/").endswith(".git")
    head = location.split("/", 1)[0]
    return "@" in head and ":" in head


def source_location(
    location: str, *, crawl: bool = False, max_pages: int | None = None, allow_prefix: str | None = None,
    branch: str | None = None, path: str | None = None,
) -> str:
    """The location string for what the command line gave: a page, a crawl, a repository, a folder."""
    git_options = branch is not None or path is not None
    if crawl:
        if git_options:
            raise ConfigError("--crawl reads a web site; --branch and --path are for git repositories")
        if not location.startswith(("http://", "https://")):
            raise ConfigError(f"--crawl needs an http(s) URL to start from, not {location!r}")
        return str(CrawlSpec(location, max_pages or DEFAULT_MAX_PAGES, allow_prefix))
    if max_pages is not None or allow_prefix is not None:
        raise ConfigError("--max-pages and --allow-prefix bound a crawl: add --crawl")
    if location.startswith((CRAWL, GIT, CONFLUENCE)):
        return location
    if looks_like_git(location) or (git_options and location.startswith(("http://", "https://"))):
        return str(GitSpec(location, branch, (path or "").strip("/")))
    if git_options:  # a local repository: absolute, since a worker may run in another folder
        return str(GitSpec(os.path.abspath(location), branch, (path or "").strip("/")))
    return location
