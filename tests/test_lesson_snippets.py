"""``{{ snippet id:lesson }}``: the lesson lines collapsed under "In code", the whole file one click further."""

from __future__ import annotations

import html as htmllib
import re

SNIPPET = """\
from cnn_glossary import publish

SIZE = 3  # setup the reader need not see
# --8<-- [start:lesson]
area = SIZE * SIZE
# --8<-- [end:lesson]
publish.value("area", area)
"""


def _code_blocks(page: str) -> list[str]:
    blocks = re.findall(r"<code>(.*?)</code>", page, re.S)
    return [htmllib.unescape(re.sub(r"<[^>]+>", "", b)) for b in blocks]


def test_lesson_section_is_collapsed_and_the_full_file_is_one_click_away(site):
    site.snippet("demo", SNIPPET)
    site.page("# Demo\n\nThe area is {{ value demo:area }}.\n\n{{ snippet demo:lesson }}\n\nAfter.\n")
    build = site.build("--strict")
    assert build.returncode == 0, build.log
    page = site.html()
    details = re.findall(r"<details[^>]*>(.*?)</details>", page, re.S)
    assert details, "the lesson must sit in a collapsed <details> block"
    assert not re.search(r"<details[^>]*\bopen\b", page), "In code is collapsed by default"
    blocks = _code_blocks(page)
    lesson = [b for b in blocks if "area = SIZE * SIZE" in b and "publish" not in b]
    full = [b for b in blocks if "publish.value" in b]
    assert lesson and lesson[0].strip() == "area = SIZE * SIZE"
    assert full and "SIZE = 3" in full[0] and "8<" not in full[0]  # markers are stripped from the whole file
    assert "The area is 9." in page and "After." in page


def test_lesson_inside_an_admonition_keeps_its_indentation(site):
    site.snippet("demo", SNIPPET)
    site.page("# Demo\n\n!!! note \"Try it\"\n\n    {{ snippet demo:lesson }}\n\nOutside.\n")
    build = site.build("--strict")
    assert build.returncode == 0, build.log
    page = site.html()
    note = re.search(r'<div class="admonition note">(.*?)</div>\s*<p>Outside', page, re.S)
    assert note and "area = SIZE * SIZE" in htmllib.unescape(re.sub(r"<[^>]+>", "", note.group(1)))


def test_a_missing_section_fails_the_build(site):
    site.snippet("demo", SNIPPET)
    site.page("# Demo\n\n{{ snippet demo:lessons }}\n")
    build = site.build("--strict")
    assert build.returncode != 0
    assert "lessons" in build.log


def test_a_table_inside_a_collapsed_block_stays_inside_it(site):
    site.snippet("rows", """\
from cnn_glossary import publish

publish.table("t", [(1, 2), (3, 4)], headers=["a", "b"])
""")
    site.page("# Demo\n\n??? info \"Details\"\n\n    {{ table rows:t }}\n\nOutside.\n")
    build = site.build("--strict")
    assert build.returncode == 0, build.log
    page = site.html()
    details = re.search(r"<details[^>]*>(.*?)</details>", page, re.S)
    assert details and "<table>" in details.group(1)
    assert "| 3 | 4 |" not in page
    assert re.search(r"</details>\s*<p>Outside.</p>", page)
