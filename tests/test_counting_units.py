"""Fast unit tests for the counter: small hand-built Keras models, each layer's parameters from Keras itself
(``count_params()`` and the weight shapes) and its multiply-adds worked out in the test from the output shape.

These cover what the ``keras.applications`` tests in ``tests/test_counting.py`` cover (every layer kind those
networks use) without building a whole network, so that the mutation run stays quick.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from fractions import Fraction

import numpy as np
import pytest
from scipy.signal import convolve2d, correlate2d

from cnn_glossary import counting
from cnn_glossary.counting import ConvLayer

keras = pytest.importorskip("keras")
L = keras.layers


def by_name(model):
    return {c.name: c for c in counting.count_model(model)}


def check_against_keras(model):
    """Every layer's parameters equal Keras's count, and the shapes are Keras's own."""
    counts = counting.count_model(model)
    layers = [layer for layer in model.layers]
    assert [c.name for c in counts] == [layer.name for layer in layers]
    for c, layer in zip(counts, layers):
        assert c.parameters == layer.count_params(), (c.name, c.kind)
        assert c.kind == type(layer).__name__
        assert c.output_shape == tuple(layer.output.shape)
        assert type(c.parameters) is int and type(c.mult_adds) is int, c.name  # a table shows "108", not "108.0"
    return {c.name: c for c in counts}


def test_conv2d_variants_parameters_and_mult_adds():
    x = keras.Input((9, 10, 4))
    a = L.Conv2D(6, 3, name="plain")(x)  # 7x8x6
    b = L.Conv2D(6, (3, 2), strides=2, padding="same", use_bias=False, name="strided")(x)  # 5x5x6
    c = L.Conv2D(6, 3, dilation_rate=2, name="dilated")(x)  # 5x6x6
    d = L.Conv2D(6, (1, 3), groups=2, name="grouped")(x)  # 9x8x6, each group 2 in -> 3 out
    e = L.Conv2D(8, 1, groups=4, use_bias=False, name="grouped_1x1")(x)  # 9x10x8, each group 1 in -> 2 out
    model = keras.Model(x, [a, b, c, d, e])
    got = check_against_keras(model)
    # multiply-adds: each output element costs one product per kernel weight feeding it
    assert got["plain"].mult_adds == 7 * 8 * 6 * (3 * 3 * 4)
    assert got["plain"].parameters == 3 * 3 * 4 * 6 + 6
    assert got["strided"].mult_adds == 5 * 5 * 6 * (3 * 2 * 4)
    assert got["strided"].parameters == 3 * 2 * 4 * 6
    assert got["dilated"].mult_adds == 5 * 6 * 6 * (3 * 3 * 4)  # dilation spreads taps, adds none
    assert got["grouped"].mult_adds == 9 * 8 * 6 * (1 * 3 * 2)
    assert got["grouped"].parameters == 1 * 3 * 2 * 6 + 6
    assert got["grouped_1x1"].mult_adds == 9 * 10 * 8 * 1
    assert got["grouped_1x1"].parameters == 4 * 2
    for name in ("plain", "strided", "dilated", "grouped", "grouped_1x1"):  # weight shapes, read from Keras
        layer = model.get_layer(name)
        _, h, w, c_out = layer.output.shape
        assert got[name].mult_adds == h * w * c_out * int(np.prod(layer.kernel.shape[:-1])), name


def test_depthwise_and_separable_variants():
    x = keras.Input((8, 7, 3))
    a = L.DepthwiseConv2D(3, depth_multiplier=2, name="dw")(x)  # 6x5x6, bias 6
    b = L.DepthwiseConv2D((2, 3), strides=2, padding="same", use_bias=False, name="dw_nobias")(x)  # 4x4x3
    c = L.SeparableConv2D(5, 3, depth_multiplier=3, name="sep")(x)  # 6x5x5; mid 9
    d = L.SeparableConv2D(4, (1, 2), use_bias=False, name="sep_nobias")(x)  # 8x6x4; mid 3
    model = keras.Model(x, [a, b, c, d])
    got = check_against_keras(model)
    assert (got["dw"].parameters, got["dw"].mult_adds) == (3 * 3 * 3 * 2 + 6, 6 * 5 * 6 * 9)
    assert (got["dw_nobias"].parameters, got["dw_nobias"].mult_adds) == (2 * 3 * 3, 4 * 4 * 3 * 6)
    assert got["sep"].parameters == 3 * 3 * 9 + 9 * 5 + 5
    assert got["sep"].mult_adds == 6 * 5 * 9 * 9 + 6 * 5 * 5 * 9  # depthwise part, then pointwise part
    assert got["sep_nobias"].parameters == 1 * 2 * 3 + 3 * 4
    assert got["sep_nobias"].mult_adds == 8 * 6 * 3 * 2 + 8 * 6 * 4 * 3


