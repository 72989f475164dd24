"""The render cache (site/rendercache.py): a site built from it is byte for byte the site built without it."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cnn_glossary.site import rendercache

ROOT = Path(__file__).resolve().parents[1]

CODE = "import numpy as np\n\nx = np.arange(6).reshape(2, 3)  # a comment\nprint(x @ x.T)\n"


def _highlight(**options):
    from markdown import Markdown
    from pymdownx.highlight import Highlight

    return Highlight(Markdown(), **options).highlight(CODE, "python", code_block_count=3), Markdown


def test_library_entry_points_are_still_there():
    """If a library renames what the cache wraps, the build silently runs uncached: say so here instead."""
    assert rendercache.install_highlight(), "pymdownx.highlight.Highlight.highlight is gone: the cache cannot wrap it"
    from material.plugins.search.plugin import SearchIndex

    index = SearchIndex(lang=["en"], separator=" ", pipeline=[], fields={})
    assert isinstance(index.entries, list) and callable(index.add_entry_from_context)
    assert rendercache.wrap_search({"material/search": type("P", (), {"search_index": index})()})


def test_highlight_is_remembered_and_read_back(tmp_path):
    rendercache.install_highlight()
    path = tmp_path / "render.json"
    plain, _ = _highlight()  # no build in progress: not cached
    cache, wrapped, _ = rendercache.start(path, {})
    try:
        assert wrapped
        first, _ = _highlight()
        again, _ = _highlight()
        assert first == again == plain
        assert (cache.misses, cache.hits) == (1, 1)
        other, _ = _highlight(linenums=True)  # other settings: another entry, another result
        assert other != plain and cache.misses == 2
    finally:
        rendercache.finish()
    stored = json.loads(path.read_text())
    assert stored["version"] == rendercache.CACHE_VERSION and len(stored["entries"]) == 2
    cache, _, _ = rendercache.start(path, {})
    try:
        assert _highlight()[0] == plain and (cache.hits, cache.misses) == (1, 0)
    finally:
        rendercache.finish()
    assert len(json.loads(path.read_text())["entries"]) == 1  # only what the last build used is kept


@pytest.mark.parametrize("content", ["{not json", '{"version": 2, "versions": {}, "entries": {"x": 1}}', "[]"])
def test_a_broken_or_foreign_cache_is_ignored_and_rewritten(tmp_path, content):
    rendercache.install_highlight()
    path = tmp_path / "render.json"
    path.write_text(content)
    plain, _ = _highlight()
    cache, _, _ = rendercache.start(path, {})
    try:
        assert _highlight()[0] == plain and cache.misses == 1
    finally:
        rendercache.finish()
    assert json.loads(path.read_text())["versions"] == rendercache._versions()


def test_an_unwritable_cache_only_loses_the_speed_up(tmp_path):
    rendercache.install_highlight()
    blocker = tmp_path / "file"
    blocker.write_text("")
    plain, _ = _highlight()
    rendercache.start(blocker / "render.json", {})  # its folder is a file: cannot be written
    try:
        assert _highlight()[0] == plain
    finally:
        rendercache.finish()


def _build(out: Path, cached: bool) -> str:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", CNN_GLOSSARY_RENDER_CACHE="true" if cached else "false")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                           "-d", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


@pytest.mark.slow
def test_a_site_built_from_the_cache_is_the_site_built_without_it(tmp_path):
    """Oracle: the same build with the cache switched off. Two cached builds: the first may fill the cache, the
    second reads every page from it; all three sites must be identical, file for file."""
    plain = tmp_path / "plain"
    _build(plain, cached=False)
    _build(tmp_path / "first", cached=True)
    log = _build(tmp_path / "second", cached=True)
    reused = re.search(r"render cache: (\d+) of (\d+) ", log)
    assert reused and int(reused[1]) == int(reused[2]) > 100, log[-2000:]  # every code block and page reused
    files = sorted(p.relative_to(plain) for p in plain.rglob("*") if p.is_file())
    assert any(f.name == "search_index.json" for f in files) and len(files) > 50
    for site in ("first", "second"):
        other = tmp_path / site
        assert sorted(p.relative_to(other) for p in other.rglob("*") if p.is_file()) == files
        for rel in files:
            a, b = (plain / rel).read_bytes(), (other / rel).read_bytes()
            if rel.name == "sitemap.xml.gz":  # its gzip header holds the time it was written
                a, b = gzip.decompress(a), gzip.decompress(b)
            assert a == b, f"{site}: {rel} differs from the uncached build"
