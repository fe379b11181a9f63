"""A git repository: cloned shallowly once under DOCBOT_HOME, fetched on re-sync, read as a folder.

`git ls-remote` first: it names the branch's commit (the same as the checkout's: nothing is fetched) and
refuses a branch the repository doesn't have, listing those it has. The files of the checked-out tree
(or of `path` in it) are then read with the folder rules, symlinks confined to the checkout; a file's
citation is its page at that commit on the host's web UI when the host is GitHub, GitLab or Gitea.

Git runs with no user or system config (no credential helper, no `insteadOf` rewrite can send it
elsewhere), redirects off, and only the protocol of the URL given. An http(s) host is resolved and vetted
like any fetched URL (`INGEST_ALLOWED_HOSTS`), and git connects to the vetted addresses only
(`http.curloptResolve`). `GIT_TOKEN` goes in an HTTP header through git's environment
(`GIT_CONFIG_*`), never on a command line or in the URL; ssh uses the ssh agent.
"""

import base64
import fcntl
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from bot.errors import IngestError, SourceUnreachable, UnsupportedDocument
from bot.settings import Settings
from bot.url_redaction import redact_url, redact_urls_in
from ingestion.confinement import Confinement, system_folder
from ingestion.discovery import Discovery, walk
from ingestion.fetching import FetchPolicy, resolve_vetted
from ingestion.sources.specs import GitSpec

logger = logging.getLogger(__name__)

GIT_TIMEOUT_SECONDS = 900  # a first clone of a large repository takes a while; a stalled one is cut by lowSpeed*
_WEB_PATTERNS = (  # host name hint, file URL at a commit
    (("github",), "{base}/blob/{commit}/{path}"),
    (("gitlab",), "{base}/-/blob/{commit}/{path}"),
    (("gitea", "forgejo", "codeberg"), "{base}/src/commit/{commit}/{path}"),
)


class Remote:
    """The repository's address as git will be given it, and the environment that carries its credentials."""

    def __init__(self, spec: GitSpec, settings: Settings, policy: FetchPolicy) -> None:
        self.spec = spec
        self.shown = redact_url(spec.repository)
        self.config: list[tuple[str, str]] = [("http.followRedirects", "false"), ("http.lowSpeedLimit", "1000"), ("http.lowSpeedTime", "60")]
        repository = spec.repository
        if repository.startswith(("http://", "https://")):
            parts = urlsplit(repository)
            self.protocol = parts.scheme
            user, _, password = parts.netloc.rpartition("@")[0].partition(":")
            self.url = urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[-1], parts.path, parts.query, ""))
            port = parts.port or (443 if parts.scheme == "https" else 80)
            addresses = resolve_vetted(self.url, policy)  # UnsupportedDocument: refused, naming INGEST_ALLOWED_HOSTS
            self.config.append(("http.curloptResolve", f"{parts.hostname}:{port}:{','.join(_bracketed(a) for a in addresses)}"))
            token = settings.git_token.get_secret_value() if settings.git_token else None
            if password or token:
                pair = f"{unquote(user) if password else settings.git_username}:{unquote(password) if password else token}"
                self.config.append(("http.extraHeader", "Authorization: Basic " + base64.b64encode(pair.encode()).decode()))
        elif repository.startswith(("ssh://", "git://")) or _is_scp_like(repository):
            self.protocol = "git" if repository.startswith("git://") else "ssh"
            host = urlsplit(repository).hostname if "://" in repository else repository.split("@", 1)[-1].split(":", 1)[0]
            resolve_vetted(f"http://{host}/", policy)  # the same vetting: an internal host must be allowed
            self.url = repository
        else:
            path = os.path.realpath(repository)
            if not os.path.isdir(path):
                raise IngestError(f"{repository}: no such repository (give a git URL or the path of a local repository)")
            if system_folder(path):
                raise IngestError(f"{repository} is in {system_folder(path)}, which docbot never reads")
            self.protocol = "file"
            self.url = "file://" + quote(path)

    def environment(self) -> dict[str, str]:
        env = {name: os.environ[name] for name in ("PATH", "HOME", "SSH_AUTH_SOCK", "LANG", "TMPDIR") if name in os.environ}
        env.update({
            "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_ALLOW_PROTOCOL": self.protocol, "GIT_SSH_COMMAND": "ssh -o BatchMode=yes", "GIT_ASKPASS": "/bin/false",
            "GIT_CONFIG_COUNT": str(len(self.config)),
        })
        for number, (key, value) in enumerate(self.config):
            env[f"GIT_CONFIG_KEY_{number}"] = key
            env[f"GIT_CONFIG_VALUE_{number}"] = value
        return env

    def web_link(self, commit: str, path: str) -> str | None:
        """The file's page at `commit` on the host's web UI, when the host is one whose URLs docbot knows."""
        if self.protocol == "file":
            return None
        if "://" in self.url:
            parts = urlsplit(self.url)
            scheme = parts.scheme if parts.scheme in ("http", "https") else "https"
            netloc = parts.netloc.rsplit("@", 1)[-1] if scheme == parts.scheme else (parts.hostname or "")
            project = parts.path
        else:  # git@host:team/handbook.git
            scheme, (netloc, project) = "https", self.url.split("@", 1)[-1].split(":", 1)
        project = "/" + project.strip("/").removesuffix(".git")
        host = netloc.lower()
        for hints, pattern in _WEB_PATTERNS:
            if any(hint in host for hint in hints):
                base = urlunsplit((scheme, netloc, project, "", ""))
                return pattern.format(base=base, commit=commit, path=quote(path))
        return None


