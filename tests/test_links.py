"""A crawl of the built site: every internal link, image and anchor resolves."""

from __future__ import annotations

import html.parser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse


class Refs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            if attrs.get(key) and not (tag == "link" and attrs.get("rel") in ("canonical",)):
                self.refs.append(attrs[key])


def parse(path: Path) -> Refs:
    refs = Refs()
    refs.feed(path.read_text(encoding="utf-8"))
    return refs


def test_every_internal_link_and_anchor_resolves(built_site):
    pages = {p: parse(p) for p in built_site.rglob("*.html")}
    broken = []
    checked = 0
    for page, refs in pages.items():
        for ref in refs.refs:
            parsed = urlparse(ref)
            if parsed.scheme or ref.startswith(("//", "mailto:", "data:", "javascript:")):
                continue
            target_ref, fragment = urldefrag(ref)
            if not target_ref:
                target = page
            elif target_ref.startswith("/"):  # root-relative (the 404 page): the site is served at its root
                target = (built_site / unquote(target_ref).lstrip("/")).resolve()
            else:
                target = (page.parent / unquote(target_ref)).resolve()
            if target.is_dir():
                target = target / "index.html"
            checked += 1
            if not target.exists():
                broken.append(f"{page.relative_to(built_site)}: {ref} (no such file)")
                continue
            if fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if unquote(fragment) not in ids:
                    broken.append(f"{page.relative_to(built_site)}: {ref} (no anchor #{fragment})")
    assert checked > 200
    assert not broken, "\n".join(broken)
