"""CPU seconds spent by this process and by PostgreSQL server processes, for per-unit costs.

Wall-clock rates move with whatever else the machine runs; CPU time per entry moves much
less, so the benchmarks print both. PostgreSQL's processes are read from /proc (the server
runs on this machine in every setup the benchmarks support); where that is not readable the
server figure is left out.
"""

from __future__ import annotations

import os
import resource


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def backend_cpu(pids: list[int]) -> float | None:
    """CPU seconds used so far by the server processes ``pids`` (``pg_backend_pid()``)."""
    total = 0
    try:
        for pid in pids:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    except OSError:
        return None
    return total / os.sysconf("SC_CLK_TCK")


def per_unit(label: str, units: int, python: float, server: float | None) -> str:
    shown = f"{server / units * 1e6:8.0f} µs PostgreSQL" if server is not None else ""
    return f"  CPU per {label}: {python / units * 1e6:8.0f} µs Python {shown}"
