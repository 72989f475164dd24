"""Run snippets, cache what they publish, and re-run a snippet only when its inputs change.

Each snippet runs in its own process (:mod:`cnn_glossary.site.runner`). Its cache entry is a
manifest next to the figures it drew, recording the hash of every input: the snippet's
source, the package modules it imported, the files it read, and the versions of the
libraries that compute the numbers. A snippet is fresh while all of those match; a file
whose size and modification time are unchanged is taken as unchanged without re-hashing.

Manifests and figures are written to a temporary name and renamed into place, so an
interrupted or concurrent build never leaves a half-written entry behind.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

CACHE_VERSION = 1
VERSIONED_LIBRARIES = ("numpy", "scipy", "tensorflow", "tensorflow-cpu", "keras", "matplotlib", "pillow")


class SnippetError(Exception):
    """A snippet raised, could not be found, or produced no report."""

    def __init__(self, path: Path, line: int | None, summary: str, details: str = ""):
        self.path, self.line, self.summary, self.details = path, line, summary, details
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {summary}")


@dataclass
class SnippetResult:
    snippet_id: str
    path: Path
    values: dict[str, dict]
    tables: dict[str, dict]
    figures: dict[str, dict]
    figure_dir: Path
    seconds: float
    ran: bool
    deps: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def figure_path(self, name: str) -> Path:
        return self.figure_dir / self.figures[name]["file"]


def library_versions(names: Iterable[str] = VERSIONED_LIBRARIES) -> dict[str, str]:
    """The Python version and the installed version of each named distribution."""
    versions = {"python": sys.version.split()[0]}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return versions


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


class Pipeline:
    """Snippets under ``root/snippets_dir``, cached under ``root/cache_dir``."""

    def __init__(
        self,
        root: Path,
        snippets_dir: str = "snippets",
        cache_dir: str = ".cache/cnn-glossary",
        jobs: int = 2,
        timeout: float = 1800.0,
        log: Callable[[str], None] = print,
    ):
        self.root = Path(root).resolve()
        self.snippets_dir = self.root / snippets_dir
        self.cache_dir = self.root / cache_dir
        self.figure_dir = self.cache_dir / "figures"
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.log = log
        self._versions = library_versions()

    # -- naming ----------------------------------------------------------------------

    def snippet_path(self, snippet_id: str) -> Path:
        return self.snippets_dir / f"{snippet_id}.py"

    def snippet_ids(self) -> list[str]:
        """Every snippet under the snippets folder."""
        return sorted(
            p.relative_to(self.snippets_dir).with_suffix("").as_posix()
            for p in self.snippets_dir.rglob("*.py")
            if not p.name.startswith("_")
        )

    def _manifest_path(self, snippet_id: str) -> Path:
        return self.cache_dir / "snippets" / f"{snippet_id.replace('/', '__')}.json"

    # -- cache -------------------------------------------------------------------------

    def cached(self, snippet_id: str) -> SnippetResult | None:
        """The cached result if every input is unchanged, else ``None``."""
        path = self._manifest_path(snippet_id)
        try:
            manifest = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        if manifest.get("cache_version") != CACHE_VERSION or manifest.get("versions") != self._versions:
            return None
        refreshed = False
        for dep in manifest["deps"]:
            dep_path = Path(dep["path"])
            try:
                stat = dep_path.stat()
            except OSError:
                return None
            if stat.st_size == dep["size"] and stat.st_mtime_ns == dep["mtime_ns"]:
                continue
            if stat.st_size != dep["size"] or _sha256(dep_path) != dep["sha256"]:
                return None
            dep["mtime_ns"] = stat.st_mtime_ns  # touched but identical: remember the new stat
            refreshed = True
        for fig in manifest["figures"].values():
            if not (self.figure_dir / fig["file"]).exists():
                return None
        if refreshed:
            _atomic_write(path, json.dumps(manifest, indent=1, sort_keys=True))
        return self._result(snippet_id, manifest, ran=False)

    def _result(self, snippet_id: str, manifest: dict, ran: bool) -> SnippetResult:
        return SnippetResult(
            snippet_id=snippet_id,
            path=self.snippet_path(snippet_id),
            values=manifest["values"],
            tables=manifest["tables"],
            figures=manifest["figures"],
            figure_dir=self.figure_dir,
            seconds=manifest["seconds"],
            ran=ran,
            deps=manifest["deps"],
            warnings=manifest.get("warnings", []),
        )

    # -- running -----------------------------------------------------------------------

    def run(self, snippet_id: str) -> SnippetResult:
        """Run one snippet in a fresh process and cache its result."""
        path = self.snippet_path(snippet_id)
        if not path.is_file():
            raise SnippetError(path, None, f"no snippet file {path.relative_to(self.root)}")
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        fd, report_name = tempfile.mkstemp(dir=self.cache_dir, prefix=".report.", suffix=".json")
        os.close(fd)
        report_path = Path(report_name)
        env = dict(os.environ, MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="0")
        src = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
        cmd = [sys.executable, "-m", "cnn_glossary.site.runner", str(self.root), str(path), str(report_path), str(self.figure_dir)]
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=self.root, env=env, capture_output=True, text=True, timeout=self.timeout)
            report = json.loads(report_path.read_text() or "{}")
        except subprocess.TimeoutExpired:
            raise SnippetError(path, None, f"did not finish within {self.timeout:.0f} s") from None
        except ValueError:
            report = {}
        finally:
            report_path.unlink(missing_ok=True)
        elapsed = time.perf_counter() - start
        if "error" in report:
            err = report["error"]
            raise SnippetError(path, err["line"], f"{err['type']}: {err['message']}", err["traceback"])
        if proc.returncode != 0 or "deps" not in report:
            raise SnippetError(path, None, f"the snippet process exited with status {proc.returncode}", proc.stderr[-4000:])
        manifest = {
            "cache_version": CACHE_VERSION,
            "snippet": snippet_id,
            "versions": self._versions,
            "deps": report["deps"],
            "values": report["values"],
            "tables": report["tables"],
            "figures": report["figures"],
            "warnings": report.get("warnings", []),
            "seconds": elapsed,
        }
        _atomic_write(self._manifest_path(snippet_id), json.dumps(manifest, indent=1, sort_keys=True))
        return self._result(snippet_id, manifest, ran=True)

    def ensure(self, snippet_ids: Iterable[str]) -> dict[str, SnippetResult]:
        """Results for ``snippet_ids``: cached where fresh, run (in parallel) where stale.

        Logs one line per snippet that ran and a summary line. Raises the first
        :class:`SnippetError` after every snippet has had its chance to run.
        """
        ids = sorted(set(snippet_ids))
        results: dict[str, SnippetResult] = {}
        stale = []
        for sid in ids:
            hit = self.cached(sid)
            if hit is None:
                stale.append(sid)
            else:
                results[sid] = hit
        errors: list[SnippetError] = []

        def work(sid: str) -> None:
            try:
                res = self.run(sid)
            except SnippetError as exc:
                errors.append(exc)
                self.log(f"FAILED {exc.path.relative_to(self.root)}: {exc.summary}")
                return
            results[sid] = res
            self.log(f"ran {res.path.relative_to(self.root)} in {res.seconds:.1f} s")

        if stale:
            self.log(f"running {len(stale)} snippet(s) whose inputs changed: {', '.join(stale)}")
            with ThreadPoolExecutor(max_workers=self.jobs) as pool:
                list(pool.map(work, stale))
        ran = len(stale) - len(errors)
        self.log(f"snippets: {ran} ran, {len(ids) - len(stale)} from cache, {len(errors)} failed")
        if errors:
            raise errors[0]
        return results
