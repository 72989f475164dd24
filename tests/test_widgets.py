"""The three interactive widgets in headless Chromium, each compared with the Python package.

One page load per widget; many settings are driven through the widget's own hook
(``window.cgConvExplorer`` and friends) and everything it shows is read back from the page and checked
against an independent oracle: TensorFlow's ``conv2d`` and the package's output-size arithmetic for the
convolution explorer, ``receptive_fields`` on real Keras models for the receptive-field calculator, and
``scipy.signal.correlate2d``/``convolve2d`` with matplotlib's colour maps for the kernel playground.
A patched JavaScript function shows that a wrong number in the page is caught.
"""

from __future__ import annotations

import json
import random
import re

import numpy as np
import pytest

from .test_browser import PHONE, Visit, browser, server  # noqa: F401 - fixtures shared with the page tests

pytestmark = pytest.mark.browser

RANDOM_SETTINGS = 50


def page_data(visit: Visit, element_id: str) -> dict:
    return json.loads(visit.page.eval_on_selector(f"#{element_id}", "e => e.textContent"))


# --- convolution explorer -------------------------------------------------------------------------------


def conv_settings(rng: random.Random, n: int) -> list[dict]:
    out = []
    for _ in range(n):
        out.append({"input_size": rng.randint(3, 9), "kernel_size": rng.randint(1, 5),
                    "padding": rng.choice(["valid", "same", "full", 0, 1, 2, 3]),
                    "stride": rng.randint(1, 3), "dilation": rng.randint(1, 3)})
    return out


def drive_conv(visit: Visit, settings: list[dict], seed: int = 0) -> list[dict]:
    """Set each setting, read the whole explorer at a seeded step and at the last step."""
    return visit.page.evaluate(
        """([settings, seed]) => settings.map((s, n) => {
            const api = window.cgConvExplorer;
            const first = api.set(s);
            if (first.error) return { first };
            const cells = first.output.length * first.output.length;
            const middle = api.go((seed * 7919 + n * 104729) % cells);
            return { first, middle, last: api.last() };
        })""",
        [settings, seed],
    )


def conv_mismatches(states: list[dict], settings: list[dict], data: dict) -> list[str]:
    from cnn_glossary.conv import output_size, padding_amounts
    from cnn_glossary.conv_table import tf_conv2d

    rows = {r["name"]: r for r in data["rows"]}
    problems = []
    for s, st in zip(settings, states):
        if "row" in s:
            row = rows[s["row"]]
            s = {k: row[k] for k in ("input_size", "kernel_size", "padding", "stride", "dilation")}
        i, k, p, stride, d = (s["input_size"], s["kernel_size"], s["padding"], s["stride"], s["dilation"])
        label = f"{s}"
        try:
            o = output_size(i, k, p, stride, d)
        except ValueError:
            o = None
        first = st["first"]
        if o is None:
            if not first["error"] or "Keras would reject" not in first["error"] or first["output"]:
                problems.append(f"{label}: Python rejects this setting, the explorer shows {first['error']!r}")
            continue
        if first["error"]:
            problems.append(f"{label}: explorer refused a valid setting: {first['error']}")
            continue
        before, after = padding_amounts(i, k, p, stride, d)
        if not first["formula"].endswith(f"= {o}") or f"({i} + {before} + {after} − " not in first["formula"]:
            problems.append(f"{label}: formula {first['formula']!r}, expected pads {before}+{after} and o = {o}")
        padded = np.array(first["input"], dtype=float)
        if padded.shape != (i + before + after,) * 2:
            problems.append(f"{label}: padded input shown {padded.shape}, expected {i + before + after}")
            continue
        x = padded[before:before + i, before:before + i]
        if padded.sum() != x.sum():
            problems.append(f"{label}: non-zero values in the padding")
        if "row" in st["first"] and st["first"]["row"]:
            seed = list(rows).index(st["first"]["row"])
            if not np.array_equal(x, rows[st["first"]["row"]]["input"]):
                problems.append(f"{label}: input differs from the table row's (seed {seed})")
        kernel = np.array(first["kernel"], dtype=float)
        if not np.array_equal(kernel, np.array(data["kernels"][str(k)])):
            problems.append(f"{label}: kernel shown differs from the build's")
        expected = tf_conv2d(x.astype("float32"), kernel.astype("float32"), p, stride, d)
        shown = np.array(st["last"]["output"], dtype=float)
        if shown.shape != (o, o) or not np.allclose(shown, expected, atol=1e-4):
            problems.append(f"{label}: output shown {shown.tolist()}, TensorFlow gives {expected.tolist()}")
            continue
        # the middle step: the window's products add up to the output cell, and the cells after it are empty
        mid = st["middle"]
        t = mid["step"]
        r, c = divmod(t, o)
        taps = [(r * stride + a * d, c * stride + b * d) for a in range(k) for b in range(k)]
        terms = [tuple(float(v) for v in m) for m in re.findall(r"(-?\d+)×(-?\d+)", mid["products"])]
        want = [(padded[y, z], kernel[a, b]) for (y, z), (a, b) in zip(taps, [(a, b) for a in range(k) for b in range(k)])]
        total = float(mid["products"].rsplit("=", 1)[1])
        if terms != want or total != expected[r, c]:
            problems.append(f"{label}: step {t}: products {mid['products']!r}, expected {want} = {expected[r, c]}")
        if sorted(mid["window"]) != sorted(y * padded.shape[0] + z for y, z in taps):
            problems.append(f"{label}: step {t}: highlighted window differs from the taps {taps}")
        filled = [v is not None for row in mid["output"] for v in row]
        if filled != [n <= t for n in range(o * o)]:
            problems.append(f"{label}: step {t}: output cells filled {filled}")
        if f"output row {r + 1}, column {c + 1}, sum {expected[r, c]:g}" not in mid["status"]:
            problems.append(f"{label}: live region says {mid['status']!r}")
    return problems


