"""Remember two slow, pure steps of turning pages into a site, so a build whose pages did not change skips them.

A warm build (every snippet cached) spends most of its time in work that depends only on a page's text:

- **code highlighting**: Pygments turns each code block into HTML (pymdownx.highlight's ``Highlight.highlight``);
- **search indexing**: Material's search plugin parses each page's HTML to cut it into sections
  (``SearchIndex.add_entry_from_context``).

:class:`RenderCache` wraps both. Each result is stored under the SHA-256 of everything it is computed from (the
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

CACHE_VERSION = 2  # 2: search entries keep their keys in order
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
        found = self._get(key)
        if isinstance(found, str):
            return found
        result = original(highlighter, *args, **kwargs)
        if isinstance(result, str):  # inline code returns an element tree node: not remembered
            self.used[key] = result
        return result

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
    """Begin a build with the cache at ``path``: (the cache, highlighting wrapped, search wrapped)."""
    global _active
    _active = RenderCache(path)
    return _active, install_highlight(), wrap_search(plugins)


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
