"""Load test: `envscreen serve` with 2 worker processes on loopback, N clients for T seconds.

    .venv/bin/python scripts/loadtest.py                  # 16 clients, 15 s
    .venv/bin/python scripts/loadtest.py -c 32 -t 30 --check   # exit 1 below 300/s or p99 >= 100 ms

Every request is POST /v1/screenings with a single-site project (JSON, a point inside the
zone layers when the server has any), so each one parses, locates, screens and stores a
record. The server listens on 127.0.0.1 only and is stopped at the end; the records go to a
temporary SQLite file. Reports throughput and latency percentiles."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
MAX_SECONDS = 300  # bounded: a load test never runs away
MAX_CLIENTS = 256
PROJECTS: list[dict[str, Any]] = [
    {
        "name": "家具厂",
        "construction": "new",
        "industry_codes": ["2110"],
        "industrial_building": True,
        "processes": ["cutting_welding_assembly_only"],
        "quantities": {"solvent_coating_t_per_year": 12},
    },
    {"name": "医院", "construction": "new", "project_types": ["hospital"], "quantities": {"beds": 300}},
    {
        "name": "电镀件",
        "construction": "new",
        "industry_codes": ["3360"],
        "industrial_building": True,
        "processes": ["anodizing"],
        "quantities": {"solvent_coating_t_per_year": 2.5},
        "sensitive_areas": [],
    },
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, workers: int, db: Path, zones: str | None) -> subprocess.Popen[bytes]:
    cmd = [
        str(ROOT / ".venv" / "bin" / "envscreen"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--database-url",
        f"sqlite:///{db}",
    ]
    if zones:
        cmd += ["--zones", zones]
    return subprocess.Popen(cmd, cwd=db.parent)


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=base, timeout=2) as c:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"the server exited with {proc.returncode}")
            try:
                if c.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    raise SystemExit("the server did not become ready")


def tree_cpu_s(root: int) -> float:
    """CPU seconds used so far by the server process and its worker processes (Linux /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == root or int(fields[1]) == root:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def site_point(base: str) -> list[float]:
    """A point in the middle of the first zone layer the server has, else one in Zhejiang."""
    with httpx.Client(base_url=base, timeout=10) as c:
        layers = c.get("/v1/zones/layers").json().get("layers", [])
    for layer in layers:
        if layer.get("bbox"):
            x0, y0, x1, y1 = layer["bbox"]
            return [round((x0 + x1) / 2, 6), round((y0 + y1) / 2, 6)]
    return [120.5, 29.5]


async def client_loop(
    base: str, bodies: list[bytes], until: float, latencies: list[float], statuses: dict[int, int]
) -> None:
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        i = 0
        while time.monotonic() < until:
            body = bodies[i % len(bodies)]
            i += 1
            t0 = time.perf_counter()
            try:
                r = await c.post("/v1/screenings", content=body, headers=headers)
                status = r.status_code
            except httpx.HTTPError:
                status = 0
            latencies.append(time.perf_counter() - t0)
            statuses[status] = statuses.get(status, 0) + 1


def raw_requests(base: str, bodies: list[bytes]) -> list[bytes]:
    host, port = base.removeprefix("http://").split(":")
    return [
        (
            f"POST /v1/screenings HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body
        for body in bodies
    ]


async def raw_exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """Send one request on a keep-alive connection and read its whole response; its status."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return int(head[9:12])


async def raw_connection(
    base: str,
    requests: list[bytes],
    next_start: Callable[[], Awaitable[float | None]],
    latencies: list[float],
    statuses: dict[int, int],
) -> None:
    """Requests over one keep-alive connection with asyncio streams (a tenth of httpx's CPU per
    request, which matters when the clients share 2 cores with the server). `next_start` gives
    the time each latency counts from, or None to stop."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        i = 0
        while (t0 := await next_start()) is not None:
            status = await raw_exchange(reader, writer, requests[i % len(requests)])
            i += 1
            latencies.append(time.perf_counter() - t0)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()
        await writer.wait_closed()


async def raw_client_loop(
    base: str, bodies: list[bytes], until: float, latencies: list[float], statuses: dict[int, int]
) -> None:
    """A closed loop: the next request as soon as the last one is answered, until `until`."""

    async def now() -> float | None:
        return time.perf_counter() if time.monotonic() < until else None

    await raw_connection(base, raw_requests(base, bodies), now, latencies, statuses)


async def run_open_loop(
    base: str, bodies: list[bytes], rate: float, seconds: float, connections: int
) -> dict[str, Any]:
    """Requests arrive at `rate` per second whatever the server does (an open loop, as users
    arrive), over up to `connections` keep-alive connections. Each latency counts from the
    request's scheduled arrival, so time spent waiting for a free connection is counted too
    (a closed loop would leave out exactly the slow moments)."""
    requests = raw_requests(base, bodies)
    queue: asyncio.Queue[float | None] = asyncio.Queue()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    connection = partial(raw_connection, base, requests, queue.get, latencies, statuses)

    workers = [asyncio.create_task(connection()) for _ in range(connections)]
    start = time.perf_counter()
    for k in range(int(rate * seconds)):
        due = start + k / rate
        if (delay := due - time.perf_counter()) > 0:
            await asyncio.sleep(delay)
        queue.put_nowait(due)
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    return _figures(latencies, statuses, time.perf_counter() - start, connections)


CLIENTS = {"raw": raw_client_loop, "httpx": client_loop}


async def warm_up(base: str, bodies: list[bytes], clients: int, kind: str) -> None:
    """Two seconds of load first, so both workers have imported everything and opened their database."""
    loop = CLIENTS[kind]
    await asyncio.gather(*(loop(base, bodies, time.monotonic() + 2, [], {}) for _ in range(clients)))


async def run_load(base: str, bodies: list[bytes], clients: int, seconds: float, kind: str) -> dict[str, Any]:
    loop = CLIENTS[kind]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    t0 = time.monotonic()
    await asyncio.gather(*(loop(base, bodies, t0 + seconds, latencies, statuses) for _ in range(clients)))
    return _figures(latencies, statuses, time.monotonic() - t0, clients)


def _figures(latencies: list[float], statuses: dict[int, int], elapsed: float, clients: int) -> dict[str, Any]:
    ok = statuses.get(201, 0)
    lat = sorted(latencies)

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] * 1000 if lat else float("nan")

    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests": len(lat),
        "screenings_ok": ok,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "throughput_per_s": round(ok / elapsed, 1),
        "p50_ms": round(pct(50), 2),
        "p90_ms": round(pct(90), 2),
        "p99_ms": round(pct(99), 2),
        "max_ms": round(lat[-1] * 1000, 2) if lat else None,
        "mean_ms": round(statistics.fmean(lat) * 1000, 2) if lat else None,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-c", "--clients", type=int, default=16, help="concurrent clients (default 16)")
    ap.add_argument("-t", "--seconds", type=float, default=15, help=f"duration, at most {MAX_SECONDS} s")
    ap.add_argument("-w", "--workers", type=int, default=2, help="server worker processes (default 2)")
    ap.add_argument("--client", choices=sorted(CLIENTS), default="raw", help="raw asyncio HTTP/1.1 (default) or httpx")
    ap.add_argument("--zones", help="--zones for the server (default: the bundled zones)")
    ap.add_argument("--no-site", action="store_true", help="projects without a location")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--check", action="store_true", help="exit 1 unless >= 300/s and p99 < 100 ms")
    ap.add_argument(
        "--rate",
        type=float,
        help="open loop: requests arrive at this rate per second over --clients connections (raw client), "
        "latency counted from each request's scheduled arrival",
    )
    args = ap.parse_args()
    clients = max(1, min(args.clients, MAX_CLIENTS))
    seconds = max(1.0, min(args.seconds, MAX_SECONDS))

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="envscreen-load.") as tmp:
        db = Path(tmp) / "load.db"
        proc = start_server(port, args.workers, db, args.zones)
        try:
            wait_ready(base, proc)
            projects = [dict(p) for p in PROJECTS]
            if not args.no_site:
                point = site_point(base)
                for p in projects:
                    p["location"] = {"crs": "wgs84", "point": point}
            bodies = [json.dumps(p, ensure_ascii=False).encode() for p in projects]
            with httpx.Client(base_url=base) as c:  # fail early, with the reason, if a project is refused
                for body in bodies:
                    r = c.post("/v1/screenings", content=body, headers={"content-type": "application/json"})
                    if r.status_code != 201:
                        raise SystemExit(f"the sample project was refused: {r.status_code} {r.text[:500]}")
            asyncio.run(warm_up(base, bodies, clients, args.client))
            cpu0, server0 = time.process_time(), tree_cpu_s(proc.pid)
            if args.rate:
                figures = asyncio.run(run_open_loop(base, bodies, args.rate, seconds, clients))
            else:
                figures = asyncio.run(run_load(base, bodies, clients, seconds, args.client))
            # Server CPU per screening: a figure that other load on the machine does not move much.
            figures["server_cpu_ms_per_request"] = round(
                (tree_cpu_s(proc.pid) - server0) * 1000 / max(1, figures["requests"]), 2
            )
            # The clients share the machine with the server: say how much CPU they took.
            figures["client_cpu_s"] = round(time.process_time() - cpu0, 2)
            if proc.poll() is not None:
                raise SystemExit(f"the server exited during the run ({proc.returncode}); figures discarded")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    figures.update(workers=args.workers, cpus=os.cpu_count(), site=not args.no_site, client=args.client)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(
            f"{figures['screenings_ok']} screenings in {figures['seconds']} s with {clients} clients"
            f"{f' (open loop, {args.rate:g} arriving per s)' if args.rate else ''}, "
            f"{args.workers} workers, {os.cpu_count()} CPUs, {args.client} client: {figures['throughput_per_s']}/s; "
            f"latency p50 {figures['p50_ms']} ms, p90 {figures['p90_ms']} ms, p99 {figures['p99_ms']} ms, "
            f"max {figures['max_ms']} ms; statuses {figures['statuses']}; "
            f"client CPU {figures['client_cpu_s']} s; "
            f"server CPU {figures['server_cpu_ms_per_request']} ms per request"
        )
    met = figures["throughput_per_s"] >= 300 and figures["p99_ms"] < 100 and set(figures["statuses"]) == {"201"}
    if args.check and not met:
        print("target missed: >= 300 screenings/s with p99 < 100 ms, all 201", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