def test_dense_on_vectors_sequences_and_maps():
    x = keras.Input((3, 4, 5))
    m = L.Dense(2, name="per_pixel")(x)  # 3x4x2: a 5 -> 2 product at each of 12 pixels
    s = L.Dense(6, use_bias=False, name="per_row")(L.Reshape((12, 5))(x))  # 12 positions
    v = L.Dense(7, name="head")(L.Flatten()(x))  # 60 -> 7
    model = keras.Model(x, [m, s, v])
    got = check_against_keras(model)
    assert (got["per_pixel"].parameters, got["per_pixel"].mult_adds) == (5 * 2 + 2, 12 * 5 * 2)
    assert (got["per_row"].parameters, got["per_row"].mult_adds) == (5 * 6, 12 * 5 * 6)
    assert (got["head"].parameters, got["head"].mult_adds) == (60 * 7 + 7, 60 * 7)


@pytest.mark.parametrize("center,scale", [(True, True), (False, True), (True, False), (False, False)])
def test_batch_norm_parameters(center, scale):
    x = keras.Input((4, 5, 6))
    y = L.BatchNormalization(center=center, scale=scale, name="bn")(x)
    z = L.BatchNormalization(axis=1, name="bn_rows")(x)  # normalises over the 4 rows instead
    got = check_against_keras(keras.Model(x, [y, z]))
    # moving mean and variance always, plus beta (center) and gamma (scale) when asked for
    assert got["bn"].parameters == 6 * (2 + center + scale)
    assert got["bn_rows"].parameters == 4 * 4
    assert got["bn"].mult_adds == got["bn_rows"].mult_adds == 0


def test_weightless_layers_count_nothing():
    x = keras.Input((8, 8, 2))
    y = L.ZeroPadding2D(1)(x)
    y = L.Cropping2D(1)(y)
    y = L.MaxPooling2D(2)(y)
    y = L.AveragePooling2D(2, padding="same")(y)
    y = L.ReLU()(y)
    y = L.Dropout(0.5)(y)
    g = L.GlobalAveragePooling2D()(y)
    h = L.GlobalMaxPooling2D()(y)
    model = keras.Model(x, L.Concatenate()([L.Add()([g, h]), L.Multiply()([g, h])]))
    counts = counting.count_model(model)
    assert len(counts) == len(model.layers) and counts[0].kind == "InputLayer"
    assert counts[0].output_shape == (None, 8, 8, 2)
    assert all((c.parameters, c.mult_adds) == (0, 0) for c in counts)
    assert model.count_params() == 0


def test_nested_models_are_counted_through_their_layers():
    inner = keras.Sequential([keras.Input((6, 6, 2)), L.Conv2D(3, 3, name="inner_conv"), L.ReLU(name="inner_relu")],
                             name="inner_seq")
    x = keras.Input((6, 6, 2))
    f_in = keras.Input((4, 4, 3))
    inner_f = keras.Model(f_in, L.Conv2D(2, 1, use_bias=False, name="inner_f_conv")(f_in), name="inner_functional")
    y = L.Dense(4, name="outer_dense")(L.Flatten()(inner_f(inner(x))))
    model = keras.Model(x, y)
    counts = counting.count_model(model)
    names = [c.name for c in counts]
    assert "inner_seq" not in names and "inner_functional" not in names
    assert names[1:3] == ["inner_conv", "inner_relu"]
    got = {c.name: c for c in counts}
    assert got["inner_conv"].parameters == model.get_layer("inner_seq").get_layer("inner_conv").count_params()
    assert got["inner_conv"].mult_adds == 4 * 4 * 3 * (3 * 3 * 2)
    assert got["inner_f_conv"].mult_adds == 4 * 4 * 2 * 3
    assert sum(c.parameters for c in counts) == model.count_params()


