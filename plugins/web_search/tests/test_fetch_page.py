"""fetch_page: the article without the boilerplate, and every bound (scheme, size, time, status)."""

from __future__ import annotations

import asyncio
import time

import pytest
from agentplat import ToolError, TransientError
from agentplat.testing import with_retries
from agentplat_web_search.tools import fetch_page

HTML = {"Content-Type": "text/html; charset=utf-8"}


def fetch(url: str) -> str:
    return asyncio.run(fetch_page(url))


def test_main_text_without_boilerplate(http, data):
    server = http.serve(lambda seen: http.Reply(200, data("article_with_boilerplate.html"), HTML))

    text = fetch(server.url + "/nature/honeybees")

    assert text.startswith("How Honeybees Decide Where to Live\n")
    for sentence in (
        "the old queen leaves with about ten thousand workers",
        "she performs a waggle dance on the surface of the swarm",
        "Once about fifteen scouts are present at the same site",
        "this distributed debate reliably finds good answers",
    ):
        assert sentence in text
    for boilerplate in (
        "We use cookies", "Accept all cookies", "Subscribe for $1 a week", "Sign in", "Trending now",
        "favourite comet recipes", "weekly digest", "Advertisement", "All rights reserved", "Privacy policy",
        "dataLayer", "Army ants build living bridges",
    ):
        assert boilerplate not in text, boilerplate
    assert [seen.path for seen in server.requests] == ["/nature/honeybees"]


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.com/file.txt", "javascript:alert(1)", "data:text/html,<p>hi</p>",
     "/relative/path", "example.com/page", "http://", ""],
)
def test_only_http_and_https_urls(url):
    with pytest.raises(ToolError, match="http:// and https:// URLs only"):
        fetch(url)


def test_redirects_are_followed_but_not_to_other_schemes(http, data):
    def handler(seen):
        if seen.path == "/old":
            return http.Reply(301, b"", {"Location": "/nature/honeybees"})
        if seen.path == "/sneaky":
            return http.Reply(302, b"", {"Location": "file:///etc/passwd"})
        return http.Reply(200, data("article_with_boilerplate.html"), HTML)

    server = http.serve(handler)
    assert "waggle dance" in fetch(server.url + "/old")
    with pytest.raises(ToolError, match="unsupported protocol 'file://'"):
        fetch(server.url + "/sneaky")


def test_text_is_capped(http, monkeypatch):
    words = " ".join(f"word{i}" for i in range(5000))
    server = http.serve(lambda seen: http.Reply(200, words, {"Content-Type": "text/plain; charset=utf-8"}))
    monkeypatch.setenv("AGENTPLAT_FETCH_MAX_CHARS", "1000")

    text = fetch(server.url + "/long.txt")

    body, marker = text.split("\n\n[… ")
    assert len(body) <= 1000 and body.startswith("word0 word1") and not body.endswith(" ")
    assert marker == "text truncated at 1,000 characters]"


def test_download_is_capped(http, monkeypatch):
    paragraph = "<p>" + "Bees dance to share where the flowers are. " * 20 + "</p>"
    page = "<html><head><title>Huge</title></head><body><article>" + paragraph * 2000 + "</article></body></html>"
    server = http.serve(lambda seen: http.Reply(200, page, HTML))
    monkeypatch.setenv("AGENTPLAT_FETCH_MAX_BYTES", "20000")

    text = fetch(server.url + "/huge")

    assert "Bees dance" in text and text.endswith("[… page truncated: only its first part was downloaded]")
    assert len(text) < 25000


def test_default_cap_is_20k_characters(http):
    page = "<html><body><article>" + "<p>" + "Scouts inspect every cavity they find. " * 30 + "</p>" * 1 + "</article></body></html>"
    page = page.replace("</article>", "".join(f"<p>Paragraph {i}: " + "the swarm waits patiently. " * 20 + "</p>" for i in range(200)) + "</article>")
    server = http.serve(lambda seen: http.Reply(200, page, HTML))
    text = fetch(server.url + "/long")
    assert len(text) <= 20_000 + 60 and "text truncated at 20,000 characters" in text


