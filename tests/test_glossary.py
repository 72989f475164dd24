"""The glossary's connective tissue: the glossary file and the term autolinker (unit tests), and on the built
site: the A-Z page, every term defined, linked and resolving, abbreviation tooltips on every page, every topic
in the search index, a "See also" section on every page, the values page."""

from __future__ import annotations

import html
import json
import re
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnn_glossary.site import glossary
from cnn_glossary.site.glossary import GlossaryError, link_terms, protected_spans

from .conftest import ROOT, published
from .test_site import TOPICS, nav_pages

GLOSSARY = glossary.load(ROOT / "docs" / "glossary.yml")


def link(md: str, page: str = "epochs.md", titles: bool = False, **kw) -> str:
    """The linker's output; without ``titles``, link titles (the definitions) are dropped for readability."""
    out = link_terms(textwrap.dedent(md), page, GLOSSARY, **kw)
    return out if titles else re.sub(r' "[^"]*"\)', ")", out)


MATCHER = glossary._combined(GLOSSARY.terms)
PIECES = sorted({w for t in GLOSSARY.terms for sp in t.spellings for w in [sp, *sp.split(), sp.upper(), sp.title()]})


def _same_matches(text: str) -> None:
    ours = [(m.span(), m.lastgroup) for m in MATCHER.finditer(text)]
    assert ours == [(m.span(), m.lastgroup) for m in MATCHER.reference().finditer(text)], text


def test_the_one_pass_finds_exactly_what_the_one_pattern_finds_on_every_page():
    for page in sorted((ROOT / "docs").glob("*.md")):
        _same_matches(page.read_text(encoding="utf-8"))


def test_the_one_pass_finds_what_the_one_pattern_finds_for_every_spelling_in_every_case():
    for piece in PIECES:
        for text in (piece, piece.lower(), piece.upper(), f"a {piece} b", f"x{piece}", f"{piece}s", f"({piece})"):
            _same_matches(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.sampled_from([" ", "\n", "  ", "-", "s", "x", "_", "(", "1",
                                                                   "\u212a", "\u017f", "\u0130", "é"])),
                max_size=40))
def test_the_one_pass_finds_what_the_one_pattern_finds_in_any_text(parts):
    """Spellings, their words in other cases, glued to letters, digits and the characters whose case folding is
    odd (the Kelvin sign matches k, the long s matches s)."""
    _same_matches("".join(parts))


def test_first_occurrence_only_and_case_kept():
    out = link("A Feature map is a map. Every feature map has channels; feature maps stack.\n")
    assert out.count("](feature-maps.md)") == 1
    assert "[Feature map](feature-maps.md) is a map" in out


def test_plural_and_line_break_inside_a_term():
    assert "[receptive\nfields](receptive-field.md)" in link("Units have receptive\nfields.\n")
    assert "[kernels](filters.md)" in link("Three kernels.\n")


def test_longest_term_wins_and_is_consumed():
    out = link("A 1x1 convolution is a convolution. Another 1x1 convolution.\n")
    assert "[1x1 convolution](conv-1x1.md) is a [convolution](convolution.md)" in out
    assert out.endswith("Another 1x1 convolution.\n")


def test_never_on_its_own_page():
    assert "](epochs.md)" not in link("Ten epochs.\n", page="epochs.md")
    assert "[epochs](epochs.md)" in link("Ten epochs.\n", page="mnist.md")


def test_not_in_headings_code_links_html_titles_math():
    md = """\
    # The kernel

    Kernel title
    ------------

    !!! note "About the kernel"

        Indented prose mentions MNIST.

    ```python
    kernel = epoch = 3
    ```

    Use `kernel_size` or `the kernel`; see [the kernel page](other.md) and ![a kernel](k.png).
    <figure><figcaption>one kernel, one epoch</figcaption></figure>
    <a href="x">kernel</a> $\\text{kernel}$ {{ value a/b:kernel }} https://example.org/kernel

    Finally a kernel here.
    """
    out = link(md, page="index.md")
    assert out.count("](filters.md)") == 1  # only the one in the last line
    assert "Finally a [kernel](filters.md) here." in out
    assert "# The kernel\n" in out and "Kernel title\n" in out
    assert '!!! note "About the kernel"' in out
    assert "Indented prose mentions [MNIST](mnist.md)." in out  # admonition bodies are prose
    assert "kernel = epoch = 3" in out and "[epoch]" not in out