@pytest.fixture(scope="module")
def conv_visit(browser, server):  # noqa: F811
    visit = Visit(browser, server + "/convolution.html", reduced_motion="reduce")
    yield visit
    visit.close()


@pytest.mark.checks("widgets/conv_explorer")
def test_conv_explorer_agrees_with_tensorflow(conv_visit):
    from cnn_glossary.conv_table import CONV_TABLE

    data = page_data(conv_visit, "cg-data-widgets-conv_explorer-config")
    assert [r["name"] for r in data["rows"]] == [c.name for c in CONV_TABLE]
    opening = conv_visit.page.evaluate("window.cgConvExplorer.state()")
    assert opening["row"] == CONV_TABLE[0].name, "the explorer opens on the first table row"
    settings = [{"row": c.name} for c in CONV_TABLE] + conv_settings(random.Random(15), RANDOM_SETTINGS)
    states = drive_conv(conv_visit, settings)
    assert sum(1 for st in states if not st["first"]["error"]) >= 40, "too few valid settings were checked"
    assert any(st["first"]["error"] for st in states), "no rejected setting was checked"
    assert all(st["first"]["row"] == s["row"] for s, st in zip(settings, states) if "row" in s)
    problems = conv_mismatches(states, settings, data)
    assert not problems, "\n".join(problems[:20])
    assert not conv_visit.errors, conv_visit.errors


def patch(global_name: str, name: str, wrapper: str) -> str:
    """An init script that replaces ``window[global_name][name]`` by ``wrapper(right)`` the moment the page
    defines it: a deliberately wrong widget, to show the comparisons catch it."""
    return f"""
    Object.defineProperty(window, "{global_name}", {{ configurable: true, set(core) {{
        const right = core.{name};
        core.{name} = ({wrapper})(right);
        Object.defineProperty(window, "{global_name}", {{ value: core, writable: true, configurable: true }});
    }} }});
    """


class Page:
    """A page opened with an init script, in the shape the drive/compare helpers expect of a Visit."""

    def __init__(self, browser, url: str, script: str):
        self.context = browser.new_context(reduced_motion="reduce")
        self.context.add_init_script(script)
        self.page = self.context.new_page()
        self.page.goto(url, wait_until="load")


