"""The build pipeline on tiny sites in a temporary folder: embedding, caching, loud failure."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cnn_glossary.site.pipeline import Pipeline, SnippetError

from .conftest import MKDOCS_ENV

VALUES = """\
from cnn_glossary import publish
import matplotlib.pyplot as plt

publish.value("accuracy", 0.991634, fmt=".2%")
publish.value("count", 34826)
fig, ax = plt.subplots(figsize=(2, 2))
ax.plot([0, 1], [0, 1])
publish.figure("line", fig, alt="A rising straight line.", caption="Line caption here.")
publish.table("t", [(1, 0.5), (2, 0.25)], headers=["n", "half"], fmts=[None, ".3f"])
"""

PAGE = """\
# Home

The model reaches {{ value demo/values:accuracy }} with {{ value demo/values:count }} weights,
or {{ value demo/values:accuracy | .1% }} rounded. Formula: $o = i - k + 1$.

{{ figure demo/values:line }}

{{ table demo/values:t }}

{{ snippet demo/values }}

Literal braces in code stay as they are: `{{ not a placeholder }}`.
"""


def test_values_figures_tables_and_source_are_embedded(site):
    site.snippet("demo/values", VALUES)
    site.page(PAGE)
    build = site.build("--strict")
    assert build.returncode == 0, build.log
    html = site.html()
    assert "reaches 99.16% with 34,826 weights" in html
    assert "or 99.2% rounded" in html
    assert "<math" in html and "arithmatex" not in html
    img = re.search(r'<img src="([^"]+)" alt="A rising straight line." loading="lazy">', html)
    assert img, html
    assert (site.root / "site" / img.group(1)).read_bytes().startswith(b"<?xml")
    assert "<figcaption>Line caption here.</figcaption>" in html
    assert re.search(r"<td[^>]*>0.250</td>", html)
    assert "0.991634" in html  # the snippet's source, included by pymdownx.snippets
    assert "<code>{{ not a placeholder }}</code>" in html


def test_build_log_and_cache(site):
    site.snippet("a", 'from cnn_glossary import publish\npublish.value("x", 1)\n')
    site.snippet("b", 'from cnn_glossary import publish\npublish.value("y", 2)\n')
    site.page("{{ value a:x }} and {{ value b:y }}\n")
    first = site.build()
    assert first.returncode == 0, first.log
    assert re.search(r"ran snippets/a\.py in \d+\.\d s", first.log)
    assert "snippets: 2 ran, 0 from cache, 0 failed" in first.log

    second = site.build()
    assert "snippets: 0 ran, 2 from cache, 0 failed" in second.log

    os.utime(site.root / "snippets" / "a.py")  # touched, same content: still fresh
    assert "snippets: 0 ran, 2 from cache" in site.build().log

    site.snippet("a", 'from cnn_glossary import publish\npublish.value("x", 10)\n')
    third = site.build()
    assert "snippets: 1 ran, 1 from cache, 0 failed" in third.log
    assert "ran snippets/a.py" in third.log and "ran snippets/b.py" not in third.log
    assert "10 and 2" in site.html()


def test_cache_follows_files_the_snippet_reads(site):
    (site.root / "numbers.txt").write_text("3\n")
    site.snippet(
        "reader",
        'from cnn_glossary import publish\npublish.value("n", int(open("numbers.txt").read()))\n',
    )
    site.page("n = {{ value reader:n }}\n")
    assert site.build().returncode == 0
    assert "snippets: 0 ran, 1 from cache" in site.build().log
    (site.root / "numbers.txt").write_text("4\n")
    build = site.build()
    assert "snippets: 1 ran" in build.log
    assert "n = 4" in site.html()


def test_manifest_records_package_modules_and_versions(tmp_path):
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "s.py").write_text(
        "from cnn_glossary import publish\nfrom cnn_glossary.conv import output_size\n"
        'publish.value("o", output_size(28, 3))\n'
    )
    pipe = Pipeline(tmp_path, log=lambda m: None)
    result = pipe.run("s")
    assert result.values["o"]["value"] == 26
    deps = {Path(d["path"]).name for d in result.deps}
    assert {"s.py", "conv.py", "publish.py"} <= deps
    assert pipe.cached("s") is not None
    pipe._versions = dict(pipe._versions, numpy="0.0.0")  # a library upgrade
    assert pipe.cached("s") is None


def test_corrupt_cache_entry_is_rerun_not_trusted(site):
    site.snippet("a", 'from cnn_glossary import publish\npublish.value("x", 1)\n')
    site.page("{{ value a:x }}\n")
    assert site.build().returncode == 0
    manifest = site.root / ".cache" / "cnn-glossary" / "snippets" / "a.json"
    manifest.write_text(manifest.read_text()[:40])  # as if a write had been cut short
    build = site.build()
    assert build.returncode == 0, build.log
    assert "snippets: 1 ran" in build.log
    json.loads(manifest.read_text())


def test_concurrent_builds_leave_valid_entries(site):
    site.snippet("a", 'import time\nfrom cnn_glossary import publish\ntime.sleep(0.5)\npublish.value("x", 1)\n')
    site.page("{{ value a:x }}\n")
    results = []

    def build():
        results.append(site.build("-d", str(site.root / f"site-{threading.get_ident()}")))

    threads = [threading.Thread(target=build) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.returncode == 0 for r in results), [r.log for r in results]
    cache = site.root / ".cache" / "cnn-glossary"
    assert not list(cache.rglob("*.tmp"))
    json.loads((cache / "snippets" / "a.json").read_text())
    assert "0 ran, 1 from cache" in site.build().log


def test_cache_resolves_from_config_folder(site, tmp_path):
    site.snippet("a", 'from cnn_glossary import publish\npublish.value("x", 1)\n')
    site.snippet("b", 'from cnn_glossary import publish\npublish.value("y", 2)\n')
    site.page('{{ value a:x }}\n\n```python\n--8<-- "snippets/b.py"\n```\n\n{{ value b:y }}\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    build = site.build(cwd=elsewhere)
    assert build.returncode == 0, build.log
    assert (site.root / ".cache" / "cnn-glossary" / "snippets" / "a.json").exists()
    assert not (elsewhere / ".cache").exists()
    assert "publish" in site.html()  # b.py included from the config folder, not the cwd


@pytest.mark.parametrize("strict", [True, False])
def test_snippet_that_raises_fails_the_build(site, strict):
    site.snippet(
        "broken",
        'from cnn_glossary import publish\n\npublish.value("ok", 1)\nraise ValueError("the data is bad")\n',
    )
    site.page("# Title\n\nFine so far.\n\n{{ value broken:ok }}\n")
    build = site.build(*(["--strict"] if strict else []))
    assert build.returncode != 0
    assert "snippets/broken.py:4" in build.log
    assert "ValueError: the data is bad" in build.log
    assert "docs/index.md:5" in build.log
    assert "Traceback" in build.log
    assert "python snippets/broken.py" in build.log
    assert "snippets: 0 ran, 0 from cache, 1 failed" in build.log


@pytest.mark.parametrize("strict", [True, False])
def test_unknown_placeholder_fails_the_build(site, strict):
    site.page("# Title\n\nLine two.\n\nThe {{ valeu a:x }} here.\n")
    build = site.build(*(["--strict"] if strict else []))
    assert build.returncode != 0
    assert "docs/index.md:5" in build.log and "unknown placeholder" in build.log


@pytest.mark.parametrize("strict", [True, False])
def test_value_never_produced_fails_the_build(site, strict):
    site.snippet("a", 'from cnn_glossary import publish\npublish.value("x", 1)\n')
    site.page("# Title\n\n{{ value a:y }}\n")
    build = site.build(*(["--strict"] if strict else []))
    assert build.returncode != 0
    assert "docs/index.md:3" in build.log
    assert "snippets/a.py never publishes" in build.log and "x" in build.log


def test_missing_snippet_file_fails_the_build(site):
    site.page("# Title\n\n{{ value nowhere:x }}\n")
    build = site.build()
    assert build.returncode != 0
    assert "docs/index.md:3" in build.log and "snippets/nowhere.py" in build.log


@pytest.mark.parametrize("strict", [True, False])
def test_missing_include_fails_the_build(site, strict):
    site.page('# Title\n\n```python\n--8<-- "snippets/missing.py"\n```\n')
    build = site.build(*(["--strict"] if strict else []))
    assert build.returncode != 0
    assert "docs/index.md:4" in build.log and "snippets/missing.py" in build.log


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_reruns_only_the_edited_snippet(site):
    site.snippet("a", 'from cnn_glossary import publish\npublish.value("x", 1)\n')
    site.snippet("b", 'from cnn_glossary import publish\npublish.value("y", 2)\n')
    site.page("{{ value a:x }} {{ value b:y }}\n")
    assert site.build().returncode == 0
    log_path = site.root / "serve.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-f", str(site.root / "mkdocs.yml"),
             "-a", f"127.0.0.1:{_free_port()}"],
            cwd=site.root, env=MKDOCS_ENV, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        _wait_for(log_path, "Serving on", 60)
        time.sleep(1.0)
        site.snippet("a", 'from cnn_glossary import publish\npublish.value("x", 5)\n')
        _wait_for(log_path, "ran snippets/a.py", 60)
        text = _wait_for(log_path, "snippets: 1 ran, 1 from cache", 60)
        assert "ran snippets/b.py" not in text
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def _wait_for(path: Path, needle: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = path.read_text()
        if needle in text:
            return text
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} not in log:\n{path.read_text()}")


def test_pipeline_reports_the_snippet_line(tmp_path):
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "s.py").write_text("x = 1\n\ny = x / 0\n")
    with pytest.raises(SnippetError) as info:
        Pipeline(tmp_path, log=lambda m: None).run("s")
    assert info.value.line == 3
    assert "ZeroDivisionError" in info.value.summary


EDIT_A_DEPENDENCY = r'''
import os, sys
from pathlib import Path
import cnn_glossary
from cnn_glossary.site.pipeline import Pipeline

root, package = Path(sys.argv[1]), Path(cnn_glossary.__file__).parent
assert package == Path(sys.argv[2]), (package, sys.argv[2])  # the copy, not the worktree's package
(root / "snippets").mkdir()
(root / "snippets" / "s.py").write_text(
    "from cnn_glossary import publish\nfrom cnn_glossary.conv import output_size\n"
    'publish.value("o", output_size(28, 3))\n'
)
pipe = Pipeline(root, log=lambda m: None)
conv = package / "conv.py"
original = conv.read_text()
assert pipe.ensure(["s"])["s"].values["o"]["value"] == 26
assert pipe.ensure(["s"])["s"].ran is False

# 1. an edit that changes the module's size: the snippet runs again and sees it
conv.write_text(original.replace("return span // stride + 1", "return span // stride + 100"))
assert pipe.cached("s") is None, "an edited package module must stale the snippet"
res = pipe.ensure(["s"])["s"]
assert res.ran and res.values["o"]["value"] == 125, res.values

# 2. an edit of the same size, with a new mtime: caught by the hash
conv.write_text(original.replace("return span // stride + 1", "return span // stride + 200"))
st = conv.stat()
os.utime(conv, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
assert pipe.cached("s") is None, "a same-size edit must stale the snippet"
res = pipe.ensure(["s"])["s"]
assert res.ran and res.values["o"]["value"] == 225, res.values

# 3. touched, identical content: still fresh
os.utime(conv, ns=(st.st_atime_ns, st.st_mtime_ns + 9_000_000_000))
hit = pipe.cached("s")
assert hit is not None and hit.values["o"]["value"] == 225
print("OK")
'''


def test_editing_an_imported_package_module_reruns_the_snippet(tmp_path):
    """Edit a real dependency (conv.py in a copy of the package) and see the snippet run again."""
    import shutil

    import cnn_glossary

    src = tmp_path / "src"
    shutil.copytree(
        Path(cnn_glossary.__file__).parent, src / "cnn_glossary", ignore=shutil.ignore_patterns("__pycache__")
    )
    site_root = tmp_path / "site"
    site_root.mkdir()
    env = dict(os.environ, PYTHONPATH=str(src), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(
        [sys.executable, "-c", EDIT_A_DEPENDENCY, str(site_root), str(src / "cnn_glossary")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0 and "OK" in proc.stdout, proc.stdout + proc.stderr