def test_raw_html_block_is_skipped_but_markdown_divs_are_prose():
    md = """\
    <div class="x">
    an epoch inside raw HTML
    </div>

    <div class="grid" markdown>

    an epoch inside a Markdown div

    </div>
    """
    out = link(md, page="index.md")
    assert "an epoch inside raw HTML" in out
    assert "an [epoch](epochs.md) inside a Markdown div" in out


def test_an_earlier_link_to_a_topic_page_is_enough():
    out = link("See [the filters page](filters.md). A kernel slides. A kernel [page](filters.md) later.\n",
               page="index.md")
    assert out.count("](filters.md)") == 2
    out = link("A kernel slides; see [filters](filters.md).\n", page="index.md")
    assert "A [kernel](filters.md) slides" in out
    # a non-topic term on the same page is still linked: its link carries its own definition
    out = link("See [the filters page](filters.md). Each tensor.\n", page="index.md")
    assert "Each [tensor](filters.md)." in out


def test_the_link_title_is_the_definition():
    out = link("A stride of two.\n", page="index.md", titles=True)
    (stride,) = [t for t in GLOSSARY.terms if t.term == "Stride"]
    assert out == f'A [stride](convolution.md "{stride.definition}") of two.\n'


def test_missing_page_falls_back_then_stays_plain():
    pool = next(t for t in GLOSSARY.terms if t.term == "Pooling")
    assert pool.fallback and pool.page not in {"mnist.md", "index.md"}
    fb_page, _, fb_anchor = pool.fallback.partition("#")
    out = link("Max pooling halves it.\n", page="index.md", existing={"index.md", fb_page})
    assert f"[Max pooling]({fb_page}{'#' + fb_anchor if fb_anchor else ''})" in out
    assert "](" not in link("Max pooling halves it.\n", page="index.md", existing={"index.md"})
    assert f"[Max pooling]({pool.page})" in link("Max pooling.\n", page="index.md",
                                                 existing={"index.md", pool.page, fb_page})


def test_glossary_file_is_checked():
    good = {"term": "Stride", "definition": "How far the kernel moves.", "page": "convolution.md"}
    assert glossary.parse({"terms": [good]}).terms[0].spellings == ("Stride",)
    bad = [
        ({"terms": [dict(good, definition="Two sentences. Here.")]}, "one sentence"),
        ({"terms": [dict(good, definition='A "quoted" word.')]}, "double quote"),
        ({"terms": [dict(good, page="convolution")]}, "Markdown page"),
        ({"terms": [dict(good, colour="red")]}, "unknown keys"),
        ({"terms": [{"term": "X", "page": "x.md"}]}, "'definition' is missing"),
        ({"terms": [good, dict(good, term="stride")]}, "listed twice"),
        ({"terms": [good, dict(good, term="Other", spellings=["other", "STRIDE", "stride"])]},
         "'stride' already belongs to 'Stride'"),
        ({"terms": [dict(good, abbr="ST")], "abbreviations": {"ST": "x"}}, "both"),
        ({"words": []}, "'terms' list"),
    ]
    for data, message in bad:
        with pytest.raises(GlossaryError, match=message):
            glossary.parse(data, "docs/glossary.yml")


def test_tables_are_prose():
    out = link("| term | page |\n| --- | --- |\n| epoch | here |\n", page="index.md")
    assert "| [epoch](epochs.md) | here |" in out


def test_abbreviation_definitions_and_link_references_untouched():
    out = link("*[MNIST]: a data set\n[epoch]: https://example.org\n", page="index.md")
    assert "](" not in out


