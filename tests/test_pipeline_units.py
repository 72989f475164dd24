"""Fast unit tests for the snippet cache (``site/pipeline.py``): ``Pipeline`` on a temporary root with tiny snippets.

No MkDocs build. Oracles: the file system (which files exist, their bytes, modes and mtimes), ``hashlib`` and JSON
computed or written here, and snippets whose side effects the test counts (each run appends a line to a file).
Timings are used only as "ran / did not run", never asserted.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import pytest

from cnn_glossary.site import pipeline
from cnn_glossary.site.pipeline import Pipeline, SnippetError, SnippetResult

from .conftest import alive as _alive

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'


def counting(name: str, value: int = 1, extra: str = "") -> str:
    """A snippet that appends a line to runs.txt (in the root, its working folder) each time it runs."""
    return (
        "from cnn_glossary import publish\n"
        f'with open("runs.txt", "a") as f:\n    f.write("{name}\\n")\n'
        f'publish.value("v", {value})\n{extra}'
    )


def figure_snippet(data: bytes) -> str:
    return (
        "from cnn_glossary import publish\n"
        f'publish.figure("f", {data!r}, alt="A tiny empty picture.", caption="Empty.")\n'
    )


def write(root: Path, sid: str, text: str) -> Path:
    path = root / "snippets" / f"{sid}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def runs(root: Path) -> list[str]:
    path = root / "runs.txt"
    return path.read_text().split() if path.exists() else []


@pytest.fixture(autouse=True)
def no_runner_outlives_the_test():
    """Stop any snippet runner this test left behind (only a broken pipeline leaves one).

    A runner whose build process is gone kills its own process group; a pipeline that failed to start it in a
    session of its own would share the test process's group, so an orphan would take the test run down with it.
    """
    yield
    me = os.getpid()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, ppid = int(stat.parent.name), int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if ppid == me and b"cnn_glossary.site.runner" in (stat.parent / "cmdline").read_bytes():
                os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            pass


@pytest.fixture
def lines() -> list[str]:
    return []


@pytest.fixture
def pipe(tmp_path, lines) -> Pipeline:
    return Pipeline(tmp_path, log=lines.append)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- small parts ------------------------------------------------------------------------------------


def test_snippet_error_message_names_the_file_and_line():
    err = SnippetError(Path("snippets/a.py"), 7, "ValueError: no", "the traceback")
    assert str(err) == "snippets/a.py:7: ValueError: no"
    assert (err.path, err.line, err.summary, err.details) == (Path("snippets/a.py"), 7, "ValueError: no",
                                                              "the traceback")
    assert str(SnippetError(Path("snippets/a.py"), None, "gone")) == "snippets/a.py: gone"
    assert SnippetError(Path("x.py"), None, "gone").details == ""


def test_figure_path_is_the_recorded_file_in_the_figure_folder(tmp_path):
    res = SnippetResult("a", tmp_path / "a.py", {}, {}, {"f": {"file": "abc.svg"}}, tmp_path / "figs", 0.1, True)
    assert res.figure_path("f") == tmp_path / "figs" / "abc.svg"
    assert res.deps == [] and res.warnings == []


def test_library_versions_skip_what_is_not_installed(monkeypatch):
    def version(name):
        if name == "absent":
            raise metadata.PackageNotFoundError(name)
        return f"v-{name}"

    monkeypatch.setattr(pipeline.importlib.metadata, "version", version)
    assert pipeline.library_versions(["numpy", "absent", "keras"]) == {
        "python": platform.python_version(), "numpy": "v-numpy", "keras": "v-keras"}
    assert pipeline.library_versions() == {"python": platform.python_version(), "numpy": "v-numpy",
                                           "scipy": "v-scipy", "tensorflow": "v-tensorflow",
                                           "tensorflow-cpu": "v-tensorflow-cpu", "keras": "v-keras",
                                           "matplotlib": "v-matplotlib", "pillow": "v-pillow"}


def test_sha256_and_umask(tmp_path):
    (tmp_path / "f").write_bytes(b"\x00abc")
    assert pipeline._sha256(tmp_path / "f") == hashlib.sha256(b"\x00abc").hexdigest()
    assert pipeline.UMASK == _umask() == pipeline._umask()
    assert _umask() == pipeline.UMASK  # reading the umask left it as it was


def test_atomic_write_makes_folders_uses_a_hidden_temporary_name_and_the_umask(tmp_path, monkeypatch):
    target = tmp_path / "a" / "b" / "m.json"
    seen = []
    real_replace = os.replace

    def replace(src, dst):
        seen.append((Path(src).parent, Path(src).name, sorted(p.name for p in target.parent.iterdir())))
        real_replace(src, dst)

    monkeypatch.setattr(pipeline.os, "replace", replace)
    pipeline._atomic_write(target, '{"é": 1}\n')
    assert target.read_bytes() == '{"é": 1}\n'.encode()
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()
    ((folder, name, listing),) = seen
    assert folder == target.parent and listing == [name]  # only the temporary file existed before the rename
    assert name.startswith(".m.json.") and name.endswith(".tmp")
    assert sorted(p.name for p in target.parent.iterdir()) == ["m.json"]


GOOD = {
    "cache_version": 1, "versions": {}, "values": {}, "tables": {}, "seconds": 1,
    "deps": [{"path": "/x.py", "size": 1, "mtime_ns": 2, "sha256": "ab"}],
    "figures": {"f": {"file": "ab.svg"}},
}


@pytest.mark.parametrize(
    "change",
    [
        {"cache_version": "1"}, {"cache_version": None}, {"versions": []}, {"deps": {}}, {"values": []},
        {"tables": None}, {"figures": []}, {"seconds": "1"}, {"seconds": None},
        {"deps": ["x"]}, {"deps": [{"path": 1, "size": 1, "mtime_ns": 2, "sha256": "ab"}]},
        {"deps": [{"path": "/x.py", "size": "1", "mtime_ns": 2, "sha256": "ab"}]},
        {"deps": [{"path": "/x.py", "size": 1, "mtime_ns": 2.0, "sha256": "ab"}]},
        {"deps": [{"path": "/x.py", "size": 1, "mtime_ns": 2, "sha256": None}]},
        {"deps": [{"path": "/x.py", "size": 1, "mtime_ns": 2}]},
        {"figures": {"f": "ab.svg"}}, {"figures": {"f": {"file": 3}}}, {"figures": {"f": {}}},
        {"figures": {"f": {"file": "../ab.svg"}}}, {"figures": {"f": {"file": "a/b.svg"}}},
        {"figures": {"f": {"file": "ab.webp", "poster": "cd.webp"}}}, {"figures": {"f": {"file": "ab.webp", "poster": {}}}},
        {"figures": {"f": {"file": "ab.webp", "poster": {"file": "../cd.webp"}}}},
    ],
)
def test_a_manifest_of_the_wrong_shape_is_invalid(change):
    assert pipeline._valid_manifest(GOOD)
    assert not pipeline._valid_manifest(dict(GOOD, **change))


@pytest.mark.parametrize("missing", sorted(GOOD))
def test_a_manifest_lacking_a_field_is_invalid(missing):
    assert not pipeline._valid_manifest({k: v for k, v in GOOD.items() if k != missing})


@pytest.mark.parametrize(
    "change",
    [{"seconds": 0.5}, {"deps": []}, {"figures": {}}, {"extra": 1}, {"deps": [dict(GOOD["deps"][0], more="x")]},
     {"figures": {"f": {"file": "ab.svg", "bytes": 3}, "g": {"file": "cd.png"}}},
     {"figures": {"f": {"file": "ab.webp", "poster": {"file": "cd.webp", "alt": "A still.", "bytes": 3}}}}],
)
def test_a_manifest_of_the_right_shape_is_valid(change):
    assert pipeline._valid_manifest(dict(GOOD, **change))


@pytest.mark.parametrize("value", [None, [], "text", 3])
def test_a_manifest_that_is_not_an_object_is_invalid(value):
    assert not pipeline._valid_manifest(value)


def test_folders_and_names(tmp_path):
    pipe = Pipeline(tmp_path / "." / "site", snippets_dir="snips", cache_dir="c/d", jobs=0, timeout=5,
                    heartbeat=2, log=print)
    root = (tmp_path / "site").resolve()
    assert pipe.root == root and pipe.snippets_dir == root / "snips" and pipe.cache_dir == root / "c" / "d"
    assert pipe.figure_dir == root / "c" / "d" / "figures"
    assert (pipe.jobs, pipe.timeout, pipe.heartbeat, pipe.log) == (1, 5, 2, print)
    assert pipe.snippet_path("a/b") == root / "snips" / "a" / "b.py"
    assert pipe._manifest_path("a/b") == root / "c" / "d" / "snippets" / "a__b.json"
    defaults = Pipeline(tmp_path)
    assert defaults.snippets_dir == tmp_path.resolve() / "snippets"
    assert defaults.cache_dir == tmp_path.resolve() / ".cache" / "cnn-glossary"
    assert (defaults.jobs, defaults.timeout, defaults.heartbeat, defaults.log) == (2, 600.0, 30.0, print)
    assert Pipeline(tmp_path, jobs=3).jobs == 3
    assert defaults._versions == pipeline.library_versions()


def test_snippet_ids_are_every_python_file_but_private_ones(tmp_path):
    for name in ("b.py", "a/z.py", "a/c/d.py", "_helper.py", "a/_private.py", "notes.txt", "a/data.json"):
        (tmp_path / "snippets" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "snippets" / name).write_text("x = 1\n")
    assert Pipeline(tmp_path).snippet_ids() == ["a/c/d", "a/z", "b"]


# -- running -------------------------------------------------------------------------------------------


def test_run_records_what_the_snippet_published_and_read(tmp_path, pipe, monkeypatch):
    for name, value in (("MPLBACKEND", "svg"), ("TF_CPP_MIN_LOG_LEVEL", "0"), ("PYTHONHASHSEED", "random")):
        monkeypatch.setenv(name, value)  # the build's own settings win over the user's
    (tmp_path / "data.txt").write_text("41")
    path = write(tmp_path, "a/b", counting("b", extra=(
        'import os\nn = int(open("data.txt").read())\npublish.value("n", n + 1)\n'
        'publish.value("env", " ".join(os.environ.get(k, "-") for k in '
        '("MPLBACKEND", "TF_CPP_MIN_LOG_LEVEL", "PYTHONHASHSEED")))\n'
        'publish.value("cwd", os.getcwd())\n'
        'import cnn_glossary, sys\npublish.value("pkg", cnn_glossary.__file__)\n'
        'publish.table("t", [(1, 2)], headers=["a", "b"])\n'
        'publish.warning("careful")\n'
    )))
    res = pipe.run("a/b")
    assert runs(tmp_path) == ["b"]
    assert res.ran and res.snippet_id == "a/b" and res.path == path and res.figure_dir == pipe.figure_dir
    assert res.values["n"]["value"] == 42 and res.values["env"]["value"] == "Agg 2 0"
    assert res.values["cwd"]["value"] == str(tmp_path.resolve())
    assert Path(res.values["pkg"]["value"]).parent == Path(pipeline.__file__).parents[1]  # the package in use
    assert res.tables["t"]["rows"] and res.warnings == ["careful"] and res.seconds > 0
    deps = {d["path"]: d for d in res.deps}
    data = "data.txt"  # inside the project: recorded relative to its root
    assert deps[data]["sha256"] == hashlib.sha256(b"41").hexdigest() and deps[data]["size"] == 2
    manifest = json.loads((tmp_path / ".cache/cnn-glossary/snippets/a__b.json").read_text())
    assert manifest["snippet"] == "a/b" and manifest["cache_version"] == pipeline.CACHE_VERSION
    assert manifest["versions"] == pipeline.library_versions()
    assert manifest["values"] == res.values and manifest["tables"] == res.tables and manifest["deps"] == res.deps
    assert manifest["warnings"] == ["careful"] and manifest["figures"] == {} and manifest["seconds"] == res.seconds
    assert (tmp_path / ".cache/cnn-glossary/snippets/a__b.json").read_text() == json.dumps(
        manifest, indent=1, sort_keys=True)
    cache = tmp_path / ".cache" / "cnn-glossary"
    assert sorted(p.name for p in cache.iterdir()) == ["figures", "snippets"]  # no report or probe left behind
    assert sorted(p.name for p in (cache / "snippets").iterdir()) == ["a__b.json"]
    assert list((cache / "figures").iterdir()) == []


def test_pythonpath_puts_the_package_in_use_first(tmp_path, pipe, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "/somewhere/else")
    write(tmp_path, "p", 'import os\nfrom cnn_glossary import publish\npublish.value("p", os.environ["PYTHONPATH"])\n')
    src = str(Path(pipeline.__file__).resolve().parents[2])
    assert pipe.run("p").values["p"]["value"] == src + os.pathsep + "/somewhere/else"


def test_a_snippet_that_raises_names_its_line_type_and_message(tmp_path, pipe):
    write(tmp_path, "bad", "x = 1\n\nraise ValueError('no good')\n")
    with pytest.raises(SnippetError) as info:
        pipe.run("bad")
    err = info.value
    assert err.path == tmp_path.resolve() / "snippets" / "bad.py" and err.line == 3
    assert err.summary == "ValueError: no good" and "Traceback" in err.details and "no good" in err.details
    assert not pipe._manifest_path("bad").exists()
    assert sorted(p.name for p in pipe.cache_dir.iterdir()) == ["figures", "snippets"]


def test_a_snippet_process_that_dies_reports_its_status_and_output(tmp_path, pipe):
    write(tmp_path, "dies", "import os, sys\nprint('first' + 'x' * 5000, flush=True)\nprint('last words', flush=True)\n"
                            "print('on stderr', file=sys.stderr, flush=True)\nos._exit(3)\n")
    with pytest.raises(SnippetError) as info:
        pipe.run("dies")
    assert info.value.summary == "the snippet process exited with status 3" and info.value.line is None
    assert info.value.path == tmp_path.resolve() / "snippets" / "dies.py"
    printed = "first" + "x" * 5000 + "\nlast words\non stderr\n"
    assert info.value.details == printed[-4000:]  # the tail of a long output, stdout and stderr in order
    write(tmp_path, "short", "import os, sys\nprint('out', flush=True)\nprint('err', file=sys.stderr, flush=True)\n"
                             "os._exit(4)\n")
    with pytest.raises(SnippetError) as info:
        pipe.run("short")
    assert info.value.summary == "the snippet process exited with status 4" and info.value.details == "out\nerr\n"
    assert sorted(p.name for p in pipe.cache_dir.iterdir()) == ["figures", "snippets"]


def test_a_garbled_report_is_no_result(tmp_path, pipe):
    """The snippet overwrites its report file (the runner's third argument) with half a JSON text and its .tmp."""
    write(tmp_path, "g", "import os, sys\nopen(sys.argv[3], 'w').write('{half')\n"
                         "open(sys.argv[3] + '.tmp', 'w').write('x')\nos._exit(0)\n")
    with pytest.raises(SnippetError) as info:
        pipe.run("g")
    assert info.value.summary == "the snippet process exited with status 0"
    assert info.value.path == tmp_path.resolve() / "snippets" / "g.py"
    assert sorted(p.name for p in pipe.cache_dir.iterdir()) == ["figures", "snippets"]


def test_a_missing_snippet_is_named(tmp_path, pipe):
    with pytest.raises(SnippetError) as info:
        pipe.run("gone/x")
    assert info.value.summary == "no snippet file snippets/gone/x.py" and info.value.line is None
    assert info.value.path == tmp_path.resolve() / "snippets" / "gone" / "x.py"
    assert not pipe.cache_dir.exists()


def test_a_stopped_pipeline_starts_no_snippet(tmp_path, pipe):
    write(tmp_path, "a", counting("a"))
    pipe.stop()
    with pytest.raises(SnippetError) as info:
        pipe.run("a")
    assert info.value.summary == "the build was interrupted before this snippet ran"
    assert info.value.path == tmp_path.resolve() / "snippets" / "a.py" and info.value.line is None
    assert runs(tmp_path) == []


def test_a_cache_entry_that_cannot_be_written_fails_loudly(tmp_path, pipe, monkeypatch):
    write(tmp_path, "a", counting("a"))

    def refuse(path, text):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipeline, "_atomic_write", refuse)
    with pytest.raises(SnippetError) as info:
        pipe.run("a")
    assert info.value.summary.startswith("cannot write its cache entry: ") and "No space" in info.value.summary
    assert info.value.path == tmp_path.resolve() / "snippets" / "a.py" and info.value.line is None
    assert runs(tmp_path) == ["a"]