def test_sequential_model_is_counted():
    model = keras.Sequential([keras.Input((5, 5, 1)), L.Conv2D(2, 3, name="c"), L.Flatten(name="f"),
                              L.Dense(3, name="d")])
    got = check_against_keras(model)
    assert list(got) == ["c", "f", "d"]
    assert got["d"].mult_adds == 18 * 3


def test_a_layer_listed_as_weightless_that_has_weights_is_refused():
    class ReLU(L.Layer):  # noqa: N801 - named like a weightless layer on purpose
        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1],), initializer="ones")

        def call(self, x):
            return x * self.w

    model = keras.Sequential([keras.Input((3, 3, 2)), ReLU(name="fake_relu")])
    with pytest.raises(ValueError, match=r"layer fake_relu \(ReLU\) has weights but is listed as weightless"):
        counting.count_model(model)


def test_unknown_layer_message_names_the_layer_and_the_fix():
    model = keras.Sequential([keras.Input((4, 4, 2)), L.LayerNormalization(name="ln")])
    with pytest.raises(ValueError, match="^layer ln: counting does not know LayerNormalization; add it to count_layer$"):
        counting.count_model(model)


def test_count_pool_accepts_the_smallest_valid_arguments_and_refuses_the_rest():
    assert counting.count_pool(0, 1, 1) == (0, 0)
    assert counting.count_pool(7, 3, 2) == (0, 0)
    for bad in ((-1, 1, 1), (1, 0, 1), (1, 1, 0)):
        with pytest.raises(ValueError, match="^need output_size >= 0, channels >= 1 and pool_size >= 1$"):
            counting.count_pool(*bad)


def test_count_dense_defaults_and_positions():
    assert counting.count_dense(4, 3) == (4 * 3 + 3, 4 * 3)
    assert counting.count_dense(4, 3, False) == (12, 12)
    assert counting.count_dense(4, 3, True, 5) == (15, 60)


def test_conv_layer_defaults_are_stride_1_same_padding_with_bias():
    layer = ConvLayer("c", 3, 5)
    c = counting.count_conv(layer, 7, 2)
    model = keras.Sequential([keras.Input((7, 7, 2)), L.Conv2D(5, 3, strides=1, padding="same", use_bias=True)])
    assert (c.parameters, c.output_size) == (model.count_params(), 7)
    assert c.mult_adds == 7 * 7 * 5 * 3 * 3 * 2
    assert (c.name, c.input_size, c.channels_in, c.channels_out) == ("c", 7, 2, 5)


def test_count_chain_with_integer_padding_and_stride():
    layers = [ConvLayer("a", 3, 4, stride=2, padding=1, bias=False), ConvLayer("b", 1, 6, padding=0)]
    counts = counting.count_chain(layers, 9, 3)
    x = keras.Input((9, 9, 3))
    first = L.Conv2D(4, 3, strides=2, use_bias=False)(L.ZeroPadding2D(1)(x))
    model = keras.Model(x, L.Conv2D(6, 1)(first))
    assert [c.output_size for c in counts] == [5, 5] == [first.shape[1], model.output.shape[1]]
    assert [c.channels_in for c in counts] == [3, 4]
    assert [c.input_size for c in counts] == [9, 5]
    assert counting.total(counts) == (model.count_params(), 5 * 5 * 4 * 27 + 5 * 5 * 6 * 4)


def test_block_output_channels_passes_an_empty_branch_through():
    branches = {"a": [ConvLayer("a1", 1, 3), ConvLayer("a2", 3, 5)], "pool": []}
    assert counting.block_output_channels(branches, 7) == 5 + 7
    model = counting.keras_block(keras, branches, 6, 7)
    assert model.output.shape[-1] == 12
    nopool = counting.keras_block(keras, branches, 6, 7, pool=False)
    assert not any(isinstance(layer, L.MaxPooling2D) for layer in nopool.layers)
    assert any(isinstance(layer, L.MaxPooling2D) for layer in model.layers)
    counts = counting.count_block(branches, 6, 7)
    assert list(counts) == ["a", "pool"] and counts["pool"] == []
    assert [c.channels_in for c in counts["a"]] == [7, 3]


