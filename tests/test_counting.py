"""Our parameter and multiply-add counter against Keras; the 1x1-convolution page's numbers."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnn_glossary import counting, publish
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


# --- Dense, pooling and whole models -------------------------------------------------------------


@pytest.mark.parametrize("name", ["MobileNetV2", "ResNet50", "VGG16"])
def test_count_model_parameters_match_keras_layer_by_layer(name):
    import keras

    model = getattr(keras.applications, name)(weights=None, input_shape=(32, 32, 3), classes=10)
    counts = counting.count_model(model)
    assert [c.name for c in counts] == [layer.name for layer in model.layers]
    for c, layer in zip(counts, model.layers):
        assert c.parameters == layer.count_params(), (c.name, c.kind)
    assert sum(c.parameters for c in counts) == model.count_params()
    kinds = {c.kind for c in counts}
    assert "Dense" in kinds and ("BatchNormalization" in kinds or name == "VGG16")


def test_count_model_by_hand_on_a_small_model():
    """Every layer's multiply-adds and parameters, worked out by hand for an 8x8x3 input."""
    import keras

    L = keras.layers
    x = keras.Input((8, 8, 3))
    y = L.Conv2D(4, 3, name="conv")(x)  # 6x6x4
    y = L.BatchNormalization(name="bn")(y)
    y = L.DepthwiseConv2D(3, padding="same", depth_multiplier=2, use_bias=False, name="dw")(y)  # 6x6x8
    y = L.SeparableConv2D(5, 3, strides=2, name="sep")(y)  # 2x2x5
    y = L.Dense(7, name="per_pixel")(y)  # 2x2x7, one dense product at each of 4 pixels
    y = L.MaxPooling2D(2, name="pool")(y)  # 1x1x7
    y = L.Flatten(name="flat")(y)
    y = L.Dense(10, use_bias=False, name="head")(y)
    model = keras.Model(x, y)
    got = {c.name: (c.parameters, c.mult_adds) for c in counting.count_model(model)}
    assert got == {
        model.layers[0].name: (0, 0),
        "conv": (3 * 3 * 3 * 4 + 4, 6 * 6 * 4 * (3 * 3 * 3)),
        "bn": (4 * 4, 0),
        "dw": (3 * 3 * 4 * 2, 6 * 6 * 8 * (3 * 3)),
        "sep": (3 * 3 * 8 + 8 * 5 + 5, 2 * 2 * (8 * 3 * 3) + 2 * 2 * 5 * 8),
        "per_pixel": (5 * 7 + 7, 4 * 5 * 7),
        "pool": (0, 0),
        "flat": (0, 0),
        "head": (7 * 10, 7 * 10),
    }


def test_count_dense_and_pool():
    assert counting.count_dense(784, 10) == (7850, 7840)
    assert counting.count_dense(3, 2, bias=False, positions=5) == (6, 30)
    assert counting.count_pool(14, 32, 2) == (0, 0)
    with pytest.raises(ValueError):
        counting.count_pool(14, 0, 2)


def test_count_model_refuses_an_unknown_layer():
    import keras

    model = keras.Sequential([keras.Input((4, 4, 2)), keras.layers.LayerNormalization()])
    with pytest.raises(ValueError, match="counting does not know LayerNormalization"):
        counting.count_model(model)