@pytest.mark.parametrize("inside", [True, False])
def test_an_unwritable_cache_folder_is_named(tmp_path, monkeypatch, inside):
    cache = ".cache/x" if inside else str(tmp_path / "elsewhere")
    pipe = Pipeline(tmp_path / "root", cache_dir=cache, log=lambda m: None)
    write(tmp_path / "root", "a", counting("a"))

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(pipeline.tempfile, "mkstemp", refuse)
    with pytest.raises(SnippetError) as info:
        pipe.run("a")
    shown = ".cache/x" if inside else str(tmp_path / "elsewhere")
    assert info.value.summary == (
        f"the snippet must run, but the cache folder {shown}/ is not writable (Permission denied); make it "
        "writable, or set the plugin's cache_dir to a writable folder")
    assert info.value.path == (tmp_path / "root").resolve() / "snippets" / "a.py" and info.value.line is None
    assert runs(tmp_path / "root") == []


def test_an_unwritable_figure_folder_is_found_before_the_snippet_runs(tmp_path, pipe, monkeypatch):
    write(tmp_path, "a", counting("a"))
    real = pipeline.tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if Path(dir) != pipe.cache_dir:
            raise PermissionError(13, "Permission denied")
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(pipeline.tempfile, "mkstemp", mkstemp)
    with pytest.raises(SnippetError, match="is not writable"):
        pipe.run("a")
    assert runs(tmp_path) == []
    assert not list(pipe.cache_dir.glob(".report.*"))  # no report file left behind either


