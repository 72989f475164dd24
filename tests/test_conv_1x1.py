"""The 1x1 page: the worked pixel, which way real 1x1 layers change the channel count, and the weight-matrix figure."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from cnn_glossary import publish
from cnn_glossary.mnist import results

from .conftest import ROOT

SNIPPETS = ROOT / "snippets" / "conv_1x1"


@pytest.fixture(scope="module")
def worked():
    return publish.collect(SNIPPETS / "worked.py")


@pytest.mark.checks("conv_1x1/worked")
def test_worked_pixel_every_product(worked):
    v = {k: d["value"] for k, d in worked.values.items()}
    pixel, w, b = np.array(v["pixel"]), np.array(v["w"]), np.array(v["b"])
    # a plain loop: output channel j = sum over input channels c of pixel[c] * w[c, j], plus b[j]
    loop = [sum(pixel[c] * w[c, j] for c in range(len(pixel))) + b[j] for j in range(w.shape[1])]
    assert np.allclose(v["out"], loop) and np.allclose(v["layer_out"], loop)
    assert tuple(v["kernel_shape"]) == (1, 1, *w.shape) and v["parameters"] == w.size + b.size
    for j, (_, products, bias, out) in enumerate(worked.tables["products"]["rows"]):
        terms = [t.replace("(", "").replace(")", "").split("·") for t in products.split(" + ")]
        assert [float(a) for a, _ in terms] == pixel.tolist() and [float(c) for _, c in terms] == w[:, j].tolist()
        assert float(bias) == b[j] and out == loop[j]


@pytest.mark.checks("conv_1x1/worked")
@pytest.mark.guards("conv-1x1.md", "Some keep the channel count or raise it")
def test_directions_of_our_1x1_layers(worked):
    """Our network's 1x1 layers read from their weight arrays (kernel shape (1, 1, c_in, c_out))."""
    model = results.load_result().load_model()
    ours = {layer.name: layer.get_weights()[0].shape for layer in model.layers
            if type(layer).__name__ == "Conv2D" and layer.get_weights()[0].shape[:2] == (1, 1)}
    assert ours, "the network has 1x1 layers"
    v = {k: d["value"] for k, d in worked.values.items()}
    for name, (_, _, cin, cout) in ours.items():
        assert (v[f"{name}_in"], v[f"{name}_out"]) == (cin, cout)
        expected = "fewer" if cout < cin else "more" if cout > cin else "same"
        assert v[f"{name}_direction"] == expected
    assert v["ours_all_reduce"] == all(cout < cin for _, _, cin, cout in ours.values())
    words = {row[3] for row in worked.tables["directions"]["rows"]}
    assert words == {"fewer", "same", "more"}  # the table shows all three uses
    for _, cin, cout, word in worked.tables["directions"]["rows"]:
        assert word == ("fewer" if cout < cin else "more" if cout > cin else "same")


def test_pointwise_figure_draws_the_matrix_its_title_names():
    import re

    from cnn_glossary.figures.receptive_field import pointwise_figure

    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(6, 6, 3)), rng.normal(size=(3, 4))
    fig = pointwise_figure(x, w, np.einsum("hwc,co->hwo", x, w), pixel=(2, 3))
    matrix = [ax for ax in fig.axes if "weight matrix" in ax.get_title()]
    assert len(matrix) == 1
    rows, cols = (int(n) for n in re.search(r"(\d+)x(\d+) weight matrix", matrix[0].get_title()).groups())
    drawn = matrix[0].images[0].get_array().shape
    assert drawn == (rows, cols) == w.shape  # rows: input channels, columns: output channels
    assert [t.get_text() for t in matrix[0].get_yticklabels()] == [f"in {i}" for i in range(3)]


@pytest.mark.checks("conv_1x1/worked")
def test_summary_sentence_of_our_1x1_layers(worked):
    v = {k: d["value"] for k, d in worked.values.items()}
    model = results.load_result().load_model()
    ours = [layer for layer in model.layers
            if type(layer).__name__ == "Conv2D" and layer.get_weights()[0].shape[:2] == (1, 1)]
    assert v["n_ours"] == len(ours)
    for layer in ours:
        _, _, cin, cout = layer.get_weights()[0].shape
        word = "fewer" if cout < cin else "more" if cout > cin else "same"
        change = {"fewer": f"lowers the channel count from {cin} to {cout}",
                  "more": f"raises the channel count from {cin} to {cout}", "same": f"keeps the channel count at {cin}"}
        assert f"`{layer.name}` {change[word]}" in v["ours_summary"]
    assert v["pixel_text"] == "(" + ", ".join(f"{p:g}" for p in v["pixel"]) + ")"