def test_only_existing_pages_and_relative_paths():
    assert "](" not in link("One epoch.\n", page="index.md", existing={"index.md"})
    assert "[epoch](../epochs.md)" in link("One epoch.\n", page="sub/page.md")


def test_uppercase_terms_match_case():
    out = link("mnist in lower case, then MNIST.\n", page="index.md")
    assert out == "mnist in lower case, then [MNIST](mnist.md).\n"


def test_protected_spans_cover_fenced_code():
    md = "text\n```\nkernel\n```\n"
    spans = protected_spans(md)
    at = md.index("kernel")
    assert any(a <= at < b for a, b in spans)


def test_every_term_has_a_definition_and_a_page_or_fallback_in_the_nav():
    pages = set(nav_pages())
    assert len(GLOSSARY.terms) >= 40
    for t in GLOSSARY.terms:
        assert len(t.definition.split()) >= 6, f"{t.term}: the definition is too short to help"
        target = t.target(pages)
        assert target is not None, f"{t.term}: neither {t.page} nor its fallback {t.fallback} is in the nav"
        assert (ROOT / "docs" / target[0]).is_file(), t.term


# --- the built site ---------------------------------------------------------------------------------


def md_pages() -> list[str]:
    return [p for p in nav_pages() if p.endswith(".md")]


def html_of(built_site, page: str) -> str:
    return (built_site / page.replace(".md", ".html")).read_text()  # directory URLs are off (offline plugin)


def article(html: str) -> str:
    return re.search(r"<article.*?</article>", html, re.S).group(0)


def test_abbreviations_render_on_every_page(built_site):
    abbreviations = glossary.abbreviation_lines(GLOSSARY)
    assert not (built_site / "glossary.yml").exists(), "the glossary's data file must not be published"
    defined = re.findall(r"^\*\[([^\]]+)\]:", abbreviations, re.M)
    assert {"CNN", "ReLU", "GELU", "ELU", "SiLU", "SGD", "MNIST", "GAP", "BN", "ERF"} <= set(defined)
    for page in md_pages():
        body = article(html_of(built_site, page))
        assert re.search(r'<abbr title="[^"]+">', body), f"{page}: no abbreviation tooltip"
        assert "*[" not in re.sub(r"<[^>]+>", "", body), f"{page}: an abbreviation definition leaked"


def test_search_index_finds_every_topic(built_site):
    index = json.loads((built_site / "search" / "search_index.json").read_text())
    docs = index["docs"]
    locations = {d["location"] for d in docs}
    for page in TOPICS + ["values.md"]:
        loc = page.replace(".md", ".html")  # directory URLs are off (offline plugin)
        assert loc in locations, page
        title = re.search(r"<h1[^>]*>(.*?)</h1>", html_of(built_site, page), re.S).group(1)
        title = html.unescape(re.sub(r"<[^>]+>", "", title)).replace("¶", "").strip()
        hits = [d for d in docs if d["location"] == loc]
        assert any(html.unescape(d["title"]).strip() == title for d in hits), (page, title)
        assert sum(len(d["text"]) for d in docs if d["location"].startswith(loc)) > 200, page


def test_every_page_has_see_also(built_site):
    for page in md_pages():
        body = article(html_of(built_site, page))
        m = re.search(r'<h2 id="see-also">.*?</h2>(.*?)(?:<h2|</article>)', body, re.S)
        assert m, f"{page}: no 'See also' section"
        assert m.group(1).count("<a href=") >= 2, f"{page}: 'See also' links to fewer than two pages"


def test_terms_are_linked_on_the_built_site(built_site):
    body = article(html_of(built_site, "activation.md"))
    first_paragraph = re.search(r"<p>.*?</p>", body, re.S).group(0)
    assert 'href="convolution.html"' in first_paragraph
    assert 'href="activation.html"' not in body.split('id="see-also"')[0]


