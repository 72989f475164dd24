"""No page contradicts another: a fact that several pages state is worded once, in the glossary file's
``statements``, and each of those pages embeds it with ``{{ statement name }}``.

Three facts were stated on several pages in different (and, once, contradicting) words: whether a convolution is
a matrix product, the output-size rule, and what a parameter is. Here: each page that states one embeds the shared
wording; no page states it again in words of its own that contradict it (a list of the forms that did or could);
the built pages show the same text wherever it appears; and the claims inside the statements hold (an im2col
product against Keras's convolution, the output size against Keras, Keras's parameter count of a batch-norm layer).
"""

from __future__ import annotations

import html
import re

import numpy as np
import pytest

from cnn_glossary.site import glossary
from cnn_glossary.site import placeholders as ph

from .conftest import ROOT

DOCS = ROOT / "docs"
GLOSSARY = glossary.load(DOCS / "glossary.yml")

# the pages that state each fact: each must embed the shared wording
EMBEDDED_ON = {
    "matrix_product": {"convolution.md", "conv-3x3.md", "readme-map.md"},
    "output_size": {"convolution.md", "pooling.md"},
    "parameter": {"mnist.md", "batch-norm.md"},
}

# wordings of each fact, in a page's own words, that contradict the shared one (or restate its formula)
CONTRADICTS = {
    "matrix_product": [
        r"\bnot\s+(?:a|one)\s+(?:\w+\s+)?matrix\s+(?:product|multiplication)",
        r"\b(?:cannot|can't|never|no)\b[^.]{0,40}\bmatri(?:x|ces)\s+(?:product|multiplication)",
        r"\bmultipl\w*\s+(?:the\s+)?input(?:\s+matrix)?\s+(?:by|with)\s+(?:a|the)\s+(?:smaller\s+)?kernel\s+matrix",
        r"\b(?:is|computes?)\s+(?:a|the)\s+product\s+of\s+(?:the\s+)?input(?:\s+matrix)?\s+and\s+(?:a|the)\s+kernel",
    ],
    "output_size": [  # the rule written out again (the steps-per-epoch formula uses N and B, not i and s)
        r"\\lfloor\s*(?:\\frac\s*\{\s*)?\(?\s*i\s*[+-]",
        r"\bfloor\(\s*\(?\s*i\s*[+-]",
        r"\\lceil\s*(?:\\frac\s*\{\s*)?i\s*(?:/|\}\s*\{)\s*s\b",
        r"\bceil\(\s*i\s*/\s*s\s*\)",
    ],
    "parameter": [
        r"\b(?:every|all|each)\s+(?:of\s+(?:the|its|our)\s+)?parameters?\s+(?:is|are)\s+(?:learned|learnt|trained)",
        r"\ba\s+parameter\s+is\b",
        r"\bparameters?\s+(?:is|are)\s+(?:a\s+|the\s+)?(?:numbers?|values?)\s+(?:that\s+)?(?:the\s+network|training)",
    ],
}


def _without_statements(markdown: str) -> str:
    found = [p for p in ph.find(markdown) if p.kind == "statement"]
    for p in reversed(found):
        markdown = markdown[:p.start] + markdown[p.end:]
    return markdown


def _our_words(page: str, markdown: str) -> str:
    """The page's own wording: without embedded statements, and without the README's claims, which the pages
    quote in order to correct them (quote-box titles and bodies before "What is true", quoted misconceptions
    in bold, the claims column of the README map)."""
    text = _without_statements(markdown)
    text = re.sub(r'^\s*!!! quote "[^"\n]*"\n((?:[ \t]*\n|    (?!\*\*What is true).*\n)*)', "\n", text, flags=re.M)
    text = re.sub(r'\*\*"[^"\n]*"\*\*', " ", text)
    if page == "readme-map.md":
        text = "\n".join("|".join(c for i, c in enumerate(line.split("|")) if i != 2) if line.startswith("|")
                         else line for line in text.splitlines())
    return text


def _sources() -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(DOCS.glob("*.md"))}


def test_the_statements_exist_and_each_names_its_pages():
    assert set(GLOSSARY.statements) == set(EMBEDDED_ON)


@pytest.mark.parametrize("name", sorted(EMBEDDED_ON))
def test_each_page_that_states_the_fact_embeds_the_shared_wording(name):
    embedded = {page for page, text in _sources().items()
                if any(p.kind == "statement" and p.name == name for p in ph.find(text))}
    assert embedded == EMBEDDED_ON[name], (
        f"{{{{ statement {name} }}}} is on {sorted(embedded)}, expected on {sorted(EMBEDDED_ON[name])}: a page "
        "that states the fact embeds the shared wording (and is listed here)")


def test_no_page_embeds_a_statement_the_glossary_lacks():
    for page, text in _sources().items():
        for p in ph.find(text):
            if p.kind == "statement":
                assert glossary.statement(GLOSSARY, p.name), f"docs/{page}:{p.line}"


