"""Everything a new page or snippet must register, checked in one place (CONTRIBUTING.md walks through it):

- each test declares the snippets it checks with ``@pytest.mark.checks("folder/name")``; the build reads the
  declarations and a snippet whose numbers reach a page with no declaring test fails the strict build;
- each topic (a ``topic: true`` term in ``docs/glossary.yml``) has its nav entry, its home card on
  ``docs/index.md``, its thumbnail in ``snippets/home/cards.py`` and ``src/cnn_glossary/figures/cards.py``;
- each page in the nav is either a topic or one of the few pages that are not.
"""

from __future__ import annotations

import ast
import textwrap

import pytest

from cnn_glossary.site import checks, glossary
from cnn_glossary.site import placeholders as ph

from .conftest import ROOT
from .test_site import nav_pages

GLOSSARY = glossary.load(ROOT / "docs" / "glossary.yml")
NOT_TOPICS = {"index.md", "glossary.md", "readme-map.md", "values.md", "mnist-training.py"}


# --- declarations, read statically ------------------------------------------------------------------


def test_declarations_are_read_from_functions_classes_and_pytestmark():
    source = textwrap.dedent('''\
        import pytest
        from pytest import mark

        pytestmark = [pytest.mark.slow, pytest.mark.checks("a/module_wide")]

        @pytest.mark.parametrize("x", [1, 2])
        @pytest.mark.checks("a/one", "b/two.py")
        def test_f(x):
            pass

        @mark.checks("c/three")
        class TestC:
            def test_g(self):
                pass

        @pytest.mark.slow
        def test_unmarked():
            pass
        ''')
    found = checks.declarations_in(source, "tests/test_x.py")
    assert sorted((d.snippet_id, d.test, d.line) for d in found) == [
        ("a/module_wide", "pytestmark", 4), ("a/one", "test_f", 7), ("b/two", "test_f", 7), ("c/three", "TestC", 11),
    ]


@pytest.mark.parametrize("decorator, message", [
    ("@pytest.mark.checks(SNIPPET)", "string literals"),
    ("@pytest.mark.checks()", "one or more snippet ids"),
    ('@pytest.mark.checks(id="a/b")', "one or more snippet ids"),
    ('@pytest.mark.checks("snippets/a/b.py")', "not a snippet id"),
])
def test_unreadable_declarations_name_the_file_and_line(decorator, message):
    source = f"import pytest\nSNIPPET = 'a/b'\n\n{decorator}\ndef test_f():\n    pass\n"
    with pytest.raises(checks.DeclarationError, match=message) as info:
        checks.declarations_in(source, "tests/test_x.py")
    assert str(info.value).startswith("tests/test_x.py:4:")


def test_every_declared_snippet_exists():
    declared = checks.declarations(ROOT)
    missing = [f"{d.test_file}:{d.line} declares {sid!r}" for sid, ds in declared.items() for d in ds
               if not (ROOT / "snippets" / f"{sid}.py").is_file()]
    assert not missing, "no such snippet under snippets/:\n" + "\n".join(missing)


@pytest.mark.guards("readme-map.md", "and a test checks each snippet's key numbers against an independent reference")
def test_every_snippet_whose_numbers_reach_a_page_is_declared_by_a_test():
    """The same rule the strict build enforces, here as a quick test that needs no build."""
    declared = checks.declarations(ROOT)
    undeclared = set()
    for page in sorted((ROOT / "docs").rglob("*.md")):
        for p in ph.find(page.read_text(encoding="utf-8")):
            if p.kind in ("value", "table") and p.snippet_id not in declared:
                undeclared.add(f"snippets/{p.snippet_id}.py (used by {page.relative_to(ROOT)}:{p.line})")
    assert not undeclared, ("add @pytest.mark.checks(\"folder/name\") to the test that checks each of:\n"
                            + "\n".join(sorted(undeclared)))


def test_read_gives_the_declarations_and_guards_the_separate_readers_give():
    declared, guarded = checks.read(ROOT)
    assert declared == checks.declarations(ROOT) and guarded == checks.guards(ROOT)
    assert declared and guarded


def _tests_folder(tmp_path):
    folder = tmp_path / "tests"
    folder.mkdir()
    (folder / "test_a.py").write_text('import pytest\n\n@pytest.mark.checks("a/one")\ndef test_one():\n    pass\n')
    (folder / "test_b.py").write_text('import pytest\n\n@pytest.mark.guards("a.md", "the words that say so")\n'
                                      'def test_two():\n    pass\n')
    return folder


def test_read_parses_each_test_file_once_and_an_unchanged_one_never_again(tmp_path, monkeypatch):
    folder, cache = _tests_folder(tmp_path), tmp_path / "cache" / "checks.json"
    parsed = []
    real = checks._declarations_in_tree  # runs once per file parsed
    monkeypatch.setattr(checks, "_declarations_in_tree", lambda tree, name: parsed.append(name) or real(tree, name))
    first = checks.read(tmp_path, cache=cache)
    assert sorted(parsed) == ["tests/test_a.py", "tests/test_b.py"]  # once each, for both kinds of marker
    assert [d.test for d in first[0]["a/one"]] == ["test_one"] and [g.test for g in first[1]["a.md"]] == ["test_two"]
    parsed.clear()
    assert checks.read(tmp_path, cache=cache) == first and parsed == []  # from the cache, by content hash
    (folder / "test_a.py").write_text((folder / "test_a.py").read_text().replace("a/one", "a/other"))
    again = checks.read(tmp_path, cache=cache)
    assert parsed == ["tests/test_a.py"] and "a/other" in again[0] and "a/one" not in again[0]