def test_the_report_file_is_fresh_and_the_probes_leave_nothing(tmp_path, pipe):
    report = pipe._report_file(tmp_path / "a.py")
    assert report.parent == pipe.cache_dir and report.name.startswith(".report.") and report.suffix == ".json"
    assert report.read_bytes() == b""
    assert sorted(p.name for p in pipe.cache_dir.iterdir()) == sorted([report.name, "figures", "snippets"])
    assert list(pipe.figure_dir.iterdir()) == [] and list((pipe.cache_dir / "snippets").iterdir()) == []
    assert pipe._report_file(tmp_path / "a.py") != report


def test_a_timeout_stops_the_snippet(tmp_path, lines):
    write(tmp_path, "slow", counting("slow", extra=(
        'import os, time\nfrom pathlib import Path\nPath("pid").write_text(str(os.getpid()))\ntime.sleep(60)\n')))
    pipe = Pipeline(tmp_path, timeout=2.5, heartbeat=0.4, log=lines.append)  # time to start on a busy machine
    with pytest.raises(SnippetError) as info:
        pipe.run("slow")
    assert info.value.summary == ("did not finish within 2 s (the plugin's timeout setting); it and every process "
                                  "it started were stopped")
    assert info.value.path == tmp_path.resolve() / "snippets" / "slow.py" and info.value.line is None
    assert runs(tmp_path) == ["slow"]  # it had started
    assert not _alive(int((tmp_path / "pid").read_text()))  # and was stopped
    beats = [line for line in lines if line.startswith("still running snippets/slow.py (")]
    assert beats and all(line.endswith(" s)") for line in beats) and len(beats) == len(lines)
    assert sorted(p.name for p in pipe.cache_dir.iterdir()) == ["figures", "snippets"]
    assert pipe._running == {}


