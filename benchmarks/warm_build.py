"""Warm-build time: `mkdocs build` with every snippet cached, against a build with the plugin off.

Run: `make benchmark` (or `.venv/bin/python benchmarks/warm_build.py`). Prints seconds per
build (median of several) and the ratio; the goal is a warm build of at most 5 s.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, NO_MKDOCS_2_WARNING="1")
RUNS = 5


def build(out: str, *extra: str, plugin: bool = True) -> float:
    env = dict(ENV, CNN_GLOSSARY_ENABLED="true" if plugin else "false")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-d", out, *extra],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as out:
        print("priming the snippet cache (runs stale snippets once)...", flush=True)
        build(out)
        warm, baseline = [], []
        for _ in range(RUNS):  # interleaved, so both see the same machine load
            warm.append(build(out))
            baseline.append(build(out, plugin=False))
        strict = [build(out, "--strict") for _ in range(RUNS)]
    print(f"warm build, plugin with every snippet cached: median {statistics.median(warm):.2f} s "
          f"(min {min(warm):.2f}, max {max(warm):.2f}, {RUNS} runs)")
    print(f"warm strict build:                             median {statistics.median(strict):.2f} s")
    print(f"baseline, plugin disabled (placeholders left): median {statistics.median(baseline):.2f} s")
    print(f"ratio warm / baseline: {statistics.median(warm) / statistics.median(baseline):.2f}")
    print(f"goal: at most 5 s -> {'met' if statistics.median(warm) <= 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
