"""Absolutes are decisions: every never / always / only / every / no / cannot / all ... sentence on the built site
is guarded by a test, cited, or listed in tests/absolutes_reviewed.yml with the reason it holds in every case.

Unit tests of :mod:`cnn_glossary.site.absolutes` (what counts as a prose sentence of a built page, what counts as
an absolute, how a sentence is resolved, when an entry of the reviewed list is stale), then the real site.
Refresh the list after editing pages with ``make absolutes`` (it prints each unresolved sentence).
"""

from __future__ import annotations

import textwrap

import pytest

from cnn_glossary.site import absolutes as ab
from cnn_glossary.site import checks
from cnn_glossary.site.absolutes import Entry, ReviewError, Sentence

from .conftest import ROOT

PAGE = textwrap.dedent("""\
    <html><body><nav>Every page always has a nav.</nav>
    <article class="md-content__inner md-typeset">
    <h1 id="t">Title<a class="headerlink" href="#t">¶</a></h1>
    <p>The layer never flips the kernel. It is linear, e.g. in <code>all(x)</code> code. Only with stride 1 does it
    keep the size: <span class="cg-math"><math aria-label="o = i"><mi>o</mi><mo>=</mo><mi>i</mi></math></span> then.</p>
    <div class="admonition quote"><p class="admonition-title">The README said every kernel is a matrix</p>
    <p>It always covers the whole input.</p>
    <p><strong>What is true:</strong> no padding is needed here.</p></div>
    <div class="admonition success"><p class="admonition-title">What is true</p><p>Nothing is stored.</p></div>
    <details class="info"><summary>Going deeper</summary><p>Each unit is applied on its own, as Lin et al.
    <a href="#ref-lin2013" title="NiN">(2013)</a> say, and all of them are counted.</p></details>
    <figure class="cg-figure"><img alt="A grid where every cell is zero." src="x.svg">
    <figcaption>No window reads the last row.</figcaption></figure>
    <div class="highlight"><pre><code>never = always</code></pre></div>
    <table><thead><tr><th>#</th><th>The README claimed</th><th>What is true</th></tr></thead>
    <tbody><tr><td>1</td><td>The kernel always covers the whole input.</td><td>Only without padding and a stride
    above one are rows skipped.</td></tr></tbody></table>
    <ul><li><strong>"Every parameter is learned."</strong> Batch norm keeps statistics that are not.</li></ul>
    <h2 id="see-also">See also</h2><p><a href="a.html">Home</a> · <a href="v.html">Every number on this site</a></p>
    <p>No more.</p>
    <h2 id="references">References</h2><ul><li>Springenberg (2014). Striving for simplicity: the all convolutional
    net.</li></ul>
    </article></body></html>
    """)


def sentences(page_html: str = PAGE) -> list[Sentence]:
    return ab.page_sentences(page_html, "p.md")


def test_prose_sentences_of_a_built_page():
    found = {s.text: s for s in sentences()}
    assert "The layer never flips the kernel." in found
    linear = found["It is linear, e.g. in all(x) code."]  # "e.g." is not a sentence end
    assert linear.absolutes == []  # inline code is kept in the text but not read for absolutes
    assert "Only with stride 1 does it keep the size: o = i then." in found  # math as its TeX
    assert found["Nothing is stored."].kind == "prose"  # admonitions count
    each = next(s for s in found.values() if s.text.startswith("Each unit"))
    assert each.cited and "(2013)" in each.text and "and all of them are counted." in each.text
    assert found["A grid where every cell is zero."].kind == "alt"
    assert found["No window reads the last row."].kind == "caption"
    texts = " ".join(found)
    for absent in ("nav", "never = always", "¶", "Striving", "<mi>"):
        assert absent not in texts, absent  # navigation, code blocks, anchors, the References, MathML


def test_readme_claims_and_quoted_misconceptions_are_not_our_claims():
    kinds = {s.text: s.kind for s in sentences()}
    assert kinds["The README said every kernel is a matrix"] == "readme"  # a quote box's title
    assert kinds["It always covers the whole input."] == "readme"  # its claims, before "What is true"
    assert kinds["What is true: no padding is needed here."] == "prose"  # our answer counts
    assert kinds["The kernel always covers the whole input."] == "readme"  # the README map's claims column
    assert kinds["Only without padding and a stride above one are rows skipped."] == "table"
    assert kinds['"Every parameter is learned."'] == "quoted"
    assert kinds["Home · Every number on this site"] == "links"  # a list of page names, not a claim
    assert kinds["Batch norm keeps statistics that are not."] == "prose"


def test_absolute_words():
    assert ab.absolute_words("It is applied to each unit on its own.") == ["each ... on its own"]
    assert ab.absolute_words('Words such as "never" and "all" are mentioned, not used.') == []
    assert ab.absolute_words("None of them can't, and NO one cannot.") == ["none", "can't", "no", "cannot"]
    assert ab.absolute_words("Nothing, every, always, only, all.") == ["nothing", "every", "always", "only", "all"]
    for calm in ("Each channel has its own kernel.", "Nobel knowledge", "The allocation is small", "Notably so",
                 "A nonlinear, not linear, map."):
        assert ab.absolute_words(calm) == [], calm


