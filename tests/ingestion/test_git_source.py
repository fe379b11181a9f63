"""A git repository end to end against git's smart-HTTP server on loopback: clone, an edit pushed then
re-synced, a deleted file, a wrong branch refused, a host refused unless allowed, the token never shown."""

import ipaddress
import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.errors import IngestError, LocationUnreadable
from ingestion.fetching import FetchPolicy
from ingestion.pipeline import ingest
from ingestion.sources.git import Remote
from ingestion.sources.specs import GitSpec, source_location
from tests.ingestion.git_standin import GitHttpStandIn, WorkingRepository
from tests.ingestion.helpers import rows, sources

TOKEN = "glpat-s3cret-t0ken-e2e"


@pytest.fixture
def repository(tmp_path: Path) -> WorkingRepository:
    repo = WorkingRepository(tmp_path / "work", tmp_path / "served" / "team" / "handbook.git")
    repo.write("README.md", "# Handbook\n\nThe handbook's own readme, outside docs/.\n")
    repo.write("docs/deploys.md", "# Deploys\n\nDeploys happen on Tuesdays after the change board approves them.\n")
    repo.write("docs/oncall.md", "# On call\n\nThe on-call engineer answers pages within fifteen minutes.\n")
    repo.write("docs/faq/wifi.md", "# Wifi\n\nThe guest network is lumen-guest; its password changes monthly.\n")
    (repo.folder / "docs" / "passwd.md").symlink_to("/etc/passwd")  # a link out of the repository: never read
    repo.push("Handbook")
    return repo


@pytest.fixture
def host(tmp_path: Path, repository: WorkingRepository):
    with GitHttpStandIn(tmp_path / "served", token=TOKEN) as standin:
        yield standin


@pytest.fixture
def git_settings(ingest_settings):
    return ingest_settings.model_copy(update={"ingest_allowed_hosts": ("127.0.0.1",), "git_token": SecretStr(TOKEN)})


def _location(host: GitHttpStandIn, **options) -> str:
    return source_location(f"{host.url}/team/handbook.git", **options)


def test_clone_edit_and_delete_are_synced_and_the_token_is_never_shown(db, git_settings, host, repository, caplog):
    caplog.set_level(logging.DEBUG)
    location = _location(host, branch="main", path="docs/")

    first = ingest(db, git_settings, [location])

    assert sources(db) == ["docs/deploys.md", "docs/faq/wifi.md", "docs/oncall.md"]
    assert "points outside the folder" in dict(first.skipped)["docs/passwd.md"]
    assert all(authorization and authorization.startswith("Basic ") for _, authorization in host.requests)
    clone = git_settings.docbot_home / "sources" / "git"
    assert any((folder / ".git").is_dir() for folder in clone.iterdir())
    assert rows(db, "SELECT DISTINCT location FROM documents") == [(f"git+{host.url}/team/handbook.git#branch=main&path=docs",)]

    repository.write("docs/deploys.md", "# Deploys\n\nDeploys now happen every weekday once the canary is green.\n")
    repository.remove("docs/oncall.md")
    repository.push("Deploy daily; on-call moved to the wiki")
    second = ingest(db, git_settings, [location])

    assert (second.updated, second.removed, second.unchanged) == (1, 1, 1)
    assert sources(db) == ["docs/deploys.md", "docs/faq/wifi.md"]
    text = rows(db, "SELECT string_agg(c.text, ' ') FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.source = 'docs/deploys.md'")[0][0]
    assert "canary is green" in text
    commit = rows(db, "SELECT metadata->>'commit' FROM documents WHERE source = 'docs/deploys.md'")[0][0]
    assert commit == repository.head()

    assert host.fetches == 2  # the clone, then one fetch
    third = ingest(db, git_settings, [location])
    assert (third.unchanged, third.chunks_embedded) == (2, 0)
    assert host.fetches == 2  # the branch's commit is the checkout's: listed, nothing fetched

    stored = " ".join(str(value) for row in rows(db, "SELECT locations, summary, error FROM ingest_runs") for value in row)
    stored += " ".join(str(value) for row in rows(db, "SELECT location, source, url, metadata FROM documents") for value in row)
    assert TOKEN not in stored and TOKEN not in caplog.text


def test_a_wrong_branch_is_refused_naming_the_branches_there_are(db, git_settings, host):
    with pytest.raises(IngestError, match=r"branch 'nope' is not in http://127\.0\.0\.1:\d+/team/handbook\.git; its branches: main"):
        ingest(db, git_settings, [_location(host, branch="nope")])

    assert sources(db) == []


def test_without_a_branch_the_default_branch_is_read(db, git_settings, host):
    ingest(db, git_settings, [_location(host)])

    assert "README.md" in sources(db) and "docs/deploys.md" in sources(db)


def test_a_loopback_host_is_refused_unless_allowed(db, ingest_settings, host):
    with pytest.raises(IngestError, match="a loopback address; add it to INGEST_ALLOWED_HOSTS"):
        ingest(db, ingest_settings, [_location(host, branch="main")])

    assert host.requests == []


def test_a_wrong_token_fails_the_run_and_removes_nothing(db, git_settings, host):
    ingest(db, git_settings, [_location(host, branch="main")])
    stored = sources(db)

    wrong = git_settings.model_copy(update={"git_token": SecretStr("not-the-token")})
    with pytest.raises(LocationUnreadable, match="git ls-remote of http://127.0.0.1:\\d+/team/handbook.git failed"):
        ingest(db, wrong, [_location(host, branch="main")])

    assert sources(db) == stored


def test_a_local_repository_is_read_by_its_path(db, ingest_settings, repository):
    ingest(db, ingest_settings, [source_location(str(repository.folder), branch="main", path="docs")])

    assert sources(db) == ["docs/deploys.md", "docs/faq/wifi.md", "docs/oncall.md"]
    assert rows(db, "SELECT DISTINCT url FROM documents") == [(None,)]  # no web UI for a local repository


@pytest.mark.parametrize(
    ("repository", "link"),
    [
        ("https://github.com/team/handbook.git", "https://github.com/team/handbook/blob/{c}/docs/a%20b.md"),
        ("git@github.com:team/handbook.git", "https://github.com/team/handbook/blob/{c}/docs/a%20b.md"),
        ("https://gitlab.example.com/group/sub/handbook.git", "https://gitlab.example.com/group/sub/handbook/-/blob/{c}/docs/a%20b.md"),
        ("ssh://git@gitea.example.com:2222/team/handbook.git", "https://gitea.example.com/team/handbook/src/commit/{c}/docs/a%20b.md"),
        ("https://git.example.com/team/handbook.git", None),
    ],
)
def test_citations_link_to_the_file_at_its_commit_on_known_hosts(settings, repository: str, link: str | None):
    public = FetchPolicy.from_settings(settings, resolver=lambda host, port: [ipaddress.ip_address("93.184.215.14")])
    remote = Remote(GitSpec(repository), settings, public)

    assert remote.web_link("abc123", "docs/a b.md") == (link.format(c="abc123") if link else None)


@pytest.mark.parametrize("repository", ["git@10.0.0.5:team/handbook.git", "ssh://git@169.254.169.254/team/handbook.git", "https://192.168.1.9/team/handbook.git"])
def test_ssh_and_https_remotes_on_private_addresses_are_refused_before_git_runs(db, ingest_settings, repository: str):
    with pytest.raises(IngestError, match="add it to INGEST_ALLOWED_HOSTS"):
        ingest(db, ingest_settings, [source_location(repository, branch="main")])

    assert not (ingest_settings.docbot_home / "sources").exists()