def contradictions(page: str, markdown: str) -> list[str]:
    out = []
    ours = _our_words(page, markdown)
    for name, patterns in CONTRADICTS.items():
        for rx in patterns:
            for m in re.finditer(rx, ours, re.I):
                out.append(f"docs/{page}: {m.group(0)!r} restates or contradicts the shared wording '{name}'; "
                           f"embed {{{{ statement {name} }}}} instead (the wording is in docs/glossary.yml)")
    return out


def test_the_contradiction_finder_finds_the_old_wordings():
    assert contradictions("convolution.md", "**What is true:** it is not a matrix product. Each output ...\n")
    assert contradictions("x.md", "A convolution cannot be written as a matrix product.\n")
    assert contradictions("x.md", "It multiplies the input matrix by a smaller kernel matrix.\n")
    assert contradictions("pooling.md", "$$\no = \\left\\lfloor \\frac{i - k}{s} \\right\\rfloor + 1,\n$$\n")
    assert contradictions("x.md", "`same` gives `ceil(i / s)`, and $\\lceil i / s \\rceil$ with stride $s$.\n")
    assert contradictions("mnist.md", "Every parameter is learned by gradient descent.\n")
    assert contradictions("x.md", "A parameter is a number the network learns during training.\n")
    # the README's own claims are quoted in order to correct them
    assert not contradictions("x.md", '!!! quote "The README said: it multiplies the input matrix by a kernel '
                                      'matrix"\n    **What is true:** {{ statement matrix_product }}\n')
    assert not contradictions("mnist.md", '- **"Every parameter is learned."** Batch norm keeps statistics.\n')
    assert not contradictions("epochs.md", "$$\\left\\lceil \\frac{N}{B} \\right\\rceil$$ and $\\lfloor N / B \\rfloor$")


def test_no_page_restates_a_shared_fact_in_its_own_words():
    found = [c for page, text in _sources().items() for c in contradictions(page, text)]
    for t in GLOSSARY.terms:  # glossary definitions (tooltips on every page) are checked too
        found += [c.replace("docs/glossary.yml", f"docs/glossary.yml (term {t.term!r})")
                  for c in contradictions("glossary.yml", t.definition)]
    assert not found, "\n".join(found)


