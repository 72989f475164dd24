"""The Filters page's snippets against independent oracles: SciPy, Keras count_params, least squares."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import correlate2d

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.kernels import DIGIT_INDEX, HAND_FILTERS, SOBEL_X, sobel_pairs

from .conftest import ROOT

keras = pytest.importorskip("keras")
SNIPPETS = ROOT / "snippets" / "filters"


def values(c):
    return {k: d["value"] for k, d in c.values.items()}


@pytest.fixture(scope="module")
def digit():
    return load_mnist().x_test[DIGIT_INDEX].astype("float64") / 255.0


@pytest.fixture(scope="module")
def model():
    return results.load_result().load_model()


@pytest.mark.checks("filters/hand_designed")
def test_hand_filters_against_scipy(digit):
    c = publish.collect(SNIPPETS / "hand_designed.py")
    v = values(c)
    responses = np.array(v["responses"])
    assert v["digit_label"] == load_mnist().y_test[DIGIT_INDEX]
    for i, (name, kernel) in enumerate(HAND_FILTERS.items()):
        ref = correlate2d(np.pad(digit, 1), kernel, mode="valid")  # "same" padding by hand
        assert np.allclose(responses[:, :, i], ref, atol=1e-3), name
        key = name.replace(" ", "_").lower()
        assert v[f"{key}_min"] == pytest.approx(ref.min(), abs=1e-4)
        assert v[f"{key}_max"] == pytest.approx(ref.max(), abs=1e-4)
    assert np.allclose(responses[:, :, 0], digit, atol=1e-4)  # identity (published rounded to 4 decimals)
    assert c.figures["hand_filters"].format == "png"


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
@pytest.mark.checks("filters/learned")
def test_learned_filters(model, digit):
    c = publish.collect(SNIPPETS / "learned.py")
    v = values(c)
    kernels = np.array(v["kernels"])
    layer = model.get_layer("conv1")
    assert kernels.shape == tuple(layer.kernel.shape) == (3, 3, 1, 16)
    assert np.allclose(kernels, layer.get_weights()[0])
    # the responses are what the model's own conv1 layer outputs, and what SciPy computes
    conv1 = np.asarray(keras.Model(model.input, layer.output)(digit[None, :, :, None].astype("float32")))[0]
    responses = np.array(v["responses"])
    assert np.allclose(responses, conv1, atol=1e-3)
    for f in range(16):
        assert np.allclose(responses[:, :, f], correlate2d(np.pad(digit, 1), kernels[:, :, 0, f], "valid"), atol=1e-3)
    # the "closest hand filter" column: recompute every cosine by a plain loop
    for f, total, name, cos in c.tables["closest"]["rows"]:
        w = kernels[:, :, 0, f].ravel()
        cosines = {n: float(np.dot(w, h.ravel()) / np.sqrt(np.dot(w, w) * np.dot(h.ravel(), h.ravel())))
                   for n, h in HAND_FILTERS.items()}
        best = max(cosines, key=lambda n: abs(cosines[n]))
        assert name == best and cos == pytest.approx(cosines[best], abs=1e-6)
        assert total == pytest.approx(w.sum(), abs=1e-6)


@pytest.mark.checks("filters/sharing")
def test_parameter_sharing_against_keras(model):
    c = publish.collect(SNIPPETS / "sharing.py")
    rows = c.tables["sharing"]["rows"]
    conv_layers = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert [r[0] for r in rows] == [layer.name for layer in conv_layers]
    for (name, _, _, conv, dense, ratio), layer in zip(rows, conv_layers):
        k = layer.kernel_size[0]
        cin, cout = layer.input.shape[-1], layer.filters
        assert conv == k * k * cin * cout + (cout if layer.use_bias else 0)
        n_in = int(np.prod(layer.input.shape[1:]))
        n_out = int(np.prod(layer.output.shape[1:]))
        dense_layer = keras.layers.Dense(n_out, use_bias=layer.use_bias)
        dense_layer.build((None, n_in))
        assert dense == dense_layer.count_params(), name
        del dense_layer
        assert ratio == pytest.approx(dense / conv)
    v = values(c)
    assert v["total_conv"] == sum(r[3] for r in rows)
    assert v["total_dense"] == sum(r[4] for r in rows)
    assert v["conv1_input"] == str(tuple(conv_layers[0].input.shape[1:]))
    assert v["conv1_output"] == str(tuple(conv_layers[0].output.shape[1:]))


def least_squares_kernel(x, y):
    """Closed form: every 3x3 patch (plus a 1 for the bias) against its target, solved by lstsq."""
    patches = sliding_window_view(x[..., 0], (3, 3), axis=(1, 2)).reshape(-1, 9).astype("float64")
    a = np.hstack([patches, np.ones((len(patches), 1))])
    solution, *_ = np.linalg.lstsq(a, y.reshape(-1).astype("float64"), rcond=None)
    return solution[:9].reshape(3, 3), solution[9]


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
@pytest.mark.checks("filters/learn_sobel")
def test_learned_sobel_against_least_squares():
    c = publish.collect(SNIPPETS / "learn_sobel.py")
    v = values(c)
    n = v["n_digits"]
    for convolve, key in ((False, "learned"), (True, "learned_from_convolution")):
        x, y = sobel_pairs(n, convolve=convolve)
        closed, bias = least_squares_kernel(x, y)
        expected = SOBEL_X[::-1, ::-1] if convolve else SOBEL_X
        assert np.allclose(closed, expected, atol=1e-4) and abs(bias) < 1e-4  # the problem has this solution
        assert np.allclose(np.array(v[key]), closed, atol=0.05)  # and training found it
    learned = np.array(v["learned"])
    flipped = np.array(v["learned_from_convolution"])
    assert v["max_error"] == pytest.approx(np.abs(learned - SOBEL_X).max())
    assert v["max_error_flipped"] == pytest.approx(np.abs(flipped - SOBEL_X[::-1, ::-1]).max())
    assert v["max_error_unflipped"] == pytest.approx(np.abs(flipped - SOBEL_X).max())
    assert v["max_error_unflipped"] > 1.0 > 0.05 > v["max_error_flipped"]