def test_a_wrong_convolution_result_is_caught(browser, server):  # noqa: F811
    from cnn_glossary.conv_table import CONV_TABLE

    # one more in the first output cell
    wrong = Page(browser, server + "/convolution.html", patch(
        "cgConvCore", "conv", "(right) => (...a) => { const o = right(...a); if (o) o[0][0] += 1; return o; }"))
    data = page_data(wrong, "cg-data-widgets-conv_explorer-config")
    settings = [{"row": c.name} for c in CONV_TABLE]
    problems = conv_mismatches(drive_conv(wrong, settings), settings, data)
    wrong.context.close()
    assert len(problems) >= len(CONV_TABLE), problems  # every row's output differs from TensorFlow's


def test_a_wrong_receptive_field_is_caught(browser, server):  # noqa: F811
    import keras

    from cnn_glossary.mnist.train import build_model

    # the last layer's jump one too large
    wrong = Page(browser, server + "/receptive-field.html", patch(
        "cgRfCore", "fields", "(right) => (...a) => { const r = right(...a); r[r.length - 1].jump += 1; return r; }"))
    state = wrong.page.evaluate("window.cgReceptiveField.set({preset: 'Our MNIST network'})")
    wrong.context.close()
    problems = rf_mismatches(state, build_model(keras), "patched")
    assert any("jump" in p for p in problems), problems


def test_a_wrong_kernel_response_is_caught(browser, server):  # noqa: F811
    from cnn_glossary.kernels import DIGIT_INDEX, HAND_FILTERS
    from cnn_glossary.mnist.data import load_mnist

    # a blur that forgets the bottom-right weight
    wrong = Page(browser, server + "/filters.html", patch(
        "cgKernelCore", "respond",
        "(right) => (x, w, c) => right(x, w.map((r, i) => r.map((v, j) => (i === 2 && j === 2 ? 0 : v))), c)"))
    state = wrong.page.evaluate("window.cgKernelPlayground.set({preset: 'box blur', cursor: [14, 14]})")
    wrong.context.close()
    digit = load_mnist().x_test[DIGIT_INDEX].astype("float32") / 255.0
    problems = kernel_mismatches(state, digit, HAND_FILTERS["box blur"], False, "patched")
    assert any("pixels differ" in p for p in problems) and any("range" in p for p in problems), problems


def test_conv_explorer_by_keyboard_and_motion(browser, server):  # noqa: F811
    visit = Visit(browser, server + "/convolution.html", reduced_motion="reduce")
    page = visit.page
    page.focus("#conv-explorer-row")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("window.cgConvExplorer.state().row") == "same_padding_no_strides"
    for _ in range(6):  # five more settings, then the first button
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.action") == "first"
    for _ in range(3):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.action") == "forward"
    page.keyboard.press("Enter")
    page.keyboard.press("Space")
    assert page.evaluate("window.cgConvExplorer.state().step") == 2
    page.focus("#conv-explorer .cg-stage")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowRight")
    status = page.evaluate("window.cgConvExplorer.state().status")
    assert status.startswith("Step 4 of 25"), status
    page.keyboard.press("End")
    assert page.evaluate("window.cgConvExplorer.state().step") == 24
    # no autoplay when the reader asked for reduced motion, even with the explorer in view
    page.evaluate("window.cgConvExplorer.set({row: 'dilation'})")
    page.locator("#conv-explorer .cg-stage").scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    assert page.evaluate("window.cgConvExplorer.state().step") == 0
    visit.close()
    moving = Visit(browser, server + "/convolution.html", reduced_motion="no-preference")
    moving.page.locator("#conv-explorer .cg-stage").scroll_into_view_if_needed()
    moving.page.wait_for_timeout(1500)
    assert moving.page.evaluate("window.cgConvExplorer.state().step") >= 1, "autoplay when in view"
    moving.close()
    assert not visit.errors and not moving.errors, visit.errors + moving.errors


