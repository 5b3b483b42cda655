"""Benchmark: every page of the web workbench over real HTTP on a large demo archive.

    python benchmarks/web.py [--bitstreams 100000] [--requests 30] [--db sqlite|postgres]
                             [--archive DIR] [--keep]

Builds a demo archive of about N bitstreams (``bsf archive create-demo``, then cleanup, phases
0-2: the state before phase 3, with the old 1.5 formats still there for the heat map), adds an
administrator e-person with a DSpace 1.5 (MD5) password, starts ``bsf serve`` in its own
process on a free 127.0.0.1 port, logs in over HTTP, waits for the dashboard figures and the
identifier stack, runs one preview job, and then requests every page ``--requests`` times
(pages interleaved, after two warm-up rounds). Prints p50/p95 per page in milliseconds, the
server's resident memory after warm-up and at the end, its peak (VmHWM), and how long the
background dashboard computation took. The peer measured in the same run is the cheapest
page (the static stylesheet): the ratio shows what a page costs above the server's floor.

``--archive DIR`` reuses a folder an earlier ``--keep`` run left (its ``bsf.cfg``).
PostgreSQL: a throw-away database on ``BSF_BENCH_POSTGRES_URL`` (else
``BSF_TEST_POSTGRES_URL``, else the local server), dropped afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx2 as httpx

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
BITSTREAMS_PER_ITEM = 3.45
ADMIN = ("bench-admin@example.org", "bench-password")
BSF = [sys.executable, "-m", "bsf"]


def _pg_admin_url() -> str:
    from archive.db import normalise_url

    return normalise_url(os.environ.get("BSF_BENCH_POSTGRES_URL")
                         or os.environ.get("BSF_TEST_POSTGRES_URL") or PG_DEFAULT)


def build(folder: Path, bitstreams: int, db: str) -> Path:
    """A demo archive before phase 3 in ``folder``; returns its bsf.cfg."""
    (folder / "assetstore").mkdir(parents=True, exist_ok=True)
    if db == "sqlite":
        url = "sqlite:///${dspace.dir}/archive.db"
    else:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        name = f"bsf_bench_web_{uuid.uuid4().hex[:8]}"
        admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(_pg_admin_url()).set(database=name).render_as_string(
            hide_password=False)
    config = folder / "bsf.cfg"
    config.write_text(f"dspace.dir = {folder}\ndb.url = {url}\n"
                      "assetstore.dir = ${dspace.dir}/assetstore\n", encoding="utf-8")
    items = max(1, round(bitstreams / BITSTREAMS_PER_ITEM))
    started = time.perf_counter()
    steps = [["archive", "create-demo", "--items", str(items)],
             ["upgrade", "cleanup"], ["upgrade", "phase0"], ["upgrade", "phase1"],
             ["upgrade", "phase2"]]
    for step in steps:
        subprocess.run([*BSF, "-q", "--config", str(config), *step], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"built the archive in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return config


def add_admin(config: Path) -> None:
    from sqlalchemy import func, insert, select

    from archive.db import open_engine
    from archive.epersons import find_eperson, make_digest
    from archive.init import ADMIN_GROUP_ID
    from archive.schema import T16
    from bsfcore.settings import load_settings

    engine = open_engine(load_settings(str(config)).db_url)
    with engine.begin() as conn:
        if find_eperson(conn, ADMIN[0]) is None:
            next_id = int(conn.execute(select(func.max(T16.eperson.c.eperson_id))).scalar()
                          or 0) + 1
            conn.execute(insert(T16.eperson).values(
                eperson_id=next_id, email=ADMIN[0], password=make_digest(ADMIN[1]).hash_hex,
                can_log_in=True, firstname="Bench", lastname="Admin"))
            conn.execute(insert(T16.epersongroup2eperson).values(
                eperson_group_id=ADMIN_GROUP_ID, eperson_id=next_id))
            if conn.dialect.name == "postgresql":
                from archive.db import sync_sequences
                from archive.schema import META16

                sync_sequences(conn, META16)
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process in MiB."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token"
    return found.group(1)


def _wait(client: httpx.Client, url: str, ready: str, timeout: float = 600) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        response = client.get(url)
        if ready in response.text:
            return time.perf_counter() - started
        time.sleep(0.5)
    raise RuntimeError(f"{url} never became ready")


def pages(client: httpx.Client) -> dict[str, str]:
    """The pages to measure, with ids and keys taken from the archive itself."""
    board = client.get("/").text
    cell = re.search(r'<td class="heat[^"]*"[^>]*><a href="(/bitstreams\?[^"]+)"', board)
    ext = re.search(r'<a href="(/bitstreams\?ext=[^"]+)">', board)
    listing = client.get("/bitstreams?per=50&page=3").text
    ids = re.findall(r'href="/bitstreams/(\d+)"', listing)
    key = re.search(r'href="/formats/([^"]+)"', listing)
    found = {
        "dashboard": "/",
        "bitstreams": "/bitstreams",
        "bitstreams sort=name desc": "/bitstreams?sort=name&dir=desc",
        "bitstreams sort=format": "/bitstreams?sort=format",
        "bitstreams page 1000": "/bitstreams?page=1000",
        "bitstreams ext=pdf": "/bitstreams?ext=pdf",
        "bitstreams name_glob=*.jpg sort=size": "/bitstreams?name_glob=*.jpg&sort=size",
        "bitstreams confidence<=EXTENSION": "/bitstreams?confidence=%3C%3DEXTENSION",
        "bitstream": f"/bitstreams/{ids[len(ids) // 2]}",
        "formats search": "/formats?q=pdf",
        "subtypes": "/registries/subtypes",
        "jobs": "/jobs",
        "static css (floor)": "/static/style.css",
    }
    if cell:
        found["bitstreams heat-map cell"] = cell.group(1).replace("&amp;", "&")
    if ext:
        found["bitstreams unidentified ext"] = ext.group(1).replace("&amp;", "&")
    if key:
        found["format page"] = f"/formats/{key.group(1)}"
    return found


def measure(config: Path, requests: int) -> None:
    port = _free_port()
    env = {**os.environ, "BSF_WEB_SECRET": "benchmark"}
    server = subprocess.Popen([*BSF, "--config", str(config), "serve", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=120) as client:
            for _ in range(600):
                try:
                    client.get("/login")
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            token = _csrf(client.get("/login").text)
            client.post("/login", data={"email": ADMIN[0], "password": ADMIN[1],
                                        "csrf_token": token})
            summary_s = _wait(client, "/", "Old format → new format")
            token = _csrf(client.get("/bitstreams").text)
            job = client.post("/actions/reidentify", data={
                "csrf_token": token, "scope": "all", "ext": "css"}, follow_redirects=False)
            job_url = job.headers["location"]
            job_s = _wait(client, job_url + "/status", '"active":false')
            urls = pages(client)
            urls["job page"] = job_url
            for _ in range(2):  # warm-up: caches, the stack, the database's pages
                for url in urls.values():
                    client.get(url)
            rss_warm, _ = _rss(server.pid)
            times: dict[str, list[float]] = {name: [] for name in urls}
            for _ in range(requests):
                for name, url in urls.items():
                    started = time.perf_counter()
                    response = client.get(url)
                    times[name].append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        raise RuntimeError(f"{url}: HTTP {response.status_code}")
            rss_end, rss_peak = _rss(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    floor = statistics.median(times["static css (floor)"])
    print(f"{'page':40} {'p50 ms':>8} {'p95 ms':>8} {'p50/floor':>10}")
    for name, values in times.items():
        values.sort()
        p50 = statistics.median(values)
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
        print(f"{name:40} {p50:8.1f} {p95:8.1f} {p50 / floor:9.1f}x")
    worst = max(sorted(v)[min(len(v) - 1, round(0.95 * (len(v) - 1)))] for v in times.values())
    print(f"worst p95: {worst:.1f} ms over {requests} requests per page")
    print(f"dashboard figures ready after {summary_s:.1f} s (background); preview job "
          f"(ext=css) done in {job_s:.1f} s")
    print(f"server RSS: {rss_warm:.0f} MiB after warm-up, {rss_end:.0f} MiB at the end, "
          f"peak {rss_peak:.0f} MiB")


def _bitstream_count(config: Path) -> int:
    from sqlalchemy import func, select

    from archive.db import open_engine
    from archive.schema import T16
    from bsfcore.settings import load_settings

    engine = open_engine(load_settings(str(config)).db_url)
    with engine.connect() as conn:
        total = int(conn.execute(select(func.count()).select_from(T16.bitstream)).scalar_one())
    engine.dispose()
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bitstreams", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--archive", type=Path, help="reuse this folder's bsf.cfg")
    parser.add_argument("--keep", action="store_true", help="keep the archive")
    args = parser.parse_args()
    folder = args.archive or Path(tempfile.mkdtemp(prefix="bsf-bench-web-"))
    config = folder / "bsf.cfg"
    try:
        if args.archive is None:
            config = build(folder, args.bitstreams, args.db)
        add_admin(config)
        print(f"archive: {folder} ({_bitstream_count(config):,} bitstreams, {args.db})")
        measure(config, args.requests)
    finally:
        if args.archive is None and not args.keep:
            if args.db == "postgres":
                _drop_pg(config)
            shutil.rmtree(folder, ignore_errors=True)


def _drop_pg(config: Path) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from bsfcore.settings import load_settings

    name = make_url(load_settings(str(config)).db_url).database
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


if __name__ == "__main__":
    main()