def test_not_found_is_a_tool_error(http):
    server = http.serve(lambda seen: http.Reply(404, "<html><body>Not here</body></html>", HTML))
    with pytest.raises(ToolError, match=r"does not exist \(HTTP 404\)"):
        fetch(server.url + "/missing")


def test_server_error_is_retried_then_clear(http):
    server = http.serve(lambda seen: http.Reply(503, "try later"))
    with pytest.raises(TransientError, match=r"127.0.0.1 is unavailable right now \(HTTP 503"):
        asyncio.run(with_retries(lambda: fetch_page(server.url + "/busy"), attempts=2, initial_wait=0.01))
    assert len(server.requests) == 2


def test_timeout(http, data, monkeypatch):
    server = http.serve(lambda seen: http.Reply(200, data("article_with_boilerplate.html"), HTML, delay=5))
    monkeypatch.setenv("AGENTPLAT_HTTP_TIMEOUT", "0.3")
    started = time.monotonic()
    with pytest.raises(TransientError, match="did not answer within 0.3s"):
        fetch(server.url + "/slow")
    assert time.monotonic() - started < 2


def test_binary_content_is_refused(http):
    server = http.serve(lambda seen: http.Reply(200, b"%PDF-1.7 ...", {"Content-Type": "application/pdf"}))
    with pytest.raises(ToolError, match="is application/pdf, not a web page"):
        fetch(server.url + "/paper.pdf")


def test_binary_without_a_content_type_is_refused(http):
    server = http.serve(lambda seen: http.Reply(200, b"\x7fELF\x02\x01\x01\x00\x00\x00", {"Content-Type": ""}))
    with pytest.raises(ToolError, match="is binary, not a web page"):
        fetch(server.url + "/program")


def test_plain_text_and_short_pages(http):
    def handler(seen):
        if seen.path == "/notes.txt":
            return http.Reply(200, "Line one.\nLine two.\n", {"Content-Type": "text/plain"})
        return http.Reply(200, "<html><head><title>Tiny</title></head><body><p>Just one short line.</p></body></html>", HTML)

    server = http.serve(handler)
    assert fetch(server.url + "/notes.txt") == "Line one.\nLine two."
    assert "Just one short line." in fetch(server.url + "/tiny")


def test_charset_from_the_header_is_used(http):
    page = "<html><head><title>Crème</title></head><body><article><p>" + "Crème brûlée für alle. " * 30 + "</p></article></body></html>"
    server = http.serve(lambda seen: http.Reply(200, page.encode("latin-1"), {"Content-Type": "text/html; charset=iso-8859-1"}))
    assert "Crème brûlée für alle." in fetch(server.url + "/latin1")


def test_local_and_private_addresses_are_refused_unless_allowed(http, data, monkeypatch):
    server = http.serve(lambda seen: http.Reply(200, data("article_with_boilerplate.html"), HTML))
    monkeypatch.delenv("AGENTPLAT_FETCH_ALLOW_PRIVATE")
    with pytest.raises(ToolError, match="private or local address"):
        fetch(server.url + "/nature/honeybees")
    with pytest.raises(ToolError, match="private or local address"):
        fetch("http://169.254.169.254/latest/meta-data/")  # a cloud metadata endpoint
    assert server.requests == []
    monkeypatch.setenv("AGENTPLAT_FETCH_ALLOW_PRIVATE", "1")
    assert "waggle dance" in fetch(server.url + "/nature/honeybees")


PUBLIC = "93.184.216.34"  # stands for a public site; no packet is ever sent there (see below)


