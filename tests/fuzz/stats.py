"""How many requests the fuzz sent, per endpoint and status, and how long they took."""

from __future__ import annotations

import time
from collections import Counter, defaultdict

requests: Counter[str] = Counter()
statuses: dict[str, Counter[int]] = defaultdict(Counter)
seconds: Counter[str] = Counter()
span: list[float] = []  # the times of the first and of the latest request


def record(endpoint: str, status: int, elapsed: float) -> None:
    now = time.perf_counter()
    span[1:] = [now]
    if len(span) == 1:
        span.insert(0, now - elapsed)
    requests[endpoint] += 1
    statuses[endpoint][status] += 1
    seconds[endpoint] += elapsed


def summary() -> list[str]:
    if not requests:
        return []
    wall = span[-1] - span[0]
    lines = [
        f"fuzz: {sum(requests.values())} requests to {len(requests)} public endpoints, "
        f"{wall:.1f} s from the first to the last (per-test setup included)"
    ]
    for endpoint in sorted(requests):
        codes = ", ".join(f"{code}×{n}" for code, n in sorted(statuses[endpoint].items()))
        lines.append(f"  {endpoint:28} {requests[endpoint]:5}  {seconds[endpoint]:6.1f} s  {codes}")
    return lines
