"""Reading budget of each page, measured on the built HTML (a benchmark, not a test).

Usage:
    .venv/bin/mkdocs build --strict -d /tmp/site     # or: make build (writes site/)
    .venv/bin/python benchmarks/reading_budget.py /tmp/site

For every page it prints:
- visible words: the words a reader sees without opening anything, in the page's <article>: prose, headings,
  lists and admonitions; not code (blocks or inline), tables, figures (with captions), math, collapsed
  <details> blocks (a <details open> block counts), or the References list that ends a page that cites;
- words before the first figure (or image): how much a reader reads before the first picture;
- the first paragraph's length in words;
- the Flesch-Kincaid grade of the visible prose (paragraphs, list items, admonition text; not headings):
  0.39 * words/sentences + 11.8 * syllables/words - 15.59, syllables counted by the usual vowel-group rule
  (a run of vowels is one syllable; a silent final "e" is dropped; every word has at least one).

Topic pages (the `topic: true` terms of docs/glossary.yml) are flagged when they exceed 900 visible words or
grade 12, the budgets in the page skeleton (CONTRIBUTING.md).
"""

from __future__ import annotations

import argparse
import html.parser
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cnn_glossary.site import glossary  # noqa: E402

MAX_WORDS, MAX_GRADE = 900, 12.0
SKIP_TAGS = {"pre", "code", "table", "figure", "script", "style", "math", "svg", "noscript", "button", "img"}
BLOCKS = {"p", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "summary"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-.,/×%]*")


@dataclass
class Page:
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (tag, visible text), in reading order
    words_before_figure: int | None = None


class Reader(html.parser.HTMLParser):
    """Collects the visible text of the first <article>, block by block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.in_article = 0
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.block: list[str] = []
        self.block_tag = "p"
        self.words = 0

    def skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def flush(self):
        text = " ".join("".join(self.block).split())
        if text:
            self.page.blocks.append((self.block_tag, text))
            self.words += len(WORD.findall(text))
        self.block = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "article" and not self.in_article and not self.page.blocks:
            self.in_article = 1
            return
        if not self.in_article:
            return
        if tag == "h2" and attrs.get("id") == "references":  # the works cited close the page: a list, not reading
            self.flush()
            self.in_article = 0
            return
        if tag in ("figure", "img") and self.page.words_before_figure is None and not self.skipping():
            self.flush()
            self.page.words_before_figure = self.words
        if tag in VOID:
            return
        classes = set((attrs.get("class") or "").split())
        skip = (tag in SKIP_TAGS or (tag == "details" and "open" not in attrs)
                or "headerlink" in classes or "arithmatex" in classes or tag == "article")
        if tag in BLOCKS or tag == "div":
            self.flush()
            self.block_tag = tag
        self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        if not self.in_article:
            return
        if tag == "article" and not any(t == "article" for t, _ in self.stack):
            self.flush()
            self.in_article = 0
            return
        if tag in VOID:
            return
        while self.stack:  # tolerate unclosed inner tags
            t, _ = self.stack.pop()
            if t == tag:
                break
        if tag in BLOCKS or tag == "div":
            self.flush()

    def handle_data(self, data):
        if self.in_article and not self.skipping():
            self.block.append(data)


def syllables(word: str) -> int:
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return 1  # a number is read as at least one syllable
    groups = re.findall(r"[aeiouy]+", w)
    n = len(groups)
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and n > 1:
        n -= 1
    return max(1, n)


def grade(blocks: list[tuple[str, str]]) -> tuple[float, int, int]:
    """Flesch-Kincaid grade of the prose blocks (headings left out): (grade, words, sentences)."""
    words = sentences = syl = 0
    for tag, text in blocks:
        if tag.startswith("h") or tag == "summary":
            continue
        ws = WORD.findall(text)
        if not ws:
            continue
        words += len(ws)
        syl += sum(syllables(w) for w in ws)
        # a block ends a sentence even without a full stop (list items, admonition lines)
        sentences += max(1, len(re.findall(r"[.!?](?=\s|$)", text)))
    if not words:
        return 0.0, 0, 0
    return 0.39 * words / sentences + 11.8 * syl / words - 15.59, words, sentences


def measure(path: Path) -> dict:
    reader = Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    page = reader.page
    total = sum(len(WORD.findall(t)) for _, t in page.blocks)
    first_p = next((t for tag, t in page.blocks if tag == "p"), "")
    g, _, _ = grade(page.blocks)
    before = page.words_before_figure if page.words_before_figure is not None else total
    return {"words": total, "before_figure": before, "has_figure": page.words_before_figure is not None,
            "first_paragraph": len(WORD.findall(first_p)), "grade": g}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site", nargs="?", default=str(ROOT / "site"), help="the built site folder (default: site/)")
    args = ap.parse_args(argv)
    site = Path(args.site)
    if not (site / "index.html").is_file():
        print(f"{site}/index.html not found: build the site first "
              "(.venv/bin/mkdocs build --strict -d /tmp/site), then pass that folder", file=sys.stderr)
        return 2
    topics = set(glossary.load(ROOT / "docs" / "glossary.yml").topics)
    rows = []
    for html_path in sorted(site.glob("*.html")):
        if html_path.name == "404.html":
            continue
        page = html_path.name.replace(".html", ".md")
        m = measure(html_path)
        flags = []
        if page in topics and m["words"] > MAX_WORDS:
            flags.append(f">{MAX_WORDS} words")
        if page in topics and m["grade"] > MAX_GRADE:
            flags.append(f"grade>{MAX_GRADE:g}")
        rows.append((page + (" *" if page in topics else ""), m, flags))
    head = f"{'page (* topic)':24} {'visible words':>13} {'before 1st figure':>17} {'1st paragraph':>13} {'FK grade':>8}  flags"
    print(head)
    print("-" * len(head))
    for name, m, flags in rows:
        before = f"{m['before_figure']}" + ("" if m["has_figure"] else " (none)")
        print(f"{name:24} {m['words']:>13} {before:>17} {m['first_paragraph']:>13} {m['grade']:>8.1f}  "
              f"{', '.join(flags) or 'ok'}")
    over = [n for n, _, f in rows if f]
    print(f"\n{len(over)} of {sum(1 for n, _, _ in rows if n.endswith('*'))} topic pages over budget"
          + (f": {', '.join(n.rstrip(' *') for n in over)}" if over else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