@pytest.fixture
def internet(http, monkeypatch):
    """The outside world, simulated: names resolve through ``names`` (a list of answers per
    name, one per lookup, the last repeated), a connection to ``PUBLIC`` reaches the loopback
    server ``site`` instead, and a connection to any other non-loopback address fails like
    an unreachable one. ``connects`` records where every connection really went."""
    import socket
    import types

    import anyio

    real_getaddrinfo, real_connect = socket.getaddrinfo, anyio.connect_tcp
    world = types.SimpleNamespace(names={}, connects=[], site=None)

    def getaddrinfo(host, port, *args, **kwargs):
        answers = world.names.get(host)
        if answers is None:
            return real_getaddrinfo(host, port, *args, **kwargs)
        address = answers.pop(0) if len(answers) > 1 else answers[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    async def connect_tcp(remote_host, remote_port, **kwargs):
        world.connects.append(str(remote_host))
        if str(remote_host) == PUBLIC:
            return await real_connect("127.0.0.1", world.site.port, **kwargs)
        resolved = getaddrinfo(str(remote_host), remote_port)[0][4][0]
        if not resolved.startswith("127."):
            raise OSError(f"network unreachable (test): {resolved}")
        return await real_connect(resolved, remote_port, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(anyio, "connect_tcp", connect_tcp)
    monkeypatch.delenv("AGENTPLAT_FETCH_ALLOW_PRIVATE", raising=False)
    return world


def test_a_name_that_rebinds_to_loopback_after_the_check_never_reaches_it(http, internet):
    """DNS rebinding: public for the first lookup, 127.0.0.1 for every later one. The
    connection goes to the address that was checked, so this machine is never reached."""
    inside = http.serve(lambda seen: http.Reply(200, "<html><body><p>metadata secret</p></body></html>", HTML))
    internet.site = http.serve(lambda seen: http.Reply(200, "<html><body><p>the public page</p></body></html>", HTML))
    internet.names["rebind.example"] = [PUBLIC, "127.0.0.1"]

    text = fetch(f"http://rebind.example:{inside.port}/latest/meta-data/")

    assert "the public page" in text and "metadata secret" not in text
    assert inside.requests == []
    assert internet.connects == [PUBLIC]


def test_a_name_with_any_local_address_is_refused_before_connecting(http, internet):
    inside = http.serve(lambda seen: http.Reply(200, "<p>inside</p>", HTML))
    internet.names["mixed.example"] = ["127.0.0.1"]
    with pytest.raises(ToolError, match=r"mixed.example is a private or local address \(127.0.0.1\)"):
        fetch(f"http://mixed.example:{inside.port}/")
    assert inside.requests == [] and internet.connects == []


def test_a_redirect_to_a_local_address_is_refused(http, data, internet):
    target = http.serve(lambda seen: http.Reply(200, data("article_with_boilerplate.html"), HTML))
    internet.site = http.serve(lambda seen: http.Reply(302, b"", {"Location": target.url + "/x"}))
    internet.names["example.org"] = [PUBLIC]
    with pytest.raises(ToolError, match="private or local address"):
        fetch("http://example.org/start")
    assert [seen.path for seen in internet.site.requests] == ["/start"]
    assert target.requests == []


@pytest.mark.parametrize("url", [
    "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",  # NAT64 of 169.254.169.254
    "http://[2002:a9fe:a9fe::]/",  # 6to4
    "http://[::a9fe:a9fe]/",  # IPv4-compatible
    "http://[::ffff:169.254.169.254]/",  # IPv4-mapped
    "http://[::ffff:127.0.0.1]:8080/",
    "http://[::ffff:0:a9fe:a9fe]/",  # IPv4-translated (RFC 2765)
    "http://[fec0::1]/",  # deprecated site-local
])
def test_ipv6_forms_that_carry_a_private_ipv4_address_are_refused(url, monkeypatch):
    monkeypatch.delenv("AGENTPLAT_FETCH_ALLOW_PRIVATE", raising=False)
    with pytest.raises(ToolError, match="private or local address"):
        fetch(url)
