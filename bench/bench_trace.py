"""Benchmarks of the trace room (prints figures; not a test).

    .venv/bin/python bench/bench_trace.py --db sqlite:////tmp/bench.sqlite3 --codes 1000000 --events 200000
    .venv/bin/python bench/bench_trace.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test --codes 10000000

Measures, on the given database (created fresh and migrated; PostgreSQL in its own schema):
1. code generation rate (CSPRNG + keyed MAC, no I/O) and issuance persisted rate (COPY / executemany);
2. EPCIS capture rate (documents of 1 000 ObjectEvents, schema-validated, set-based insert);
3. trace of one unit (p50/p99) with the captured events stored (aggregations included);
4. verification over HTTP on loopback: a uvicorn server process (uvloop + httptools) and a load generator in a
   second process — wrk (`make bench` installs it) walking shuffled codes, or a lean asyncio client without it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing as mp
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def fresh_url(url: str, keep: str = "") -> tuple[str, Callable[[], None]]:
    """A fresh database (SQLite file, PostgreSQL schema) and how to drop it; `keep`: a named PostgreSQL schema,
    created when missing and never dropped (a 10,000,000-code database takes minutes to issue)."""
    if keep and url.startswith("postgresql"):
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{keep}"'))
        admin.dispose()
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}options=-csearch_path%3D{keep}", lambda: None
    if url.startswith("sqlite"):
        p = Path(url.split("sqlite:///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(p) + suffix).unlink(missing_ok=True)
        return url, lambda: None
    if url.startswith("postgresql"):
        name = "zjbench_" + uuid.uuid4().hex[:8]
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE SCHEMA "{name}"'))

        def drop() -> None:
            with admin.connect() as c:
                c.execute(text(f'DROP SCHEMA "{name}" CASCADE'))

        sep = "&" if "?" in url else "?"
        return f"{url}{sep}options=-csearch_path%3D{name}", drop
    return url, lambda: None


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def bench_issue(db, n: int) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    from tests import factories
    from zhijian.platform.auth import SYSTEM
    from zhijian.trace import rules, service

    key = rules.new_key()
    t = time.perf_counter()
    done = 0
    while done < n:
        k = min(200_000, n - done)
        rules.generate_serials(key, 0, "06901234567892", k)
        done += k
    gen = n / (time.perf_counter() - t)
    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s)
        p = factories.product(s, ent, gtin=factories.new_gtin(), name="基准测试产品")
        pid, gtin = p.id, p.gtin
    t = time.perf_counter()
    with db.session(SYSTEM) as s:
        service.issue_codes(s, SYSTEM, service.IssueRequest(product_id=pid, lot="BENCH", quantity=n),
                            host="id.zhijian.example", chunk=100_000)
    persisted = n / (time.perf_counter() - t)
    print(f"issue: generated {gen:,.0f} codes/s ({n:,} codes, no I/O); persisted {persisted:,.0f} codes/s "
          f"({n:,} codes, one transaction, {db.backend})", flush=True)
    assert gtin is not None
    return str(pid), gtin.zfill(14), "BENCH"


def reuse_or_issue(db, n: int) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """The bench product's codes when a kept database already holds `n` of them, else issue them."""
    from zhijian.catalog.models import Product
    from zhijian.trace.models import Code

    with db.engine.connect() as c:
        row = c.execute(select(Product.id, Product.gtin).where(Product.name == "基准测试产品")
                        .order_by(Product.id.desc()).limit(1)).first()
        have = row is not None and (c.execute(select(text("count(*)")).select_from(Code)
                                              .where(Code.gtin == str(row.gtin).zfill(14))).scalar() or 0) >= n
    if row is not None and have:
        print(f"issue: reusing {n:,}+ codes of the kept database", flush=True)
        return str(row.id), str(row.gtin).zfill(14), "BENCH"
    return bench_issue(db, n)