def _article_text(page_html: str) -> str:
    article = re.search(r"<article.*?</article>", page_html, re.S).group(0)
    article = re.sub(r"<(script|style|annotation)\b.*?</\1>", " ", article, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", article)).split())


def _plain_words(markdown: str) -> list[str]:
    """The words of a statement outside math and code, as segments."""
    return [" ".join(re.sub(r"[*_]", "", seg).split()) for seg in re.split(r"\$[^$]+\$|`[^`]+`", markdown)]


def test_built_pages_show_each_statement_identically(built_site):
    for name, pages in EMBEDDED_ON.items():
        segments = [s for s in _plain_words(glossary.statement(GLOSSARY, name)) if s]
        start, end = " ".join(segments[0].split()[:5]), " ".join(segments[-1].split()[-3:])
        shown = {}
        for page in sorted(pages):
            text = _article_text((built_site / page.replace(".md", ".html")).read_text())
            a = text.find(start)
            b = text.find(end, a)
            assert a >= 0 and b > a, f"{page}: the statement '{name}' is not on the built page"
            shown[page] = text[a : b + len(end)]
        assert len(set(shown.values())) == 1, f"'{name}' reads differently on the pages: {shown}"


# --- the claims inside the statements, against independent oracles -----------------------------------

keras = pytest.importorskip("keras")


def _im2col(x: np.ndarray, k: int, stride: int) -> np.ndarray:
    """Every k x k window of x (h, w, c) as one row, in output order."""
    h, w, c = x.shape
    rows = [x[r:r + k, s:s + k, :].reshape(-1)
            for r in range(0, h - k + 1, stride) for s in range(0, w - k + 1, stride)]
    return np.stack(rows)


@pytest.mark.guards("convolution.md", "it can be computed as one large matrix product")
@pytest.mark.guards("conv-3x3.md", "it can be computed as one large matrix product")
@pytest.mark.guards("readme-map.md", "it can be computed as one large matrix product")
@pytest.mark.guards("conv-3x3.md", "but every size can run as a matrix product")
@pytest.mark.guards("conv-3x3.md", "That route works for every kernel size")
@pytest.mark.parametrize("size, k, stride, c_in, c_out", [(7, 3, 1, 2, 3), (9, 3, 2, 3, 4), (6, 5, 1, 1, 2),
                                                          (5, 1, 1, 4, 2), (10, 7, 1, 2, 2), (12, 4, 3, 2, 3)])
def test_a_convolution_layer_is_one_matrix_product(size, k, stride, c_in, c_out):
    rng = np.random.default_rng(size * 100 + k)
    x = rng.normal(size=(size, size, c_in)).astype("float32")
    layer = keras.layers.Conv2D(c_out, k, strides=stride, padding="valid")
    layer.build((1, size, size, c_in))
    kernel, bias = (rng.normal(size=(k, k, c_in, c_out)).astype("float32"),
                    rng.normal(size=(c_out,)).astype("float32"))
    layer.set_weights([kernel, bias])
    expected = np.asarray(layer(x[None]))[0]
    windows = _im2col(x, k, stride)  # one row per output position
    product = windows @ kernel.reshape(-1, c_out) + bias  # the kernels as columns, one per output channel
    assert np.allclose(product.reshape(expected.shape), expected, atol=1e-4), "im2col times the kernels != Conv2D"
    # and the map is linear apart from its bias: f(a x + b y) - bias = a (f(x) - bias) + b (f(y) - bias)
    y = rng.normal(size=x.shape).astype("float32")
    f = lambda v: np.asarray(layer(v[None]))[0] - bias  # noqa: E731
    assert np.allclose(f(2 * x - 3 * y), 2 * f(x) - 3 * f(y), atol=1e-3)


@pytest.mark.guards("pooling.md", "the output size follows the same rule as on the")
@pytest.mark.parametrize("size, pool, stride, padding", [(28, 2, 2, "valid"), (27, 2, 2, "valid"),
                                                          (27, 3, 2, "valid"), (27, 2, 2, "same"), (13, 3, 3, "same")])
def test_pooling_follows_the_output_size_rule(size, pool, stride, padding):
    out = keras.layers.MaxPooling2D(pool, strides=stride, padding=padding)(np.zeros((1, size, size, 1), "float32"))
    expected = (size - pool) // stride + 1 if padding == "valid" else -(-size // stride)
    assert out.shape[1] == out.shape[2] == expected


@pytest.mark.guards("mnist.md", "are batch normalisation's running means and variances")
@pytest.mark.guards("batch-norm.md", "Keras reports them as non-trainable")
def test_keras_counts_moving_statistics_as_non_trainable_parameters():
    layer = keras.layers.BatchNormalization()
    layer.build((None, 5, 5, 7))
    names = {w.path.rsplit("/", 1)[-1]: w for w in layer.weights}
    assert {w.path.rsplit("/", 1)[-1] for w in layer.trainable_weights} == {"gamma", "beta"}
    assert {w.path.rsplit("/", 1)[-1] for w in layer.non_trainable_weights} == {"moving_mean", "moving_variance"}
    assert layer.count_params() == 4 * 7 == sum(int(np.prod(w.shape)) for w in names.values())
    # a training step changes the moving statistics without a gradient: they move towards the batch's
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(64, 5, 5, 7)).astype("float32")
    before = np.asarray(layer.moving_mean).copy()
    layer(x, training=True)
    after = np.asarray(layer.moving_mean)
    momentum = layer.momentum
    assert np.allclose(after, momentum * before + (1 - momentum) * x.mean(axis=(0, 1, 2)), atol=1e-5)


# --- the mechanism, on a tiny site ---------------------------------------------------------------------

TINY_GLOSSARY = """\
terms:
  - term: Stride
    definition: How far the kernel moves between one output position and the next.
    page: index.md
statements:
  shared: >-
    A fact worded once,
    on two lines of the file.
"""


def test_tiny_site_embeds_a_statement_and_fails_on_an_unknown_one(site):
    (site.root / "docs" / "glossary.yml").write_text(TINY_GLOSSARY)
    site.page("# Home\n\n!!! note \"Box\"\n    Before. {{ statement shared }} After.\n\n| a | b |\n| - | - |\n"
              "| 1 | {{ statement shared }} |\n")
    build = site.build("--strict")
    assert build.returncode == 0, build.log
    assert site.html().count("A fact worded once, on two lines of the file.") == 2
    site.page("# Home\n\nText.\n\nA typo: {{ statement shard }}.\n")
    build = site.build("--strict")
    assert build.returncode != 0
    assert "docs/index.md:5:" in build.log and "has no statement 'shard' (statements: shared)" in build.log


@pytest.mark.parametrize("statements, words", [
    ({"Bad-Name": "text"}, "lowercase letters"),
    ({"x": ""}, "missing or empty"),
    ({"x": "first\n\nsecond paragraph"}, "one paragraph"),
    ({"x": "a | b"}, "without '|'"),
    ({"x": "cites [@nobody2020]"}, "names no entry"),
])
def test_a_malformed_statement_names_it(statements, words):
    data = {"terms": [], "statements": statements}
    with pytest.raises(glossary.GlossaryError, match=r"glossary.yml \(statement .*\): .*" + re.escape(words)):
        glossary.parse(data, "glossary.yml", {})
