"""Unit tests of placeholder parsing: what is parsed, what is code and left alone, what fails."""

from __future__ import annotations

import pytest

from cnn_glossary.site.placeholders import PlaceholderError, find, includes, insert_after_title, render_table


def kinds(markdown):
    return [(p.kind, p.snippet_id, p.name, p.fmt, p.line) for p in find(markdown)]


def test_every_form_is_parsed_with_its_line():
    md = (
        "# T\n"
        "a {{ value conv/size:out }} b {{ value mnist/score:acc | .2% }}\n"
        "{{ table conv/size:sizes }}\n"
        "{{ figure conv/size:slide }}\n"
        "{{ snippet conv/size }} {{ snippet conv/size:lesson }}\n"
        "{{ values_index }}\n"
    )
    assert kinds(md) == [
        ("value", "conv/size", "out", None, 2),
        ("value", "mnist/score", "acc", ".2%", 2),
        ("table", "conv/size", "sizes", None, 3),
        ("figure", "conv/size", "slide", None, 4),
        ("snippet", "conv/size", None, None, 5),
        ("snippet", "conv/size", "lesson", None, 5),
        ("values_index", None, None, None, 6),
    ]
    first = find(md)[0]
    assert md[first.start : first.end] == first.text == "{{ value conv/size:out }}"


@pytest.mark.parametrize("fence", ["```", "````", "~~~", "```python"])
def test_placeholders_inside_fenced_code_are_not_parsed(fence):
    close = fence.rstrip("python")
    md = f"before {{{{ value a/b:c }}}}\n\n{fence}\n{{{{ value x/y:z }}}}\n{{{{ nonsense here }}}}\n{close}\n\nafter {{{{ value d/e:f }}}}\n"
    assert kinds(md) == [("value", "a/b", "c", None, 1), ("value", "d/e", "f", None, 8)]


def test_fence_inside_an_indented_block_and_longer_closers():
    md = "- item\n\n    ```\n    {{ bad one }}\n    ```\n\n````\n```\n{{ still code }}\n```\n````\n{{ value a/b:c }}\n"
    assert kinds(md) == [("value", "a/b", "c", None, 12)]


def test_a_shorter_fence_does_not_close_a_longer_one():
    md = "````\n```\n{{ inside }}\n````\n{{ value a/b:c }}\n"
    assert kinds(md) == [("value", "a/b", "c", None, 5)]


def test_a_line_starting_with_backticks_and_text_does_not_close_a_fence():
    md = "```\n```not a close\n{{ inside }}\n```\n{{ value a/b:c }}\n"
    assert kinds(md) == [("value", "a/b", "c", None, 5)]


@pytest.mark.parametrize("code", ["`{{ x }}`", "``{{ x }}``", "`` a ` {{ value a/b:c }} ``"])
def test_placeholders_inside_inline_code_are_not_parsed(code):
    md = f"text {code} and {{{{ value a/b:c }}}}\n"
    assert kinds(md) == [("value", "a/b", "c", None, 1)]


@pytest.mark.parametrize(
    "bad, message",
    [
        ("{{ valu a/b:c }}", "unknown placeholder"),
        ("{{ value }}", "unknown placeholder"),
        ("{{ value a/b }}", "missing ':name'"),
        ("{{ table a/b }}", "missing ':name'"),
        ("{{ figure a/b }}", "missing ':name'"),
        ("{{ table a/b:t | .2f }}", "only values take"),
        ("{{ snippet a/b:s | .2f }}", "only values take"),
        ("{{ value a/b:c d }}", "unknown placeholder"),
        ("{{ value /a:c }}", "unknown placeholder"),
    ],
)
def test_malformed_placeholders_fail_with_their_line(bad, message):
    md = f"# T\n\ntext\n{bad}\n"
    with pytest.raises(PlaceholderError, match=message) as err:
        find(md)
    assert err.value.line == 4


def test_a_placeholder_spanning_lines_reports_its_first_line():
    with pytest.raises(PlaceholderError) as err:
        find("a\nb {{ value\n a/b }}\n")
    assert err.value.line == 2


def test_includes_are_found_with_their_lines():
    md = 'x\n```python\n--8<-- "snippets/a.py"\n```\n  --8<-- \'snippets/b.py:lesson\'\nnot --8<-- "c"\n'
    assert includes(md) == [(3, "snippets/a.py"), (5, "snippets/b.py")]