def test_keras_chain_builds_the_described_layers():
    layers = [ConvLayer("a", 3, 4, stride=2, padding="valid", bias=False), ConvLayer("b", 1, 2)]
    model = counting.keras_chain(keras, layers, 9, 3)
    convs = [layer for layer in model.layers if isinstance(layer, L.Conv2D)]
    assert [(c.filters, c.kernel_size, c.strides, c.padding, c.use_bias) for c in convs] == [
        (4, (3, 3), (2, 2), "valid", False), (2, (1, 1), (1, 1), "same", True)]
    assert tuple(model.input.shape) == (None, 9, 9, 3)


def test_shift_tensor_is_full_convolution_of_two_kernels():
    rng = np.random.default_rng(2)
    for k in (2, 3):
        a, b = rng.normal(size=(k, k)), rng.normal(size=(k, k))
        s = counting._shift_tensor(k)
        assert s.shape == (2 * k - 1, 2 * k - 1, k, k, k, k)
        assert np.allclose(np.einsum("pquvxy,uv,xy->pq", s, a, b), convolve2d(a, b))


def test_composed_kernel_accepts_two_and_three_dimensional_kernels():
    rng = np.random.default_rng(4)
    a2, b2 = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    assert np.allclose(counting.composed_kernel(a2, b2)[:, :, 0, 0], convolve2d(a2, b2))
    # 3-D first kernel: (3, 3, channels_mid), one input channel; 3-D second: (3, 3, channels_mid), one output
    a3, b3 = rng.normal(size=(3, 3, 2)), rng.normal(size=(3, 3, 2))
    expected = sum(convolve2d(a3[:, :, m], b3[:, :, m]) for m in range(2))
    got = counting.composed_kernel(a3, b3)
    assert got.shape == (5, 5, 1, 1) and np.allclose(got[:, :, 0, 0], expected)
    # mixed: a 4-D first layer into a 2-D second layer (one middle and one output channel)
    a4 = rng.normal(size=(3, 3, 2, 1))
    got = counting.composed_kernel(a4, b2)
    assert got.shape == (5, 5, 2, 1)
    for i in range(2):
        assert np.allclose(got[:, :, i, 0], convolve2d(a4[:, :, i, 0], b2))


def test_composed_kernel_of_integer_kernels_is_exact_float():
    a = np.arange(9).reshape(3, 3)
    b = np.ones((3, 3), int)
    got = counting.composed_kernel(a, b)
    assert got.dtype == float and np.array_equal(got[:, :, 0, 0], convolve2d(a, b))


def test_fit_two_3x3_exact_target_stops_at_a_tiny_residual():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    target = convolve2d(a, b)  # exactly reachable with one middle channel
    res, fa, fb = counting.fit_two_3x3(target, 1, restarts=3)
    assert res < 1e-9
    assert fa.shape == (3, 3, 1, 1) and fb.shape == (3, 3, 1, 1)
    assert np.allclose(convolve2d(fa[:, :, 0, 0], fb[:, :, 0, 0]), target, atol=1e-8)


def test_fit_two_3x3_returns_the_pair_it_scores():
    """The residual returned is the residual of the returned kernels, on a multi-channel target."""
    rng = np.random.default_rng(9)
    target = rng.normal(size=(5, 5, 2, 2))
    res, a, b = counting.fit_two_3x3(target, 2, restarts=2, iterations=30, seed=3)
    assert a.shape == (3, 3, 2, 2) and b.shape == (3, 3, 2, 2)
    fit = np.zeros((5, 5, 2, 2))
    for i in range(2):
        for o in range(2):
            fit[:, :, i, o] = sum(convolve2d(a[:, :, i, m], b[:, :, m, o]) for m in range(2))
    assert np.isclose(np.linalg.norm(fit - target) / np.linalg.norm(target), res, rtol=1e-9)
    assert 0 < res < 1


def test_winograd_counts_and_direct_multiplications():
    rng = np.random.default_rng(6)
    tile, kernel = rng.normal(size=(4, 4)), rng.normal(size=(3, 3))
    out, mults = counting.winograd_2x2_3x3(tile, kernel)
    assert mults == 16 and out.shape == (2, 2)
    assert np.allclose(out, correlate2d(tile, kernel, mode="valid"))
    assert counting.direct_multiplications(2, 3) == 36
    assert counting.direct_multiplications(5, 2) == 100


