"""The Convolution page's worked example and its translation-equivariance claim, against SciPy and NumPy."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
from scipy.signal import correlate2d

from cnn_glossary import publish
from cnn_glossary.featuremaps import inner_region, shift_image
from cnn_glossary.kernels import DIGIT_INDEX
from cnn_glossary.mnist import results
from cnn_glossary.mnist.data import load_mnist

from .conftest import ROOT

SNIPPETS = ROOT / "snippets" / "convolution"


@pytest.mark.checks("convolution/worked")
def test_worked_example_every_product():
    c = publish.collect(SNIPPETS / "worked.py")
    v = {k: d["value"] for k, d in c.values.items()}
    x, kernel, bias = np.array(v["input"]), np.array(v["kernel"]), v["bias"]
    assert x.shape == (3, 3) and kernel.shape == (2, 2)
    expected = correlate2d(x, kernel, mode="valid") + bias
    assert np.allclose(v["layer_output"], expected) and np.allclose(v["loop_output"], expected)
    for cell, products, total, b, out in c.tables["products"]["rows"]:
        r, q = (int(t) for t in cell.strip("[]").split(","))
        # the written-out products, evaluated as arithmetic, give the window's dot product
        terms = [t.replace("(", "").replace(")", "").split("·") for t in products.split(" + ")]
        assert [float(a) for a, _ in terms] == x[r:r + 2, q:q + 2].ravel().tolist()
        assert [float(w) for _, w in terms] == kernel.ravel().tolist()
        assert float(total) == sum(float(a) * float(w) for a, w in terms)
        assert float(b) == bias and out == expected[r, q]


def _first_layer_numpy(model, image):
    """conv1 ("same", no bias) by SciPy, then batch norm and ReLU in NumPy."""
    conv = model.get_layer("conv1")
    w = conv.get_weights()[0].astype("float64")
    gamma, beta, mean, var = (a.astype("float64") for a in model.get_layer("conv1_bn").get_weights())
    eps = model.get_layer("conv1_bn").epsilon
    z = np.stack([correlate2d(np.pad(image, 1), w[:, :, 0, f], mode="valid") for f in range(w.shape[-1])], -1)
    return np.maximum(gamma * (z - mean) / np.sqrt(var + eps) + beta, 0.0)


@pytest.fixture(scope="module")
def equivariance():
    return publish.collect(SNIPPETS / "equivariance.py")


@pytest.mark.checks("convolution/equivariance")
@pytest.mark.guards("convolution.md", "maps moved by the same amount: away from the borders")
@pytest.mark.guards("convolution.md", "exactly at stride 1 and away from the borders, as measured below")
def test_shifted_digit_shifts_the_maps(equivariance):
    c = equivariance
    v = {k: d["value"] for k, d in c.values.items()}
    down, right = v["down"], v["right"]
    assert 1 <= abs(down) <= 5 and 1 <= abs(right) <= 5  # "a few pixels"
    model = results.load_result().load_model()
    digit = load_mnist().x_test[DIGIT_INDEX].astype("float64") / 255.0
    # the shift by np.roll, with the wrapped-around rows checked to be empty ink
    moved = np.roll(digit, (down, right), axis=(0, 1))
    assert np.array_equal(moved, shift_image(digit, down, right)), "the shift must not cut or wrap any ink"
    maps, maps_moved = _first_layer_numpy(model, digit), _first_layer_numpy(model, moved)
    rolled = np.roll(maps, (down, right), axis=(0, 1))
    rows, cols = inner_region(maps.shape, down, right, margin=1)
    assert (rows.stop - rows.start) >= 20 and (cols.stop - cols.start) >= 20  # most of the map is compared
    diff = np.abs(maps_moved[rows, cols] - rolled[rows, cols]).max()
    assert diff < 1e-6 and v["max_difference"] < 1e-4  # equal, up to float32 rounding in Keras
    assert v["unshifted_difference"] == pytest.approx(np.abs(maps_moved[rows, cols] - maps[rows, cols]).max(),
                                                      abs=1e-3)
    assert v["unshifted_difference"] > 1.0  # the maps really move: unshifted, they differ
    assert tuple(v["maps_shape"]) == maps.shape
    caption = c.figures["shift"].caption
    assert ("equal the shifted originals exactly" in caption) == (v["max_difference"] == 0)


@pytest.mark.checks("convolution/equivariance")
@pytest.mark.guards("convolution.md", "which is where a Keras stride-2 layer centres its windows on this input")
def test_the_stride_two_reading_is_what_keras_stride_two_layers_compute(equivariance):
    """The snippet's stride-2 reading (the stride-1 maps at odd rows and columns) equals conv1 run by
    tf.nn.conv2d with stride 2, "SAME" (TensorFlow's extra zero at the bottom and right) and "VALID", then the
    layer's batch norm and ReLU; the even positions (symmetric padding of one zero) are a different reading."""
    import tensorflow as tf

    source = (SNIPPETS / "equivariance.py").read_text()
    assert "every_second = maps[1::2, 1::2]" in source  # the reading the snippet publishes
    model = results.load_result().load_model()
    digit = load_mnist().x_test[DIGIT_INDEX].astype("float64") / 255.0
    maps = _first_layer_numpy(model, digit)
    w = model.get_layer("conv1").get_weights()[0].astype("float64")
    gamma, beta, mean, var = (a.astype("float64") for a in model.get_layer("conv1_bn").get_weights())
    eps = model.get_layer("conv1_bn").epsilon
    x = tf.constant(digit[None, :, :, None])
    for padding, rows in (("SAME", slice(1, None, 2)), ("VALID", slice(1, digit.shape[0] - 1, 2))):
        z = tf.nn.conv2d(x, tf.constant(w), strides=2, padding=padding).numpy()[0]
        stride2 = np.maximum(gamma * (z - mean) / np.sqrt(var + eps) + beta, 0.0)
        assert stride2.shape == maps[rows, rows].shape, padding
        assert np.abs(stride2 - maps[rows, rows]).max() < 1e-9, padding
    z_same = tf.nn.conv2d(x, tf.constant(w), strides=2, padding="SAME").numpy()[0]
    same2 = np.maximum(gamma * (z_same - mean) / np.sqrt(var + eps) + beta, 0.0)
    assert np.abs(same2 - maps[::2, ::2]).max() > 0.1  # the other phase would not be what Keras computes


@pytest.mark.checks("convolution/equivariance")
@pytest.mark.guards("convolution.md", "the maps follow a move by 2 pixels with a move by one cell")
@pytest.mark.guards("convolution.md", "A stride of 2, or a border, breaks this")
@pytest.mark.guards("convolution.md", "a stride-2 layer is equivariant only to moves by multiples of 2")
@pytest.mark.guards("convolution.md", "but no move of the output matches the move by 3")
@pytest.mark.guards("convolution.md", "where the kernel reads padding instead of ink, they differ by up to")
def test_equivariance_fails_at_stride_two_for_odd_moves_and_at_the_border(equivariance):
    """The conditions, recomputed with SciPy and NumPy: a stride-2 reading (the odd rows and columns) follows
    a move by 2 pixels but matches no move for 3; and where ink leaves the image, the last column differs."""
    v = {k: d["value"] for k, d in equivariance.values.items()}
    model = results.load_result().load_model()
    digit = load_mnist().x_test[DIGIT_INDEX].astype("float64") / 255.0
    maps = _first_layer_numpy(model, digit)
    s2 = maps[1::2, 1::2]  # the odd rows and columns: where Keras's stride-2 layers centre their windows here
    n = s2.shape[0]
    inner = (slice(3, n - 1), slice(1, n - 3))  # clear of the borders and of the cells any move below lets in

    def moved_maps(down, right):
        moved = np.roll(digit, (down, right), axis=(0, 1))
        assert np.array_equal(moved, shift_image(digit, down, right)), "the move must not cut or wrap any ink"
        return _first_layer_numpy(model, moved)

    even = np.abs(moved_maps(2, -2)[1::2, 1::2] - np.roll(s2, (1, -1), axis=(0, 1)))[inner].max()
    assert even < 1e-6 and v["even_difference"] < 1e-4
    odd_moved = moved_maps(v["down"], v["right"])[1::2, 1::2]
    assert abs(v["down"]) % 2 == 1 and abs(v["right"]) % 2 == 1  # the page's move is odd in both directions
    odd = min(np.abs(odd_moved - np.roll(s2, (a, b), axis=(0, 1)))[inner].max() for a in (1, 2) for b in (-1, -2))
    assert odd > 1.0 and v["odd_difference"] == pytest.approx(odd, abs=1e-3)
    # at stride 1 the same odd move is followed exactly (the first test), so it is the stride that breaks it
    # the border: move the digit right until ink leaves the image
    right = v["cut_right"]
    ink = np.flatnonzero(digit.max(axis=0) > 0)
    assert ink[-1] + right - (digit.shape[1] - 1) == v["cut_columns"] >= 1  # that many ink columns fall off
    cut = np.zeros_like(digit)
    cut[:, right:] = digit[:, :digit.shape[1] - right]
    cut_maps = _first_layer_numpy(model, cut)
    expected = np.zeros_like(maps)
    expected[:, right:] = maps[:, :maps.shape[1] - right]
    away = np.abs(cut_maps - expected)[1:-1, right + 1:-1].max()
    edge = np.abs(cut_maps - expected)[:, -1].max()
    assert away < 1e-6 and v["cut_away_difference"] < 1e-4
    assert edge > 0.1 and v["cut_edge_difference"] == pytest.approx(edge, abs=1e-3)
