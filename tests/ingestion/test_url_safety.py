"""URL ingestion reaches only public addresses (or those INGEST_ALLOWED_HOSTS lets in), at every redirect hop,
on the address it checked, within one deadline, and never keeps a URL's credentials.

Only loopback is ever connected to: every other internal address here is refused before any connection,
and host names that "resolve" somewhere are answered by a resolver stand-in.
"""

import ipaddress
import logging
import time

import pytest

from bot.errors import ConfigError, UnsupportedDocument
from bot.logs import SecretScrubber
from bot.settings import load_settings
from ingestion.addresses import address_class
from ingestion.fetching import MAX_REDIRECTS, FetchPolicy, fetch
from ingestion.pipeline import ingest
from bot.url_redaction import redact_url, redact_urls_in
from tests.ingestion.helpers import rows
from tests.ingestion.site_standin import PASSWORD, USER, SiteStandIn


@pytest.fixture
def site():
    with SiteStandIn() as standin:
        yield standin


class Resolver:
    """Stands in for DNS: answers from a table, one answer list per call (the last repeats), and counts calls."""

    def __init__(self, **answers: list[str]) -> None:
        self.answers = {host.replace("_", "."): [list(a) if isinstance(a, list) else [a] for a in values] for host, values in answers.items()}
        self.calls: list[str] = []

    def __call__(self, host: str, port: int):
        self.calls.append(host)
        queue = self.answers.get(host)
        if not queue:
            raise OSError("no such host")
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return [ipaddress.ip_address(a) for a in answer]


