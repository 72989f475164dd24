"""Works cited once: the references file, ``[@key]`` citations and each page's References section.

Unit tests of :mod:`cnn_glossary.site.citations`; tiny sites built by the plugin (an unknown key or a malformed
entry stops the build, naming the page and line or the entry); and the real pages: every citation resolves,
every entry is cited somewhere, and no page still names a work in the bare "(Name, 2014)" way.
"""

from __future__ import annotations

import re
import textwrap

import pytest
import yaml

from cnn_glossary.site import citations, glossary
from cnn_glossary.site.citations import CitationError
from cnn_glossary.site.placeholders import _code_mask, _inline_code_spans

from .conftest import ROOT

ENTRY = {"authors": ["Min Lin", "Qiang Chen", "Shuicheng Yan"], "year": 2013, "title": "Network In Network",
         "venue": "arXiv:1312.4400", "url": "https://arxiv.org/abs/1312.4400"}
REFS = citations.parse({
    "lin2013": ENTRY,
    "dumoulin2016": {**ENTRY, "authors": ["Vincent Dumoulin", "Francesco Visin"], "year": 2016,
                     "title": "A guide to convolution arithmetic for deep learning"},
    "smith2018": {**ENTRY, "authors": ["Leslie N. Smith"], "year": 2018, "title": "A disciplined approach"},
    "smith2018b": {**ENTRY, "authors": ["Leslie N. Smith"], "year": 2018, "title": "Another report"},
    "vandermaaten2008": {**ENTRY, "authors": ["van der Maaten, Laurens", "Geoffrey Hinton"], "year": 2008,
                   "title": "Visualizing Data using t-SNE"},
})


# --- the references file -------------------------------------------------------------------------------


def test_names_and_years_as_cited():
    assert REFS["lin2013"].cite() == "Lin et al., 2013"
    assert REFS["dumoulin2016"].cite() == "Dumoulin & Visin, 2016"
    assert REFS["vandermaaten2008"].cite() == "van der Maaten & Hinton, 2008"
    assert REFS["lin2013"].cite(names=False) == "2013"
    # two entries with the same names and year are told apart by the key's letter
    assert (REFS["smith2018"].cite(), REFS["smith2018b"].cite()) == ("Smith, 2018a", "Smith, 2018b")


@pytest.mark.parametrize("change, words", [
    ({"venue": None}, "missing 'venue'"),
    ({"url": ""}, "missing 'url'"),
    ({"authors": []}, "missing 'authors'"),
    ({"authors": "Min Lin"}, "'authors' is a list"),
    ({"year": "2013"}, "'year' is a four-digit number"),
    ({"year": 2014}, "does not contain the entry's year 2014"),
    ({"url": "arxiv.org/abs/1312.4400"}, "'url' is an http(s) address"),
    ({"doi": "x"}, "unknown fields ['doi']"),
    ({"authors": ["Qiang Chen"]}, "starts with the first author's surname"),
])
def test_a_malformed_entry_names_the_file_the_key_and_the_fix(change, words):
    entry = {k: v for k, v in {**ENTRY, **change}.items() if v is not None}
    with pytest.raises(CitationError) as err:
        citations.parse({"lin2013": entry}, "docs/references.yml")
    assert str(err.value).startswith("docs/references.yml: entry 'lin2013': ")
    assert words in str(err.value)


def test_an_organisation_in_braces_is_cited_and_listed_whole():
    refs = citations.parse({"pytorch2017": {**ENTRY, "authors": ["{PyTorch Contributors}"], "year": 2017,
                                            "title": "torch.nn.Conv2d"}})
    assert refs["pytorch2017"].cite() == "PyTorch Contributors, 2017"
    line = citations.entry(refs["pytorch2017"])
    assert "PyTorch Contributors (2017)" in line and "{" not in line
    with pytest.raises(CitationError, match="first author's surname"):  # the key follows the whole name
        citations.parse({"contributors2017": {**ENTRY, "authors": ["{PyTorch Contributors}"], "year": 2017}})


def test_a_key_that_breaks_the_convention_is_refused():
    for key in ("Lin2013", "lin", "lin-2013", "2013lin"):
        with pytest.raises(CitationError, match="first author's surname and the year"):
            citations.parse({key: ENTRY})
    with pytest.raises(CitationError, match="mapping from a key"):
        citations.parse([ENTRY])