def _doc(start: int, n: int, gtin: str) -> dict[str, Any]:
    from zhijian.trace.epcis import EPCIS_CONTEXT

    evs: list[dict[str, Any]] = []
    for i in range(start, start + n):
        if i % 10 == 9:  # every 10th event packs the previous 9 units into a case
            evs.append({"type": "AggregationEvent", "eventTime": f"2026-03-01T08:{(i // 60) % 60:02d}:{i % 60:02d}Z",
                        "eventTimeZoneOffset": "+08:00", "action": "ADD", "bizStep": "packing",
                        "parentID": f"https://id.gs1.org/00/36901234{i:010d}",
                        "childEPCs": [f"https://id.gs1.org/01/{gtin}/21/U{j}" for j in range(i - 9, i)]})
        else:
            evs.append({"type": "ObjectEvent", "eventTime": f"2026-03-01T08:{(i // 60) % 60:02d}:{i % 60:02d}Z",
                        "eventTimeZoneOffset": "+08:00", "action": "ADD", "bizStep": "commissioning",
                        "disposition": "active", "epcList": [f"https://id.gs1.org/01/{gtin}/21/U{i}"],
                        "bizLocation": {"id": "https://id.gs1.org/414/6901234000019"}})
    return {"@context": [EPCIS_CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-03-01T00:00:00Z", "epcisBody": {"eventList": evs}}


def _capture_zhijian(db, docs: list[dict[str, Any]]) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """zhijian's capture of the documents through the service function, one transaction each →
    (seconds, seconds inside the row writers: on PostgreSQL the COPY streams, during which the events are also
    validated, hashed and indexed one by one as they stream; elsewhere the multi-row inserts)."""
    from zhijian.platform.auth import SYSTEM
    from zhijian.trace import epcis_service

    real = {name: getattr(epcis_service, name) for name in ("copy_rows", "insert_rows")}
    inside = [0.0]

    def timed(name: str):  # type: ignore[no-untyped-def]
        def call(*a: object) -> object:
            t0 = time.perf_counter()
            try:
                return real[name](*a)
            finally:
                inside[0] += time.perf_counter() - t0
        return call

    for name in real:
        setattr(epcis_service, name, timed(name))
    t = time.perf_counter()
    try:
        for doc in docs:
            with db.session(SYSTEM) as s:
                epcis_service.capture(s, SYSTEM, doc)
    finally:
        for name, fn in real.items():
            setattr(epcis_service, name, fn)
    return time.perf_counter() - t, inside[0]


def _capture_api(db, docs: list[dict[str, Any]], senders: int = 4) -> float:  # type: ignore[no-untyped-def]
    """zhijian's capture through the HTTP API: `zhijian serve`'s app under uvicorn (2 workers), an enterprise user's
    bearer token, each document POSTed to /epcis/capture (JSON-LD, encoded beforehand), `senders` at a time (more
    connections than workers, so that both workers get some: two could both land on one); every
    answer must be 202 with all events captured → seconds from the first POST to the last answer."""
    import json
    import threading

    import httpx

    from tests import factories
    from zhijian.platform.auth import SYSTEM

    with db.session(SYSTEM) as s:
        ent = factories.enterprise(s)
        username = factories.user(s, "enterprise", ent).username
    bodies = [json.dumps(d, ensure_ascii=False).encode() for d in docs]
    port = _free_port()
    env = {**os.environ, "ZHIJIAN_DATABASE_URL": db.url, "ZHIJIAN_PUBLIC_RATE_LIMIT": "0", "ZHIJIAN_SCHEDULER": "0",
           "ZHIJIAN_SECRET_KEY": "bench", "ZHIJIAN_LOG_JSON": "1", "ZHIJIAN_JOBS_BACKEND": "inprocess"}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "--workers", "2", "--log-level", "warning",
                               "--no-access-log", "zhijian.platform.app:serve_app", "--factory", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=open("/tmp/zhijian-bench-server.log", "a"))  # noqa: SIM115
    try:
        _wait_up(port)
        base = f"http://127.0.0.1:{port}"
        token = httpx.post(f"{base}/api/v1/auth/token", json={"username": username, "password": "correct horse 1"},
                           timeout=60).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"}
        todo = list(range(len(bodies)))
        bad: list[str] = []
        lock = threading.Lock()

        def send() -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=300) as c:
                while True:
                    with lock:
                        if not todo:
                            return
                        i = todo.pop(0)
                    r = c.post("/epcis/capture", content=bodies[i])
                    out = r.json() if r.status_code == 202 else {}
                    if not out.get("success") or out.get("capturedEvents") != len(docs[i]["epcisBody"]["eventList"]):
                        bad.append(f"{r.status_code} {r.text[:200]}")

        t = time.perf_counter()
        threads = [threading.Thread(target=send) for _ in range(senders)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        took = time.perf_counter() - t
        if bad:
            raise SystemExit(f"capture through the API refused documents: {bad[:3]}")
        return took
    finally:
        server.terminate()
        server.wait(timeout=30)


def bench_capture_and_trace(db, n_events: int, gtin: str, rounds: int = 1) -> None:  # type: ignore[no-untyped-def]
    """Capture of documents of 1,000 events; on PostgreSQL beside the raw COPY of the same rows
    (bench/baseline_capture.py), in `rounds` rounds of fresh events that alternate which of the two runs first
    (a swing of the shared machine's load hits both; the tables grow alike)."""
    from zhijian.platform.auth import SYSTEM
    from zhijian.trace import service

    per_doc = 1000
    shares = []
    for rnd in range(1, rounds + 1):
        offset = (rnd - 1) * n_events
        docs = [_doc(offset + start, min(per_doc, n_events - start), gtin) for start in range(0, n_events, per_doc)]
        order = ("zhijian", "api", "baseline") if rnd % 2 or db.backend != "postgresql" else ("baseline", "api", "zhijian")
        rates: dict[str, float] = {}
        for name in order:
            if name == "api":  # fresh events (the in-process round's are stored): the same shapes, other serials
                api_docs = [_doc(offset + 50_000_000 + start, min(per_doc, n_events - start), gtin)
                            for start in range(0, n_events, per_doc)]
                rates[name] = n_events / _capture_api(db, api_docs)
                print(f"capture, round {rnd}: through the HTTP API {rates[name]:,.0f} events/s (POST /epcis/capture, "
                      f"4 senders, 2 server workers, {load()})", flush=True)
            elif name == "zhijian":
                took, inside = _capture_zhijian(db, docs)
                rates[name] = n_events / took
                print(f"capture, round {rnd}: {rates[name]:,.0f} events/s ({n_events:,} events in documents of "
                      f"{per_doc}, validated, hashed; in the row writers {inside:.1f} s of {took:.1f} s, {load()})",
                      flush=True)
            elif db.backend == "postgresql":
                sys.path.insert(0, str(ROOT / "bench"))
                from baseline_capture import copy_documents, prepared_buffers

                rates[name] = n_events / copy_documents(db.url, prepared_buffers(docs, salt=f"round {rnd}"))
                print(f"capture, round {rnd}: raw COPY of the same rows {rates[name]:,.0f} events/s ({load()})",
                      flush=True)
        if "baseline" in rates:
            print(f"capture share through the API, round {rnd}: {rates['api']:,.0f} / raw COPY {rates['baseline']:,.0f} "
                  f"events/s = {rates['api'] / rates['baseline']:.0%}", flush=True)
            shares.append(rates["zhijian"] / rates["baseline"])
            print(f"capture share, round {rnd}: zhijian {rates['zhijian']:,.0f} / raw COPY of the same rows "
                  f"{rates['baseline']:,.0f} events/s = {shares[-1]:.0%} (target ≥ 50 %, ≥ 5 000 events/s); "
                  f"{'zhijian' if order[0] == 'zhijian' else 'raw COPY'} first; {load()}", flush=True)
    if shares:
        print(f"capture share: median {statistics.median(shares):.0%} over {len(shares)} alternating rounds "
              f"({', '.join(f'{x:.0%}' for x in shares)})", flush=True)
    rng = random.Random(7)
    times = []
    for _ in range(300):
        i = rng.randrange(0, n_events)
        i -= 1 if i % 10 == 9 else 0
        t = time.perf_counter()
        with db.session() as s:
            out = service.trace_unit(s, SYSTEM, f"https://id.gs1.org/01/{gtin}/21/U{i}")
        times.append((time.perf_counter() - t) * 1000)
        assert out["events"]
    print(f"trace one unit: p50 {statistics.median(times):.1f} ms, p99 {pct(times, 99):.1f} ms "
          f"(300 units, {n_events:,} events stored)", flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> tuple[int, bytes]:
    """One keep-alive HTTP/1.1 GET on an open connection → (status, body).

    The load generator is deliberately lean (like wrk): an HTTP client library costs ~5 ms CPU per request,
    more than the server, and on a 2-core machine it would measure the client instead of the server."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return status, await reader.readexactly(length)


def _load(port: int, paths: list[str], seconds: float, concurrency: int, q: mp.Queue[Any]) -> None:
    import json

    async def run() -> tuple[int, list[float], int, float]:
        lat: list[float] = []
        errors = 0
        idx = 0
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal idx, errors
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                while time.perf_counter() < deadline and idx < len(paths):
                    path = paths[idx]
                    idx += 1
                    t = time.perf_counter()
                    status, body = await _get(reader, writer, path)
                    lat.append((time.perf_counter() - t) * 1000)
                    if status != 200 or json.loads(body).get("answer") not in ("genuine_first", "genuine_repeat"):
                        errors += 1
            finally:
                writer.close()

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return len(lat), lat, errors, time.perf_counter() - t0

    n, lat, errors, elapsed = asyncio.run(run())
    q.put((n, lat, errors, elapsed))


WRK_SCRIPT = """
local paths, n, i = {}, 0, 0
for line in io.lines(os.getenv("ZJ_PATHS")) do n = n + 1; paths[n] = line end
local threads = {}
function setup(thread) thread:set("id", #threads); table.insert(threads, thread) end
function init(args) i = math.floor(n * id / tonumber(os.getenv("ZJ_THREADS"))) end
wrk.headers["Accept"] = "application/json"
function request() i = i + 1; return wrk.format("GET", paths[(i % n) + 1]) end
"""


def _ms(value: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)):
        if value.endswith(unit):
            return float(value[: -len(unit)]) * factor
    return float(value)


def _wrk(port: int, paths: list[str], seconds: float, concurrency: int) -> tuple[float, float, float, int, int]:
    """wrk (C, Debian's package) with a Lua script that walks the shuffled paths, one slice per thread:
    → (req/s, p50 ms, p99 ms, requests, non-2xx responses)."""
    import re
    import tempfile

    threads = 2
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "paths.txt").write_text("\n".join(paths) + "\n")
        Path(tmp, "walk.lua").write_text(WRK_SCRIPT)
        out = subprocess.run(["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds:.0f}s", "--latency",
                              "-s", str(Path(tmp, "walk.lua")), f"http://127.0.0.1:{port}"],
                             env={**os.environ, "ZJ_PATHS": str(Path(tmp, "paths.txt")), "ZJ_THREADS": str(threads)},
                             capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rate, p50, p99, total, int(bad.group(1)) if bad else 0


def _wait_up(port: int) -> None:
    import httpx

    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
  uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  upstream zhijian {{ {servers} keepalive 64; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://zhijian;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
    }}
  }}
}}
"""


def _nginx(ports: list[int], tmp: str) -> tuple[subprocess.Popen[bytes], int]:
    """nginx (Debian's package; `make bench` installs it) in front of the given server ports, round robin with
    keep-alive upstream connections, no access log → (process, its port)."""
    port = _free_port()
    conf = Path(tmp, "nginx.conf")
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, servers=" ".join(f"server 127.0.0.1:{p};" for p in ports)))
    proc = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-p", tmp, "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=open("/tmp/zhijian-bench-server.log", "a"))  # noqa: SIM115
    _wait_up(port)
    return proc, port


def _run_server(cmd: list[str], env: dict[str, str], paths: list[str], seconds: float,
                concurrency: int, processes: int = 0) -> tuple[str, float, float, float, int, int, float, float]:
    """Start a server (or, with `processes`, that many single-worker servers behind nginx), warm it, load it with
    wrk (or the lean asyncio client) → (tool, req/s, p50 ms, p99 ms, requests, errors, wall s, server CPU s).
    Behind the proxy the server CPU counts the servers and nginx."""
    import tempfile

    import httpx

    ports = [_free_port() for _ in range(max(processes, 1))]
    servers = [subprocess.Popen([*cmd, "--host", "127.0.0.1", "--port", str(p)], env=env, cwd=ROOT,
                                stdout=subprocess.DEVNULL,
                                stderr=open("/tmp/zhijian-bench-server.log", "a"))  # noqa: SIM115
               for p in ports]
    tmp = tempfile.mkdtemp(prefix="zj-nginx-")
    proxy: subprocess.Popen[bytes] | None = None
    try:
        for p in ports:
            _wait_up(p)
        port = ports[0]
        if processes:
            proxy, port = _nginx(ports, tmp)
        up = time.monotonic()
        # warm-up (key and product caches of each worker)
        for p in paths[:50 * len(ports)]:
            httpx.get(f"http://127.0.0.1:{port}{p}", headers={"accept": "application/json"}, timeout=120)
        _settle(env.get("ZHIJIAN_DATABASE_URL", ""), up)
        pids = [s.pid for s in servers] + ([proxy.pid] if proxy else [])
        cpu0 = sum(_tree_cpu(pid) for pid in pids)
        t0 = time.perf_counter()
        if shutil.which("wrk"):
            tool = "wrk"
            rate, p50, p99, n, errors = _wrk(port, paths, seconds, concurrency)
        else:  # `make bench` installs wrk; without it, the lean asyncio client in a second process
            tool = "asyncio client"
            q: mp.Queue[Any] = mp.Queue()
            proc = mp.Process(target=_load, args=(port, paths, seconds, concurrency, q))
            proc.start()
            n, lat, errors, elapsed = q.get(timeout=seconds + 120)
            proc.join()
            rate, p50, p99 = n / elapsed, statistics.median(lat), pct(lat, 99)
        wall = time.perf_counter() - t0
        server_cpu = sum(_tree_cpu(pid) for pid in pids) - cpu0
    finally:
        for s in (*servers, *([proxy] if proxy else [])):
            s.terminate()
        for s in (*servers, *([proxy] if proxy else [])):
            s.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    return tool, rate, p50, p99, n, errors, wall, server_cpu


def _settle(url: str, up: float) -> None:
    """Wait for the server's start-up work to end before measuring: each worker's scheduler queues every periodic
    job at its first tick (5 s after start; daily jobs such as the risk scan and credit recompute), which would put a
    day's background CPU into a 20-second figure. Past the first tick, wait until no job is queued or running
    (at most 60 s). Done for both servers alike."""
    time.sleep(max(0.0, up + 6.5 - time.monotonic()))
    eng = create_engine(url)
    try:
        for _ in range(600):
            with eng.connect() as c:
                busy = c.execute(text("SELECT count(*) FROM job WHERE status IN ('queued', 'running')")).scalar()
            if not busy:
                return
            time.sleep(0.1)
    finally:
        eng.dispose()


def verify_paths(url: str, gtin: str, lot: str, distinct: int, skip: int = 0) -> tuple[list[str], int]:
    """`distinct` shuffled resolver paths of genuine codes (the slice after the first `skip`), each counted once
    beforehand (every measured scan is a repeat) → (paths, codes stored). Each measurement takes its own slice, so
    no code reaches the burst threshold (5 scans in 10 minutes) over the run's several measurements."""
    from sqlalchemy import bindparam

    from zhijian.trace.models import Code

    eng = create_engine(url)
    with eng.connect() as c:
        serials = list(c.execute(select(Code.serial).where(Code.gtin == gtin).order_by(Code.serial)
                                 .offset(skip).limit(distinct)).scalars())
        total = int(c.execute(text("SELECT count(*) FROM trace_code")).scalar() or 0)
    random.Random(3).shuffle(serials)
    with eng.begin() as c:
        c.execute(text("UPDATE trace_code SET scan_count = 1, first_scan_at = :now, first_scan_city = '3301' "
                       "WHERE gtin = :g AND serial IN :serials").bindparams(bindparam("serials", expanding=True)),
                  {"now": dt.datetime.now(dt.UTC).replace(tzinfo=None), "g": gtin, "serials": serials})
    eng.dispose()
    return [f"/01/{gtin}/10/{lot}/21/{s}?region=330106" for s in serials], total


def bench_verify(url: str, gtin: str, lot: str, seconds: float, concurrency: int, workers: int,
                 distinct: int = 50_000, rounds: int = 2, processes: int = 0, redis_url: str | None = None,
                 skip: int = 0) -> float:
    """zhijian's resolver and the lean baseline (bench/baseline_verify.py) in one run, on the same data and the
    same paths: `distinct` codes, scanned once by the warm-up pass, so every measured request is a repeat scan of
    a genuine code (wrk walks the list cyclically). Prints both figures and the share; returns the median share.

    `processes` > 0: that many single-worker servers of each behind nginx (round robin, keep-alive upstream), with
    zhijian as deployed behind a proxy — X-Forwarded-For trusted from 127.0.0.1 and, with `redis_url`, the public
    rate limit counted in Redis for every request (limit 10,000,000/min: counted, never refused).

    `distinct` is large enough that no code reaches the burst signal (5 scans within 10 minutes) during the rounds:
    with 5,000 codes walked by both servers at ~1,000 req/s, every code passed it in the second round, and zhijian
    stored a burst signal per code (one more INSERT per request) where the baseline does nothing — a figure of the
    signal path, not of a repeat scan."""
    paths, total = verify_paths(url, gtin, lot, distinct, skip)
    base_env = {**os.environ, "ZHIJIAN_DATABASE_URL": url, "ZHIJIAN_PUBLIC_RATE_LIMIT": "0", "ZHIJIAN_LOG_JSON": "1",
                "ZHIJIAN_SECRET_KEY": "bench", "ZJ_BASELINE_URL": url, "ZHIJIAN_JOBS_BACKEND": "inprocess"}
    setup = f"{workers} server workers each"
    if processes:
        base_env["ZHIJIAN_TRUSTED_PROXIES"] = "127.0.0.1"
        setup = f"{processes} single-worker processes each behind nginx"
        if redis_url:
            base_env.update(ZHIJIAN_REDIS_URL=redis_url, ZHIJIAN_PUBLIC_RATE_LIMIT="10000000")
            setup += ", rate limit and enumeration guard in Redis"
    uv = [sys.executable, "-m", "uvicorn", "--workers", str(1 if processes else workers), "--log-level", "warning",
          "--no-access-log"]
    cmds = (("zhijian", [*uv, "zhijian.platform.app:serve_app", "--factory"]),
            ("baseline", [*uv, "bench.baseline_verify:app"]))
    label = f"verify{f' via nginx, {processes} process' + ('es' if processes > 1 else '') if processes else ''}"
    shares = []
    for rnd in range(1, rounds + 1):  # alternate the two servers: a load swing of the shared machine hits both
        runs = {}
        loads = {}
        for name, cmd in cmds if rnd % 2 else cmds[::-1]:
            runs[name] = _run_server(cmd, base_env, paths, seconds, concurrency, processes)
            loads[name] = load()
        for name, (tool, rate, p50, p99, n, errors, wall, cpu) in runs.items():
            print(f"{label}, round {rnd}, {name:8s} ({tool}): {rate:,.0f} req/s, p50 {p50:.1f} ms, p99 "
                  f"{p99:.1f} ms, {errors} non-2xx ({n:,} requests in {wall:.1f} s; server CPU {cpu:.1f} s ≈ "
                  f"{cpu / max(n, 1) * 1000:.2f} ms/request; {loads[name]})", flush=True)
        z, b = runs["zhijian"], runs["baseline"]
        if z[5] or b[5]:
            print(f"{label} share: NOT COMPARABLE — non-2xx answers (zhijian {z[5]}, baseline {b[5]}); see "
                  "/tmp/zhijian-bench-server.log", flush=True)
        shares.append(z[1] / max(b[1], 1e-9))
        print(f"{label} share, round {rnd}: zhijian {z[1]:,.0f} / baseline {b[1]:,.0f} req/s = {shares[-1]:.0%} "
              f"(target ≥ 50 %); p99 {z[3]:.1f} ms vs {b[3]:.1f} ms (target < 50 ms); CPU/request "
              f"{z[7] / max(z[4], 1) * 1000:.2f} vs {b[7] / max(b[4], 1) * 1000:.2f} ms — {concurrency} connections, "
              f"{setup}, {total:,} codes stored, {db_backend(url)}", flush=True)
    median = statistics.median(shares)
    print(f"{label} share: median {median:.0%} over {rounds} alternating rounds "
          f"({', '.join(f'{x:.0%}' for x in shares)})", flush=True)
    return median


def load() -> str:
    """The machine's 1-minute load average (the machine is shared: every figure is printed with it)."""
    return f"load average {os.getloadavg()[0]:.1f}"


def db_backend(url: str) -> str:
    """The backend's name for the figures ("citus" for a PostgreSQL coordinator with the citus extension)."""
    name = url.split(":", 1)[0].split("+", 1)[0]
    if name == "postgresql":
        eng = create_engine(url)
        try:
            with eng.connect() as c:
                if c.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'citus'").scalar():
                    return "citus (coordinator + workers)"
        finally:
            eng.dispose()
    return name


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its live descendants, from /proc (uvicorn's workers are
    children of the server process; their rusage only reaches us after they exit)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite:////tmp/zhijian-bench.sqlite3")
    ap.add_argument("--codes", type=int, default=1_000_000)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--distinct", type=int, default=50_000, help="codes walked by the verification rounds")
    ap.add_argument("--rounds", type=int, default=2, help="alternating zhijian/baseline rounds (verification and capture)")
    ap.add_argument("--skip", default="", help="comma list of issue,capture,verify")
    ap.add_argument("--proxy", default="", help="comma list of process counts behind nginx, e.g. 1,2,4")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/15",
                    help="Redis for the proxied runs' shared rate limit and guard ('' → none)")
    ap.add_argument("--keep", default="", help="PostgreSQL: keep the data in this schema and reuse it next time")
    ap.add_argument("--distribute", action="store_true",
                    help="Citus coordinator: distribute the tables (zhijian db distribute) before issuing")
    args = ap.parse_args()
    url, drop = fresh_url(args.db, args.keep)
    from zhijian.platform import migrate
    from zhijian.platform.db import Database
    from zhijian.platform.demo import seed_reference_data

    try:
        migrate.upgrade(url)
        if args.distribute:
            from zhijian.platform.distribute import distribute

            engine = create_engine(url)
            print("distribute: " + "; ".join(o.line() for o in distribute(engine)), flush=True)
            engine.dispose()
        db = Database(url)
        seed_reference_data(db)
        print(f"database: {db.backend}", flush=True)
        _pid, gtin, lot = reuse_or_issue(db, args.codes)
        if "capture" not in args.skip:
            bench_capture_and_trace(db, args.events, gtin, rounds=args.rounds)
        if "verify" not in args.skip:
            bench_verify(url, gtin, lot, args.seconds, args.concurrency, args.workers,
                         distinct=min(args.distinct, args.codes), rounds=args.rounds)
        distinct = min(args.distinct, args.codes)
        for i, processes in enumerate(int(x) for x in args.proxy.split(",") if x):
            bench_verify(url, gtin, lot, args.seconds, args.concurrency, args.workers, distinct=distinct,
                         rounds=args.rounds, processes=processes, redis_url=args.redis or None,
                         skip=(i + 1) * distinct if (i + 2) * distinct <= args.codes else 0)
        db.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