def test_render_table_escapes_pipes_and_aligns():
    table = {"headers": ["a", "b"], "rows": [[1234, "x|y"]], "fmts": [None, None], "align": "rl"}
    assert render_table(table) == "| a | b |\n| --: | :-- |\n| 1,234 | x\\|y |"


def test_insert_after_title():
    assert insert_after_title("# T\nbody\n", "BOX\n") == "# T\n\nBOX\nbody\n"
    assert insert_after_title("body\n", "BOX\n") == "\nBOX\nbody\n"
    assert insert_after_title("# T\n", "") == "# T\n"


def test_values_index_and_the_placeholder_text_are_kept():
    md = "a\n  {{  values_index }} b\n"
    (p,) = find(md)
    assert (p.kind, p.snippet_id, p.name, p.fmt, p.line) == ("values_index", None, None, None, 2)
    assert md[p.start : p.end] == p.text == "{{  values_index }}"


def test_errors_quote_the_whole_placeholder():
    for bad in ("{{ valu a/b:c }}", "{{ value a/b }}", "{{ table a/b:t | .2f }}"):
        with pytest.raises(PlaceholderError) as err:
            find(f"x {bad}\n")
        assert repr(bad) in str(err.value)
    with pytest.raises(PlaceholderError, match=r"expected \{\{ value\|table\|figure\|data snippet/id:name \}\}"):
        find("{{ nope }}")


def test_placeholders_after_a_code_block_on_later_lines_are_found():
    md = "```\ncode\n```\n\n{{ value a/b:c }}\nline\n{{ value d/e:f }}"  # no final newline
    assert [p.line for p in find(md)] == [5, 7]
    md = "`x` {{ value a/b:c }} `y`\n"  # just after a code span
    assert kinds(md) == [("value", "a/b", "c", None, 1)]
    assert kinds("``{{ value a/b:c }}\n") == [("value", "a/b", "c", None, 1)]  # an unclosed span is not code


def test_multiline_inline_code_hides_placeholders():
    md = "text `code\n{{ not parsed }}` and {{ value a/b:c }}\n"
    assert kinds(md) == [("value", "a/b", "c", None, 2)]


def test_tilde_fence_closed_by_tildes_only():
    md = "~~~\n```\n{{ inside }}\n~~~\n{{ value a/b:c }}\n"
    assert kinds(md) == [("value", "a/b", "c", None, 5)]


def test_render_value_uses_the_page_format_over_the_snippet_format():
    from cnn_glossary.site.placeholders import render_value

    assert render_value({"value": 0.991634, "fmt": ".2%"}, None) == "99.16%"
    assert render_value({"value": 0.991634, "fmt": ".2%"}, ".1%") == "99.2%"
    assert render_value({"value": 34826, "fmt": None}, None) == "34,826"


def test_render_figure_escapes_alt_and_caption():
    from cnn_glossary.site.placeholders import render_figure

    fig = {"alt": 'A "grid" & <b>\nline', "caption": "x < y & z", "width": 320}
    assert render_figure(fig, "../f/a.svg") == (
        '<figure class="cg-figure">\n'
        '<img src="../f/a.svg" alt="A &quot;grid&quot; &amp; &lt;b> line" width="320" loading="lazy">\n'
        "<figcaption>x &lt; y &amp; z</figcaption>\n"
        "</figure>"
    )
    assert 'width' not in render_figure(dict(fig, width=None), "a.svg")


def test_render_snippet_whole_file_and_lesson_section():
    from cnn_glossary.site.placeholders import render_snippet

    assert render_snippet("snippets/a/b.py") == '```python title="snippets/a/b.py"\n--8<-- "snippets/a/b.py"\n```'
    assert render_snippet("s.py", indent="  ") == '```python title="s.py"\n  --8<-- "s.py"\n  ```'
    lesson = render_snippet("s.py", "lesson", indent="    ")
    assert lesson.splitlines() == [
        '??? example "In code: the lesson lines of `s.py`"',
        "",
        '        ```python title="s.py"',
        '        --8<-- "s.py:lesson"',
        "        ```",
        "",
        '        ??? note "Show the full snippet"',
        "",
        '            ```python title="s.py"',
        '            --8<-- "s.py"',
        "            ```",
    ]
    assert lesson.endswith("```\n")