def _policy(resolver=None, allowed=(), timeout=10.0) -> FetchPolicy:
    settings = load_settings(ingest_allowed_hosts=",".join(allowed), ingest_url_timeout_seconds=timeout)
    return FetchPolicy.from_settings(settings, resolver) if resolver else FetchPolicy.from_settings(settings)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "RFC 1918"), ("172.16.0.9", "RFC 1918"), ("192.168.1.1", "RFC 1918"), ("fd12:3456::1", "unique local"),
        ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("100.64.0.1", "carrier-grade NAT"),
        ("224.0.0.251", "multicast"), ("ff02::1", "multicast"), ("0.0.0.0", "unspecified"), ("::", "unspecified"),
        ("240.0.0.1", "reserved"), ("192.0.2.10", "reserved"), ("255.255.255.255", "reserved"),
    ],
)
def test_internal_address_classes(address: str, kind: str):
    assert kind in address_class(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_fine(address: str):
    assert address_class(ipaddress.ip_address(address)) is None


def test_internal_addresses_are_refused_by_default_before_any_connection(db, ingest_settings, site: SiteStandIn):
    port = site.port
    urls = {
        f"http://127.0.0.1:{port}/page.html": "a loopback address",
        f"http://localhost:{port}/page.html": "a loopback address",
        f"http://2130706433:{port}/page.html": "a loopback address",  # 127.0.0.1 written as one number
        f"http://[::1]:{port}/page.html": "a loopback address",
        f"http://[::ffff:127.0.0.1]:{port}/page.html": "a loopback address",
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/": "link-local",
        "http://10.20.30.40/wiki/": "a private address (RFC 1918)",
        "http://[fd00::5]/wiki/": "a private address (IPv6 unique local)",
        "http://100.64.1.1/": "carrier-grade NAT",
        f"http://0.0.0.0:{port}/page.html": "an unspecified address",
    }

    summary = ingest(db, ingest_settings, list(urls))

    skipped = dict(summary.skipped)
    for url, kind in urls.items():
        assert kind in skipped[url] and "INGEST_ALLOWED_HOSTS" in skipped[url], (url, skipped[url])
    assert site.requests == []
    assert rows(db, "SELECT count(*) FROM documents") == [(0,)]


def test_allowed_hosts_let_chosen_internal_hosts_in_by_ip_cidr_or_name(site: SiteStandIn):
    for allowed in (("127.0.0.1",), ("127.0.0.0/8",), ("docs.internal",)):
        fetched = fetch(f"http://docs.internal:{site.port}/page.html", _policy(Resolver(docs_internal=["127.0.0.1"]), allowed))
        assert b"Restart the queue" in fetched.data
    with pytest.raises(UnsupportedDocument, match="loopback"):
        fetch(f"http://docs.internal:{site.port}/page.html", _policy(Resolver(docs_internal=["127.0.0.1"]), ("10.0.0.0/8",)))


def test_a_host_with_any_internal_address_is_refused(site: SiteStandIn):
    resolver = Resolver(mixed_example=[["93.184.215.14", "10.0.0.8"]])
    with pytest.raises(UnsupportedDocument, match=r"mixed\.example \(10\.0\.0\.8\) is a private address"):
        fetch("http://mixed.example/page.html", _policy(resolver))


def test_every_redirect_hop_is_checked_before_it_is_followed(site: SiteStandIn):
    policy = _policy(Resolver(docs_test=["127.0.0.1"]), ("docs.test",))
    base = f"http://docs.test:{site.port}"
    site.redirects.update({
        "/to-loopback": f"http://127.0.0.1:{site.port}/secret.html",
        "/to-metadata": "http://169.254.169.254/latest/meta-data/",
        "/to-private": "http://192.168.0.10/admin",
        "/to-file": "file:///etc/passwd",
        "/moved": "/page.html",
        **{f"/loop{i}": f"/loop{i + 1}" for i in range(MAX_REDIRECTS + 2)},
    })

    assert b"Restart the queue" in fetch(f"{base}/moved", policy).data  # a redirect on the allowed host is fine
    for path, reason in {
        "/to-loopback": "127.0.0.1 is a loopback address",
        "/to-metadata": "169.254.169.254 is a link-local address",
        "/to-private": "192.168.0.10 is a private address",
        "/to-file": "not an http or https URL",
    }.items():
        with pytest.raises(UnsupportedDocument, match=reason):
            fetch(f"{base}{path}", policy)
    with pytest.raises(UnsupportedDocument, match=f"more than {MAX_REDIRECTS} redirects"):
        fetch(f"{base}/loop0", policy)
    assert "/secret.html" not in site.paths()


def test_a_redirect_to_an_internal_address_is_refused_in_a_run(db, ingest_settings, site: SiteStandIn):
    site.redirects["/away"] = "http://10.0.0.7/intranet/"
    loopback_allowed = ingest_settings.model_copy(update={"ingest_allowed_hosts": ("127.0.0.1",)})

    summary = ingest(db, loopback_allowed, [f"{site.url}/away"])

    assert "10.0.0.7 is a private address (RFC 1918)" in dict(summary.skipped)[f"{site.url}/away"]
    assert site.paths() == ["/away"]


def test_the_connection_goes_to_the_checked_address_whatever_dns_says_next(site: SiteStandIn):
    # The name only resolves through the stand-in: the system resolver can't have been asked.
    resolver = Resolver(rebind_test=["127.0.0.1", "10.9.9.9"])
    policy = _policy(resolver, ("127.0.0.1",))

    fetched = fetch(f"http://rebind.test:{site.port}/page.html", policy)

    assert b"Restart the queue" in fetched.data
    assert site.requests == [("/page.html", f"rebind.test:{site.port}")]  # the original Host is sent
    assert resolver.calls == ["rebind.test"]

    site.redirects["/again"] = "/page.html"  # the redirect's hop resolves again, and gets the rebinding answer
    rebinding = Resolver(rebind_test=["127.0.0.1", "10.9.9.9"])
    with pytest.raises(UnsupportedDocument, match=r"10\.9\.9\.9\) is a private address"):
        fetch(f"http://rebind.test:{site.port}/again", _policy(rebinding, ("127.0.0.1",)))
    assert rebinding.calls == ["rebind.test", "rebind.test"] and site.paths() == ["/page.html", "/again"]


@pytest.mark.timeout(60)
def test_the_whole_fetch_has_one_deadline(site: SiteStandIn):
    started = time.monotonic()
    with pytest.raises(UnsupportedDocument, match=r"within 1 s \(INGEST_URL_TIMEOUT_SECONDS\)"):
        fetch(f"{site.url}/slow.html", _policy(allowed=("127.0.0.1",), timeout=1.0))
    # Each byte comes within 0.2 s, so a per-read timeout would wait the full minute.
    assert time.monotonic() - started < 10


def test_credentials_in_a_url_are_used_but_never_stored_shown_or_logged(db, ingest_settings, site: SiteStandIn, caplog):
    loopback_allowed = ingest_settings.model_copy(update={"ingest_allowed_hosts": ("127.0.0.1",)})
    secret_token, missing_key = "tok-abc-9921", "key-zz-4410"
    url = f"http://{USER}:{PASSWORD}@127.0.0.1:{site.port}/private.html?access_token={secret_token}&page=2"
    missing = f"http://127.0.0.1:{site.port}/gone.html?api_key={missing_key}"
    caplog.set_level(logging.DEBUG)

    summary = ingest(db, loopback_allowed, [url, missing])

    shown = f"http://***@127.0.0.1:{site.port}/private.html?access_token=***&page=2"
    assert summary.added == 1 and site.authorizations[-1].startswith("Basic ")
    assert rows(db, "SELECT source, url, location FROM documents") == [(shown, shown, shown)]
    assert summary.skipped == [(redact_url(missing), f"HTTP 404 from http://127.0.0.1:{site.port}/gone.html?api_key=***")]
    stored = " ".join(str(r) for r in rows(db, "SELECT locations::text, summary::text, coalesce(error, '') FROM ingest_runs"))
    stored += " ".join(str(r) for r in rows(db, "SELECT d.source, d.url, d.title, d.metadata::text, c.text FROM documents d JOIN chunks c ON c.document_id = d.id"))
    for secret in (PASSWORD, secret_token, missing_key):
        assert secret not in stored and secret not in caplog.text
    assert shown in stored


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://u:p@wiki.example/a?b=1", "https://***@wiki.example/a?b=1"),
        ("https://wiki.example/a?token=x&b=2", "https://wiki.example/a?token=***&b=2"),
        ("https://s3.example/f.pdf?X-Amz-Credential=AK%2F1&X-Amz-Signature=ab12", "https://s3.example/f.pdf?X-Amz-Credential=***&X-Amz-Signature=***"),
        ("https://wiki.example/a?Password=x#top", "https://wiki.example/a?Password=***#top"),
        ("https://wiki.example/plain?page=3", "https://wiki.example/plain?page=3"),
    ],
)
def test_redaction(url: str, shown: str):
    assert redact_url(url) == shown