def test_keras_block_builds_the_described_branches():
    branches = {"a": [ConvLayer("a1", 3, 4, stride=2, bias=False)], "pool": [ConvLayer("p1", 1, 2, 2, "valid")]}
    model = counting.keras_block(keras, branches, 8, 3)
    pools = [layer for layer in model.layers if isinstance(layer, L.MaxPooling2D)]
    assert len(pools) == 1 and (pools[0].pool_size, pools[0].strides, pools[0].padding) == ((3, 3), (1, 1), "same")
    (after_pool,) = [layer for layer in model.layers if isinstance(layer, L.Conv2D) and layer.input is pools[0].output]
    assert (after_pool.filters, after_pool.kernel_size, after_pool.strides, after_pool.padding, after_pool.use_bias) == (
        2, (1, 1), (2, 2), "valid", True)
    (a1,) = [layer for layer in model.layers if isinstance(layer, L.Conv2D) and layer.filters == 4]
    assert (a1.kernel_size, a1.strides, a1.use_bias) == ((3, 3), (2, 2), False)
    assert a1.input is model.input  # the non-pool branch reads the block's input directly


def test_shift_tensor_default_is_for_3x3_kernels():
    assert counting._shift_tensor().shape == (5, 5, 3, 3, 3, 3)
    assert counting._shift_tensor().sum() == 3 ** 4  # one entry per pair of taps


def test_exact_fraction_kernels_are_read_as_floats():
    a = [[Fraction(i + 1, 3 + j) for j in range(3)] for i in range(3)]
    b = [[Fraction(1, 2)] * 3 for _ in range(3)]
    fa, fb = np.array(a, float), np.array(b, float)
    got = counting.composed_kernel(a, b)
    assert got.dtype == np.float64 and np.allclose(got[:, :, 0, 0], convolve2d(fa, fb))
    tile = [[Fraction(i - j, 7) for j in range(4)] for i in range(4)]
    out, _ = counting.winograd_2x2_3x3(tile, a)
    assert out.dtype == np.float64 and np.allclose(out, correlate2d(np.array(tile, float), fa, mode="valid"))
    target = [[Fraction(i * j + 1, 5) for j in range(5)] for i in range(5)]
    res, _, _ = counting.fit_two_3x3(target, 1, restarts=1, iterations=5)
    assert 0 <= res < 1


def test_fit_two_3x3_is_reproducible_from_its_seed():
    target = np.random.default_rng(12).normal(size=(5, 5))
    first = counting.fit_two_3x3(target, 1, restarts=2, iterations=20, seed=5)
    again = counting.fit_two_3x3(target, 1, restarts=2, iterations=20, seed=5)
    other = counting.fit_two_3x3(target, 1, restarts=2, iterations=20, seed=6)
    assert first[0] == again[0] and np.array_equal(first[1], again[1]) and np.array_equal(first[2], again[2])
    assert not np.array_equal(first[1], other[1])


def test_fit_two_3x3_stops_on_a_plateau_not_at_the_iteration_cap():
    """Once a step gains less than a millionth of the residual the descent stops, so a higher cap changes
    nothing for a target whose descent levels off early."""
    target = np.random.default_rng(11).normal(size=(5, 5))
    short = counting.fit_two_3x3(target, 1, restarts=1, iterations=50)
    long = counting.fit_two_3x3(target, 1, restarts=1, iterations=5000)
    assert short[0] == long[0] and np.array_equal(short[1], long[1]) and np.array_equal(short[2], long[2])


def test_a_subclassed_model_inside_a_model_is_refused_clearly():
    class Block(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.conv = L.Conv2D(2, 3)

        def call(self, x):
            return self.conv(x)

    class Model(Block):  # a subclass named like Keras's base class is still a subclassed model
        pass

    x = keras.Input((6, 6, 1))
    model = keras.Model(x, Block(name="block")(x))
    with pytest.raises(ValueError, match="^layer block: counting does not know Block; add it to count_layer$"):
        counting.count_model(model)
    # its inner layers record no inputs of their own, so they cannot be counted one by one
    model = keras.Model(x, Model(name="sub")(x))
    with pytest.raises(ValueError, match="^layer sub: counting does not know Model; add it to count_layer$"):
        counting.count_model(model)
