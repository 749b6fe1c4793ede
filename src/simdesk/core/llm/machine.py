"""The machine the model runs on: physical cores, free memory, this process's memory use."""

from __future__ import annotations

import os
import platform
import sys

import psutil

MIB = 1024 * 1024


def physical_cores() -> int:
    """Physical cores this process may use: llama.cpp gains nothing from hyper-threads."""
    physical = psutil.cpu_count(logical=False) or os.cpu_count() or 1
    try:
        allowed = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        allowed = physical
    return max(1, min(physical, allowed, 8))


def cpu_name() -> str:
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as info:
                for line in info:
                    if line.startswith("model name"):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
    return platform.processor() or platform.machine()


def available_ram_mb() -> int:
    return psutil.virtual_memory().available // MIB


def total_ram_mb() -> int:
    return psutil.virtual_memory().total // MIB


def rss_mb() -> float:
    """This process's resident memory now."""
    return psutil.Process().memory_info().rss / MIB


def peak_rss_mb() -> float:
    """This process's highest resident memory so far."""
    info = psutil.Process().memory_info()
    peak = getattr(info, "peak_wset", None)  # Windows
    if peak is None:
        import resource

        scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    return peak / MIB
