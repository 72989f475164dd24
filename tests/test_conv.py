"""Convolution arithmetic against independent oracles: Keras layers, SciPy, a hand loop."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.signal import correlate2d

from cnn_glossary import publish
from cnn_glossary.conv import cross_correlate2d, effective_kernel_size, output_size, padding_amounts

from .conftest import ROOT

keras = pytest.importorskip("keras")


def keras_output_size(input_size, kernel_size, padding, stride, dilation) -> int:
    """Run a real Keras Conv2D on zeros and read the output's spatial size."""
    layers = []
    if isinstance(padding, int):
        layers.append(keras.layers.ZeroPadding2D(padding))
        mode = "valid"
    elif padding == "full":
        layers.append(keras.layers.ZeroPadding2D(effective_kernel_size(kernel_size, dilation) - 1))
        mode = "valid"
    else:
        mode = padding
    layers.append(keras.layers.Conv2D(1, kernel_size, strides=stride, dilation_rate=dilation, padding=mode))
    x = np.zeros((1, input_size, input_size, 1), dtype="float32")
    for layer in layers:
        x = layer(x)
    assert x.shape[1] == x.shape[2]
    return int(x.shape[1])


@pytest.mark.checks("convolution/output_size")
def test_snippet_table_matches_keras():
    published = publish.collect(ROOT / "snippets" / "convolution" / "output_size.py")
    table = published.tables["sizes"]
    assert len(table["rows"]) >= 6
    for i, k, p, s, d, o in table["rows"]:
        padding = int(p) if p.isdigit() else p
        assert keras_output_size(i, k, padding, s, d) == o, (i, k, p, s, d)
    assert published.values["mnist_first_layer"]["value"] == 26


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    input_size=st.integers(1, 40),
    kernel_size=st.integers(1, 7),
    padding=st.one_of(st.integers(0, 4), st.sampled_from(["valid", "same", "full"])),
    stride=st.integers(1, 4),
    dilation=st.integers(1, 3),
)
def test_output_size_matches_keras(input_size, kernel_size, padding, stride, dilation):
    if stride > 1 and dilation > 1:
        stride = 1  # TensorFlow does not support both at once
    pads = padding_amounts(input_size, kernel_size, padding, stride, dilation)
    if input_size + sum(pads) < effective_kernel_size(kernel_size, dilation):
        with pytest.raises(ValueError):
            output_size(input_size, kernel_size, padding, stride, dilation)
        return
    ours = output_size(input_size, kernel_size, padding, stride, dilation)
    assert ours == keras_output_size(input_size, kernel_size, padding, stride, dilation)


@pytest.mark.guards("convolution.md", "with any odd extra zero at the bottom and right")
def test_same_padding_puts_the_odd_zero_bottom_right():
    assert padding_amounts(6, 3, "same", stride=2) == (0, 1)
    # the TensorFlow convolution agrees: compare with an explicit (0, 1) pad
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 6)).astype("float32")
    k = rng.normal(size=(3, 3)).astype("float32")
    layer = keras.layers.Conv2D(1, 3, strides=2, padding="same", use_bias=False)
    layer.build((1, 6, 6, 1))
    layer.set_weights([k[:, :, None, None]])
    tf_out = np.asarray(layer(x[None, :, :, None]))[0, :, :, 0]
    manual = np.pad(x, ((0, 1), (0, 1)))
    assert np.allclose(tf_out, correlate2d(manual, k, mode="valid")[::2, ::2], atol=1e-5)
    assert tf_out.shape == (3, 3)  # ceil(6 / 2), as the page says of "same"


@pytest.mark.parametrize("padding", [0, 1, 2])
def test_reference_loop_matches_scipy(padding):
    rng = np.random.default_rng(padding)
    x = rng.normal(size=(9, 9))
    k = rng.normal(size=(3, 3))
    ours = cross_correlate2d(x, k, padding=padding)
    theirs = correlate2d(np.pad(x, padding), k, mode="valid")
    assert np.allclose(ours, theirs)


def test_reference_loop_matches_tensorflow_multichannel():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 8, 2)).astype("float32")
    k = rng.normal(size=(3, 3, 2, 3)).astype("float32")
    b = rng.normal(size=(3,)).astype("float32")
    layer = keras.layers.Conv2D(3, 3, strides=2, padding="same")
    layer.build((1, 8, 8, 2))
    layer.set_weights([k, b])
    tf_out = np.asarray(layer(x[None]))[0]
    assert np.allclose(cross_correlate2d(x, k, padding="same", stride=2, bias=b), tf_out, atol=1e-4)


@pytest.mark.guards("convolution.md", "Keras's Conv2D accepts two paddings")
def test_keras_conv2d_knows_valid_and_same_only():
    """The page says Conv2D accepts "valid" and "same" only: a third name must be refused."""
    for padding in ("valid", "same"):
        keras.layers.Conv2D(1, 3, padding=padding)
    with pytest.raises(ValueError):
        keras.layers.Conv2D(1, 3, padding="full")


@pytest.mark.parametrize("kernel_size,dilation", [(3, 1), (2, 1), (3, 2)])
@pytest.mark.guards("convolution.md", "full padding needs ZeroPadding2D")
def test_full_padding_is_zeropadding_then_valid(kernel_size, dilation):
    """"Full" padding (Dumoulin & Visin's term) in Keras: ZeroPadding2D(k_eff - 1), then a "valid" Conv2D."""
    rng = np.random.default_rng(kernel_size + dilation)
    x = rng.normal(size=(6, 6)).astype("float32")
    k = rng.normal(size=(kernel_size, kernel_size)).astype("float32")
    k_eff = effective_kernel_size(kernel_size, dilation)
    layer = keras.layers.Conv2D(1, kernel_size, dilation_rate=dilation, padding="valid", use_bias=False)
    layer.build((1, 6 + 2 * (k_eff - 1), 6 + 2 * (k_eff - 1), 1))
    layer.set_weights([k[:, :, None, None]])
    padded = keras.layers.ZeroPadding2D(k_eff - 1)(x[None, :, :, None])
    keras_out = np.asarray(layer(padded))[0, :, :, 0]
    # the NumPy reference pads k_eff - 1 zeros on each side for "full"
    assert np.allclose(keras_out, cross_correlate2d(x, k, padding="full", dilation=dilation), atol=1e-4)
    # and SciPy's own "full" mode says the same for an undilated kernel
    if dilation == 1:
        assert np.allclose(keras_out, correlate2d(x, k, mode="full"), atol=1e-4)