def test_home_cards_and_values_page(built_site):
    home = article(html_of(built_site, "index.md"))
    assert home.count('class="card"') == len(TOPICS)
    assert home.count('<figure class="cg-figure">') == len(TOPICS)
    for page in TOPICS:
        assert f'href="{page.replace(".md", ".html")}"' in home, page
    values = article(html_of(built_site, "values.md"))
    rows = re.findall(r"<tr>.*?</tr>", values, re.S)
    assert len(rows) > 20
    for page in ("epochs.md", "activation.md", "mnist.md", "index.md"):
        assert page in values, page
    assert "snippets/epochs/early_stopping.py" in values
    assert "tests/test_epochs.py</code>: <code>test_early_stopping_runs_stop_where_the_curve_says" in values
    assert "none declared" not in values  # every snippet on the page has a declared checking test


@pytest.mark.parametrize("page", ["epochs.md", "activation.md", "index.md"])
def test_page_images_stay_small(built_site, page):
    html = html_of(built_site, page)
    base = built_site  # every page is a file at the site root (directory URLs are off)
    total = 0
    for src in set(re.findall(r'<img src="([^"]+)"', article(html))):
        total += (base / src).resolve().stat().st_size
    assert total < 1_000_000, f"{page}: {total} bytes of images"


@pytest.mark.checks("home/cards")
def test_home_cards_snippet_draws_one_small_figure_per_topic():
    c = published("home/cards")
    assert sorted(c.figures) == sorted(p.removesuffix(".md").replace("-", "_") for p in TOPICS)
    for name, fig in c.figures.items():
        assert fig.format == "svg" and fig.data.lstrip().startswith(b"<?xml"), name
        assert len(fig.data) < 30_000, (name, len(fig.data))
    assert sum(len(f.data) for f in c.figures.values()) < 150_000


# --- the glossary on the built site -----------------------------------------------------------------


