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
    assert reused and int(reused[1]) == int(reused[2]) > 50, log[-2000:]  # every entry reused (4 per page)
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


# -- page conversions -------------------------------------------------------------------------------------------


def _site(tmp_path: Path, page_text: str):
    """A two-page MkDocs project with the same Markdown extensions as ours (snippets read from tmp_path)."""
    import yaml
    from mkdocs.config import load_config

    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "index.md").write_text("# Home\n\nSee [the page](page.md#second).\n")
    (docs / "page.md").write_text(page_text)
    extensions = ["abbr", "admonition", "attr_list", "md_in_html", "tables", "footnotes", {"toc": {"permalink": True}},
                  "pymdownx.details", "pymdownx.highlight", "pymdownx.superfences",
                  {"pymdownx.snippets": {"check_paths": True, "base_path": [str(tmp_path)]}}]
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump({"site_name": "t", "markdown_extensions": extensions}))
    return load_config(str(tmp_path / "mkdocs.yml"))


def _render(config, name: str):
    from mkdocs.structure.files import get_files
    from mkdocs.structure.pages import Page

    files = get_files(config)
    page = Page(None, files.get_file_from_path(name), config)
    page.read_source(config)
    page.render(config, files)
    toc = [(a.title, a.id, a.level, [(c.title, c.id) for c in a.children]) for a in page.toc]
    links = {f.src_uri: v for f, v in (page.links_to_anchors or {}).items()}
    return page.content, toc, page._title_from_render, page.present_anchor_ids, links


PAGE = """# Page title

Text with a footnote[^1] and a [link to home](index.md#home).

## Second

```python
--8<-- "lesson.py"
```

[^1]: The note.
"""


def test_a_page_conversion_is_remembered_whole_and_redone_when_an_include_changes(tmp_path):
    (tmp_path / "lesson.py").write_text("x = 1  # first\n")
    config = _site(tmp_path, PAGE)
    plain = _render(config, "page.md")  # no build in progress: MkDocs's own conversion
    assert "x" in plain[0] and plain[1][0][0] == "Page title" and "second" in plain[3]
    path = tmp_path / "render.json"
    cache, _, _ = rendercache.start(path, {})
    try:
        assert cache.pages, "MkDocs's Page.render is gone: pages are converted uncached"
        assert _render(config, "page.md") == plain
        assert cache.hits == 0
    finally:
        rendercache.finish()
    cache, _, _ = rendercache.start(path, {})
    try:
        assert _render(config, "page.md") == plain  # content, toc, title, anchors, links: all restored
        assert cache.hits == 1 and cache.misses == 0
        (tmp_path / "lesson.py").write_text("y = 2  # second\n")  # the page's text is the same; its include not
        changed = _render(config, "page.md")
        assert "first" not in changed[0] and "second" in changed[0]
    finally:
        rendercache.finish()


def test_a_page_conversion_that_logs_is_not_remembered(tmp_path, caplog):
    """A broken link is a warning (and fails a strict build): each build must convert the page and say it."""
    import logging

    config = _site(tmp_path, "# Page\n\nA [broken link](nowhere.md).\n")
    path = tmp_path / "render.json"
    for _ in range(2):
        caplog.clear()
        cache, _, _ = rendercache.start(path, {})
        try:
            with caplog.at_level(logging.INFO):
                _render(config, "page.md")
        finally:
            rendercache.finish()
        assert "nowhere.md" in caplog.text and cache.hits == 0


def test_memo_is_keyed_by_its_input_and_by_the_code_that_computes_it(tmp_path, monkeypatch):
    import types

    source = tmp_path / "mod.py"
    source.write_text("v = 1\n")
    module = types.SimpleNamespace(__file__=str(source))
    calls = []

    def compute(text):
        calls.append(text)
        return text.upper()

    assert rendercache.memo("k", "a", lambda: compute("a"), code=(module,)) == "A" and calls == ["a"]  # no build
    path = tmp_path / "render.json"
    for _ in range(2):  # the second build reads the first one's entries
        rendercache.start(path, {})
        try:
            assert rendercache.memo("k", "b", lambda: compute("b"), code=(module,)) == "B"
        finally:
            rendercache.finish()
    assert calls == ["a", "b"]
    source.write_text("v = 2\n")  # the code changed: computed again
    monkeypatch.setattr(rendercache, "_sources", {})  # a new build process
    rendercache.start(path, {})
    try:
        assert rendercache.memo("k", "b", lambda: compute("b"), code=(module,)) == "B"
    finally:
        rendercache.finish()
    assert calls == ["a", "b", "b"]