@pytest.mark.parametrize("content", ["{half", "[]", '{"version": 1, "files": {"tests/test_a.py": {"sha256": 1}}}'])
def test_a_broken_checks_cache_is_read_afresh(tmp_path, content):
    _tests_folder(tmp_path)
    cache = tmp_path / "checks.json"
    expected = checks.read(tmp_path)
    cache.write_text(content)
    assert checks.read(tmp_path, cache=cache) == expected
    assert checks.read(tmp_path, cache=cache) == expected  # and the rewritten cache is good


def test_a_file_that_does_not_parse_is_named_even_with_a_cache(tmp_path):
    folder, cache = _tests_folder(tmp_path), tmp_path / "checks.json"
    checks.read(tmp_path, cache=cache)
    (folder / "test_a.py").write_text("def broken(:\n")
    with pytest.raises(checks.DeclarationError, match=r"^tests/test_a.py:1: cannot parse the test file"):
        checks.read(tmp_path, cache=cache)


# --- the build enforces the declarations (a tiny site) --------------------------------------------

SNIPPET = """\
from cnn_glossary import publish

publish.value("answer", 6 * 7)
"""


def _tiny(site, test_source: str):
    config = (site.root / "mkdocs.yml").read_text()
    (site.root / "mkdocs.yml").write_text(config.replace("require_checks: false", "require_checks: true"))
    site.snippet("demo/answer", SNIPPET)
    site.page("The answer is {{ value demo/answer:answer }}.\n")
    site.page("# Values\n\n{{ values_index }}\n", name="values.md")
    (site.root / "tests").mkdir()
    (site.root / "tests" / "test_demo.py").write_text(textwrap.dedent(test_source))


def test_an_undeclared_snippet_fails_the_strict_build_naming_it(site):
    _tiny(site, """\
        from cnn_glossary import publish

        def test_answer():  # checks the snippet, but does not say so
            assert publish.collect("snippets/demo/answer.py").values["answer"].value == 42
        """)
    strict = site.build("--strict")
    assert strict.returncode != 0
    assert "snippets/demo/answer.py puts numbers on a page" in strict.log
    assert '@pytest.mark.checks("demo/answer")' in strict.log
    relaxed = site.build()
    assert relaxed.returncode == 0 and "no test declares" in relaxed.log
    assert "none declared" in site.html("values.html")


def test_a_declared_snippet_builds_and_the_values_page_names_its_test(site):
    _tiny(site, """\
        import pytest
        from cnn_glossary import publish

        @pytest.mark.checks("demo/answer")
        def test_answer():
            assert publish.collect("snippets/demo/answer.py").values["answer"].value == 6 * 7
        """)
    build = site.build("--strict")
    assert build.returncode == 0, build.log
    values = site.html("values.html")
    assert "<code>tests/test_demo.py</code>: <code>test_answer</code>" in values
    assert "none declared" not in values


def test_an_unreadable_declaration_fails_the_build(site):
    _tiny(site, """\
        import pytest
        ID = "demo/answer"

        @pytest.mark.checks(ID)
        def test_answer():
            pass
        """)
    build = site.build()
    assert build.returncode != 0
    assert "tests/test_demo.py:4: @pytest.mark.checks arguments must be string literals" in build.log


# --- a topic registers completely -----------------------------------------------------------------


def _dict_keys(path, name: str) -> set[str]:
    """The string keys of the module-level dict literal ``name`` in ``path``."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
    raise AssertionError(f"{path.relative_to(ROOT)} has no dict {name}")


def _subscript_keys(path, name: str) -> set[str]:
    """The string keys ``k`` of every ``name[k] = ...`` assignment in ``path``."""
    keys = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if (isinstance(t, ast.Subscript) and getattr(t.value, "id", None) == name
                        and isinstance(t.slice, ast.Constant)):
                    keys.add(t.slice.value)
    return keys


@pytest.mark.parametrize("page", GLOSSARY.topics)
def test_each_topic_is_registered_everywhere(page):
    name = page.removesuffix(".md").replace("-", "_")
    home = (ROOT / "docs" / "index.md").read_text()
    cards = ROOT / "snippets" / "home" / "cards.py"
    drawing = ROOT / "src" / "cnn_glossary" / "figures" / "cards.py"
    steps = [
        ((ROOT / "docs" / page).is_file(), f"write docs/{page}"),
        (page in nav_pages(), f"add {page} to the nav in mkdocs.yml"),
        (f"]({page})" in home and f"{{{{ figure home/cards:{name} }}}}" in home,
         f"add a card to docs/index.md linking ({page}) with {{{{ figure home/cards:{name} }}}}"),
        (page in _dict_keys(cards, "ALT") and page in _dict_keys(cards, "CAPTION"),
         f"add '{page}' to ALT and CAPTION in snippets/home/cards.py"),
        (page in _subscript_keys(drawing, "out"),
         f"draw its thumbnail: out['{page}'] = fig in src/cnn_glossary/figures/cards.py"),
    ]
    missing = [fix for ok, fix in steps if not ok]
    assert not missing, f"topic {page} is not fully registered; missing steps:\n- " + "\n- ".join(missing)


def test_every_nav_page_is_a_topic_or_a_known_other_page():
    topics = set(GLOSSARY.topics)
    strays = [p for p in nav_pages() if p not in topics and p not in NOT_TOPICS]
    assert not strays, (f"{strays}: a new topic page needs a term with 'topic: true' in docs/glossary.yml "
                        "(see CONTRIBUTING.md); a page that is not a topic goes in NOT_TOPICS here")
