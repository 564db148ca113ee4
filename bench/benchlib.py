"""What every benchmark script here needs: /proc readings, the machine, JSON into bench/out/."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"


def read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def loadavg() -> str | None:
    text = read("/proc/loadavg")
    return " ".join(text.split()[:3]) if text else None


def machine() -> dict:
    """Python, platform, CPU model and count, and the load when the benchmark started."""
    cpu = None
    for line in (read("/proc/cpuinfo") or "").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "loadavg_start": loadavg(),
    }


def write_json(data, name: str, latest: str | None = None) -> Path:
    """bench/out/NAME.json, and a copy as LATEST.json; prints where it went."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=2, default=str) + "\n"
    path = OUT_DIR / f"{name}.json"
    path.write_text(text)
    if latest:
        (OUT_DIR / f"{latest}.json").write_text(text)
    print(f"\nJSON: {path.relative_to(ROOT)}")
    return path
