"""The widgets under faults (issue 25): keys that would leave the page, and input a widget cannot use.

Material binds single keys on the whole page (p and "," go to the previous page, n and "." to the next, s, f
and / open search). Inside a widget a typed key belongs to the widget: the page stays. Numbers a widget cannot
use (empty, not a number, out of range, 1e308) get a visible message in a live region next to the input, and
the widget never shows NaN or Infinity.

These tests need no build of the real site: a tiny Material site holds the three widget pages between two
plain pages (so every widget page has a previous and a next page to escape to), with the widgets' scripts from
docs/assets/ and data from the widget snippets.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from .conftest import MKDOCS_ENV, ROOT
from .test_browser import Visit, browser  # noqa: F401 - the shared Chromium fixture

pytestmark = pytest.mark.browser

RF_PRESETS = {  # the calculator's data format: presets of sliding-window layers
    "presets": {"small": {"input_size": 28, "layers": [
        {"name": "conv1", "kind": "conv", "kernel": 3, "stride": 1, "dilation": 1, "padding": "same"},
        {"name": "pool1", "kind": "pool", "kernel": 2, "stride": 2, "dilation": 1, "padding": "valid"},
        {"name": "conv2", "kind": "conv", "kernel": 3, "stride": 1, "dilation": 1, "padding": "valid"}]}},
    "start": "small",
}

WIDGETS = {  # page: (widget, element id, data id, data snippet or None)
    "convolution": ("conv-explorer", "conv-explorer", "cg-data-widgets-conv_explorer-config", "conv_explorer"),
    "filters": ("kernel-playground", "kernel-playground", "cg-data-widgets-kernel_playground-data",
                "kernel_playground"),
    "receptive-field": ("receptive-field", "rf-calculator", "cg-data-widgets-receptive_field-presets", None),
}


def _widget_data(snippet: str | None) -> str:
    from cnn_glossary import publish

    if snippet is None:
        return json.dumps(RF_PRESETS)
    collected = publish.collect(ROOT / "snippets" / "widgets" / f"{snippet}.py")
    return next(v["value"] for v in collected.values.values())


@pytest.fixture(scope="module")
def tiny_material_site(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("widgets")
    docs = root / "docs"
    (docs / "assets").mkdir(parents=True)
    scripts = ["cg-conv-explorer.js", "cg-receptive-field.js", "cg-kernel-playground.js"]
    for name in scripts:
        shutil.copy(ROOT / "docs" / "assets" / name, docs / "assets" / name)
    (docs / "first.md").write_text("# First\n\nThe page before.\n")
    (docs / "last.md").write_text("# Last\n\nThe page after.\n")
    for page, (widget, element, data_id, snippet) in WIDGETS.items():
        body = _widget_data(snippet).replace("<", "\\u003c")
        (docs / f"{page}.md").write_text(
            f"# {page}\n\nA widget.\n\n"
            f'<div class="cg-widget" data-widget="{widget}" id="{element}" data-source="{data_id}"></div>\n\n'
            f'<script type="application/json" id="{data_id}">{body}</script>\n\nAfter the widget.\n')
    config = ["site_name: Widgets", "use_directory_urls: false", "theme:", "  name: material", "  font: false", "nav:",
              "  - First: first.md", "  - Convolution: convolution.md", "  - Filters: filters.md",
              "  - Receptive field: receptive-field.md", "  - Last: last.md", "extra_javascript:"]
    for name in scripts:
        config += [f"  - path: assets/{name}", "    defer: true"]
    (root / "mkdocs.yml").write_text("\n".join(config) + "\n")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-f", str(root / "mkdocs.yml")], cwd=root,
                          env=MKDOCS_ENV, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root / "site"))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _open(browser, server, page: str) -> Visit:  # noqa: F811
    visit = Visit(browser, f"{server}/{page}.html", reduced_motion="reduce")
    visit.page.wait_for_function("document.querySelector('.cg-widget').children.length > 0")
    return visit


def _press_and_stay(visit: Visit, key: str) -> bool:
    """Press ``key``; True if the page is still the one it was."""
    url = visit.page.url
    visit.page.keyboard.press(key)
    visit.page.wait_for_timeout(400)  # Material navigates at once; give it the time to do it
    return visit.page.url == url


def _text(visit: Visit, selector: str = ".cg-widget") -> str:
    return visit.page.eval_on_selector(selector, "e => e.textContent + ' ' + [...e.querySelectorAll('input')]"
                                                 ".map(i => i.value).join(' ')")


# --- keys: a key the widget handles, or any typed key while it has focus, never leaves the page -----------------


def test_the_theme_shortcuts_work_outside_a_widget(browser, tiny_material_site):  # noqa: F811
    """The control: outside the widgets, n and p do go to the next and previous page in this tiny site."""
    visit = _open(browser, tiny_material_site, "filters")
    visit.page.evaluate("document.activeElement.blur()")
    assert not _press_and_stay(visit, "n") and visit.page.url.endswith("/receptive-field.html")
    visit.page.wait_for_function("document.querySelector('.cg-widget') !== null")
    assert not _press_and_stay(visit, "p") and visit.page.url.endswith("/filters.html")
    visit.close()


@pytest.mark.parametrize("key", ["p", "P"])
def test_the_conv_explorers_play_key_plays_and_stays(browser, tiny_material_site, key):  # noqa: F811
    visit = _open(browser, tiny_material_site, "convolution")
    page = visit.page
    page.focus("#conv-explorer .cg-stage")
    assert _press_and_stay(visit, key), f"pressing {key!r} in the explorer left the page for {page.url}"
    assert page.eval_on_selector("[data-action=play]", "b => b.getAttribute('aria-pressed')") == "true"
    assert _press_and_stay(visit, key)
    assert page.eval_on_selector("[data-action=play]", "b => b.getAttribute('aria-pressed')") == "false"
    page.focus("#conv-explorer [data-action=forward]")
    for other in ("n", ".", ",", "s"):
        assert _press_and_stay(visit, other), f"{other!r} on an explorer button left the page"
    visit.close()
    assert not visit.errors, visit.errors


@pytest.mark.parametrize("where", ["#kernel-playground input[type=radio]", "#kernel-playground canvas[tabindex='0']",
                                   "#kernel-playground-preset"])
def test_typed_keys_in_the_kernel_playground_stay_on_the_page(browser, tiny_material_site, where):  # noqa: F811
    visit = _open(browser, tiny_material_site, "filters")
    visit.page.focus(where)
    for key in ("n", "p", ".", ","):
        assert _press_and_stay(visit, key), f"{key!r} on {where} left the page for {visit.page.url}"
    visit.close()
    assert not visit.errors, visit.errors


def test_typed_keys_in_the_receptive_field_calculator_stay_on_the_page(browser, tiny_material_site):  # noqa: F811
    visit = _open(browser, tiny_material_site, "receptive-field")
    visit.page.focus("#rf-calculator button[aria-pressed]")
    for key in ("n", "p"):
        assert _press_and_stay(visit, key), f"{key!r} on a layer button left the page for {visit.page.url}"
    visit.close()


# --- numbers a widget cannot use: a visible message, the last good value kept, never NaN or Infinity -------------


def _change(visit: Visit, selector: str, value: str) -> None:
    visit.page.eval_on_selector(selector, """(input, value) => {
        input.value = value; input.dispatchEvent(new Event('change', { bubbles: true })); }""", value)


def _message(visit: Visit, root: str) -> str:
    return visit.page.eval_on_selector(root, """r => [...r.querySelectorAll('[aria-live]')]
        .filter(e => !e.hidden && e.closest('[hidden]') === null).map(e => e.textContent).join(' | ')""")


@pytest.mark.parametrize("value", ["1e308", "0", "-5", "2.5", "", "5000"])
def test_the_receptive_field_input_size_refuses_what_it_cannot_use(browser, tiny_material_site, value):  # noqa: F811
    visit = _open(browser, tiny_material_site, "receptive-field")
    before = visit.page.evaluate("window.cgReceptiveField.state()")
    _change(visit, "#rf-calculator-input-size", value)
    after = visit.page.evaluate("window.cgReceptiveField.state()")
    shown = _text(visit, "#rf-calculator")
    message = _message(visit, "#rf-calculator")
    assert "Input size" in message and "1 to 1024" in message, message
    assert after["input_size"] == before["input_size"] and after["rows"] == before["rows"]
    assert visit.page.eval_on_selector("#rf-calculator-input-size", "i => i.getAttribute('aria-invalid')") == "true"
    assert "NaN" not in shown and "Infinity" not in shown
    _change(visit, "#rf-calculator-input-size", "32")  # a good value clears the message
    assert "Input size" not in _message(visit, "#rf-calculator")
    assert visit.page.evaluate("window.cgReceptiveField.state().input_size") == 32
    visit.close()
    assert not visit.errors, visit.errors


@pytest.mark.parametrize("value", ["0", "1e308", "100", "1.5", ""])
def test_a_receptive_field_layer_setting_refuses_what_it_cannot_use(browser, tiny_material_site, value):  # noqa: F811
    visit = _open(browser, tiny_material_site, "receptive-field")
    before = visit.page.evaluate("window.cgReceptiveField.state()")
    _change(visit, "#rf-calculator input[aria-label='conv2 stride']", value)
    message = _message(visit, "#rf-calculator")
    assert "conv2 stride" in message and "1 to 99" in message, message
    assert visit.page.evaluate("window.cgReceptiveField.state()")["rows"] == before["rows"]
    assert visit.page.eval_on_selector("#rf-calculator input[aria-label='conv2 stride']", "i => i.value") == "1"
    visit.close()
    assert not visit.errors, visit.errors


def test_the_receptive_field_of_a_huge_stack_says_too_large_not_infinity(browser, tiny_material_site):  # noqa: F811
    visit = _open(browser, tiny_material_site, "receptive-field")
    layers = [{"name": f"c{i}", "kind": "conv", "kernel": 99, "stride": 99, "dilation": 99, "padding": "same"}
              for i in range(200)]
    state = visit.page.evaluate("(layers) => window.cgReceptiveField.set({input_size: 1024, layers})", layers)
    shown = _text(visit, "#rf-calculator")
    assert "NaN" not in shown and "Infinity" not in shown and "e+" not in shown, shown[:400]
    assert "too large" in state["status"], state["status"]
    visit.close()
    assert not visit.errors, visit.errors


@pytest.mark.parametrize("value", ["1e308", "1e309", "-1e308", "", "1e7"])
def test_a_kernel_weight_the_playground_cannot_use_is_refused_with_a_message(browser, tiny_material_site,
                                                                            value):  # noqa: F811
    visit = _open(browser, tiny_material_site, "filters")
    before = visit.page.evaluate("window.cgKernelPlayground.state()")
    _change(visit, "#kernel-playground input[aria-label='weight row 1 column 2']", value)
    after = visit.page.evaluate("window.cgKernelPlayground.state()")
    message = _message(visit, "#kernel-playground")
    assert "row 1 column 2" in message and "1000000" in message.replace(",", "").replace(" ", ""), message
    assert after["weights"] == before["weights"] and after["range"] == before["range"]
    shown = _text(visit, "#kernel-playground")
    assert "NaN" not in shown and "Infinity" not in shown
    _change(visit, "#kernel-playground input[aria-label='weight row 1 column 2']", "2")
    assert "row 1 column 2" not in _message(visit, "#kernel-playground")
    assert visit.page.evaluate("window.cgKernelPlayground.state().weights")[0][1] == 2
    visit.close()
    assert not visit.errors, visit.errors