def test_a_quick_snippet_logs_no_heartbeat(tmp_path, lines):
    write(tmp_path, "a", counting("a"))
    Pipeline(tmp_path, heartbeat=30, log=lines.append).run("a")
    assert lines == []


def test_stop_kills_the_running_snippets_group(tmp_path):
    pipe = Pipeline(tmp_path, log=lambda m: None)
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    pipe._running[proc.pid] = proc
    pipe.stop()
    assert proc.poll() == -signal.SIGKILL
    assert pipe._stopping.is_set()


def test_kill_group_kills_every_process_in_the_group_and_tolerates_a_dead_one(tmp_path):
    pids = tmp_path / "pids"
    proc = subprocess.Popen(
        [sys.executable, "-c",
         "import subprocess, sys, time, pathlib\n"
         "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
         f"pathlib.Path({str(pids)!r}).write_text(str(c.pid))\ntime.sleep(60)\n"],
        start_new_session=True)
    end = time.time() + 30
    while not (pids.exists() and pids.read_text()) and time.time() < end:
        time.sleep(0.05)
    child = int(pids.read_text())
    pipeline._kill_group(proc)
    assert proc.returncode == -signal.SIGKILL
    end = time.time() + 10
    while _alive(child) and time.time() < end:
        time.sleep(0.05)
    assert not _alive(child), "the child outlived its group"
    pipeline._kill_group(proc)  # already gone: no error


def test_a_snippet_stopped_while_running_is_reported_as_stopped(tmp_path):
    pipe = Pipeline(tmp_path, timeout=15, log=lambda m: None)  # a snippet that is not stopped times out instead
    write(tmp_path, "a", counting("a", extra="import time\ntime.sleep(60)\n"))
    import threading

    def stop_when_started():
        end = time.time() + 30
        while not runs(tmp_path) and time.time() < end:
            time.sleep(0.05)
        pipe.stop()

    thread = threading.Thread(target=stop_when_started)
    thread.start()
    with pytest.raises(SnippetError) as info:
        pipe.run("a")
    thread.join()
    assert info.value.summary == "stopped: the build was interrupted"
    assert info.value.path == tmp_path.resolve() / "snippets" / "a.py"
    assert sorted(p.name for p in pipe.cache_dir.iterdir()) == ["figures", "snippets"]


# -- the cache -----------------------------------------------------------------------------------------


def test_cached_returns_the_entry_without_running(tmp_path, pipe):
    write(tmp_path, "a", counting("a", 5))
    first = pipe.run("a")
    hit = pipe.cached("a")
    assert runs(tmp_path) == ["a"]
    assert hit is not None and not hit.ran
    assert (hit.values, hit.tables, hit.figures, hit.deps, hit.warnings, hit.seconds) == (
        first.values, first.tables, first.figures, first.deps, first.warnings, first.seconds)
    assert hit.values["v"]["value"] == 5 and hit.path == first.path and hit.figure_dir == pipe.figure_dir
    assert Pipeline(tmp_path, log=lambda m: None).cached("a") is not None  # a new pipeline reads the same entry


def test_no_entry_or_an_unreadable_one_is_not_cached(tmp_path, pipe):
    write(tmp_path, "a", counting("a"))
    assert pipe.cached("a") is None
    pipe.run("a")
    pipe._manifest_path("a").write_text("{not json")
    assert pipe.cached("a") is None
    pipe._manifest_path("a").unlink()
    pipe._manifest_path("a").mkdir()  # an OSError on reading
    assert pipe.cached("a") is None