def test_conv_explorer_works_from_disk(browser, built_site):  # noqa: F811
    visit = Visit(browser, (built_site / "convolution.html").as_uri(), reduced_motion="reduce")
    state = visit.page.evaluate("window.cgConvExplorer && window.cgConvExplorer.state()")
    visit.close()
    assert state and state["output"], "the explorer did not start on a page opened from disk"
    assert not visit.errors, visit.errors


# --- receptive-field calculator ---------------------------------------------------------------------------


def random_chain(rng: random.Random) -> tuple[int, list[dict]]:
    """A random chain of convolutions, poolings and zero paddings that every size stays positive through."""
    from cnn_glossary.conv import output_size

    while True:
        n = size = rng.randint(16, 64)
        layers = []
        for i in range(rng.randint(1, 6)):
            kind = rng.choice(["conv", "conv", "pool", "pad"])
            if kind == "pad":
                layer = {"kind": "pad", "kernel": 1, "stride": 1, "dilation": 1, "padding": rng.randint(1, 3)}
            else:
                stride = rng.randint(1, 3)
                dilation = rng.randint(1, 3) if kind == "conv" and stride == 1 else 1
                layer = {"kind": kind, "kernel": rng.randint(1, 5) if kind == "conv" else rng.randint(2, 3),
                         "stride": stride, "dilation": dilation, "padding": rng.choice(["valid", "same"])}
            layer["name"] = f"l{i}_{kind}"
            try:
                size = output_size(size, layer["kernel"], layer["padding"], layer["stride"], layer["dilation"])
            except ValueError:
                break
            layers.append(layer)
        else:
            return n, layers


def keras_chain(n: int, layers: list[dict]):
    import keras

    model = keras.Sequential([keras.Input((n, n, 1))])
    for layer in layers:
        if layer["kind"] == "conv":
            model.add(keras.layers.Conv2D(1, layer["kernel"], strides=layer["stride"], padding=layer["padding"],
                                          dilation_rate=layer["dilation"], name=layer["name"]))
        elif layer["kind"] == "pool":
            model.add(keras.layers.MaxPooling2D(layer["kernel"], strides=layer["stride"], padding=layer["padding"],
                                                name=layer["name"]))
        else:
            model.add(keras.layers.ZeroPadding2D(layer["padding"], name=layer["name"]))
    return model


def rf_mismatches(state: dict, model, label: str) -> list[str]:
    from cnn_glossary.receptive_field import by_name, predicted_span, receptive_fields

    def num(v: float) -> str:
        return str(int(v)) if float(v).is_integer() else f"{v:.1f}"

    fields = by_name(receptive_fields(model))
    problems = []
    for row in state["rows"]:
        f = fields[row["name"]]
        want = {"output": f"{f.output_size[0]}×{f.output_size[1]}", "size": num(f.rows.size),
                "jump": num(f.rows.jump), "start": num(f.rows.start), "centre": num(f.rows.centre)}
        got = {k: row[k] for k in want}
        if got != want:
            problems.append(f"{label} {row['name']}: shown {got}, receptive_fields gives {want}")
    field = state["field"]
    f = fields[field["layer"]]
    unit = tuple(field["unit"])
    spans = f.span(unit)
    if [list(s) for s in spans] != field["span"] or \
            [list(s) for s in predicted_span(f, unit, (state["input_size"],) * 2)] != field["clipped"]:
        problems.append(f"{label}: field of {field['layer']} unit {unit} drawn {field}, expected {spans}")
    return problems