def test_render_warnings():
    from cnn_glossary.site.placeholders import render_warnings

    assert render_warnings([]) == ""
    assert render_warnings(["one\ntwo", "three"]) == (
        '!!! warning "Out-of-date results on this page"\n\n    one\n    two\n\n    three\n\n'
    )


def test_edges_of_code_spans_and_special_placeholders():
    # a placeholder right after a code span is outside it; one after values_index is still found
    assert kinds("`x`{{ value a/b:c }}\n") == [("value", "a/b", "c", None, 1)]
    assert [p.kind for p in find("{{ values_index }} {{ value a/b:c }}\n")] == ["values_index", "value"]
    # an unclosed fence runs to the end of the page: nothing after it is parsed, up to the last line
    assert kinds("{{ value a/b:c }}\n```\ncode\n{{ not parsed }}") == [("value", "a/b", "c", None, 1)]


def test_render_table_applies_column_formats_and_every_alignment():
    table = {"headers": ["a", "b", "c", "d"], "rows": [[0.5, 1234, "x", 2]], "fmts": [".0%", None, None, "03d"],
             "align": "lrcz"}
    assert render_table(table).splitlines() == ["| a | b | c | d |", "| :-- | --: | :-: | --- |", "| 50% | 1,234 | x | 002 |"]


def test_render_figure_details():
    from cnn_glossary.site.placeholders import render_figure

    out = render_figure({"alt": "A long enough description.", "caption": 'He said "x"', "width": None}, "a.svg")
    assert '<img src="a.svg" alt="A long enough description." loading="lazy">' in out
    assert '<figcaption>He said "x"</figcaption>' in out


def test_render_figure_of_an_animation_shows_its_poster_a_link_and_a_hidden_play_button():
    import html.parser

    from cnn_glossary.site.placeholders import render_figure

    fig = {"file": "a.webp", "alt": 'The kernel "slides" & <moves>', "caption": "x < y", "width": None,
           "poster": {"file": "b.webp", "alt": "The finished & \"full\" output.", "bytes": 3}}
    out = render_figure(fig, "../assets/generated/a.webp")

    class Parse(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags = []

        def handle_starttag(self, tag, attrs):
            self.tags.append((tag, dict(attrs), [t for t, _, _ in self.tags if t in ("figure", "a")]))

    parser = Parse()
    parser.feed(out)
    tags = {tag: (attrs, inside) for tag, attrs, inside in parser.tags}
    assert set(tags) == {"figure", "a", "img", "button", "figcaption"}
    assert tags["figure"][0]["class"].split() == ["cg-figure", "cg-animation"]
    # without JavaScript: the still, linked to the animation file; the button hidden
    assert tags["a"][0]["href"] == "../assets/generated/a.webp" and tags["img"][1] == ["figure", "a"]
    img = tags["img"][0]
    assert img["src"] == img["data-cg-poster"] == "../assets/generated/b.webp"  # the poster sits next to the animation
    assert img["alt"] == img["data-cg-poster-alt"] == 'The finished & "full" output.'
    assert img["data-cg-animation"] == "../assets/generated/a.webp"
    assert img["data-cg-animation-alt"] == 'The kernel "slides" & <moves>'
    assert img["loading"] == "lazy"
    button = tags["button"][0]
    assert button["type"] == "button" and "hidden" in button and button["aria-pressed"] == "false"
    assert ">Play</button>" in out and "cg-animation-toggle" in button["class"].split()
    assert "data-search-exclude" in button, "the button's word is not page text for the search index"
    assert "<figcaption>x &lt; y</figcaption>" in out
    # a page at the site's root links the files by bare name
    assert 'src="b.webp"' in render_figure(fig, "a.webp") and 'href="a.webp"' in render_figure(fig, "a.webp")
    # a still figure (no poster) has none of this
    still = render_figure({k: v for k, v in fig.items() if k != "poster"}, "a.webp")
    assert "button" not in still and "<a " not in still and "data-cg" not in still


def test_placeholder_on_an_opening_fence_line_is_code():
    assert kinds("```{{ not parsed }}\ncode\n```\n") == []


def test_insert_after_a_title_below_front_matter():
    assert insert_after_title("intro\n# T\nbody\n", "BOX\n") == "intro\n# T\n\nBOX\nbody\n"


def test_line_numbers_after_many_short_lines():
    with pytest.raises(PlaceholderError) as err:
        find("a\n" * 9 + "{{ bad }}\n")
    assert err.value.line == 10
