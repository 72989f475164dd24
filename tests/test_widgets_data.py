"""The widgets' build-time data: the snippets that write it, and the {{ data }} placeholder that embeds it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cnn_glossary import publish
from cnn_glossary.site import placeholders as ph

from .conftest import ROOT

SNIPPETS = ROOT / "snippets" / "widgets"


def test_data_placeholder_is_parsed_and_rendered_inert():
    found = ph.find("x {{ data widgets/conv_explorer:config }} y")
    assert [(p.kind, p.snippet_id, p.name) for p in found] == [("data", "widgets/conv_explorer", "config")]
    html = ph.render_data({"value": json.dumps({"a": "</script><b>"})}, "cg-data-x")
    assert html.startswith('<script type="application/json" id="cg-data-x">') and html.count("</script>") == 1
    assert json.loads(html.split(">", 1)[1].rsplit("<", 1)[0]) == {"a": "</script><b>"}
    with pytest.raises(ValueError, match="JSON string"):
        ph.render_data({"value": [1, 2]}, "cg-data-x")
    with pytest.raises(ValueError):
        ph.render_data({"value": "{not json"}, "cg-data-x")


@pytest.mark.checks("widgets/conv_explorer")
def test_conv_explorer_data_is_the_convolution_table():
    from cnn_glossary.conv_table import CONV_TABLE

    data = json.loads(publish.collect(SNIPPETS / "conv_explorer.py").values["config"]["value"])
    assert len(data["rows"]) == len(CONV_TABLE)
    for seed, (row, config) in enumerate(zip(data["rows"], CONV_TABLE)):
        for key in ("name", "input_size", "kernel_size", "padding", "stride", "dilation"):
            assert row[key] == getattr(config, key), (config.name, key)
        # the animations' input for this row: seeded integers 0..3, drawn here without the package
        expected = np.random.default_rng(seed).integers(0, 4, size=(config.input_size,) * 2)
        assert np.array_equal(row["input"], expected), config.name
    assert data["start"] in {r["name"] for r in data["rows"]}
    assert data["kernels"]["3"] == [[0, 1, 2], [2, 2, 0], [0, 1, 2]]  # the page's asymmetric example kernel
    assert all(np.shape(data["kernels"][str(k)]) == (k, k) for k in range(1, 6))
    assert np.shape(data["free_input"]) == (9, 9)


@pytest.mark.checks("widgets/kernel_playground")
def test_kernel_playground_data_is_the_page_digit_and_the_matplotlib_scales():
    import matplotlib

    from cnn_glossary.kernels import DIGIT_INDEX, HAND_FILTERS
    from cnn_glossary.mnist.data import load_mnist

    data = json.loads(publish.collect(SNIPPETS / "kernel_playground.py").values["data"]["value"])
    assert np.array_equal(data["digit"], load_mnist().x_test[DIGIT_INDEX])
    assert set(data["kernels"]) == set(HAND_FILTERS)
    for name, kernel in HAND_FILTERS.items():
        assert np.allclose(data["kernels"][name], kernel), name
    for name, lut in data["scales"].items():
        cmap = matplotlib.colormaps[name]
        for i in (0, 1, 127, 128, 200, 255):
            assert np.allclose(np.array(lut[i]) / 255, cmap(i / 255)[:3], atol=0.5 / 255 + 1e-9), (name, i)
