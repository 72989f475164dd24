"""Our parameter and multiply-add counter against Keras; the 1x1-convolution page's numbers."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnn_glossary import publish
from cnn_glossary.conv import cross_correlate2d
from cnn_glossary.counting import (INCEPTION_3A, INCEPTION_NAIVE, ConvLayer, block_output_channels, count_block,
                                   count_chain, keras_block, keras_chain, total)

from .conftest import ROOT

keras = pytest.importorskip("keras")


def keras_mult_adds(model) -> int:
    """Multiply-adds read off a Keras model: output elements x (kernel weights per output channel)."""
    macs = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            _, h, w, c_out = layer.output.shape
            kernel = layer.kernel.shape
            macs += h * w * c_out * int(np.prod(kernel[:-1]))
    return macs


@settings(max_examples=8, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([1, 3, 5]), st.integers(1, 9), st.integers(1, 2),
                          st.sampled_from(["same", "valid"]), st.booleans()), min_size=1, max_size=3),
       st.integers(1, 5))
def test_chain_counts_match_keras(plan, channels_in):
    layers = [ConvLayer(f"c{i}", k, c, s, p, b) for i, (k, c, s, p, b) in enumerate(plan)]
    try:
        counts = count_chain(layers, 16, channels_in)
    except ValueError:  # the map became smaller than a kernel: Keras must refuse the chain too
        with pytest.raises(ValueError):
            keras_chain(keras, layers, 16, channels_in)
        return
    model = keras_chain(keras, layers, 16, channels_in)
    params, macs = total(counts)
    assert params == model.count_params()
    assert macs == keras_mult_adds(model)
    assert counts[-1].output_size == model.output.shape[1]


@pytest.mark.parametrize("branches", [INCEPTION_3A, INCEPTION_NAIVE])
def test_inception_block_counts_match_keras(branches):
    model = keras_block(keras, branches, 28, 192)
    counts = [c for chain in count_block(branches, 28, 192).values() for c in chain]
    assert total(counts) == (model.count_params(), keras_mult_adds(model))
    assert block_output_channels(branches, 192) == model.output.shape[-1]


@pytest.mark.checks("conv_1x1/bottleneck")
def test_bottleneck_snippet_numbers_match_keras():
    c = publish.collect(ROOT / "snippets" / "conv_1x1" / "bottleneck.py")
    rows = {r[0]: r for r in c.tables["five_by_five"]["rows"]}
    direct = keras.Sequential([keras.Input((28, 28, 192)), keras.layers.Conv2D(32, 5, padding="same")])
    reduced = keras.Sequential([keras.Input((28, 28, 192)), keras.layers.Conv2D(16, 1),
                                keras.layers.Conv2D(32, 5, padding="same")])
    assert rows["5x5 directly"][1:] == [direct.count_params(), keras_mult_adds(direct)]
    assert rows["1x1 to 16, then 5x5"][1:] == [reduced.count_params(), keras_mult_adds(reduced)]
    # closed form for the weights: 5*5*192*32 versus 192*16 + 5*5*16*32 (plus biases)
    assert rows["5x5 directly"][1] == 5 * 5 * 192 * 32 + 32
    assert rows["1x1 to 16, then 5x5"][1] == 192 * 16 + 16 + 5 * 5 * 16 * 32 + 32
    blocks = {r[0].split(" ")[0]: r for r in c.tables["inception"]["rows"]}
    for key, branches in (("without", INCEPTION_NAIVE), ("with", INCEPTION_3A)):
        model = keras_block(keras, branches, 28, 192)
        assert blocks[key][1:] == [model.output.shape[-1], model.count_params(), keras_mult_adds(model)]
    res = {r[0]: r for r in c.tables["resnet"]["rows"]}
    bottleneck = keras.Sequential([keras.Input((56, 56, 256)), keras.layers.Conv2D(64, 1),
                                   keras.layers.Conv2D(64, 3, padding="same"), keras.layers.Conv2D(256, 1)])
    assert res["1x1 down, 3x3, 1x1 up"][1:] == [bottleneck.count_params(), keras_mult_adds(bottleneck)]


@pytest.mark.checks("conv_1x1/pointwise")
def test_pointwise_snippet_conv_equals_per_pixel_dense():
    c = publish.collect(ROOT / "snippets" / "conv_1x1" / "pointwise.py")
    assert c.values["max_abs_difference"]["value"] < 1e-5
    assert c.values["conv_parameters"]["value"] == c.values["dense_parameters"]["value"]
    assert c.values["channels_out"]["value"] > c.values["channels_in"]["value"]  # the picture goes UP in channels
    assert "pointwise" in c.figures


def test_one_by_one_conv_is_a_matrix_product_at_every_pixel():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 5, 6))
    w = rng.normal(size=(1, 1, 6, 2))
    loop = cross_correlate2d(x, w)  # the plain-loop reference convolution
    assert np.allclose(loop, x @ w[0, 0])
    layer = keras.layers.Conv2D(2, 1, use_bias=False)
    layer.build((1, 5, 5, 6))
    layer.set_weights([w.astype("float32")])
    assert np.allclose(np.asarray(layer(x[None].astype("float32")))[0], loop, atol=1e-5)
