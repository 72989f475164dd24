"""Build times in one run: the cold build (empty snippet cache), the warm build, the plugin-off baseline, and a
per-snippet table.

Run: `make benchmark` (or `.venv/bin/python benchmarks/build_time.py [--runs N] [--no-cold]`). It copies the
working tree (tracked and untracked files, not .cache/, site/ or .venv/) to a temporary folder, so the project's
own cache is left alone, and there:

1. builds with `mkdocs build --strict` from an empty snippet cache (the cold build);
2. builds N times each, interleaved so both see the same machine load: the warm strict build (every snippet
   cached) and the baseline, the same build with the plugin disabled (`CNN_GLOSSARY_ENABLED=false`; not strict,
   since the placeholders stay as text);
3. prints each build's wall time and CPU time (the build and every process it started: the snippets, the fork
   server), the medians, the ratio warm / baseline, and every snippet's wall and CPU seconds from the cold build,
   slowest first.

Wall times depend on what else the machine does; CPU times much less so. The goals are those of the project's
README: a cold build of at most 60 s, a warm build of at most 1.5 s and at most 1.3 times the baseline, on a
quiet two-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clean_build_identical import copy_tree  # noqa: E402

ENV = dict(os.environ, NO_MKDOCS_2_WARNING="1")
GOALS = {"cold": 60.0, "warm": 1.5, "ratio": 1.3}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build(project: Path, out: Path, *extra: str, plugin: bool = True) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, log) of one `mkdocs build`; exits on a failed build."""
    env = dict(ENV, CNN_GLOSSARY_ENABLED="true" if plugin else "false")
    cpu, start = children_cpu(), time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-f", str(project / "mkdocs.yml"),
                           "-d", str(out), *extra], cwd=project, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode:
        sys.exit(f"the build failed:\n{proc.stdout}\n{proc.stderr}")
    return wall, children_cpu() - cpu, proc.stdout + proc.stderr


def snippet_table(cache: Path) -> list[tuple[str, float, float | None]]:
    rows = []
    for path in sorted((cache / "snippets").glob("*.json")):
        manifest = json.loads(path.read_text())
        rows.append((manifest["snippet"], manifest["seconds"], manifest.get("cpu_seconds")))
    return sorted(rows, key=lambda r: -r[1])


def verdict(value: float, goal: float) -> str:
    return f"(goal at most {goal:g}: {'met' if value <= goal else 'NOT met'})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="warm and baseline builds each (default 5)")
    ap.add_argument("--no-cold", action="store_true", help="skip the cold build (the copy's cache is filled first)")
    ap.add_argument("--keep-cache", type=Path, metavar="DIR",
                    help="copy the cold build's snippet cache to DIR (for benchmarks/compare_published.py)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cnn-glossary-bench-") as tmp:
        tmp = Path(tmp)
        project, out = tmp / "project", tmp / "site"
        copy_tree(project)
        if args.no_cold:
            shutil.copytree(Path(__file__).resolve().parents[1] / ".cache" / "cnn-glossary",
                            project / ".cache" / "cnn-glossary", dirs_exist_ok=True)
        print("cold build (empty snippet cache), strict ..." if not args.no_cold else "filling the cache ...",
              flush=True)
        cold_wall, cold_cpu, log = build(project, out, "--strict")
        server = re.search(r"fork server ready in ([\d.]+) s", log)
        ran = re.search(r"snippets: (\d+) ran, (\d+) from cache", log)
        rows = snippet_table(project / ".cache" / "cnn-glossary")
        if args.keep_cache:
            shutil.copytree(project / ".cache" / "cnn-glossary", args.keep_cache, dirs_exist_ok=True)
        warm, base = [], []
        for k in range(args.runs):  # interleaved: both see the same machine load
            print(f"warm and baseline builds, round {k + 1} of {args.runs} ...", flush=True)
            warm.append(build(project, out, "--strict")[:2])
            base.append(build(project, out, plugin=False)[:2])
    print()
    if not args.no_cold:
        print(f"cold build, strict, empty cache: {cold_wall:6.1f} s wall, {cold_cpu:6.1f} s CPU  "
              f"{verdict(cold_wall, GOALS['cold'])}")
        print(f"  {ran.group(1) if ran else '?'} snippets ran"
              + (f"; the fork server imported its preload modules in {server.group(1)} s" if server else ""))
    for name, runs in (("warm build, strict, all cached:", warm), ("baseline, plugin disabled:     ", base)):
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        print(f"{name} median {statistics.median(walls):5.2f} s wall (min {min(walls):.2f}, max {max(walls):.2f}), "
              f"median {statistics.median(cpus):5.2f} s CPU; {len(runs)} runs")
    warm_med, base_med = statistics.median(w for w, _ in warm), statistics.median(w for w, _ in base)
    cpu_ratio = statistics.median(c for _, c in warm) / statistics.median(c for _, c in base)
    print(f"warm build {verdict(warm_med, GOALS['warm'])}")
    print(f"ratio warm / baseline: {warm_med / base_med:.2f} wall, {cpu_ratio:.2f} CPU "
          f"{verdict(warm_med / base_med, GOALS['ratio'])}")
    if not args.no_cold:
        print()
        print(f"{'snippet (cold build)':<34} {'wall s':>7} {'CPU s':>7}")
        for sid, wall, cpu in rows:
            print(f"{sid:<34} {wall:7.1f} {cpu if cpu is not None else float('nan'):7.1f}")
        cpus = [c for _, _, c in rows if c is not None]
        print(f"{'total (' + str(len(rows)) + ' snippets)':<34} {sum(w for _, w, _ in rows):7.1f} {sum(cpus):7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