@pytest.mark.parametrize("field, value", [("cache_version", pipeline.CACHE_VERSION - 1),
                                          ("cache_version", pipeline.CACHE_VERSION + 1), ("versions", {"python": "1"})])
def test_another_cache_version_or_library_version_is_stale(tmp_path, pipe, field, value):
    write(tmp_path, "a", counting("a"))
    pipe.run("a")
    path = pipe._manifest_path("a")
    manifest = json.loads(path.read_text())
    manifest[field] = value
    path.write_text(json.dumps(manifest))
    assert pipe.cached("a") is None


def _dep(pipe: Pipeline, sid: str, path: Path) -> dict:
    manifest = json.loads(pipe._manifest_path(sid).read_text())
    (dep,) = [d for d in manifest["deps"] if d["path"] == path.resolve().relative_to(pipe.root).as_posix()]
    return dep


def test_an_unchanged_stat_is_trusted_without_hashing(tmp_path, pipe):
    path = write(tmp_path, "a", counting("a", 1))
    pipe.run("a")
    st = path.stat()
    path.write_text(counting("a", 2))  # same size, other bytes, and the old mtime put back
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size
    hit = pipe.cached("a")
    assert hit is not None and hit.values["v"]["value"] == 1


def test_a_touched_but_identical_file_is_fresh_and_its_new_mtime_remembered(tmp_path, pipe):
    path = write(tmp_path, "a", counting("a"))
    pipe.run("a")
    before = pipe._manifest_path("a").read_text()
    unsorted = json.loads(before)
    pipe._manifest_path("a").write_text(json.dumps({k: unsorted[k] for k in sorted(unsorted, reverse=True)}))
    later = path.stat().st_mtime_ns + 7_000_000_000
    os.utime(path, ns=(later, later))
    assert pipe.cached("a") is not None
    assert _dep(pipe, "a", path)["mtime_ns"] == later
    after = json.loads(pipe._manifest_path("a").read_text())  # rewritten in the form run() writes
    assert pipe._manifest_path("a").read_text() == json.dumps(after, indent=1, sort_keys=True)
    assert list(after) == sorted(after)
    rel = path.resolve().relative_to(pipe.root).as_posix()
    assert [d for d in after["deps"] if d["path"] != rel] == [d for d in json.loads(before)["deps"] if d["path"] != rel]
    assert runs(tmp_path) == ["a"]
    # the next look needs no hashing: same stat as recorded, so even a same-size edit with that mtime passes
    assert pipe.cached("a") is not None


def test_a_fresh_entry_is_not_rewritten(tmp_path, pipe):
    write(tmp_path, "a", counting("a"))
    pipe.run("a")
    manifest = pipe._manifest_path("a")
    old = manifest.stat().st_mtime_ns - 1000 * 10**9
    os.utime(manifest, ns=(old, old))
    inode = manifest.stat().st_ino
    assert pipe.cached("a") is not None
    assert manifest.stat().st_mtime_ns == old and manifest.stat().st_ino == inode


@pytest.mark.parametrize("how", ["bigger", "same-size", "deleted"])
def test_a_changed_or_missing_input_is_stale(tmp_path, pipe, how):
    (tmp_path / "data.txt").write_text("1")
    path = write(tmp_path, "a", counting("a", extra='publish.value("d", open("data.txt").read())\n'))
    pipe.run("a")
    data = tmp_path / "data.txt"
    later = data.stat().st_mtime_ns + 3_000_000_000
    if how == "bigger":
        data.write_text("10")
        os.utime(data, ns=(data.stat().st_atime_ns, data.stat().st_mtime_ns))
    elif how == "same-size":
        data.write_text("2")
        os.utime(data, ns=(later, later))
    else:
        data.unlink()
    assert pipe.cached("a") is None
    if how != "deleted":
        res = pipe.ensure(["a"])["a"]
        assert res.ran and res.values["d"]["value"] == data.read_text()
    assert path.exists()


def test_a_bigger_file_with_the_recorded_mtime_is_stale(tmp_path, pipe):
    path = write(tmp_path, "a", counting("a", 1))
    pipe.run("a")
    st = path.stat()
    path.write_text(counting("a", 1000))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert pipe.cached("a") is None


@pytest.mark.parametrize("how", ["missing", "empty", "other-size"])
def test_a_figure_file_that_is_not_as_recorded_is_stale(tmp_path, pipe, how):
    write(tmp_path, "a", figure_snippet(SVG))
    res = pipe.run("a")
    fig = res.figure_path("f")
    assert fig.read_bytes() == SVG and res.figures["f"]["bytes"] == len(SVG)
    assert pipe.cached("a") is not None
    if how == "missing":
        fig.unlink()
    else:
        fig.write_bytes(b"" if how == "empty" else SVG + b" ")
    assert pipe.cached("a") is None


def test_a_figure_without_a_recorded_size_is_checked_for_presence_only(tmp_path, pipe):
    write(tmp_path, "a", figure_snippet(SVG))
    pipe.run("a")
    path = pipe._manifest_path("a")
    manifest = json.loads(path.read_text())
    del manifest["figures"]["f"]["bytes"]
    path.write_text(json.dumps(manifest))
    assert pipe.cached("a") is not None
    pipe.figure_dir.joinpath(manifest["figures"]["f"]["file"]).write_bytes(b"")
    assert pipe.cached("a") is None  # but an empty one is not a figure


ANIMATION_SNIPPET = """\
import io
from PIL import Image
from cnn_glossary import publish
frames = [Image.new("RGB", (6, 4), colour) for colour in ((255, 0, 0), (0, 0, 255))]
buf = io.BytesIO()
frames[0].save(buf, format="WEBP", save_all=True, append_images=frames[1:], lossless=True)
publish.figure("f", buf.getvalue(), format="webp", alt="A red box turning blue.", caption="Two frames.",
               poster_alt="A blue box, the last frame.")
"""


