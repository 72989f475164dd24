"""Run one snippet in a fresh process and report what it published and what it read.

Used by :mod:`cnn_glossary.site.pipeline` as ``python -m cnn_glossary.site.runner ROOT SNIPPET OUT FIGDIR``.
It writes a JSON report to OUT: the published values, tables and figures (figure files
go to FIGDIR, named by content hash, an animation's still poster next to it), and every file
the run depended on: the snippet, the package modules it imported, and the files it opened for
reading under the project folder or the data cache. On an exception the report holds the traceback and the line
of the snippet that led to it, and the exit status is 1.
"""

from __future__ import annotations

import hashlib
import json
import os
import runpy
import signal
import sys
import threading
import time
import traceback
from pathlib import Path


def _is_under(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def _stop_when_orphaned(out: Path, interval: float = 0.5) -> None:
    """If the build that started this runner dies (even by SIGKILL), stop this process group.

    The runner leads a session of its own (the pipeline starts it that way so that a timeout
    can stop everything a snippet started), so the terminal's Ctrl-C and a killed parent would
    not reach it: this thread notices the parent is gone, removes the report file the build
    would have removed, and kills the group.
    """
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                for leftover in (out, out.with_name(out.name + ".tmp")):
                    try:
                        leftover.unlink()
                    except OSError:
                        pass
                try:
                    os.killpg(os.getpgid(0), signal.SIGKILL)
                finally:
                    os._exit(1)

    threading.Thread(target=watch, daemon=True, name="orphan-watch").start()


def main(argv: list[str]) -> int:
    root, snippet, out, figdir = (Path(a).resolve() for a in argv)
    _stop_when_orphaned(out)
    os.chdir(root)
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    import cnn_glossary
    from cnn_glossary import publish
    from cnn_glossary.mnist.data import data_home

    package_dir = Path(cnn_glossary.__file__).resolve().parent
    watched = [root, data_home().resolve()]
    ignored = [root / ".venv", root / ".git", root / ".cache", root / "site", Path(sys.prefix).resolve()]
    opened: set[Path] = set()

    def audit(event: str, args: tuple) -> None:
        if event != "open" or not args or not isinstance(args[0], (str, os.PathLike)):
            return
        mode = args[1] if len(args) > 1 and isinstance(args[1], str) else "r"
        if any(ch in mode for ch in "wax+"):
            return
        path = Path(os.path.abspath(args[0]))
        if any(_is_under(path, w) for w in watched) and not any(_is_under(path, i) for i in ignored):
            opened.add(path)

    sys.addaudithook(audit)
    collector = publish.Collector()
    publish.set_collector(collector)
    sys.path.insert(0, str(snippet.parent))
    start = time.perf_counter()
    report: dict = {}
    status = 0
    try:
        runpy.run_path(str(snippet), run_name="__main__")
    except BaseException as exc:  # noqa: BLE001 - reported to the build, which fails
        status = 1
        frames = traceback.extract_tb(exc.__traceback__)
        lines = [f.lineno for f in frames if Path(f.filename).resolve() == snippet]
        report["error"] = {
            "type": type(exc).__name__,
            "message": str(exc),
            "line": lines[-1] if lines else None,
            "traceback": "".join(traceback.format_exception(exc)),
        }
    report["seconds"] = time.perf_counter() - start
    report["cpu_seconds"] = _cpu_seconds()
    report["notes"] = collector.notes  # progress lines for the build log, also when the snippet failed

    if status == 0:
        modules = {
            Path(m.__file__).resolve()
            for m in list(sys.modules.values())
            if getattr(m, "__file__", None) and _is_under(Path(m.__file__).resolve(), package_dir)
        }
        deps = sorted({snippet} | modules | {p for p in opened if p.is_file()})
        report["deps"] = [file_record(p) for p in deps]
        report.update(collector.as_json())
        figdir.mkdir(parents=True, exist_ok=True)
        figures = {}
        for name, fig in collector.figures.items():
            figures[name] = {
                "file": write_figure_file(figdir, fig.data, fig.format),
                "format": fig.format,
                "alt": fig.alt,
                "caption": fig.caption,
                "width": fig.width,
                "bytes": len(fig.data),
            }
            if fig.poster is not None:  # an animation's still, stored next to it (see publish.figure)
                figures[name]["poster"] = {
                    "file": write_figure_file(figdir, fig.poster, publish.POSTER_FORMAT),
                    "alt": fig.poster_alt,
                    "bytes": len(fig.poster),
                }
        report["figures"] = figures

    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=1, sort_keys=True))
    os.replace(tmp, out)
    return status


def write_figure_file(figdir: Path, data: bytes, fmt: str) -> str:
    """Store ``data`` in ``figdir`` as ``<first 20 hex digits of its sha256>.<fmt>``; returns that name."""
    filename = f"{hashlib.sha256(data).hexdigest()[:20]}.{fmt}"
    target = figdir / filename
    if not target.is_file() or target.read_bytes() != data:  # absent, cut short or overwritten
        tmp = figdir / f".{filename}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, target)
    else:
        os.utime(target)  # in use again: the pipeline's pruning keeps recent files
    return filename


def _cpu_seconds() -> float:
    """CPU time of this process (from its start, or from its fork) and of the children it waited for."""
    import resource

    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                   resource.getrusage(resource.RUSAGE_CHILDREN)))


def file_record(path: Path) -> dict:
    stat = path.stat()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"path": str(path), "sha256": digest, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
