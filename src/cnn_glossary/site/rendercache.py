"""Remember three slow, pure steps of turning pages into a site, so a build whose pages did not change skips them.

A warm build (every snippet cached) spends most of its time in work that depends only on a page's text:

- **Markdown to HTML**: MkDocs converts each page with Python-Markdown and its extensions (``Page.render``);
- **code highlighting**: Pygments turns each code block into HTML (pymdownx.highlight's ``Highlight.highlight``);
- **search indexing**: Material's search plugin parses each page's HTML to cut it into sections
  (``SearchIndex.add_entry_from_context``).

:class:`RenderCache` wraps all three. A page's conversion is keyed by its Markdown (placeholders already filled),
its place in the site, the Markdown extensions and their options, every file of the site and its URL (links are
resolved against them) and the link-validation settings; the files that ``pymdownx.snippets`` read into it are
stored with their SHA-256 and read again before the entry is reused. A conversion that logged anything (a broken
link, say) is never stored, so a reused page is one whose conversion was silent. What a conversion leaves on the
page (HTML, table of contents, title, anchors, links to other pages' anchors) is stored and restored. Each result is stored under the SHA-256 of everything it is computed from (the
code block, its language and options, the highlighter's settings; the page's HTML, URL, title, table of contents
and search settings) together with the versions of Pygments, pymdown-extensions and Material, so a result is
reused only for exactly the same input: a built site is byte for byte the site built without the cache
(``tests/test_rendercache.py`` builds both). The cache is one JSON file in the snippet cache's folder; a missing,
unreadable or foreign file is ignored and rewritten, and one that cannot be written only loses the speed-up. At the
end of a build it keeps only what that build used.

Only these two library entry points are wrapped, and only when they exist with the expected shape; if a library
changes them, the build runs uncached (and ``tests/test_rendercache.py`` says so).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.plugins.cnn_glossary")

CACHE_VERSION = 3  # 2: search entries keep their keys in order; 3: page conversions
_active: "RenderCache | None" = None  # the cache of the build in progress (the highlight wrapper reads it)


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for name in ("pygments", "pymdown-extensions", "mkdocs-material", "markdown", "jieba"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = ""
    return out


def _key(kind: str, payload: Any) -> str:
    text = json.dumps([kind, payload], sort_keys=True, default=repr, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class RenderCache:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.versions = _versions()
        self.stored: dict[str, Any] = {}
        self.used: dict[str, Any] = {}
        self.hits = self.misses = 0
        self._reading: list[set[str]] = []  # per page conversion in progress: the files pymdownx.snippets read
        self._highlights: list[set[str]] = []  # and the highlight entries it used
        self._files_key: tuple[int, str] | None = None
        self.pages = False  # page conversions wrapped (set by start)
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if (isinstance(data, dict) and data.get("version") == CACHE_VERSION
                    and data.get("versions") == self.versions and isinstance(data.get("entries"), dict)):
                self.stored = data["entries"]
        except (OSError, ValueError):
            pass

    # -- the two memos ---------------------------------------------------------------------------------------

    def _get(self, key: str):
        if key in self.used:
            self.hits += 1
            return self.used[key]
        if key in self.stored:
            self.hits += 1
            self.used[key] = self.stored[key]
            return self.used[key]
        self.misses += 1
        return None

    def highlight(self, original, highlighter, args: tuple, kwargs: dict):
        """``original(highlighter, *args, **kwargs)``, remembered when it returns HTML text (a code block)."""
        settings = {k: v for k, v in vars(highlighter).items() if k != "md"}
        key = _key("highlight", [settings, list(args), kwargs])
        for used in self._highlights:
            used.add(key)
        found = self._get(key)
        if isinstance(found, str):
            return found
        result = original(highlighter, *args, **kwargs)
        if isinstance(result, str):  # inline code returns an element tree node: not remembered
            self.used[key] = result
        return result

    def memo(self, kind: str, payload, compute):
        """``compute()``, a string that depends only on ``payload``, remembered under ``kind`` and the payload."""
        key = _key(kind, payload)
        found = self._get(key)
        if isinstance(found, str):
            return found
        result = compute()
        if isinstance(result, str):
            self.used[key] = result
        return result

    def read(self, path: str) -> None:
        """pymdownx.snippets read ``path`` into the page being converted."""
        for paths in self._reading:
            paths.add(path)

    def _files_signature(self, files) -> str:
        if self._files_key is None or self._files_key[0] != id(files):
            rows = [[f.src_uri, f.dest_uri, f.url, str(getattr(f, "inclusion", ""))] for f in files]
            self._files_key = (id(files), _key("files", rows))
        return self._files_key[1]

    def render(self, original, page, config, files) -> None:
        """``original(page, config, files)`` (MkDocs's ``Page.render``), remembered when it logs nothing."""
        key = _key("page", [
            page.markdown, page.file.src_uri, page.file.dest_uri, page.file.url,
            list(config["markdown_extensions"]), config["mdx_configs"], config.get("use_directory_urls"),
            repr(config.get("validation")), self._files_signature(files),
            logging.getLogger("mkdocs").getEffectiveLevel() > logging.DEBUG,
        ])
        found = self._get(key)
        if isinstance(found, dict) and _unchanged(found.get("reads", {})):
            self._restore(found, page, files)
            for key_used in found.get("highlights", []):
                if key_used in self.stored and key_used not in self.used:
                    self.used[key_used] = self.stored[key_used]
            return
        reads, highlights, records = set(), set(), _Records()
        self._reading.append(reads)
        self._highlights.append(highlights)
        for name in ("", "mkdocs", "MARKDOWN"):
            logging.getLogger(name).addHandler(records)
        try:
            original(page, config, files)
        finally:
            self._reading.remove(reads)
            self._highlights.remove(highlights)
            for name in ("", "mkdocs", "MARKDOWN"):
                logging.getLogger(name).removeHandler(records)
        if records.count:
            self.used.pop(key, None)
            return
        entry = _capture(page, reads, highlights)
        if entry is not None:
            self.used[key] = entry

    def _restore(self, entry: dict, page, files) -> None:
        from mkdocs.structure.toc import get_toc

        page.content = entry["content"]
        page.toc = get_toc(copy.deepcopy(entry["toc"]))
        page._title_from_render = entry["title"]
        page.present_anchor_ids = set(entry["anchors"])
        if entry["links"] is not None:
            page.links_to_anchors = {files.get_file_from_path(src): dict(links)
                                     for src, links in entry["links"].items()}

    def index(self, original, search_index, page) -> None:
        """``original(page)`` (which appends the page's sections to ``search_index.entries``), remembered."""
        meta = {k: page.meta.get(k) for k in ("search", "title", "tags")}
        key = _key("search", [page.content, page.url, str(page.title), meta, _toc(page.toc),
                              {k: search_index.config.get(k) for k in sorted(search_index.config)}])
        found = self._get(key)
        if isinstance(found, list):
            search_index.entries.extend(copy.deepcopy(found))
            return
        before = len(search_index.entries)
        original(page)
        self.used[key] = copy.deepcopy(search_index.entries[before:])

    # -- the build's life ------------------------------------------------------------------------------------

    def save(self) -> None:
        """Write what this build used (nothing else), atomically; a failure only loses the speed-up."""
        if self.used == self.stored:
            return
        from cnn_glossary.site.pipeline import _atomic_write

        # keys in their own order: a search entry's keys reach search_index.js in the order they were made
        text = json.dumps({"version": CACHE_VERSION, "versions": self.versions, "entries": self.used},
                          ensure_ascii=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(self.path, text)
        except OSError as exc:
            log.info(f"cnn-glossary: could not write the render cache {self.path} ({exc}); the next build "
                     "renders every page again")


class _Records(logging.Handler):
    """Counts the log records a page's conversion emits (any of them keeps the conversion out of the cache)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record) -> None:
        if record.levelno >= logging.INFO:
            self.count += 1


def file_digest(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _tokens(toc) -> list | None:
    """A table of contents back as the tokens MkDocs's ``get_toc`` makes it from (name, id, level, children)."""
    try:
        return [{"level": a.level, "id": a.id, "name": a.title, "children": _tokens(a.children)} for a in toc]
    except (AttributeError, TypeError):
        return None


def _unchanged(reads: dict) -> bool:
    return isinstance(reads, dict) and all(file_digest(path) == digest for path, digest in reads.items())


def _capture(page, reads: set, highlights: set) -> dict | None:
    """What a conversion left on the page, as JSON; None if any of it is not of the expected shape."""
    toc = _tokens(page.toc)
    links = getattr(page, "links_to_anchors", None)
    try:
        entry = {
            "content": page.content,
            "toc": toc,
            "title": page._title_from_render,
            "anchors": sorted(page.present_anchor_ids or ()),
            "links": None if links is None else {f.src_uri: dict(v) for f, v in links.items()},
            "reads": {path: file_digest(path) for path in sorted(reads)},
            "highlights": sorted(highlights),
        }
        if not isinstance(entry["content"], str) or not isinstance(toc, list):
            return None
        json.dumps(entry)
    except (AttributeError, TypeError, ValueError):
        return None
    return entry


def _toc(items) -> list:
    return [[getattr(i, "id", None), getattr(i, "url", None), getattr(i, "title", None),
             _toc(getattr(i, "children", []) or [])] for i in (items or [])]


def _wrapped_highlight(original):
    def highlight(self, *args, **kwargs):
        cache = _active
        if cache is None:
            return original(self, *args, **kwargs)
        return cache.highlight(original, self, args, kwargs)

    highlight.__wrapped__ = original
    highlight._cnn_glossary = True
    return highlight


def _wrapped_page_render(original):
    def render(self, config, files):
        cache = _active
        if cache is None or not cache.pages:
            return original(self, config, files)
        return cache.render(original, self, config, files)

    render.__wrapped__ = original
    render._cnn_glossary = True
    return render


def _wrapped_read_lines(original):
    def read_lines(self, path):
        cache = _active
        if cache is not None:
            cache.read(str(path))
        return original(self, path)

    read_lines._cnn_glossary = True
    return read_lines


def install_pages() -> bool:
    """Wrap MkDocs's ``Page.render`` (and see what it reads and makes) once per process; False if the expected
    entry points are not there, and then pages are converted uncached."""
    try:
        from mkdocs.structure import pages
        from pymdownx.snippets import SnippetPreprocessor
    except ImportError:
        return False
    render = getattr(pages.Page, "render", None)
    if render is None or getattr(pages, "get_toc", None) is None \
            or getattr(SnippetPreprocessor, "read_lines", None) is None:
        return False
    if not getattr(SnippetPreprocessor.read_lines, "_cnn_glossary", False):
        SnippetPreprocessor.read_lines = _wrapped_read_lines(SnippetPreprocessor.read_lines)
    if not getattr(render, "_cnn_glossary", False):
        pages.Page.render = _wrapped_page_render(render)
    return True


def install_highlight() -> bool:
    """Wrap pymdownx.highlight's ``Highlight.highlight`` once per process; False if it is not there to wrap."""
    try:
        from pymdownx.highlight import Highlight
    except ImportError:
        return False
    current = getattr(Highlight, "highlight", None)
    if current is None:
        return False
    if not getattr(current, "_cnn_glossary", False):
        Highlight.highlight = _wrapped_highlight(current)
    return True


def wrap_search(plugins) -> bool:
    """Wrap the search plugin's index of this build (it makes a new one per build); False if there is none."""
    search = next((p for name, p in plugins.items() if name in ("material/search", "search")), None)
    index = getattr(search, "search_index", None)
    original = getattr(index, "add_entry_from_context", None)
    if original is None or not isinstance(getattr(index, "entries", None), list) \
            or not isinstance(getattr(index, "config", None), dict):
        return False
    if getattr(original, "_cnn_glossary", False):
        return True

    def add_entry_from_context(page):
        cache = _active
        if cache is None:
            return original(page)
        return cache.index(original, index, page)

    add_entry_from_context._cnn_glossary = True
    index.add_entry_from_context = add_entry_from_context
    return True


def start(path: Path, plugins) -> tuple[RenderCache, bool, bool]:
    """Begin a build with the cache at ``path``: (the cache, highlighting wrapped, search wrapped); page
    conversions are wrapped too, where MkDocs has the expected entry points (:func:`install_pages`)."""
    global _active
    _active = RenderCache(path)
    _active.pages = install_pages()
    return _active, install_highlight(), wrap_search(plugins)


def memo(kind: str, payload, compute, *, code: tuple = ()):
    """``compute()`` remembered by the build's cache under ``kind``, the JSON-able ``payload`` and the source of
    the modules in ``code`` (so an edit to the code that computes it is a new entry); just ``compute()`` when no
    build is in progress."""
    cache = _active
    if cache is None:
        return compute()
    return cache.memo(kind, [payload, [_source_digest(m) for m in code]], compute)


_sources: dict[str, str] = {}


def _source_digest(module) -> str:
    path = getattr(module, "__file__", None) or ""
    if path not in _sources:
        _sources[path] = file_digest(path) or ""
    return _sources[path]


def finish() -> RenderCache | None:
    """End the build: write the cache and stop using it (code highlighted outside a build is not remembered)."""
    global _active
    cache, _active = _active, None
    if cache is not None:
        cache.save()
    return cache


def abandon() -> None:
    """Stop using the cache without writing it (the build failed)."""
    global _active
    _active = None