def _ids(page_html: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', page_html))


def _term_links(built_site) -> dict[str, set[str]]:
    """Term -> the pages (other than the glossary page) that link it with its definition as the title."""
    by_definition = {t.tooltip: t.term for t in GLOSSARY.terms}
    out: dict[str, set[str]] = {}
    for path in built_site.glob("*.html"):
        if path.name == "glossary.html":
            continue
        for m in re.finditer(r'<a href="([^"]*)" title="([^"]+)"', path.read_text()):
            term = by_definition.get(html.unescape(m.group(2)))
            if term:
                out.setdefault(term, set()).add(path.name)
    return out


def test_glossary_page_defines_every_term_and_each_link_resolves(built_site):
    body = article(html_of(built_site, "glossary.md"))
    entries = re.findall(r"<dt>(.*?)</dt>\s*<dd>\s*(?:<p>)?(.*?)(?:</p>)?\s*</dd>", body, re.S)
    assert len(entries) == len(GLOSSARY.terms)
    for t, (dt, dd) in zip(sorted(GLOSSARY.terms, key=lambda t: t.term.casefold()), entries):
        assert html.unescape(re.sub(r"<[^>]+>", "", dt)).startswith(t.term), (t.term, dt)
        assert html.unescape(re.sub(r"<[^>]+>", "", dd)).strip() == t.tooltip, t.term
        href = re.search(r'<a href="([^"]+)"', dt)
        assert href, f"{t.term}: not linked on the glossary page"
        page, _, anchor = href.group(1).partition("#")
        target = built_site / page
        assert target.is_file(), f"{t.term}: {href.group(1)} does not exist in the built site"
        assert not anchor or anchor in _ids(target.read_text()), f"{t.term}: no #{anchor} on {page}"
        assert page.replace(".html", ".md") in (t.page, t.fallback.partition("#")[0] if t.fallback else None)
    letters = [h for h in re.findall(r"<h2 id=[^>]*>(.*?)<", body) if h not in ("See also", "References")]
    assert letters == ["0–9", *sorted({t.term[0].upper() for t in GLOSSARY.terms if t.term[0].isalpha()})]


def test_every_term_is_linked_from_a_page_and_each_link_resolves(built_site):
    linked = _term_links(built_site)
    site_pages = {p.name.replace(".html", ".md") for p in built_site.glob("*.html")}
    unlinked = []
    for t in GLOSSARY.terms:
        if linked.get(t.term):
            continue
        page, anchor = t.target(site_pages)
        # while a term's own page is missing, its fallback page may be the only one that mentions it
        if page != t.page:
            text = re.sub(r"<[^>]+>", " ", article(html_of(built_site, page)))
            if any(re.search(rf"\b{re.escape(sp)}\b", text, re.I) for sp in t.spellings):
                continue
        unlinked.append(t.term)
    assert not unlinked, f"terms no page links to (use them in prose, or drop them): {unlinked}"
    definitions = {t.tooltip for t in GLOSSARY.terms}
    for path in built_site.glob("*.html"):
        for m in re.finditer(r'<a href="([^"]*)" title="([^"]+)"', path.read_text()):
            if html.unescape(m.group(2)) not in definitions:
                continue  # the theme's own links
            page, _, anchor = m.group(1).partition("#")
            assert page.endswith(".html") and (built_site / page).is_file(), (path.name, m.group(1))
            assert not anchor or anchor in _ids((built_site / page).read_text()), (path.name, m.group(1))


def test_topics_come_from_the_glossary_file():
    assert TOPICS == GLOSSARY.topics


def test_readme_map_covers_the_twenty_corrections_and_links_resolve(built_site):
    body = article(html_of(built_site, "readme-map.md"))
    rows = re.findall(r"<tr>\s*<td[^>]*>(\d+)</td>(.*?)</tr>", body, re.S)
    assert [int(n) for n, _ in rows] == list(range(1, 21)), "one row per item of the corrections checklist"
    for n, row in rows:
        hrefs = re.findall(r'<a href="([^"]+)"', row.split("<td")[-1])  # the "Where" column
        assert hrefs, f"row {n}: no link to the page that corrects the claim"
        for href in hrefs:
            page, _, anchor = href.partition("#")
            assert (built_site / page).is_file(), f"row {n}: {href}"
            assert not anchor or anchor in _ids((built_site / page).read_text()), f"row {n}: {href}"


def test_search_index_holds_prose_not_code_or_value_tables(built_site):
    """Code blocks and the values page's value tables are marked data-search-exclude: the index (which every page
    downloads) holds prose, headings and inline code, the pages keep their code, and the marker itself is gone."""
    index = json.loads((built_site / "search" / "search_index.json").read_text())
    texts = [d["text"] for d in index["docs"] if not d["location"].startswith("mnist-training.html")]  # a notebook:
    assert not any("<pre" in t for t in texts), "a code block reached the search index"  # its code is its text
    conv = html_of(built_site, "convolution.md")
    assert conv.count('<div class="highlight">') >= 5  # the code is still on the page
    values = [d["text"] for d in index["docs"] if d["location"].startswith("values.html")]
    assert values and not any("mnist/score.py" in t for t in values), "a value table reached the search index"
    assert "mnist/score.py" in html_of(built_site, "values.md")
    assert any("<code>" in t for t in texts), "inline code should stay searchable"
    for page in md_pages():
        assert "data-search-exclude" not in html_of(built_site, page), page


@pytest.mark.guards("glossary.md", "a linear warm-up over the first quarter of the steps and a cosine decay")
def test_one_cycle_definition_matches_the_training_schedule():
    """The glossary's one-cycle entry describes our schedule: read the rate at every step of a run and find a
    straight climb that peaks a quarter of the way through, then half a cosine down."""
    import math

    import keras
    import numpy as np

    from cnn_glossary.mnist import train

    total = 400
    schedule = train.one_cycle(keras, total)
    rate = np.array([float(schedule(t)) for t in range(total + 1)])
    peak = int(np.argmax(rate))
    assert peak == total // 4
    climb = np.diff(rate[:peak])
    np.testing.assert_allclose(climb, climb.mean(), rtol=1e-3)  # linear
    assert (climb > 0).all()
    progress = (np.arange(peak, total + 1) - peak) / (total - peak)
    np.testing.assert_allclose(rate[peak:], rate[peak] * 0.5 * (1 + np.cos(math.pi * progress)), rtol=1e-4, atol=1e-9)
