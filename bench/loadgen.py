"""A closed-loop HTTP/1.1 load generator: N keep-alive connections for a bounded time.

Run as its own process (`python -m bench.loadgen SPEC.json`) so that it does not share the
server's interpreter. It prints one JSON object: counts, rate, latency percentiles and the
CPU seconds it used itself.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    ok_total: int = 0  # 2xx answers, warm-up included (writes check every one was stored)


def encode(host: str, port: int, request: dict[str, Any]) -> bytes:
    body = (request.get("body") or "").encode()
    lines = [f"{request.get('method', 'GET')} {request['path']} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{name}: {value}" for name, value in request.get("headers", {}).items()]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def _connection(
    spec: dict[str, Any], index: int, payloads: list[bytes], start: float, result: Result
) -> None:
    host, port = spec["host"], spec["port"]
    warm_until = start + spec.get("warmup", 0.0)
    deadline = warm_until + spec["duration"]
    limit = spec.get("max_requests_per_connection", 1_000_000)
    step = spec["connections"]
    k = index
    done = 0
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while done < limit:
            sent = time.perf_counter()
            if sent >= deadline:
                break
            try:
                writer.write(payloads[k % len(payloads)])
                status = await _read_response(reader)
            except (ConnectionError, asyncio.IncompleteReadError, ValueError):
                result.errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            k += step
            if 200 <= status < 300:
                result.ok_total += 1
            if sent >= warm_until:
                done += 1
                result.latencies.append(time.perf_counter() - sent)
                result.statuses[status] = result.statuses.get(status, 0) + 1
    finally:
        writer.close()


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    position = min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1)))
    return sorted_values[position]


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    payloads = [encode(spec["host"], spec["port"], r) for r in spec["requests"]]
    result = Result()
    start = time.perf_counter()
    await asyncio.gather(
        *(_connection(spec, i, payloads, start, result) for i in range(spec["connections"]))
    )
    measured = time.perf_counter() - start - spec.get("warmup", 0.0)
    latencies = sorted(result.latencies)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    ok = sum(n for status, n in result.statuses.items() if 200 <= status < 300)
    return {
        "requests": len(latencies),
        "ok": ok,
        "ok_total": result.ok_total,
        "statuses": {str(k): v for k, v in sorted(result.statuses.items())},
        "errors": result.errors,
        "seconds": measured,
        "rps": len(latencies) / measured if measured > 0 else 0.0,
        "p50_ms": _percentile(latencies, 0.50) * 1000,
        "p90_ms": _percentile(latencies, 0.90) * 1000,
        "p99_ms": _percentile(latencies, 0.99) * 1000,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
    }


def main() -> None:
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    try:
        import uvloop
    except ImportError:
        print(json.dumps(asyncio.run(run(spec))))
    else:
        print(json.dumps(uvloop.run(run(spec))))


if __name__ == "__main__":
    main()