def test_a_bad_allowed_hosts_entry_names_the_setting_not_the_value():
    with pytest.raises(ConfigError, match="INGEST_ALLOWED_HOSTS: .*entry 2 is not a host name, IP or CIDR") as raised:
        load_settings(ingest_allowed_hosts="wiki.corp,10.0.0.0/33")
    assert "10.0.0.0/33" not in str(raised.value)


def test_the_log_scrubber_hides_url_credentials_in_any_record():
    # procrastinate logs a failed job with its arguments: a queued URL's credentials must not follow.
    record = logging.LogRecord(
        "procrastinate.worker", logging.ERROR, __file__, 1, "Job %s ended with status: Error",
        ("docbot.ingest[7](locations=['https://bot:pw-991@wiki.example/a?token=t-55&page=1'])",), None,
    )

    SecretScrubber([]).filter(record)

    assert record.getMessage() == "Job docbot.ingest[7](locations=['https://***@wiki.example/a?token=***&page=1']) ended with status: Error"


@pytest.mark.parametrize(
    "logged",
    [
        "Sending a request - url: https://hooks.slack.com/actions/T0TEAM/1234567/s3cr3tPathPart, body: {'text': 'hi'}",
        "payload=%7B%22response_url%22%3A%22https%3A%5C%2F%5C%2Fhooks.slack.com%5C%2Fcommands%5C%2FT0TEAM%5C%2F42%5C%2Fs3cr3tPathPart%22",
        "response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT0TEAM%2F42%2Fs3cr3tPathPart&trigger_id=1",
        '{"response_url": "https:\\/\\/hooks.slack.com\\/actions\\/T0TEAM\\/42\\/s3cr3tPathPart", "type": "block_actions"}',
        "docbot.save_thread[3](response_url='https://proxy.example/r/s3cr3tPathPart', channel_id='C1')",
        "webhook https://hooks.slack.com/services/T0TEAM/B0HOOK/s3cr3tPathPart failed",
    ],
)
def test_the_log_scrubber_hides_response_urls_and_webhooks_in_any_encoding(logged: str):
    # A response URL's or webhook's path is its credential: whoever logs it, however it is encoded.
    record = logging.LogRecord("slack_sdk.webhook", logging.DEBUG, __file__, 1, logged, (), None)
    SecretScrubber([]).filter(record)
    assert "s3cr3tPathPart" not in record.getMessage() and "***" in record.getMessage()


def test_paths_that_only_look_like_hooks_are_left_alone():
    assert redact_urls_in("read docs/services/api/v1/handler.md") == "read docs/services/api/v1/handler.md"