def test_an_animations_poster_is_stored_next_to_it_and_kept_fresh(tmp_path, pipe):
    from PIL import Image

    write(tmp_path, "a", ANIMATION_SNIPPET)
    res = pipe.run("a")
    record = res.figures["f"]
    poster = pipe.figure_dir / record["poster"]["file"]
    assert record["poster"]["alt"] == "A blue box, the last frame." and record["poster"]["bytes"] == poster.stat().st_size
    assert record["poster"]["file"].endswith(".webp") and record["poster"]["file"] != record["file"]
    with Image.open(poster) as im:  # the last frame, as a still
        assert getattr(im, "n_frames", 1) == 1 and im.convert("RGB").getcolors() == [(24, (0, 0, 255))]
    assert pipe.cached("a").figures == res.figures
    _old(poster, 3600)
    _old(res.figure_path("f"), 3600)
    assert pipe.prune() == 0 and poster.exists()  # a manifest names it: kept
    poster.write_bytes(poster.read_bytes() + b" ")
    assert pipe.cached("a") is None  # overwritten: the snippet runs again
    poster.unlink()
    assert pipe.cached("a") is None
    assert pipe.ensure(["a"])["a"].ran and poster.exists()


# -- pruning -------------------------------------------------------------------------------------------


def _old(path: Path, seconds: float) -> None:
    t = time.time() - seconds
    os.utime(path, (t, t))


def test_prune_deletes_old_figures_no_manifest_names(tmp_path, pipe):
    write(tmp_path, "a", figure_snippet(SVG))
    kept = pipe.run("a").figure_path("f")
    figs = pipe.figure_dir
    for name in ("old.svg", "older.png", "young.svg", ".hidden.tmp"):
        (figs / name).write_bytes(b"x")
    (figs / "folder").mkdir()
    _old(figs / "old.svg", 60.6)  # just over a minute
    _old(figs / "older.png", 3600)
    _old(figs / "young.svg", 50)
    _old(figs / ".hidden.tmp", 3600)
    _old(figs / "folder", 3600)
    _old(kept, 3600)
    assert pipe.prune() == 2
    assert sorted(p.name for p in figs.iterdir()) == sorted([kept.name, "young.svg", ".hidden.tmp", "folder"])
    assert pipe.prune() == 0


def listed_first(monkeypatch, *names: str) -> None:
    """Folders list the named files before the others (a listing's order is the file system's to choose)."""
    real = Path.glob

    def glob(self, pattern):
        return iter(sorted(real(self, pattern), key=lambda p: p.name not in names))

    monkeypatch.setattr(Path, "glob", glob)


def test_prune_drops_manifests_of_deleted_snippets_and_their_figures(tmp_path, pipe, monkeypatch):
    listed_first(monkeypatch, "a__gone.json")
    path = write(tmp_path, "a/gone", figure_snippet(SVG))
    write(tmp_path, "b", figure_snippet(SVG + b"\n"))
    fig_a = pipe.run("a/gone").figure_path("f")
    fig_b = pipe.run("b").figure_path("f")
    _old(fig_a, 3600)
    _old(fig_b, 3600)
    path.unlink()
    assert pipe.prune() == 1
    assert not fig_a.exists() and fig_b.exists()
    assert sorted(p.name for p in (pipe.cache_dir / "snippets").iterdir()) == ["b.json"]


def test_prune_ignores_broken_manifests_and_keeps_an_entry_without_a_snippet_name(tmp_path, pipe, monkeypatch):
    write(tmp_path, "a", figure_snippet(SVG))
    fig = pipe.run("a").figure_path("f")
    _old(fig, 3600)
    manifest = json.loads(pipe._manifest_path("a").read_text())
    del manifest["snippet"]
    pipe._manifest_path("a").write_text(json.dumps(manifest))
    for name, text in (("broken.json", "{oops"), ("shape.json", "[]")):  # each looked at before a.json
        (pipe.cache_dir / "snippets" / name).write_text(text)
        with monkeypatch.context() as m:
            listed_first(m, name)
            assert pipe.prune() == 0 and fig.exists()
    (pipe.cache_dir / "snippets" / "notes.txt").write_text(json.dumps(dict(manifest, snippet="gone")))
    assert pipe.prune() == 0
    assert fig.exists()
    assert sorted(p.name for p in (pipe.cache_dir / "snippets").iterdir()) == [
        "a.json", "broken.json", "notes.txt", "shape.json"]
    manifest["snippet"] = 7  # not a name: kept too
    pipe._manifest_path("a").write_text(json.dumps(manifest))
    assert pipe.prune() == 0 and pipe._manifest_path("a").exists()


def test_prune_with_no_cache_folder_deletes_nothing(tmp_path, pipe):
    assert pipe.prune() == 0


# -- ensure --------------------------------------------------------------------------------------------


def test_ensure_runs_stale_snippets_once_and_reads_fresh_ones_from_the_cache(tmp_path, pipe, lines):
    write(tmp_path, "a", counting("a", 1))
    write(tmp_path, "b", counting("b", 2))
    got = pipe.ensure(["b", "a", "b"])
    assert sorted(runs(tmp_path)) == ["a", "b"]
    assert {k: v.values["v"]["value"] for k, v in got.items()} == {"a": 1, "b": 2}
    assert all(r.ran for r in got.values())
    assert lines[0] == "running 2 snippet(s) whose inputs changed: a, b"
    ran = [line.split(" ran ") for line in lines[1:3]]  # numbered in the order they finish
    assert sorted(n for n, _ in ran) == ["[1/2]", "[2/2]"]
    assert sorted(rest.split(" in ")[0] for _, rest in ran) == ["snippets/a.py", "snippets/b.py"]
    assert all(re.fullmatch(r"snippets/[ab]\.py in \d+\.\d s", rest) for _, rest in ran), lines
    assert lines[3:] == ["snippets: 2 ran, 0 from cache, 0 failed"]
    lines.clear()
    write(tmp_path, "b", counting("b", 3))
    got = pipe.ensure(["a", "b"])
    assert sorted(runs(tmp_path)) == ["a", "b", "b"]
    assert not got["a"].ran and got["b"].ran and got["b"].values["v"]["value"] == 3
    assert lines[0] == "running 1 snippet(s) whose inputs changed: b"
    assert lines[-1] == "snippets: 1 ran, 1 from cache, 0 failed"
    lines.clear()
    assert not any(r.ran for r in pipe.ensure(["a", "b"]).values())
    assert lines == ["snippets: 0 ran, 2 from cache, 0 failed"]
    assert sorted(runs(tmp_path)) == ["a", "b", "b"]


