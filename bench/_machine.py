"""What the benchmarks say about the machine they ran on: CPU, cores, Python, OS, load.

Shared by bench_kb.py, bench_bot.py, bench_embeddings.py and bench_helpdesk.py so every results
table names the machine the same way.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

# The SIMD extensions that decide how fast CPU inference runs.
SIMD_FLAGS = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_int8")


def _cpuinfo(field: str) -> str | None:
    """The first `field` of /proc/cpuinfo (Linux), or None."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(field):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def cpu_model() -> str:
    return _cpuinfo("model name") or platform.processor() or "unknown CPU"


def cpu_flags(wanted: tuple[str, ...] = SIMD_FLAGS) -> str:
    """Which of the `wanted` CPU flags this machine has, comma-separated."""
    flags = set((_cpuinfo("flags") or "").split())
    return ",".join(f for f in wanted if f in flags)


def describe(*, torch_version: str | None = None) -> str:
    """`<CPU>, <n> cores, Python <v>[, torch <v>], <OS> <release>`."""
    parts = [cpu_model(), f"{os.cpu_count()} cores", f"Python {platform.python_version()}"]
    if torch_version:
        parts.append(f"torch {torch_version}")
    parts.append(f"{platform.system()} {platform.release()}")
    return ", ".join(parts)


def load_average() -> str:
    """The machine's load average now (other jobs included): it colours every timing."""
    return "load average {:.1f} / {:.1f} / {:.1f} (1/5/15 min)".format(*os.getloadavg())