def test_sentence_ends():
    assert ab.split_sentences("A b. C d? E f! (G h.) I j.") == ["A b.", "C d?", "E f!", "(G h.)", "I j."]
    assert ab.split_sentences("Luo et al. (2016) say so. Leslie N. Smith agrees.") == \
        ["Luo et al. (2016) say so.", "Leslie N. Smith agrees."]
    assert ab.split_sentences("It is 0.5 wide. Then 3.") == ["It is 0.5 wide.", "Then 3."]


def _report(guards=(), entries=()):
    return ab.check({"p.md": sentences()}, {"p.md": list(guards)}, list(entries))


def test_each_absolute_is_guarded_cited_reviewed_or_unresolved():
    r = _report(guards=["The layer never flips"],
                entries=[Entry("p.md", "Nothing is stored.", "Nothing is kept between the steps of the run.")])
    assert [s.text for s in r.guarded] == ["The layer never flips the kernel."]
    assert [s.text[:9] for s in r.cited] == ["Each unit"]
    assert [s.text for s, _ in r.reviewed] == ["Nothing is stored."]
    unresolved = {s.text for s in r.unresolved}
    assert "Only with stride 1 does it keep the size: o = i then." in unresolved
    assert "A grid where every cell is zero." in unresolved and "No window reads the last row." in unresolved
    assert "It always covers the whole input." not in unresolved  # the README's claim
    assert not r.ok
    message = ab.format_report(r)
    assert 'docs/p.md: "Only with stride 1 does it keep the size: o = i then." (only; prose)' in message
    for way in ("guard it", "@pytest.mark.guards(", "cite it: [@key]", "tests/absolutes_reviewed.yml"):
        assert way in message


def test_a_guard_may_run_across_a_sentence_end():
    r = _report(guards=["flips the kernel. It is linear"])
    assert "The layer never flips the kernel." in {s.text for s in r.guarded}


def test_stale_ambiguous_and_redundant_entries_fail():
    reason = "Holds for every input by the definition of the layer."
    r = _report(guards=["The layer never flips"], entries=[
        Entry("p.md", "a sentence that was reworded", reason, 3),
        Entry("p.md", "the whole input.", reason, 4),  # the README claim and the README map's claim
        Entry("p.md", "No window reads", reason, 8, sentences=2),  # only one sentence has it
        Entry("p.md", "The layer never flips the kernel", reason, 5),  # guarded already
        Entry("p.md", "Batch norm keeps statistics", reason, 6),  # no absolute in it
        Entry("gone.md", "some sentence here", reason, 7),
    ])
    why = {e.line: w for e, w in r.stale}
    assert "no sentence on the page contains this piece" in why[3]
    assert "2 sentences contain this piece, the entry says 1" in why[4]
    assert "guarded by a test already" in why[5]
    assert "no longer says an absolute" in why[6]
    assert "not a page of the built site" in why[7]
    assert "1 sentences contain this piece, the entry says 2" in why[8]
    assert "tests/absolutes_reviewed.yml:3: p.md: 'a sentence that was reworded'" in ab.format_report(r)


def test_the_reviewed_file_is_checked(tmp_path):
    path = tmp_path / "r.yml"
    path.write_text("p.md:\n  - piece: Nothing is stored.\n    reason: Nothing persists from one step to the next.\n")
    assert ab.load_reviewed(path) == [Entry("p.md", "Nothing is stored.",
                                            "Nothing persists from one step to the next.", 2, 1)]
    for body, words in [
        ("p.md:\n  - piece: Nothing is stored.\n    reason: TODO\n", "needs its reason"),
        ("p.md:\n  - piece: Nothing is stored.\n", "each entry has 'piece'"),
        ("p.md:\n  - piece: Nothing is stored.\n    reason: a reason long enough to count\n    sentences: 0\n",
         "at least 1"),
        ("p.md:\n  - piece: short\n    reason: a reason long enough to count\n", "at least 12 characters"),
        ("p:\n  - piece: Nothing is stored.\n    reason: a reason long enough to count\n", "not a page"),
    ]:
        path.write_text(body)
        with pytest.raises(ReviewError, match=words):
            ab.load_reviewed(path)


# --- the real site ------------------------------------------------------------------------------------


def test_every_absolute_on_the_site_is_a_decision(built_site):
    guards = {page: [g.text for g in gs] for page, gs in checks.guards(ROOT, "tests").items()}
    entries = ab.load_reviewed(ROOT / ab.REVIEWED)
    report = ab.check(ab.site_sentences(built_site, ROOT / "docs"), guards, entries)
    assert len(report.absolute) > 100  # the extraction works on the real pages
    assert report.ok, "\n" + ab.format_report(report) + "\n(refresh with: make absolutes)"