@pytest.mark.checks("widgets/receptive_field")
def test_receptive_field_calculator_agrees_with_receptive_fields(browser, server):  # noqa: F811
    import keras

    from cnn_glossary.mnist.train import build_model

    visit = Visit(browser, server + "/receptive-field.html")
    page = visit.page
    data = page_data(visit, "cg-data-widgets-receptive_field-presets")
    models = {
        "Our MNIST network": build_model(keras),
        "VGG-16": keras.applications.VGG16(weights=None, include_top=False, input_shape=(224, 224, 3)),
        "ResNet-50": keras.applications.ResNet50(weights=None, include_top=False, input_shape=(224, 224, 3)),
    }
    assert sorted(data["presets"]) == sorted(models)
    problems, checked = [], 0
    rng = random.Random(15)
    for name, model in models.items():
        state = page.evaluate("(p) => window.cgReceptiveField.set({preset: p})", name)
        assert len(state["rows"]) == len(data["presets"][name]["layers"])
        problems += rf_mismatches(state, model, name)
        last = len(state["rows"]) - 1
        unit = [rng.randint(0, 3), rng.randint(0, 3)]
        problems += rf_mismatches(page.evaluate("([l, u]) => window.cgReceptiveField.choose(l, u)", [last, unit]),
                                  model, f"{name} unit {unit}")
        checked += 1
    for trial in range(RANDOM_SETTINGS):
        n, layers = random_chain(rng)
        state = page.evaluate("(s) => window.cgReceptiveField.set(s)", {"input_size": n, "layers": layers})
        chosen = rng.randrange(len(layers))
        out = int(state["rows"][chosen]["output"].split("×")[0])
        unit = [rng.randrange(out), rng.randrange(out)]
        state = page.evaluate("([l, u]) => window.cgReceptiveField.choose(l, u)", [chosen, unit])
        problems += rf_mismatches(state, keras_chain(n, layers), f"random chain {trial} (input {n}, {layers})")
        checked += 1
    visit.close()
    assert checked >= 50
    assert not problems, "\n".join(problems[:20])
    assert not visit.errors, visit.errors


def test_receptive_field_calculator_by_keyboard(browser, server):  # noqa: F811
    visit = Visit(browser, server + "/receptive-field.html")
    page = visit.page
    page.focus("#rf-calculator-preset")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("window.cgReceptiveField.state().preset") == "VGG-16"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Add a layer"
    before = len(page.evaluate("window.cgReceptiveField.state().rows"))
    page.keyboard.press("Enter")
    state = page.evaluate("window.cgReceptiveField.state()")
    assert len(state["rows"]) == before + 1 and state["preset"] == ""
    visit.close()
    assert not visit.errors, visit.errors


# --- kernel playground ------------------------------------------------------------------------------------


def expected_pixels(response: np.ndarray) -> np.ndarray:
    """The Filters page figures' convention, through matplotlib itself."""
    import matplotlib

    lim = float(np.abs(response).max()) or 1.0
    if response.min() < 0:
        cmap, vmin = matplotlib.colormaps["PuOr_r"], -lim
    else:
        cmap, vmin = matplotlib.colormaps["gray_r"], 0.0
    rgba = cmap(matplotlib.colors.Normalize(vmin, lim)(response))
    return np.round(rgba[:, :, :3] * 255)


def kernel_mismatches(state: dict, digit: np.ndarray, kernel: np.ndarray, convolve: bool, label: str) -> list[str]:
    from scipy.signal import convolve2d, correlate2d

    op = convolve2d if convolve else correlate2d
    response = op(digit.astype(np.float64), kernel.astype(np.float64), mode="same")
    problems = []
    fmt = lambda v: "0.0000" if abs(v) < 5e-5 else f"{v:.4f}"  # noqa: E731 - the widget's own rounding rule
    if state["range"] != f"Response from {fmt(response.min())} to {fmt(response.max())}.":
        problems.append(f"{label}: range {state['range']!r}, SciPy gives {response.min():.4f} to {response.max():.4f}")
    r, c = state["cursor"]
    if f"response {fmt(response[r, c])}." not in state["readout"]:
        problems.append(f"{label}: readout {state['readout']!r}, SciPy gives {response[r, c]:.4f} at ({r}, {c})")
    if not np.allclose(np.array(state["weights"]), kernel):
        problems.append(f"{label}: kernel shown {state['weights']}, set {kernel.tolist()}")
    pixels = np.array(state["pixels"], dtype=float).reshape(digit.shape + (4,))[:, :, :3]
    diff = np.abs(pixels - expected_pixels(response)).max(axis=2)
    if (diff > 0).mean() > 0.01 or diff.max() > 12:  # a value on a colour-step boundary may round either way
        problems.append(f"{label}: {(diff > 0).sum()} pixels differ from matplotlib's colours (max {diff.max()})")
    return problems


