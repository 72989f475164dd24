"""The real site: the strict build passes, every nav page exists, no placeholder text leaks."""

from __future__ import annotations

import re

import yaml

from .conftest import ROOT


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!ENV", lambda loader, node: None)

TOPICS = ["convolution.md", "filters.md", "feature-maps.md", "epochs.md", "conv-1x1.md", "conv-3x3.md",
          "activation.md", "receptive-field.md", "augmentation.md", "learning-rate.md", "mnist.md"]


def nav_pages() -> list[str]:
    """Every page in the nav, sections flattened, in order."""
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=_Loader)

    def walk(entries):
        for entry in entries:
            target = next(iter(entry.values())) if isinstance(entry, dict) else entry
            if isinstance(target, list):
                yield from walk(target)
            else:
                yield target

    return list(walk(config["nav"]))


def test_nav_lists_home_and_nine_topics():
    pages = nav_pages()
    assert pages[0] == "index.md"
    assert set(TOPICS) <= set(pages)
    for page in pages:
        assert (ROOT / "docs" / page).exists(), page


def test_strict_build_renders_every_page(built_site):
    for page in [p for p in nav_pages() if p.endswith(".md")]:
        # the offline plugin turns directory URLs off: page.md -> page.html, so the site opens from disk
        html_path = built_site / page.replace(".md", ".html")
        html = html_path.read_text()
        article = re.search(r"<article.*?</article>", html, re.S)
        assert article, page
        text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", article.group(0), flags=re.S))
        assert "{{" not in text and "}}" not in text, page
        assert not re.search(r"\bTODO\b|\bTBD\b|lorem ipsum", text, re.I), page
        assert "<h1" in html, page


def test_site_works_from_disk(built_site):
    """Links point at files (not folders) and no page needs a server for its scripts or search."""
    index = (built_site / "index.html").read_text()
    assert 'href="convolution.html"' in index
    assert (built_site / "search" / "search_index.js").is_file()
    assert "assets/vendor/iframe-worker-shim.js" in index
    assert "unpkg" not in index and "googleapis" not in index