def test_a_key_defined_twice_is_refused_with_both_lines(tmp_path):
    """YAML itself keeps the later of two equal keys without a word; the references file must not."""
    entry = "lin2013:\n  authors: [Min Lin, Qiang Chen, Shuicheng Yan]\n  year: 2013\n  title: Network In Network\n" \
            "  venue: arXiv:1312.4400\n  url: https://arxiv.org/abs/1312.4400\n"
    path = tmp_path / "references.yml"
    path.write_text(entry + "\n" + entry.replace("arXiv:1312.4400", "ICLR 2014"))
    with pytest.raises(CitationError) as err:
        citations.load(path)
    assert str(err.value) == f"{path}: line 8: the key 'lin2013' is already defined at line 1; keep one entry and delete the other"
    path.write_text(entry)
    assert list(citations.load(path)) == ["lin2013"]


# --- citations in Markdown ------------------------------------------------------------------------------


def test_render_links_each_citation_and_appends_sorted_references():
    md = "# T\n\nNiN [@lin2013] and the guide [@dumoulin2016; @smith2018].\n\nDumoulin & Visin [-@dumoulin2016] say.\n"
    out = citations.render(md, REFS, "docs/t.md")
    assert '([Lin et al., 2013](#ref-lin2013 "Network In Network"))' in out
    assert "([Dumoulin & Visin, 2016](#ref-dumoulin2016 " in out and "; [Smith, 2018a](#ref-smith2018 " in out
    assert "Dumoulin & Visin ([2016](#ref-dumoulin2016 " in out  # names left out: the prose has them
    head, refs = out.split("\n## References\n\n")
    assert "[@" not in head
    items = refs.strip().splitlines()
    assert [re.search(r'id="ref-(\w+)"', i).group(1) for i in items] == ["dumoulin2016", "lin2013", "smith2018"]
    assert items[1] == ('- <span id="ref-lin2013"></span>Min Lin, Qiang Chen and Shuicheng Yan (2013). '
                        "[Network In Network](https://arxiv.org/abs/1312.4400). arXiv:1312.4400.")


def test_code_is_left_alone_and_a_page_without_citations_is_unchanged():
    md = textwrap.dedent("""\
        Inline `[@lin2013]` stays.

        ```yaml
        key: [@nothing2020]
        ```

            [@nothing2021] in an indented block

        A link [@lin2013](https://example.org) and a definition are not citations.

        [@lin2013]: https://example.org
        """)
    assert citations.find(md) == []
    assert citations.render(md, REFS) == md
    assert citations.unknown(md, {}) == []


def test_an_unknown_key_is_reported_with_its_line():
    md = "# T\n\nFine [@lin2013].\n\nTypo [@lin2031; @smith2018] and [@nobody2020].\n"
    assert citations.unknown(md, REFS) == [(5, "lin2031"), (5, "nobody2020")]
    with pytest.raises(CitationError) as err:
        citations.render(md, REFS, "docs/t.md")
    message = str(err.value)
    assert "docs/t.md:5: the citation [@lin2031] names no entry of docs/references.yml" in message
    assert "docs/t.md:5: the citation [@nobody2020]" in message
    assert "add the work to docs/references.yml" in message


def test_plain_citations_for_tooltips():
    assert citations.plain("the network of Simonyan & Zisserman [-@dumoulin2016]", REFS) == \
        "the network of Simonyan & Zisserman (2016)"
    assert citations.plain("NiN [@lin2013; @smith2018b].", REFS) == "NiN (Lin et al., 2013; Smith, 2018b)."
    with pytest.raises(CitationError, match=r"glossary.yml \(term 3\): the citation \[@x2020\]"):
        citations.plain("[@x2020]", REFS, "glossary.yml (term 3)")