@pytest.mark.checks("widgets/kernel_playground")
def test_kernel_playground_agrees_with_scipy(browser, server):  # noqa: F811
    from cnn_glossary.kernels import DIGIT_INDEX, HAND_FILTERS
    from cnn_glossary.mnist.data import load_mnist

    digit = load_mnist().x_test[DIGIT_INDEX].astype("float32") / 255.0
    visit = Visit(browser, server + "/filters.html")
    page = visit.page
    data = page_data(visit, "cg-data-widgets-kernel_playground-data")
    assert np.allclose(np.array(data["digit"], dtype="float32") / 255.0, digit), "the page's digit is not test digit"
    rng = np.random.default_rng(15)
    settings = [(name, HAND_FILTERS[name], convolve) for name in HAND_FILTERS for convolve in (False, True)]
    for i in range(RANDOM_SETTINGS - len(settings) + 10):
        settings.append((None, np.round(rng.uniform(-2, 2, size=(3, 3)), 1), bool(rng.integers(2))))
    problems = []
    for name, kernel, convolve in settings:
        cursor = [int(v) for v in rng.integers(0, 28, size=2)]
        request = {"convolve": convolve, "cursor": cursor}
        request.update({"preset": name} if name else {"kernel": kernel.tolist()})
        state = page.evaluate("(s) => window.cgKernelPlayground.set(s)", request)
        problems += kernel_mismatches(state, digit, kernel, convolve, f"{name or kernel.tolist()} convolve={convolve}")
        if convolve and not state["applied"].startswith("Turned kernel"):
            problems.append(f"{name}: true convolution does not say the kernel is turned: {state['applied']!r}")
    assert len(settings) >= 50
    # Sobel x: turning the kernel flips the sign of every response (shown, and true of SciPy's results)
    corr = page.evaluate("window.cgKernelPlayground.set({preset: 'Sobel x', convolve: false, cursor: [7, 10]})")
    conv = page.evaluate("window.cgKernelPlayground.set({convolve: true})")
    value = lambda st: float(st["readout"].rsplit("response ", 1)[1].rstrip("."))  # noqa: E731
    assert value(corr) != 0 and value(conv) == -value(corr), (corr["readout"], conv["readout"])
    visit.close()
    assert not problems, "\n".join(problems[:20])
    assert not visit.errors, visit.errors


def test_kernel_playground_by_keyboard(browser, server):  # noqa: F811
    visit = Visit(browser, server + "/filters.html")
    page = visit.page
    page.focus("#kernel-playground-preset")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("window.cgKernelPlayground.state().preset") == "Sobel y"
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # the radio group: from cross-correlation to true convolution
    assert page.evaluate("window.cgKernelPlayground.state().convolve") is True
    page.keyboard.press("Tab")  # the first kernel weight
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    state = page.evaluate("window.cgKernelPlayground.state()")
    assert state["weights"][0][0] == 3 and state["preset"] == ""
    page.focus("#kernel-playground canvas[tabindex='0']")
    before = state["readout"]
    page.keyboard.press("ArrowRight")
    assert page.evaluate("window.cgKernelPlayground.state().readout") != before
    visit.close()
    assert not visit.errors, visit.errors


def test_widgets_fit_a_phone_at_their_widest(browser, server):  # noqa: F811
    """The largest grid, the longest layer list and the playground scroll inside their widget, not the page."""
    widest = {
        "/convolution.html": "window.cgConvExplorer.set({input_size: 9, kernel_size: 5, padding: 'full', stride: 1, "
                             "dilation: 3})",
        "/receptive-field.html": "window.cgReceptiveField.set({preset: 'ResNet-50'})",
        "/filters.html": "window.cgKernelPlayground.set({preset: 'box blur', convolve: true})",
    }
    problems = []
    for path, script in widest.items():
        visit = Visit(browser, server + path, viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True,
                      reduced_motion="reduce")
        visit.page.evaluate(script)
        overflow = visit.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        visit.close()
        if overflow > 0 or visit.errors:
            problems.append(f"{path}: {overflow}px wider than the phone; errors {visit.errors}")
    assert not problems, problems
