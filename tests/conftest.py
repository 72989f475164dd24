from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MKDOCS_ENV = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONHASHSEED="0")

TINY_CONFIG = """\
site_name: Tiny
use_directory_urls: false
nav:
  - Home: index.md
plugins:
  - cnn-glossary:
      require_checks: false  # tiny sites have no tests/ folder; test_registration turns it on
markdown_extensions:
  - admonition
  - pymdownx.details
  - attr_list
  - md_in_html
  - pymdownx.arithmatex:
      generic: true
  - tables
  - pymdownx.superfences
  - pymdownx.snippets:
      check_paths: true
"""


@dataclass
class Build:
    returncode: int
    log: str


class TinySite:
    """A throwaway MkDocs project that uses the cnn-glossary plugin."""

    def __init__(self, root: Path):
        self.root = root
        (root / "docs").mkdir(parents=True)
        (root / "snippets").mkdir()
        (root / "mkdocs.yml").write_text(TINY_CONFIG)

    def page(self, text: str, name: str = "index.md") -> None:
        (self.root / "docs" / name).write_text(textwrap.dedent(text))

    def snippet(self, snippet_id: str, text: str) -> Path:
        path = self.root / "snippets" / f"{snippet_id}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    def build(self, *args: str, cwd: Path | None = None) -> Build:
        proc = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "-f", str(self.root / "mkdocs.yml"), *args],
            cwd=cwd or self.root,
            env=MKDOCS_ENV,
            capture_output=True,
            text=True,
            timeout=600,
        )
        return Build(proc.returncode, proc.stdout + proc.stderr)

    def html(self, name: str = "index.html") -> str:
        return (self.root / "site" / name).read_text()


def pytest_collection_modifyitems(config, items):
    """A test that builds a site (the real one, ``built_site``, or a tiny one, ``site``) counts as slow:
    make quick leaves it out."""
    for item in items:
        if {"built_site", "site"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


_COLLECTED: set[str] = set()  # snippet ids that publish.collect ran in this session


@pytest.fixture(scope="session", autouse=True)
def _record_collected_snippets():
    from cnn_glossary.site import publish

    real = publish.collect

    def recording(path):
        try:
            _COLLECTED.add(Path(path).resolve().relative_to(ROOT / "snippets").with_suffix("").as_posix())
        except ValueError:  # a tiny site's snippet
            pass
        return real(path)

    publish.collect = recording
    yield
    publish.collect = real


@pytest.fixture(autouse=True)
def _declared_snippets_are_run(request):
    """A test marked @pytest.mark.checks("folder/name") must really run that snippet (publish.collect), unless it
    reads the snippet's results from the built site (browser and built-site tests)."""
    yield
    if "built_site" in request.fixturenames:  # it reads the snippet's results from the built pages
        return
    declared = [sid for mark in request.node.iter_markers("checks") for sid in mark.args]
    missing = [sid for sid in declared if sid not in _COLLECTED]
    if missing:
        pytest.fail(f"{request.node.nodeid} declares @pytest.mark.checks({', '.join(map(repr, missing))}) but no "
                    f"publish.collect(...) ran snippets/{missing[0]}.py: fix the id or run the snippet", pytrace=False)


@pytest.fixture
def site(tmp_path: Path) -> TinySite:
    return TinySite(tmp_path / "tiny")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, worker_id) -> Path:
    """The real site, built once with --strict into a temporary folder.

    Under pytest-xdist the workers share one build: the first to get here builds while holding a lock,
    the others wait for it and read the same folder (and fail with the same message if it failed).
    """
    import fcntl
    import json

    base = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        base = base.parent  # the folder every worker's temporary folder sits in
    out, record = base / "built-site", base / "built-site.json"
    with open(base / "built-site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            proc = subprocess.run(
                [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)],
                cwd=ROOT,
                env=MKDOCS_ENV,
                capture_output=True,
                text=True,
                timeout=3600,
            )
            record.write_text(json.dumps({"returncode": proc.returncode, "output": proc.stdout + proc.stderr}))
    built = json.loads(record.read_text())
    if built["returncode"] != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{built['output']}", pytrace=False)
    return out


def published(snippet_id: str):
    """What snippets/<snippet_id>.py publishes, as a ``publish.Collector``.

    When the build has run the snippet into the cache and that entry is still fresh, it holds exactly the numbers
    and figures the pages show: read them from there rather than train again. Otherwise (a fresh clone whose
    build has not reached it yet, or an input changed since) run the snippet with ``publish.collect`` as the other
    tests do. It does not wait for a build. Either way the test compares the results with its own oracle.
    """
    from cnn_glossary.site import publish
    from cnn_glossary.site.pipeline import Pipeline

    result = Pipeline(ROOT, log=lambda _msg: None).cached(snippet_id)
    if result is None:
        return publish.collect(ROOT / "snippets" / f"{snippet_id}.py")
    collector = publish.Collector(values=result.values, tables=result.tables, warnings=list(result.warnings))
    for name, fig in result.figures.items():
        poster = fig.get("poster")
        collector.figures[name] = publish.Figure(name, result.figure_path(name).read_bytes(), fig["format"],
                                                 fig["alt"], fig["caption"], fig.get("width"),
                                                 (result.figure_dir / poster["file"]).read_bytes() if poster else None,
                                                 poster["alt"] if poster else None)
    _COLLECTED.add(snippet_id)
    return collector


@pytest.fixture(autouse=True)
def _close_figures():
    """Tests that draw a figure directly (not through publish.figure, which closes it) leave it open: close it."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture
def default_sigint():
    """Ctrl-C as a terminal delivers it, whatever this run inherited.

    A shell that starts a command in the background (``make test &``) or through some wrappers starts it with
    SIGINT ignored; Python then installs no KeyboardInterrupt handler, and so would a build this test starts
    (an ignored signal stays ignored across exec). This restores Python's handler in the test process for the
    test's duration; a child started meanwhile begins with the default disposition, and Python installs its
    handler there too.
    """
    import signal

    before = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def alive(pid: int) -> bool:
    """Whether process ``pid`` is still running (a zombie or a dead process is not), read from /proc."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")
