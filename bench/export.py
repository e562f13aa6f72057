"""The full export: its time, and how far the serving worker's memory grows during it.

The CSV is read with httpx as a stream and thrown away; meanwhile every worker's VmRSS is
sampled from /proc ten times a second. Growth is the peak during the export less the
RSS just before it, on the worker that grew most (the one serving it).
"""

import threading
import time
from typing import Any

import httpx

from bench.server import Server, rss_mb

EXPORT = "/api/v1/tickets/export?format=csv"


def measure_export(server: Server, token: str, timeout: float = 1800.0) -> dict[str, Any]:
    pids = server.worker_pids()
    before = {pid: rss_mb(pid) or 0.0 for pid in pids}
    peak = dict(before)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for pid in pids:
                peak[pid] = max(peak[pid], rss_mb(pid) or 0.0)
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    first_byte = None
    size = lines = 0
    error = None
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.stream(
            "GET", server.base_url + EXPORT, headers=headers, timeout=timeout
        ) as answer:
            answer.raise_for_status()
            for chunk in answer.iter_bytes():
                if first_byte is None:
                    first_byte = time.perf_counter() - started
                size += len(chunk)
                lines += chunk.count(b"\n")
    except httpx.HTTPError as failure:
        # A broken export is a finding to report, not a failure of the harness.
        error = f"{type(failure).__name__}: {failure}"
    finally:
        stop.set()
        sampler.join()
    seconds = time.perf_counter() - started
    rows = max(0, lines - 1)  # the header line
    return {
        "error": error,
        "rows": rows,
        "megabytes": round(size / 1024**2, 1),
        "seconds": round(seconds, 1),
        "first_byte_seconds": round(first_byte or 0.0, 3),
        "rows_per_second": round(rows / seconds) if seconds else 0,
        "rss_before_mb": max(before.values()),
        "rss_peak_mb": max(peak.values()),
        "rss_growth_mb": round(max(peak[pid] - before[pid] for pid in pids), 1),
    }