def test_ensure_lets_every_snippet_run_then_raises_the_first_error(tmp_path, pipe, lines):
    write(tmp_path, "a_bad", "raise KeyError('k')\n")
    write(tmp_path, "b_good", counting("b"))
    write(tmp_path, "c_bad", "raise ValueError('v')\n")
    with pytest.raises(SnippetError) as info:
        pipe.ensure(["c_bad", "b_good", "a_bad"])
    assert info.value.summary in ("KeyError: 'k'", "ValueError: v")
    assert runs(tmp_path) == ["b"]
    assert pipe.cached("b_good") is not None
    assert lines[-1] == "snippets: 1 ran, 0 from cache, 2 failed"
    failed = sorted(line for line in lines if " FAILED " in line)
    assert [line.split(" FAILED ")[1] for line in failed] == sorted(
        ["snippets/a_bad.py: KeyError: 'k'", "snippets/c_bad.py: ValueError: v"])
    numbers = sorted(line.split("]")[0] for line in lines[1:-1])
    assert numbers == ["[1/3", "[2/3", "[3/3"]


def test_ensure_runs_snippets_side_by_side_up_to_jobs(tmp_path):
    """Each snippet marks that it started and waits a little for the other: they meet only when run in parallel."""
    meet = (
        "import os, time\nfrom pathlib import Path\nfrom cnn_glossary import publish\n"
        'Path("{me}.started").write_text("")\nend = time.time() + {wait}\n'
        'while not Path("{other}.started").exists() and time.time() < end:\n    time.sleep(0.02)\n'
        'publish.value("met", Path("{other}.started").exists())\n'
    )
    for jobs, wait, expect in ((2, 20, True), (1, 1.0, False)):
        root = tmp_path / str(jobs)
        write(root, "a", meet.format(me="a", other="b", wait=wait))
        write(root, "b", meet.format(me="b", other="a", wait=wait))
        got = Pipeline(root, jobs=jobs, log=lambda m: None).ensure(["a", "b"])
        met = {k: r.values["met"]["value"] for k, r in got.items()}
        if expect:
            assert met == {"a": True, "b": True}
        else:
            assert sorted(met.values()) == [False, True]  # the first ran alone; the second found its mark


def test_ensure_prunes_after_running_only(tmp_path, pipe):
    write(tmp_path, "a", counting("a"))
    pipe.ensure(["a"])
    orphan = pipe.figure_dir / "orphan.svg"
    orphan.write_bytes(b"x")
    _old(orphan, 3600)
    pipe.ensure(["a"])  # all from the cache: nothing else is touched
    assert orphan.exists()
    write(tmp_path, "a", counting("a", 2))
    pipe.ensure(["a"])
    assert not orphan.exists()


def test_ensure_clears_an_earlier_stop(tmp_path, pipe):
    write(tmp_path, "a", counting("a"))
    pipe.stop()
    assert pipe.ensure(["a"])["a"].ran and runs(tmp_path) == ["a"]


def test_an_interrupt_during_ensure_stops_the_running_snippets(tmp_path, pipe, monkeypatch):
    write(tmp_path, "a", counting("a"))
    stopped = []
    monkeypatch.setattr(pipe, "run", lambda sid: (_ for _ in ()).throw(KeyboardInterrupt()))
    monkeypatch.setattr(pipe, "stop", lambda: stopped.append(True))
    with pytest.raises(KeyboardInterrupt):
        pipe.ensure(["a"])
    assert stopped == [True]


def test_ctrl_c_during_ensure_stops_the_running_snippet_and_starts_no_other(tmp_path, lines, default_sigint):
    """Ctrl-C while one snippet runs (one job, two waiting): it is stopped, the others never start or report."""
    import threading

    for sid in ("a", "b", "c"):
        write(tmp_path, sid, counting(sid, extra="import time\ntime.sleep(60)\n"))
    pipe = Pipeline(tmp_path, jobs=1, timeout=30, log=lines.append)

    def interrupt_when_started():
        end = time.time() + 30
        while not runs(tmp_path) and time.time() < end:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, delivered to the main thread waiting in ensure

    thread = threading.Thread(target=interrupt_when_started)
    thread.start()
    with pytest.raises(KeyboardInterrupt):
        pipe.ensure(["a", "b", "c"])
    thread.join()
    # by the time ensure re-raises, the running snippet has been stopped and has reported
    assert lines[1:] == ["[1/3] FAILED snippets/a.py: stopped: the build was interrupted"]
    assert runs(tmp_path) == ["a"] and pipe._running == {}


def test_prune_keeps_a_figure_exactly_a_minute_old(tmp_path, pipe, monkeypatch):
    pipe.figure_dir.mkdir(parents=True)
    for name, age in (("sixty.svg", 60), ("sixty-one.svg", 61)):
        (pipe.figure_dir / name).write_bytes(b"x")
        os.utime(pipe.figure_dir / name, (1_000_000 - age, 1_000_000 - age))
    monkeypatch.setattr(pipeline.time, "time", lambda: 1_000_000.0)
    assert pipe.prune() == 1
    assert [p.name for p in pipe.figure_dir.iterdir()] == ["sixty.svg"]


class FakeClock:
    """``time.perf_counter`` for the pipeline, moved only by FakeProc.wait."""

    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