class Checkout:
    """The clone under DOCBOT_HOME/sources/git, one per repository and branch, brought to the branch's commit."""

    def __init__(self, spec: GitSpec, settings: Settings, remote: Remote) -> None:
        self.spec = spec
        self.remote = remote
        key = hashlib.sha256(f"{remote.url}#{spec.branch or ''}".encode()).hexdigest()[:16]
        self.folder = settings.docbot_home / "sources" / "git" / key

    def sync(self) -> str:
        """Brings the checkout to the branch's commit; returns the commit."""
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        with open(f"{self.folder}.lock", "w") as lock:  # two workers syncing one repository take turns
            fcntl.flock(lock, fcntl.LOCK_EX)
            branch, commit = self._remote_head()
            if (self.folder / ".git").is_dir():
                if self._git("rev-parse", "HEAD", cwd=self.folder).strip() != commit:
                    self._git("fetch", "--depth", "1", "--no-tags", "origin", f"+refs/heads/{branch}:refs/remotes/origin/{branch}", cwd=self.folder)
                    self._git("checkout", "--force", "--detach", f"refs/remotes/origin/{branch}", cwd=self.folder)
                    self._git("clean", "-ffdxq", cwd=self.folder)
            else:
                self._clone(branch)
            return self._git("rev-parse", "HEAD", cwd=self.folder).strip()

    def _remote_head(self) -> tuple[str, str]:
        listing = self._git("ls-remote", "--symref", "--", self.remote.url, "HEAD", "refs/heads/*")
        branches, default = {}, None
        for line in listing.splitlines():
            if line.startswith("ref: ") and line.endswith("\tHEAD"):
                default = line[5:].split("\t", 1)[0].removeprefix("refs/heads/")
            elif "\trefs/heads/" in line:
                commit, ref = line.split("\t", 1)
                branches[ref.removeprefix("refs/heads/")] = commit
        branch = self.spec.branch or default
        if branch not in branches:
            have = ", ".join(sorted(branches)[:20]) or "none"
            if self.spec.branch:
                raise IngestError(f"branch {self.spec.branch!r} is not in {self.remote.shown}; its branches: {have}")
            raise IngestError(f"{self.remote.shown} names no default branch; choose one with --branch (its branches: {have})")
        return branch, branches[branch]

    def _clone(self, branch: str) -> None:
        partial = Path(tempfile.mkdtemp(prefix=self.folder.name + ".", dir=self.folder.parent))
        try:  # cloned aside, then moved in: a clone cut short never passes for a checkout
            self._git("clone", "--depth", "1", "--no-tags", "--single-branch", "--branch", branch, "--", self.remote.url, str(partial / "tree"))
            shutil.rmtree(self.folder, ignore_errors=True)
            os.replace(partial / "tree", self.folder)
        finally:
            shutil.rmtree(partial, ignore_errors=True)

    def _git(self, *args: str, cwd: Path | None = None) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=cwd, env=self.remote.environment(), capture_output=True, text=True,
                timeout=GIT_TIMEOUT_SECONDS, check=False,
            )
        except subprocess.TimeoutExpired:
            raise SourceUnreachable(f"git {args[0]} of {self.remote.shown} took more than {GIT_TIMEOUT_SECONDS} s") from None
        if done.returncode != 0:
            said = [line for line in done.stderr.splitlines() if line.strip()]
            reason = redact_urls_in(said[-1] if said else f"exit status {done.returncode}")
            raise SourceUnreachable(f"git {args[0]} of {self.remote.shown} failed: {reason}")
        return done.stdout


def discover(spec: GitSpec, settings: Settings, policy: FetchPolicy) -> Discovery:
    """The repository's files at the branch's commit; a wrong branch or a refused host raises, naming it."""
    try:
        remote = Remote(spec, settings, policy)
    except UnsupportedDocument as error:
        raise IngestError(f"{redact_url(spec.repository)}: {error}") from None
    checkout = Checkout(spec, settings, remote)
    try:
        commit = checkout.sync()
    except SourceUnreachable as error:
        return Discovery(spec.location, [], [], is_folder=False, error=str(error))
    root = checkout.folder / spec.path if spec.path else checkout.folder
    if not root.is_dir():
        return Discovery(spec.location, [], [], is_folder=False, error=f"the repository has no folder {spec.path!r} at {commit[:12]}")
    walked = walk(os.path.realpath(root), Confinement(os.path.realpath(checkout.folder)))
    prefix = f"{spec.path}/" if spec.path else ""
    candidates = [
        replace(candidate, source=prefix + candidate.source, location=spec.location,
                link=remote.web_link(commit, prefix + candidate.source), metadata={"commit": commit})
        for candidate in walked.candidates
    ]
    unusable = [replace(entry, source=prefix + entry.source) for entry in walked.unusable]
    logger.info("git checkout location=%s commit=%s files=%d", spec.location, commit[:12], len(candidates))
    return Discovery(spec.location, candidates, unusable, is_folder=True, error=walked.error)


def _is_scp_like(repository: str) -> bool:
    head = repository.split("/", 1)[0]
    return "@" in head and ":" in head


def _bracketed(address) -> str:
    return f"[{address}]" if address.version == 6 else str(address)