def test_glossary_definitions_cite_with_plain_tooltips():
    data = {"terms": [{"term": "NiN", "definition": "The design of Lin et al. [@lin2013].", "page": "a.md"}],
            "abbreviations": {"VGG": "the network of Simonyan & Zisserman [-@dumoulin2016]"}}
    g = glossary.parse(data, "glossary.yml", REFS)
    assert g.terms[0].definition == "The design of Lin et al. [@lin2013]."
    assert g.terms[0].tooltip == "The design of Lin et al. (Lin et al., 2013)."
    assert "*[VGG]: the network of Simonyan & Zisserman (2016)" in glossary.abbreviation_lines(g)
    linked = glossary.link_terms("About NiN here.\n", "b.md", g)
    assert '"The design of Lin et al. (Lin et al., 2013)."' in linked
    with pytest.raises(glossary.GlossaryError, match=r"term 1: 'NiN'.*\[@lin2013\] names no entry"):
        glossary.parse(data, "glossary.yml", {})
    with pytest.raises(glossary.GlossaryError, match="no references file"):
        glossary.parse(data, "glossary.yml", None)


# --- tiny sites -----------------------------------------------------------------------------------------

REFERENCES_YML = yaml.safe_dump({"lin2013": ENTRY}, allow_unicode=True)


def test_tiny_site_renders_citations_and_the_references_section(site):
    (site.root / "docs" / "references.yml").write_text(REFERENCES_YML)
    site.page("# Home\n\nNetwork in Network [@lin2013] popularised 1x1 convolutions.\n\n## See also\n\nNothing.\n")
    build = site.build("--strict")
    assert build.returncode == 0, build.log
    html = site.html()
    assert '<a href="#ref-lin2013" title="Network In Network">Lin et al., 2013</a>' in html
    assert re.search(r'<h2 id="references">References', html)
    assert '<span id="ref-lin2013"></span>Min Lin, Qiang Chen and Shuicheng Yan (2013).' in html
    assert '<a href="https://arxiv.org/abs/1312.4400">Network In Network</a>' in html
    assert html.index('id="see-also"') < html.index('id="references"')  # at the end of the page
    assert not (site.root / "site" / "references.yml").exists(), "the data file must not be published"


def test_tiny_site_unknown_key_fails_the_build_with_page_and_line(site):
    (site.root / "docs" / "references.yml").write_text(REFERENCES_YML)
    site.page("# Home\n\nFine [@lin2013].\n\nA typo: [@lin2031].\n")
    build = site.build("--strict")
    assert build.returncode != 0
    assert "docs/index.md:5: the citation [@lin2031] names no entry of docs/references.yml" in build.log
    assert "known keys: lin2013" in build.log


def test_tiny_site_malformed_entry_fails_the_build_naming_the_entry(site):
    (site.root / "docs" / "references.yml").write_text(
        yaml.safe_dump({"lin2013": {k: v for k, v in ENTRY.items() if k != "venue"}}))
    site.page("# Home\n\nNo citation at all.\n")
    build = site.build("--strict")
    assert build.returncode != 0
    assert "references.yml: entry 'lin2013': missing 'venue'" in build.log


# --- the real pages -------------------------------------------------------------------------------------

DOCS = ROOT / "docs"
REAL = citations.load(DOCS / "references.yml")
PAGES = sorted(DOCS.glob("*.md"))


def _glossary_texts() -> list[tuple[str, str]]:
    """(where, text) of every definition, abbreviation and statement in the glossary file."""
    data = yaml.safe_load((DOCS / "glossary.yml").read_text())
    out = [(f"glossary.yml term {t['term']!r}", t["definition"]) for t in data["terms"]]
    out += [(f"glossary.yml abbreviation {k!r}", v) for k, v in (data.get("abbreviations") or {}).items()]
    out += [(f"glossary.yml statement {k!r}", v) for k, v in (data.get("statements") or {}).items()]
    return out


def _sources() -> list[tuple[str, str]]:
    return [(f"docs/{p.name}", p.read_text()) for p in PAGES] + _glossary_texts()


def test_every_citation_on_the_real_pages_resolves():
    bad = [f"{where}:{line}: [@{key}]" for where, text in _sources() for line, key in citations.unknown(text, REAL)]
    assert not bad, "citations of keys that docs/references.yml does not hold:\n" + "\n".join(bad)
    glossary.load(DOCS / "glossary.yml", REAL)  # definitions, abbreviations and statements resolve too


def test_every_reference_is_cited_somewhere():
    cited = {key for _, text in _sources() for key in citations.keys(text)}
    dead = sorted(set(REAL) - cited)
    assert not dead, f"entries of docs/references.yml that no page cites (cite them or remove them): {dead}"
    assert len(cited) >= 15


