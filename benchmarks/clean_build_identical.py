"""Two builds from empty caches give the same site, byte for byte.

Run: `.venv/bin/python benchmarks/clean_build_identical.py` (two cold builds: several minutes).
It copies the working tree (tracked and untracked files, not .cache/, site/ or .venv/) into a
temporary folder, builds it with `mkdocs build --strict` from an empty snippet cache, deletes the
cache, builds again, and compares the two `site/` folders file by file. It prints each build's
time, the number of files, and every file that differs, then exits 1 if anything differs
beyond the one known exception:

- `sitemap.xml.gz`: the gzip header records when it was written. Its content is compared
  after decompression instead. (Set SOURCE_DATE_EPOCH and MkDocs fixes that time too.)

The training-script page used to differ as well (nbformat gives each notebook cell a random id
on every conversion); the plugin numbers those ids, see `_number_cell_ids` in `site/plugin.py`.
"""

from __future__ import annotations

import difflib
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, NO_MKDOCS_2_WARNING="1")


def copy_tree(dest: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if rel.startswith((".cache/", "site/", ".venv/")) or not (src.exists() or src.is_symlink()):
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            target.symlink_to(os.readlink(src))
        else:
            shutil.copy2(src, target)


def build(project: Path, out: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(project / "mkdocs.yml"),
                           "-d", str(out)], cwd=project, env=ENV, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"the build failed:\n{proc.stdout}\n{proc.stderr}")
    return time.perf_counter() - start


def describe(a: Path, b: Path) -> str:
    try:
        left, right = a.read_text().splitlines(), b.read_text().splitlines()
    except UnicodeDecodeError:
        return f"binary, {a.stat().st_size} and {b.stat().st_size} bytes"
    diff = [line for line in difflib.unified_diff(left, right, lineterm="", n=0) if line[:1] in "+-"][2:6]
    return "\n      ".join(line[:160] for line in diff)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="cnn-glossary-clean-") as tmp:
        tmp = Path(tmp)
        project = tmp / "project"
        copy_tree(project)
        seconds = []
        for k in (1, 2):
            shutil.rmtree(project / ".cache", ignore_errors=True)
            print(f"build {k} from an empty cache ...", flush=True)
            seconds.append(build(project, tmp / f"site{k}"))
            print(f"  {seconds[-1]:.0f} s", flush=True)
        one, two = tmp / "site1", tmp / "site2"
        files = sorted({p.relative_to(one) for p in one.rglob("*") if p.is_file()}
                       | {p.relative_to(two) for p in two.rglob("*") if p.is_file()})
        differ, exceptions = [], []
        for rel in files:
            a, b = one / rel, two / rel
            if not (a.exists() and b.exists()):
                differ.append((rel, "only in build " + ("1" if a.exists() else "2")))
                continue
            if a.read_bytes() == b.read_bytes():
                continue
            if rel.name == "sitemap.xml.gz" and gzip.decompress(a.read_bytes()) == gzip.decompress(b.read_bytes()):
                exceptions.append(rel)
                continue
            differ.append((rel, describe(a, b)))
    print(f"{len(files)} files; {len(files) - len(differ) - len(exceptions)} byte-identical; "
          f"{len(exceptions)} known exception(s): {', '.join(map(str, exceptions)) or 'none'}; "
          f"{len(differ)} differ")
    for rel, how in differ:
        print(f"  DIFFERS {rel}\n      {how}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
