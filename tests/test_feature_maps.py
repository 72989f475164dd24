"""The Feature-maps page's snippets: shapes against the output-size formula, values against a NumPy forward pass."""

from __future__ import annotations

import io
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.conv import output_size
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.featuremaps import ZERO_SUBSET, feature_model
from cnn_glossary.kernels import DIGIT_INDEX

from .conftest import ROOT, published

pytest.importorskip("keras")
SNIPPETS = ROOT / "snippets" / "feature_maps"


@pytest.fixture(scope="module")
def model():
    return results.load_result().load_model()


def numpy_forward(model, images: np.ndarray) -> dict[str, np.ndarray]:
    """The network's conv stack written out in NumPy: conv (valid or same, stride 1), batch norm, ReLU, 2x2 pooling."""
    x = images.astype("float64")[..., None] / 255.0
    maps = {}
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            w = layer.get_weights()[0].astype("float64")
            k = w.shape[0]
            if layer.padding == "same":
                p = (k - 1) // 2
                x = np.pad(x, ((0, 0), (p, k - 1 - p), (p, k - 1 - p), (0, 0)))
            windows = sliding_window_view(x, (k, k), axis=(1, 2))  # (N, H, W, C, k, k)
            x = np.einsum("nhwcij,ijcf->nhwf", windows, w, optimize=True)
            if layer.use_bias:
                x = x + layer.get_weights()[1]
            current = layer.name
            maps[current] = x
        elif kind == "BatchNormalization":
            gamma, beta, mean, var = (a.astype("float64") for a in layer.get_weights())
            x = gamma * (x - mean) / np.sqrt(var + layer.epsilon) + beta
        elif kind == "ReLU":
            x = np.maximum(x, 0.0)
            maps[current] = x
        elif kind == "MaxPooling2D":
            n, h, w_, c = x.shape
            x = x[:, : h // 2 * 2, : w_ // 2 * 2].reshape(n, h // 2, 2, w_ // 2, 2, c).max(axis=(2, 4))
    return maps


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
@pytest.mark.checks("feature_maps/maps")
@pytest.mark.guards("feature-maps.md", "the blank paper, not the stroke, gives the larger response")
@pytest.mark.guards("feature-maps.md", "the stroke for some maps, the blank paper for")
def test_shapes_against_formula_and_keras(model, monkeypatch):
    import cnn_glossary.figures.conv as conv_figures

    drawn = []  # the maps handed to the drawing function, in order
    real = conv_figures.feature_map_figure

    def record(maps, title):
        drawn.append(np.array(maps))
        return real(maps, title)

    monkeypatch.setattr(conv_figures, "feature_map_figure", record)
    c = publish.collect(SNIPPETS / "maps.py")
    rows = c.tables["shapes"]["rows"]
    conv_layers = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert len(rows) == len(conv_layers) == c.values["n_layers"]["value"]
    for row, layer in zip(rows, conv_layers):
        name, _, input_size, kernel_size, padding, formula, keras_shape = row
        assert layer.strides == (1, 1) and layer.dilation_rate == (1, 1)  # as the page says
        assert formula == output_size(input_size, kernel_size, padding) == layer.output.shape[1]
        assert keras_shape == str((formula, formula, layer.filters))
        png = Image.open(io.BytesIO(c.figures[name].data))
        assert png.format == "PNG"
        # the caption names the colour scale the maps are drawn in: signed maps (no ReLU) diverging, others
        # dark on white with white at zero (the digit convention of the Filters page too)
        caption = c.figures[name].caption + " " + c.figures[name].alt
        signed = any(layer.name == n and not after.endswith("_relu") for n, after, *_ in rows)
        assert ("purple is negative" in caption) == signed, name
        assert "white is 0" in caption or signed, name
        assert "black" not in caption and "bright" not in caption, name
    # the page names the digit by its number: the drawn maps are those of that test image, by NumPy's forward pass
    index = c.values["digit_index"]["value"]
    reference = numpy_forward(model, load_mnist().x_test[index : index + 1])
    assert len(drawn) == len(conv_layers) == len(reference)
    for maps, name in zip(drawn, reference):
        np.testing.assert_allclose(maps, reference[name][0], atol=1e-3, err_msg=name)
    # "in N of the first layer's maps the blank paper gives the larger response": recounted on NumPy's maps
    first = reference[conv_layers[0].name][0]
    pixels = load_mnist().x_test[index]
    paper, ink = pixels == 0, pixels >= 128
    counted = sum(float(np.mean(first[:, :, k][paper])) > float(np.mean(first[:, :, k][ink]))
                  for k in range(first.shape[-1]))
    assert c.values["background_maps"]["value"] == counted
    assert 0 < counted < first.shape[-1], "the page says some maps, not none or all: reword feature-maps.md"
    assert c.values["first_maps"]["value"] == first.shape[-1]


def test_maps_against_numpy_forward(model):
    digit = load_mnist().x_test[DIGIT_INDEX : DIGIT_INDEX + 1]
    ours = feature_model(model).predict(digit.astype("float32")[..., None] / 255.0, verbose=0)
    ref = numpy_forward(model, digit)
    for layer_maps, name in zip(ours, ref):
        assert layer_maps.shape == ref[name].shape
        assert np.allclose(layer_maps, ref[name], atol=1e-3), name


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
@pytest.mark.checks("feature_maps/zeros")
@pytest.mark.guards("feature-maps.md", "The classifier's maps, with no ReLU, are practically never exactly zero")
def test_zero_fractions_against_numpy_forward(model):
    c = published("feature_maps/zeros")
    rows = c.tables["zeros"]["rows"]
    assert c.values["subset"]["value"] == ZERO_SUBSET
    ref = numpy_forward(model, load_mnist().x_test[:ZERO_SUBSET])
    assert [r[0] for r in rows] == list(ref)
    for name, after, fraction in rows:
        expected = float((ref[name] == 0).mean())
        assert fraction == pytest.approx(expected, abs=2e-3), name
        if after.endswith("_relu"):
            assert 0 < fraction < 1
        else:
            assert fraction < 0.01  # no ReLU: the page says these are practically never zero
    relu = [r[2] for r in rows if r[1].endswith("_relu")]
    assert c.values["min_zero"]["value"] == min(relu) and c.values["max_zero"]["value"] == max(relu)


def test_caption_words_come_from_the_drawn_colour_maps():
    from cnn_glossary.figures.conv import feature_map_figure, scale_words

    signed = feature_map_figure(np.array([[[-1.0, 2.0], [0.5, 0.0]]]).reshape(2, 1, 2), "t")
    assert {im.get_cmap().name for ax in signed.axes for im in ax.images} == {"PuOr_r", "gray_r"}
    assert "purple is negative" in scale_words(signed) and "white is 0" in scale_words(signed)
    plain = feature_map_figure(np.abs(np.arange(8.0)).reshape(2, 2, 2), "t")
    assert scale_words(plain) == "white is 0 and darker is larger"


@pytest.mark.checks("feature_maps/worked")
@pytest.mark.guards("feature-maps.md", "where the input rises most from the left column of the window to the right one")
def test_worked_map_against_scipy():
    from scipy.signal import correlate2d

    c = publish.collect(SNIPPETS / "worked.py")
    v = {k: d["value"] for k, d in c.values.items()}
    x, kernel, bias = np.array(v["input"]), np.array(v["kernel"]), v["bias"]
    z = correlate2d(x, kernel, mode="valid") + bias
    assert np.allclose(v["z"], z) and np.allclose(v["feature_map"], np.where(z > 0, z, 0))
    fm = np.array(v["feature_map"])
    assert v["n_zero"] == int((fm == 0).sum()) and 0 < v["n_zero"] < fm.size
    # "real-valued, not binary": the worked map holds several different positive values
    assert len(v["distinct_positive"]) >= 3 and v["distinct_positive"] == sorted(set(fm[fm > 0].tolist()))
    negative, zero = int((z < 0).sum()), int((z == 0).sum())
    assert f"the {negative} negative cells to 0" in c.figures["worked"].caption
    assert (f"and {zero} sums are 0 already" in c.figures["worked"].caption) == (zero > 0)
    # "the largest where the input rises most from the window's left column to its right one": the filter is
    # right column minus left column, so the largest sum sits where that rise is largest
    rises = [[(x[r:r + 2, c + 1] - x[r:r + 2, c]).sum() for c in range(z.shape[1])] for r in range(z.shape[0])]
    assert np.array_equal(kernel, [[-1, 1], [-1, 1]])
    assert np.unravel_index(np.argmax(rises), z.shape) == np.unravel_index(np.argmax(z), z.shape)
