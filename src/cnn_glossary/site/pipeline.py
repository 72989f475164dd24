"""Run snippets, cache what they publish, and re-run a snippet only when its inputs change.

Each snippet runs in its own process (:mod:`cnn_glossary.site.runner`), forked by default from a server
that imported the heavy libraries once (:mod:`cnn_glossary.site.forkserver`). Its cache entry is a
manifest next to the figures it drew, recording the hash of every input: the snippet's
source, the package modules it imported, the files it read, and the versions of the
libraries that compute the numbers. A snippet is fresh while all of those match; a file
whose size and modification time are unchanged is taken as unchanged without re-hashing.
Inputs inside the project are recorded relative to its root, so a cache copied or moved
with the project checks the files next to it, never those of the folder it came from.
Figure files are named by their content's hash, and a cached figure is used only while its
bytes still hash to its name.

Manifests and figures are written to a temporary name and renamed into place, so an
interrupted or concurrent build never leaves a half-written entry behind.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from cnn_glossary.site import forkserver

CACHE_VERSION = 3  # 2: inputs inside the project are recorded relative to its root; 3: animations' posters
# The slowest snippets need about 20 s on two cores (they train small networks, e.g. for
# the Epochs page). 600 s leaves a margin of more than ten times for a busy or slower machine,
# while a snippet that hangs is stopped after ten minutes rather than half an hour.
DEFAULT_TIMEOUT = 600.0
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


def _snippet_env() -> dict[str, str]:
    """The build's environment with the settings every snippet runs under, the package in use first on the path."""
    env = dict(os.environ, MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="0")
    src = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


UMASK = _umask()


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.fchmod(fd, 0o666 & ~UMASK)  # mkstemp makes 0600; the cache is the user's, like any file
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def _valid_manifest(manifest) -> bool:
    """Does ``manifest`` have the shape :meth:`Pipeline.run` writes?"""
    if not isinstance(manifest, dict):
        return False
    kinds = {"cache_version": int, "versions": dict, "deps": list, "values": dict, "tables": dict,
             "figures": dict, "seconds": (int, float)}
    if not all(isinstance(manifest.get(key), kind) for key, kind in kinds.items()):
        return False
    dep_fields = {"path": str, "size": int, "mtime_ns": int, "sha256": str}
    if not all(isinstance(d, dict) and all(isinstance(d.get(k), t) for k, t in dep_fields.items())
               for d in manifest["deps"]):
        return False
    return all(isinstance(f, dict) and isinstance(f.get("file"), str) and "/" not in f["file"]
               for fig in manifest["figures"].values() for f in _figure_files(fig))


def _figure_files(fig) -> list:
    """A manifest's figure record and, for an animation, its poster's: each names a file in the figure folder."""
    poster = fig.get("poster") if isinstance(fig, dict) else None
    return [fig] if poster is None else [fig, poster]