def _prose(text: str) -> str:
    """``text`` without code (fenced, indented, inline), math and citations; line breaks kept."""
    lines = text.splitlines(keepends=True)
    mask = _code_mask(text)
    text = "".join("\n" if (i < len(mask) and mask[i]) else line for i, line in enumerate(lines))
    for a, b in reversed(_inline_code_spans(text)):
        text = text[:a] + " " * (b - a) + text[b:]
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$", " ", text, flags=re.S)
    return citations.CITATION.sub(" ", text)


NAME = r"[A-Z][\w'’-]+"
_ = r"\s+"  # a space or a line break
NOT_NAMES = ("January|February|March|April|May|June|July|August|September|October|November|December|Python|Keras"
             "|TensorFlow|MNIST|ICLR|CVPR|ICML|NeurIPS|NIPS|The|In|Since|By|From|Until|Before|After|Of|Spring|Autumn")
BARE = [  # a work named by author and year, the way a citation should do it
    # (Lin et al., 2013), (Lin, Chen & Yan, 2013), (Smith 2018)
    re.compile(rf"\(\s*{NAME}(?:(?:,|{_}&|{_}and){_}{NAME})*(?:{_}et{_}al\.?)?,?{_}(?:19|20)\d\d[a-z]?\s*\)"),
    re.compile(rf"\b{NAME}{_}et{_}al\.?,?{_}\(?(?:19|20)\d\d\b"),  # Luo et al. 2016, Luo et al. (2016)
    re.compile(rf"\b{NAME}(?:,{_}{NAME})*,?{_}(?:&|and){_}{NAME},?{_}\(?(?:19|20)\d\d\b"),  # Dumoulin & Visin 2016
    re.compile(rf"\b(?!(?:{NOT_NAMES})\b){NAME},?{_}\(?(?:19|20)\d\d\)?"),  # Smith 2018
]


def bare_citations(text: str) -> list[str]:
    prose = _prose(text)
    return [m.group(0) for rx in BARE for m in rx.finditer(prose)]


def test_the_bare_citation_finder_finds_each_form():
    for text in ("one-cycle (Smith 2018) works", "as in (Lin et al., 2013).", "NiN (Lin, Chen & Yan, 2013)",
                 "Luo et al. (2016) call it", "Szegedy et al. 2014 used", "Dumoulin & Visin 2016 say",
                 "the policy of Smith 2018", "Araujo, Norris & Sim, 2019", "(Simonyan &\nZisserman, 2014)"):
        assert bare_citations(text), text
    for text in ("Luo et al. [-@luo2016] call it", "NiN [@lin2013]", "Keras 3 since 2023", "in `Smith 2018` code",
                 "ICLR 2014", "Python 3.11 in 2024", "$x = 2014$", "The 2013 design"):
        assert not bare_citations(text), text


def test_no_page_names_a_work_without_citing_it():
    found = [f"{where}: {hit!r}" for where, text in _sources() for hit in bare_citations(text)]
    assert not found, ("works named by author and year without a citation; write [@key] (or 'Name et al. "
                       "[-@key]') with an entry in docs/references.yml:\n" + "\n".join(found))


def test_every_et_al_names_a_work_the_page_cites():
    """'Luo et al.' on a page needs a citation of a work whose first author is Luo on the same page."""
    missing = []
    for where, text in _sources():
        cited = {REAL[k].surnames[0] for k in citations.keys(text) if k in REAL}
        for m in re.finditer(rf"\b({NAME}) et al\b", _prose(text)):
            if m.group(1) not in cited:
                missing.append(f"{where}: {m.group(0)!r} (the page cites {sorted(cited) or 'nothing'})")
    assert not missing, "'et al.' without a citation of that work on the page:\n" + "\n".join(missing)


def test_a_citation_followed_by_a_colon_mid_sentence_is_still_a_citation():
    """'... in 2014 [@lin2013]: about ...' reached readers as raw text while a colon after the bracket meant
    'link definition' anywhere; only a line that starts with the bracket is a definition."""
    md = "# T\n\nPopular since [@lin2013]: about a year.\n\n!!! note\n    In a box [@lin2013]: yes.\n\n[@lin2013]: https://x.org\n"
    found = citations.find(md)
    assert [c.line for c in found] == [3, 6]
    out = citations.render(md, REFS)
    assert "Popular since ([" in out and "In a box ([" in out and "\n[@lin2013]: https://x.org" in out
