"""Issue 13, finding 2: webhook destinations cannot reach the server's own network (SSRF).

Before: only the scheme was checked; 127.0.0.1, [::1], port 6379 and 169.254.169.254 were accepted and
contacted, and `lastStatus` ("200", "ReadError", "ConnectError") worked as a port scanner. Ranges per
the IANA special-purpose registries (RFC 6890), as encoded in Python's `ipaddress`.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests import factories
from tests.security.conftest import Receiver
from zhijian.platform import outbound
from zhijian.platform.errors import DomainError
from zhijian.trace import epcis_service
from zhijian.trace.models import Subscription

LD = {"content-type": "application/ld+json"}

REFUSED = [
    "http://127.0.0.1/", "https://127.0.0.1/", "https://127.0.0.1:6379/", "https://[::1]/", "https://[::1]:6379/x",
    "https://169.254.169.254/latest/meta-data/", "https://10.0.0.5/", "https://172.16.0.1/", "https://192.168.1.1/",
    "https://0.0.0.0/", "https://[::]/", "https://[::ffff:127.0.0.1]/", "https://[::ffff:169.254.169.254]/",
    "https://100.100.100.200/", "https://[fd00:ec2::254]/", "https://224.0.0.1/", "https://240.0.0.1/",
    "https://[fe80::1]/", "https://[2002:7f00:1::]/", "https://2130706433/", "https://0x7f.1/",
    "http://93.184.215.14/",  # public, but plain http is off by default
    "ftp://93.184.215.14/", "file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", "https://u:p@93.184.215.14/",
    "https:///nohost", "https://93.184.215.14:99999/", "https://exa mple.com/", "",
]


@pytest.mark.parametrize("url", REFUSED)
def test_refused_destinations(url: str, monkeypatch):
    monkeypatch.delenv("ZHIJIAN_OUTBOUND_ALLOW", raising=False)
    monkeypatch.delenv("ZHIJIAN_OUTBOUND_HTTP", raising=False)
    with pytest.raises(DomainError) as exc:
        # a resolver that would send names like "2130706433" to loopback, as the C library does
        outbound.check_destination(url, resolve=lambda h, p: [ipaddress.ip_address(socket.inet_aton(h))]
                                   if h[0].isdigit() else [])
    assert exc.value.status == 422 and exc.value.field == "dest"
    assert exc.value.code == "outbound.forbidden_destination"


def test_names_resolving_inside_are_refused_and_public_ones_pass(monkeypatch):
    monkeypatch.delenv("ZHIJIAN_OUTBOUND_ALLOW", raising=False)
    inside = {"rebind.test": ["93.184.215.14", "127.0.0.1"], "meta.test": ["169.254.169.254"]}
    for host, addrs in inside.items():
        with pytest.raises(DomainError):  # one bad address among several is enough
            outbound.check_destination(f"https://{host}/hook",
                                       resolve=lambda h, p, a=addrs: [ipaddress.ip_address(x) for x in a])
    t = outbound.check_destination("https://hooks.example.com/in",
                                   resolve=lambda h, p: [ipaddress.ip_address("93.184.215.14")])
    assert (t.host, t.port, str(t.address)) == ("hooks.example.com", 443, "93.184.215.14")
    with pytest.raises(DomainError):  # unresolvable: same answer as internal (no oracle)
        outbound.check_destination("https://nx.example.com/", resolve=lambda h, p: (_ for _ in ()).throw(OSError()))


def test_allowlist_admits_hosts_and_cidrs():
    pol = outbound.policy({"ZHIJIAN_OUTBOUND_ALLOW": "10.1.0.0/16, hooks.internal", "ZHIJIAN_OUTBOUND_HTTP": "1"})
    assert str(outbound.check_destination("http://10.1.2.3:8080/x", pol=pol).address) == "10.1.2.3"
    outbound.check_destination("https://hooks.internal/", pol=pol,
                               resolve=lambda h, p: [ipaddress.ip_address("192.168.7.7")])
    with pytest.raises(DomainError):
        outbound.check_destination("http://10.2.0.1/", pol=pol)
    with pytest.raises(DomainError):
        outbound.check_destination("http://127.0.0.1/", pol=pol)


class _Scripted(BaseHTTPRequestHandler):
    hits: list[tuple[str, str]] = []

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("content-length") or 0))
        type(self).hits.append((self.path, self.headers.get("host", "")))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/target")
            self.end_headers()
        elif self.path == "/boom":
            self.send_response(500)
            self.end_headers()
        elif self.path == "/slow":
            time.sleep(2)
            self.send_response(204)
            self.end_headers()
        elif self.path == "/huge":
            self.send_response(200)
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.end_headers()
            try:
                for _ in range(50 * 16):
                    self.wfile.write(b"x" * 65536)
            except OSError:
                pass
        else:
            self.send_response(204)
            self.end_headers()

    def log_message(self, *a: object) -> None:
        pass


@pytest.fixture
def scripted():  # type: ignore[no-untyped-def]
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    _Scripted.hits = []
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_status_reveals_nothing_but_delivered_or_http_code(scripted, allow_loopback):
    base = f"http://127.0.0.1:{scripted}"
    assert outbound.post(base + "/ok", b"{}", {}).status == "delivered"
    assert outbound.post(base + "/boom", b"{}", {}).status == "failed (HTTP 500)"
    # no redirect is followed: the target path is never contacted
    assert outbound.post(base + "/redirect", b"{}", {}).status == "failed (HTTP 302)"
    assert [p for p, _h in _Scripted.hits].count("/target") == 0
    # a closed port, a timeout and a refused address all read the same
    assert outbound.post(f"http://127.0.0.1:{_closed_port()}/", b"{}", {}).status == "failed"
    t0 = time.monotonic()
    assert outbound.post(base + "/slow", b"{}", {}, timeout=0.3).status == "failed"
    assert time.monotonic() - t0 < 1.5
    t0 = time.monotonic()
    assert outbound.post(base + "/huge", b"{}", {}, max_response_bytes=1024).status == "delivered"
    assert time.monotonic() - t0 < 5  # stopped reading after the bound, not after 50 MB


def test_connects_to_the_checked_address_with_the_name_as_host(scripted, monkeypatch):
    """DNS rebinding: the name is resolved once, checked, and that very address is connected to."""
    monkeypatch.setenv("ZHIJIAN_OUTBOUND_ALLOW", "hooks.test")
    monkeypatch.setenv("ZHIJIAN_OUTBOUND_HTTP", "1")
    calls: list[str] = []

    def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        calls.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    out = outbound.post(f"http://hooks.test:{scripted}/named", b"{}", {}, resolve=resolve)
    assert out.status == "delivered" and calls == ["hooks.test"]  # ("hooks.test" is in no DNS)
    assert _Scripted.hits == [("/named", f"hooks.test:{scripted}")]
    # a name that resolves to loopback without the allowlist is never contacted
    monkeypatch.delenv("ZHIJIAN_OUTBOUND_ALLOW")
    assert outbound.post(f"http://evil.test:{scripted}/evil", b"{}", {}, resolve=resolve).status == "failed"
    assert [p for p, _h in _Scripted.hits] == ["/named"]


def test_subscription_api_refuses_internal_destinations(client, db, login, monkeypatch, receiver: Receiver):
    """The finding's probes through the API: 422 naming `dest`, and the listener is never contacted."""
    monkeypatch.delenv("ZHIJIAN_OUTBOUND_ALLOW", raising=False)
    monkeypatch.delenv("ZHIJIAN_OUTBOUND_HTTP", raising=False)
    uid = factories.uid()
    with db.session() as s:
        ent = factories.enterprise(s)
    h = {**login("enterprise", ent), **LD}
    name = f"ssrf_{uid}"
    assert client.post("/epcis/queries", json={"name": name, "query": {"EQ_bizStep": "shipping"}},
                       headers=h).status_code == 201
    for dest in (receiver.url("/x"), f"https://127.0.0.1:{receiver.port}/x", "https://[::1]:6379/",
                 "http://127.0.0.1:6379/", "https://169.254.169.254/latest/meta-data/"):
        r = client.post(f"/epcis/queries/{name}/subscriptions", json={"dest": dest, "stream": True}, headers=h)
        assert r.status_code == 422, (dest, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        body = r.json()
        assert body["field"] == "dest" and body["code"] == "outbound.forbidden_destination"
        assert body["message_zh"] and body["message_en"]
    assert client.get(f"/epcis/queries/{name}/subscriptions", headers=h).json() == []
    assert receiver.received == []


def test_delivery_rechecks_the_destination(client, db, login, monkeypatch, receiver: Receiver):
    """Admitted when created, refused at delivery once the admin withdraws the allowlist: nothing sent."""
    monkeypatch.setenv("ZHIJIAN_OUTBOUND_ALLOW", "127.0.0.1")
    monkeypatch.setenv("ZHIJIAN_OUTBOUND_HTTP", "1")
    uid = factories.uid()
    with db.session() as s:
        ent = factories.enterprise(s)
    h = {**login("enterprise", ent), **LD}
    name = f"recheck_{uid}"
    client.post("/epcis/queries", json={"name": name, "query": {"EQ_bizStep": "shipping"}, }, headers=h)
    r = client.post(f"/epcis/queries/{name}/subscriptions", json={"dest": receiver.url("/late"),
                                                                 "reportIfEmpty": True, "stream": True}, headers=h)
    assert r.status_code == 201, r.text
    monkeypatch.delenv("ZHIJIAN_OUTBOUND_ALLOW")
    with db.session() as s:  # make it due regardless of new events
        s.get(Subscription, r.json()["subscriptionID"]).report_if_empty = True  # type: ignore[union-attr]
    epcis_service.deliver_subscriptions(db)
    assert receiver.bodies("/late") == []
    subs = client.get(f"/epcis/queries/{name}/subscriptions", headers=h).json()
    assert [x["lastStatus"] for x in subs] == ["failed"]