class Pipeline:
    """Snippets under ``root/snippets_dir``, cached under ``root/cache_dir``."""

    def __init__(
        self,
        root: Path,
        snippets_dir: str = "snippets",
        cache_dir: str = ".cache/cnn-glossary",
        jobs: int = 2,
        timeout: float = DEFAULT_TIMEOUT,
        heartbeat: float = 30.0,
        log: Callable[[str], None] = print,
        fork_server: bool = True,
        preload: Iterable[str] = (),
    ):
        self.root = Path(root).resolve()
        self.snippets_dir = self.root / snippets_dir
        self.cache_dir = self.root / cache_dir
        self.figure_dir = self.cache_dir / "figures"
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.heartbeat = heartbeat
        self._lock = threading.Lock()
        self._running: dict[int, subprocess.Popen] = {}
        self._stopping = threading.Event()
        self.log = log
        self._versions = library_versions()
        # fork_server: each snippet is a child forked from one server that imported ``preload`` (module names)
        # once; False: each snippet is a fresh Python process
        self.fork_server, self.preload = fork_server, tuple(preload)
        self._server: forkserver.ForkServer | None = None

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
        """The cached result if every input is unchanged, else ``None``.

        A manifest that cannot be read or does not have the expected shape, and a figure file
        that is missing or does not have the recorded size (e.g. zero bytes), make the entry
        stale: the snippet runs again. Refreshing the recorded modification times of touched but
        identical inputs is best effort, so a read-only cache of fresh entries still builds.
        """
        path = self._manifest_path(snippet_id)
        try:
            manifest = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        if not _valid_manifest(manifest):
            return None
        if manifest["cache_version"] != CACHE_VERSION or manifest["versions"] != self._versions:
            return None
        refreshed = False
        for dep in manifest["deps"]:
            dep_path = self.root / dep["path"]  # relative to the project, or absolute outside it
            try:
                stat = dep_path.stat()
                if stat.st_size == dep["size"] and stat.st_mtime_ns == dep["mtime_ns"]:
                    continue
                if stat.st_size != dep["size"] or _sha256(dep_path) != dep["sha256"]:
                    return None
            except OSError:
                return None
            dep["mtime_ns"] = stat.st_mtime_ns  # touched but identical: remember the new stat
            refreshed = True
        for fig in (f for record in manifest["figures"].values() for f in _figure_files(record)):
            try:
                data = (self.figure_dir / fig["file"]).read_bytes()
            except OSError:
                return None
            if not data or len(data) != fig.get("bytes", len(data)):
                return None
            if not _is_named_by_its_hash(fig["file"], data):  # overwritten, even with bytes of the same size
                return None
        if refreshed:
            try:
                _atomic_write(path, json.dumps(manifest, indent=1, sort_keys=True))
            except OSError:
                pass  # a read-only cache: the entry is still fresh, it is only re-hashed next time
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

    def _report_file(self, path: Path) -> Path:
        """A fresh report file in the cache folder; a cache that cannot be written fails loudly."""
        folder = self.cache_dir
        try:
            for sub in (folder, self.figure_dir, self._manifest_path("x").parent):
                sub.mkdir(parents=True, exist_ok=True)
            for sub in (self.figure_dir, self._manifest_path("x").parent):  # probed first: no report left behind
                probe, probe_name = tempfile.mkstemp(dir=sub, prefix=".probe.", suffix=".tmp")
                os.close(probe)
                os.unlink(probe_name)
            fd, name = tempfile.mkstemp(dir=folder, prefix=".report.", suffix=".json")
            os.close(fd)
        except OSError as exc:
            shown = folder.relative_to(self.root) if folder.is_relative_to(self.root) else folder
            raise SnippetError(
                path, None,
                f"the snippet must run, but the cache folder {shown}/ is not writable "
                f"({exc.strerror or exc}); make it writable, or set the plugin's cache_dir to a writable folder",
            ) from None
        return Path(name)

    def _wait(self, proc: subprocess.Popen, path: Path, start: float) -> None:
        """Wait for ``proc``; log a line every ``heartbeat`` seconds; kill its group on timeout."""
        rel = path.relative_to(self.root) if path.is_relative_to(self.root) else path
        while True:
            elapsed = time.perf_counter() - start
            left = self.timeout - elapsed
            if left <= 0:
                _kill_group(proc)
                raise SnippetError(
                    path, None,
                    f"did not finish within {self.timeout:.0f} s (the plugin's timeout setting); "
                    "it and every process it started were stopped",
                )
            try:
                proc.wait(timeout=min(self.heartbeat, left))
                return
            except subprocess.TimeoutExpired:
                if time.perf_counter() - start < self.timeout:
                    self.log(f"still running {rel} ({time.perf_counter() - start:.0f} s)")

    def run(self, snippet_id: str) -> SnippetResult:
        """Run one snippet in a fresh process (its own process group) and cache its result."""
        path = self.snippet_path(snippet_id)
        if not path.is_file():
            raise SnippetError(path, None, f"no snippet file {path.relative_to(self.root)}")
        if self._stopping.is_set():
            raise SnippetError(path, None, "the build was interrupted before this snippet ran")
        if self.fork_server:
            self._fork_server(path)  # started once, and before the clock: no part of this snippet's time
        report_path = self._report_file(path)
        env = _snippet_env()
        cmd = [sys.executable, "-m", "cnn_glossary.site.runner", str(self.root), str(path), str(report_path), str(self.figure_dir)]
        start = time.perf_counter()
        try:
            with tempfile.TemporaryFile("w+") as output:
                # A session of its own: a timeout or an interrupted build stops the snippet and every
                # process it started, and the runner stops itself if the build dies (see runner.py).
                proc = self._start(cmd, env, output, path)
                with self._lock:
                    self._running[proc.pid] = proc
                try:
                    self._wait(proc, path, start)
                finally:
                    _kill_group(proc)  # also any child the snippet left behind
                    with self._lock:
                        self._running.pop(proc.pid, None)
                output.seek(0)
                stderr = output.read()
            if self._stopping.is_set():
                raise SnippetError(path, None, "stopped: the build was interrupted")
            try:
                report = json.loads(report_path.read_text() or "{}")
            except (OSError, ValueError):  # unreadable, half written, or removed: no report
                report = {}
        finally:
            report_path.unlink(missing_ok=True)
            report_path.with_name(report_path.name + ".tmp").unlink(missing_ok=True)
        elapsed = time.perf_counter() - start
        notes = report.get("notes") if isinstance(report, dict) else None
        for note in notes if isinstance(notes, list) else []:
            self.log(f"{path.relative_to(self.root).as_posix()}: {note}")
        if "error" in report:
            err = report["error"]
            raise SnippetError(path, err["line"], f"{err['type']}: {err['message']}", err["traceback"])
        if proc.returncode != 0 or "deps" not in report:
            raise SnippetError(path, None, f"the snippet process exited with status {proc.returncode}", stderr[-4000:])
        manifest = {
            "cache_version": CACHE_VERSION,
            "snippet": snippet_id,
            "versions": self._versions,
            "deps": [dict(d, path=self._stored_path(d["path"])) for d in report["deps"]],
            "values": report["values"],
            "tables": report["tables"],
            "figures": report["figures"],
            "warnings": report.get("warnings", []),
            "seconds": elapsed,
            "cpu_seconds": report.get("cpu_seconds"),  # the snippet's process and its children (benchmarks)
        }
        try:
            _atomic_write(self._manifest_path(snippet_id), json.dumps(manifest, indent=1, sort_keys=True))
        except OSError as exc:
            raise SnippetError(path, None, f"cannot write its cache entry: {exc}") from None
        return self._result(snippet_id, manifest, ran=True)

    def _start(self, cmd: list[str], env: dict[str, str], output, path: Path):
        """Start the runner ``cmd``: forked by the fork server, or (``fork_server=False``) as a fresh Python."""
        if not self.fork_server:
            return subprocess.Popen(cmd, cwd=self.root, env=env, stdout=output, stderr=subprocess.STDOUT,
                                    text=True, start_new_session=True)
        try:
            return self._fork_server(path).spawn(cmd[3:], self.root, env, output)
        except forkserver.ForkServerError as exc:
            raise SnippetError(path, None, str(exc)) from None

    def _fork_server(self, path: Path) -> forkserver.ForkServer:
        """The running fork server, started on first use (for the snippet at ``path``)."""
        with self._lock:
            if self._server is None:
                try:
                    self._server = forkserver.ForkServer(self.root, _snippet_env(), self.preload)
                except forkserver.ForkServerError as exc:
                    raise SnippetError(path, None, f"{exc}\n(the modules it imports first are the plugin's "
                                                   "'preload' option)") from None
            return self._server

    def close(self) -> None:
        """Stop the fork server, if one runs (the next snippet starts a new one)."""
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown: the server exits when its socket closes
            pass

    def _stored_path(self, path: str) -> str:
        """``path`` as a manifest records it: relative to the project root when inside it (POSIX form)."""
        p = Path(path)
        return p.relative_to(self.root).as_posix() if p.is_absolute() and p.is_relative_to(self.root) else path

    def stop(self) -> None:
        """Stop every running snippet (and what it started); snippets not yet started never start."""
        self._stopping.set()
        with self._lock:
            running = list(self._running.values())
        for proc in running:
            _kill_group(proc)

    def prune(self) -> int:
        """Delete cached figures that no manifest refers to, and manifests whose snippet is gone.

        A figure younger than a minute is kept: a concurrent build may have just drawn it and not
        yet written the manifest that refers to it. Returns the number of figures deleted.
        """
        keep: set[str] = set()
        for manifest_path in (self.cache_dir / "snippets").glob("*.json"):
            try:
                manifest = json.loads(manifest_path.read_text())
            except (OSError, ValueError):
                continue
            if not _valid_manifest(manifest):
                continue
            sid = manifest.get("snippet")
            if isinstance(sid, str) and not self.snippet_path(sid).is_file():
                try:
                    manifest_path.unlink()
                except OSError:
                    pass
                continue
            keep.update(f["file"] for record in manifest["figures"].values() for f in _figure_files(record))
        deleted, now = 0, time.time()
        for fig in self.figure_dir.glob("*"):
            if fig.name in keep or fig.name.startswith(".") or not fig.is_file():
                continue
            try:
                if now - fig.stat().st_mtime > 60:
                    fig.unlink()
                    deleted += 1
            except OSError:
                pass
        return deleted

    def ensure(self, snippet_ids: Iterable[str]) -> dict[str, SnippetResult]:
        """Results for ``snippet_ids``: cached where fresh, run (in parallel) where stale.

        Logs one line per snippet that ran (``[3/12] ran snippets/x.py in 3.1 s``), a line every
        ``heartbeat`` seconds per snippet still running, and a summary line. Raises the first
        :class:`SnippetError` after every snippet has had its chance to run. An interrupt (Ctrl-C)
        stops the running snippets before it propagates.
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
        done = [0]

        def work(sid: str) -> None:
            if self._stopping.is_set():  # interrupted while it waited: it never starts, and says nothing
                return
            try:
                res = self.run(sid)
            except SnippetError as exc:
                with self._lock:
                    done[0] += 1
                    n = done[0]
                errors.append(exc)
                self.log(f"[{n}/{len(stale)}] FAILED {exc.path.relative_to(self.root)}: {exc.summary}")
                return
            with self._lock:
                done[0] += 1
                n = done[0]
            results[sid] = res
            self.log(f"[{n}/{len(stale)}] ran {res.path.relative_to(self.root)} in {res.seconds:.1f} s")

        if stale:
            self._stopping.clear()
            self.log(f"running {len(stale)} snippet(s) whose inputs changed: {', '.join(stale)}")
            try:
                if self.fork_server and self.preload:
                    begin = time.perf_counter()
                    self._fork_server(self.snippet_path(stale[0]))
                    self.log(f"fork server ready in {time.perf_counter() - begin:.1f} s "
                             f"(imported {', '.join(self.preload)} once for every snippet)")
                pool = ThreadPoolExecutor(max_workers=self.jobs)
                try:
                    for future in [pool.submit(work, sid) for sid in stale]:
                        future.result()
                except BaseException:
                    self.stop()
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
                pool.shutdown(wait=True)
            finally:
                self.close()
            self.prune()
        ran = len(stale) - len(errors)
        self.log(f"snippets: {ran} ran, {len(ids) - len(stale)} from cache, {len(errors)} failed")
        if errors:
            raise errors[0]
        return results


def _is_named_by_its_hash(name: str, data: bytes) -> bool:
    """The runner names each figure ``<first 20 hex digits of its sha256>.<format>``."""
    return name.split(".", 1)[0] == hashlib.sha256(data).hexdigest()[:20]


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group ``proc`` leads (it was started in a session of its own)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