class FakeProc:
    """A process that ends at ``ends`` on the fake clock (never, if None); ``wait`` moves the clock."""

    pid = -1

    def __init__(self, clock: FakeClock, ends: float | None):
        self.clock, self.ends, self.waits = clock, ends, []

    def wait(self, timeout):
        self.waits.append(timeout)
        assert len(self.waits) < 50, "waited forever"
        if self.ends is not None and self.clock.now + timeout >= self.ends:
            self.clock.now = self.ends
            return 0
        self.clock.now += timeout
        raise subprocess.TimeoutExpired("snippet", timeout)


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock(100.0)
    monkeypatch.setattr(pipeline.time, "perf_counter", fake)
    return fake


def test_wait_beats_every_heartbeat_then_stops_the_snippet_at_the_timeout(tmp_path, clock, monkeypatch, lines):
    killed = []
    monkeypatch.setattr(pipeline, "_kill_group", killed.append)
    pipe = Pipeline(tmp_path, timeout=10, heartbeat=3, log=lines.append)
    proc = FakeProc(clock, ends=None)
    with pytest.raises(SnippetError) as info:
        pipe._wait(proc, tmp_path.resolve() / "snippets" / "s.py", 100.0)
    assert proc.waits == [3, 3, 3, 1]  # each wait is a heartbeat, or what is left of the timeout
    assert lines == ["still running snippets/s.py (3 s)", "still running snippets/s.py (6 s)",
                     "still running snippets/s.py (9 s)"]
    assert killed == [proc] and clock.now == 110
    assert info.value.summary.startswith("did not finish within 10 s ")


def test_wait_returns_when_the_snippet_ends(tmp_path, clock, monkeypatch, lines):
    monkeypatch.setattr(pipeline, "_kill_group", lambda proc: pytest.fail("must not kill"))
    pipe = Pipeline(tmp_path, timeout=10, heartbeat=3, log=lines.append)
    proc = FakeProc(clock, ends=104.5)
    pipe._wait(proc, Path("/elsewhere/s.py"), 100.0)
    assert proc.waits == [3, 3] and lines == ["still running /elsewhere/s.py (3 s)"]
    start = clock.now - 0.5  # started half a second ago
    proc = FakeProc(clock, ends=start + 9.9)  # ends in the last, shortened wait
    lines.clear()
    pipe._wait(proc, Path("/elsewhere/s.py"), start)
    assert proc.waits == [3, 3, 3, 0.5] and len(lines) == 3


def test_the_manifest_records_the_seconds_on_the_clock(tmp_path, monkeypatch):
    """The clock advances one second per reading, so a run is a handful of seconds, counted from its start."""
    ticks = iter(range(1_000_000, 2_000_000))
    monkeypatch.setattr(pipeline.time, "perf_counter", lambda: float(next(ticks)))
    write(tmp_path, "a", counting("a"))
    res = Pipeline(tmp_path, log=lambda m: None).run("a")
    assert 1 <= res.seconds <= 10 and res.seconds == int(res.seconds)


def test_an_entry_without_warnings_has_none(tmp_path, pipe):
    """``warnings`` is optional in a manifest (entries written before it existed): it reads as an empty list."""
    write(tmp_path, "a", counting("a"))
    pipe.run("a")
    manifest = json.loads(pipe._manifest_path("a").read_text())
    del manifest["warnings"]
    pipe._manifest_path("a").write_text(json.dumps(manifest))
    assert pipe.cached("a").warnings == []


def test_the_write_probes_are_hidden_temporary_files(tmp_path, pipe, monkeypatch):
    """A probe a crash leaves behind is a hidden .tmp file, which pruning and the site never take for a figure."""
    removed = []
    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):
        removed.append(Path(path))
        real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(pipeline.os, "unlink", unlink)
    pipe._report_file(tmp_path / "a.py")
    assert sorted(p.parent for p in removed) == sorted([pipe.figure_dir, pipe.cache_dir / "snippets"])
    assert all(p.name.startswith(".probe.") and p.name.endswith(".tmp") for p in removed), removed


def test_without_a_pythonpath_the_snippet_gets_the_package_folder_alone(tmp_path, pipe, monkeypatch):
    monkeypatch.delenv("PYTHONPATH", raising=False)
    write(tmp_path, "p", 'import os\nfrom cnn_glossary import publish\npublish.value("p", os.environ["PYTHONPATH"])\n')
    src = str(Path(pipeline.__file__).resolve().parents[2])
    assert pipe.run("p").values["p"]["value"] == src + os.pathsep


def test_the_runner_starts_in_the_site_root_whatever_the_builds_folder(tmp_path, pipe, monkeypatch):
    """A build started from a folder holding a look-alike ``cnn_glossary`` package still runs the real one."""
    elsewhere = tmp_path / "elsewhere" / "cnn_glossary"
    elsewhere.mkdir(parents=True)
    (elsewhere / "__init__.py").write_text('raise ImportError("the look-alike package was imported")\n')
    monkeypatch.chdir(elsewhere.parent)
    write(tmp_path, "a", counting("a", 7))
    assert pipe.run("a").values["v"]["value"] == 7


def test_a_report_without_warnings_records_none(tmp_path, pipe):
    """A report that lists no warnings (the snippet writes the runner's report itself) caches an empty list."""
    write(tmp_path, "w", "import json, os, sys\njson.dump({'deps': [], 'values': {}, 'tables': {}, 'figures': {}}, "
                         "open(sys.argv[3], 'w'))\nos._exit(0)\n")
    res = pipe.run("w")
    assert res.warnings == [] and json.loads(pipe._manifest_path("w").read_text())["warnings"] == []


def test_a_snippet_that_deletes_its_report_is_a_snippet_error(tmp_path, pipe):
    write(tmp_path, "d", "import os, sys\nos.unlink(sys.argv[3])\nos._exit(0)\n")
    with pytest.raises(SnippetError) as info:
        pipe.run("d")
    assert info.value.summary == "the snippet process exited with status 0"
    assert sorted(p.name for p in pipe.cache_dir.iterdir()) == ["figures", "snippets"]
