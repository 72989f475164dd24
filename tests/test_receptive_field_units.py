"""Fast unit tests for the receptive-field calculator's pieces, each against an independent oracle: TensorFlow's
own "same" padding, the gradient of one unit of a small Keras model, or a hand computation written here.

They cover what the slow ``keras.applications`` tests cover (merges, padding, cropping, global layers, the
report's formatting, the measuring helpers) on models small enough for the mutation run.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from cnn_glossary import receptive_field as rf
from cnn_glossary.receptive_field import Axis, LayerField

from .test_receptive_field import check_layers

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")
L = keras.layers


def test_pair_reads_ints_pairs_and_one_element_sequences():
    assert rf._pair(3) == (3, 3)
    assert rf._pair((2, 5)) == (2, 5)
    assert rf._pair([4]) == (4, 4)
    assert rf._pair(np.array([1, 6])) == (1, 6) and all(type(v) is int for v in rf._pair(np.array([1, 6])))


def test_axis_and_layer_field_geometry_by_hand():
    rows, cols = Axis(size=5, jump=2, start=-2), Axis(size=4, jump=3, start=1)
    assert rows.centre == 0 and cols.centre == 2.5  # -2 + (5 - 1) / 2 and 1 + (4 - 1) / 2
    assert rows.span(0) == (-2, 2) and rows.span(3) == (4, 8)  # unit 3 starts 3 jumps of 2 further on
    assert cols.span(2) == (7, 10)
    f = LayerField("x", "Conv2D", rows, cols)
    assert (f.size, f.jump, f.start, f.centre) == ((5, 4), (2, 3), (-2, 1), (0, 2.5))
    assert f.span((3, 2)) == ((4, 8), (7, 10))
    assert f.output_size == (None, None) and not f.is_global and not f.misaligned and f.notes == []


def tf_same_padding_before(n: int, k: int, s: int, d: int) -> int:
    """Zeros TensorFlow puts before the input under "SAME": the p for which an explicit (p, rest) zero padding
    followed by "VALID" gives the same output as "SAME" (an impulse at each position tells them apart)."""
    x = np.zeros((n, n, 1, 1))  # a batch of n impulses, one at each row
    x[np.arange(n), np.arange(n), 0, 0] = 1
    w = np.arange(1, k + 1, dtype=float).reshape(k, 1, 1, 1)  # distinct taps: a shift changes the output
    same = tf.nn.conv2d(x, w, strides=[1, s, 1, 1], padding="SAME", dilations=[1, d, 1, 1]).numpy()
    k_eff = d * (k - 1) + 1
    for p in range(k_eff):
        for q in range(k_eff):
            padded = np.pad(x, ((0, 0), (p, q), (0, 0), (0, 0)))
            if padded.shape[1] < k_eff:
                continue
            valid = tf.nn.conv2d(padded, w, strides=[1, s, 1, 1], padding="VALID", dilations=[1, d, 1, 1]).numpy()
            if valid.shape == same.shape and np.array_equal(valid, same):
                return p
    raise AssertionError("no explicit padding reproduces SAME")


@pytest.mark.parametrize("n,k,s,d", [(7, 3, 2, 1), (8, 3, 2, 1), (8, 4, 2, 1), (5, 1, 2, 1), (6, 2, 1, 1),
                                     (9, 5, 3, 1), (10, 3, 3, 1), (4, 5, 1, 1), (6, 3, 1, 2), (7, 2, 1, 3),
                                     (3, 3, 4, 1)])
def test_same_padding_before_is_tensorflows(n, k, s, d):
    assert rf.same_padding_before(n, k, s, d) == tf_same_padding_before(n, k, s, d)


@pytest.mark.parametrize("k,s,d", [(3, 2, 1), (4, 2, 1), (1, 2, 1), (5, 1, 1), (2, 1, 1), (3, 1, 2), (5, 3, 1),
                                   (1, 3, 1), (2, 2, 1)])
def test_same_padding_before_for_an_unknown_size_assumes_a_multiple_of_the_stride(k, s, d):
    n = 4 * s
    assert rf.same_padding_before(None, k, s, d) == tf_same_padding_before(n, k, s, d)


def test_default_dilation_is_one():
    assert rf.same_padding_before(8, 3, 1) == tf_same_padding_before(8, 3, 1, 1)
    assert rf.same_padding_before(None, 3, 1) == 1


def test_step_by_hand():
    a = Axis(size=3, jump=2, start=-1)
    # kernel 3, dilation 2 spans 5: the field grows by 4 jumps of 2; 1 zero before moves the start one jump back
    assert rf.step(a, 3, 2, 2, 1) == Axis(size=3 + 4 * 2, jump=4, start=-1 - 2)
    assert rf.step(a, 1, 1, 1, -2) == Axis(size=3, jump=2, start=3)


def test_merge_by_hand():
    same = rf.merge([Axis(3, 2, -1), Axis(5, 2, -2)])  # both centred at 0, jump 2
    assert same == (Axis(5, 2, -2), [])
    merged, notes = rf.merge([Axis(2, 2, 0), Axis(1, 1, 0), Axis(3, 1, 4)])
    # union of [0, 1], [0, 0] and [4, 6]: from 0 to 6; the larger jump
    assert merged == Axis(7, 2, 0) and type(merged.size) is int
    assert notes == ["incoming paths have different effective strides [1, 2]: the union is given for unit 0; "
                     "other units' fields differ",
                     "incoming paths centre a unit at different input positions [0.0, 0.5, 5.0]"]
    floats, _ = rf.merge([Axis(3, 1, 0.0), Axis(2, 1, 2.0)])  # float starts still give a whole size
    assert floats.size == 4 and type(floats.size) is int
    half, _ = rf.merge([Axis(3, 1, 0.5), Axis(2, 1, 0.0)])
    assert half.size == 3.5 and half.start == 0.0


def test_report_rows_by_hand():
    x = keras.Input((10, 9, 1), name="img")
    a = L.Conv2D(1, (3, 1), strides=(1, 2), name="a")(x)  # rows: 3 wide, jump 1; columns: 1 wide, jump 2
    b = L.Conv2D(1, 2, padding="same", name="b")(a)  # 2x2 "same" pads after only: starts stay at 0
    c = L.ZeroPadding2D(((3, 0), (0, 0)), name="pad")(b)  # starts 3 rows (jumps of 1) earlier
    g = L.GlobalAveragePooling2D(name="g")(c)
    d = L.Dense(3, name="d")(g)
    rows = rf.report_rows(rf.receptive_fields(keras.Model(x, d)))
    assert rows == [
        ("img", "Input", "10x9", "1", "1", "0", "0", ""),
        ("a", "Conv2D", "8x5", "3x1", "1x2", "0", "(1, 0)", ""),
        ("b", "Conv2D", "8x5", "4x3", "1x2", "0", "(1.5, 1)", ""),
        ("pad", "ZeroPadding2D", "11x5", "4x3", "1x2", "(-3, 0)", "(-1.5, 1)", ""),
        ("g", "GlobalAveragePooling2D", "-", "whole input", "-", "-", "-", ""),
        ("d", "Dense", "-", "whole input", "-", "-", "-", ""),
    ]
    check_layers(keras.Model(x, c), ["a", "b", "pad"], units=[(4, 2), (7, 4)])


def test_report_rows_square_fields_and_unknown_sizes():
    x = keras.Input((None, None, 1))
    y = L.Conv2D(1, 3, strides=2, padding="same", name="c")(x)
    y = L.Conv2D(1, 3, padding="same", name="c2")(y)
    rows = rf.report_rows(rf.receptive_fields(keras.Model(x, y)))
    assert rows[1:] == [("c", "Conv2D", "?", "3", "2", "0", "1", ""), ("c2", "Conv2D", "?", "7", "2", "-2", "1", "")]
    assert rows[0][1:] == ("Input", "?", "1", "1", "0", "0", "")


def test_report_rows_flag_a_misaligned_merge():
    x = keras.Input((12, 12, 1))
    a = L.Conv2D(1, 3)(x)  # 10x10, centred at 1
    b = L.Cropping2D(((0, 2), (0, 2)))(x)  # 10x10, centred at 0
    rows = rf.report_rows(rf.receptive_fields(keras.Model(x, L.Add(name="sum")([a, b]))))
    assert rows[-1] == ("sum", "Add", "10x10", "3", "1", "0", "1", "misaligned")


def test_num_formats_whole_and_half_numbers():
    assert rf._num(3.0) == "3" and rf._num(-2) == "-2" and rf._num(1.5) == "1.5" and rf._num(-0.5) == "-0.5"


def test_cropping_moves_the_start_forward_against_gradient():
    x = keras.Input((20, 18, 1))
    y = L.Cropping2D(((3, 1), (2, 4)), name="crop")(x)
    y = L.Conv2D(1, 3, strides=2, name="conv")(y)
    model = keras.Model(x, y)
    report = rf.by_name(rf.receptive_fields(model))
    assert report["crop"].start == (3, 2) and report["conv"].start == (3, 2)
    assert check_layers(model, ["crop", "conv"], units=[(0, 0), (2, 3), (6, 4)]) == 6


def test_global_layers_and_what_follows_them():
    x = keras.Input((8, 8, 2))
    y = L.Conv2D(2, 3, name="conv")(x)
    p = L.Dense(3, name="per_pixel")(y)  # a dense layer on a map acts per pixel: the field passes through
    g = L.GlobalMaxPooling2D(name="gmp")(p)
    f = L.Flatten(name="flat")(L.Conv2D(3, 1, name="c1")(p))
    v = L.Dense(3, name="head")(f)
    s = L.Add(name="sum")([g, v])  # a merge of global inputs is global
    out = L.Activation("relu", name="act")(L.Dense(2, name="after")(s))
    report = rf.by_name(rf.receptive_fields(keras.Model(x, out)))
    assert report["per_pixel"].notes == ["per-pixel dense layer (a 1x1 convolution)"]
    assert not report["per_pixel"].is_global and report["per_pixel"].size == (3, 3)
    assert report["gmp"].is_global and report["flat"].is_global
    assert report["gmp"].notes == ["the spatial part ends here: every unit sees every position of the previous layer"]
    assert report["head"].is_global and report["head"].notes == []
    for name in ("sum", "after", "act"):
        assert report[name].is_global, name
    assert report["after"].notes == [] and report["act"].size == report["gmp"].size == (3, 3)
    assert not report["sum"].misaligned


def test_a_merge_of_spatial_and_global_inputs_is_global():
    x = keras.Input((6, 6, 1))
    a = L.Flatten()(L.Conv2D(1, 3)(x))  # global, 16 values
    b = L.Reshape((16,))(L.Conv2D(1, 3)(x))  # Reshape passes through? no: it is unknown to the calculator
    with pytest.raises(ValueError, match="^layer .*: the receptive-field calculator does not know Reshape; add it "
                                         "to PASSTHROUGH if it acts on each position separately$"):
        rf.receptive_fields(keras.Model(x, L.Add()([a, b])))
    c = L.Conv2D(1, 3, name="spatial")(x)
    m = L.Multiply(name="mul")([L.Flatten()(c), L.Flatten()(L.Conv2D(1, 3)(x))])
    assert rf.by_name(rf.receptive_fields(keras.Model(x, m)))["mul"].is_global


def test_passthrough_layers_keep_the_field():
    x = keras.Input((9, 9, 2))
    y = L.Conv2D(2, 3, name="conv")(x)
    for layer in (L.BatchNormalization(name="bn"), L.ReLU(name="relu"), L.LeakyReLU(name="leaky"),
                  L.Dropout(0.1, name="drop"), L.Softmax(name="soft"), L.Rescaling(2.0, name="scale")):
        y = layer(y)
    report = rf.by_name(rf.receptive_fields(keras.Model(x, y)))
    for name in ("bn", "relu", "leaky", "drop", "soft", "scale"):
        assert (report[name].rows, report[name].cols) == (report["conv"].rows, report["conv"].cols), name
        assert report[name].output_size == (7, 7) and not report[name].is_global


def test_channels_first_is_refused():
    x = keras.Input((1, 8, 8))
    model = keras.Model(x, L.Conv2D(1, 3, data_format="channels_first", name="cf")(x))
    with pytest.raises(ValueError, match="^layer cf: channels_first is not supported$"):
        rf.receptive_fields(model)


def test_a_non_merge_layer_with_two_inputs_is_refused():
    class Pair(L.Layer):
        def call(self, inputs):
            return inputs[0] + inputs[1]

    x = keras.Input((5, 5, 1))
    model = keras.Model(x, Pair(name="pair")([L.Conv2D(1, 1)(x), L.Conv2D(1, 1)(x)]))
    with pytest.raises(ValueError, match=r"^layer pair \(Pair\) has 2 inputs; only merge layers may have several$"):
        rf.receptive_fields(model)


def test_models_with_two_inputs_are_refused():
    a, b = keras.Input((5, 5, 1)), keras.Input((5, 5, 1))
    with pytest.raises(ValueError, match="^models with one image input only$"):
        rf.receptive_fields(keras.Model([a, b], L.Add()([a, b])))


def test_the_first_row_is_the_input():
    x = keras.Input((6, 7, 1), name="pixels")
    report = rf.receptive_fields(keras.Model(x, L.Conv2D(1, 3)(x)))
    first = report[0]
    assert (first.name, first.kind, first.output_size) == ("pixels", "Input", (6, 7))
    assert first.rows == first.cols == Axis(1, 1, 0)


def test_nested_sequential_inside_a_sequential():
    inner = keras.Sequential([keras.Input((12, 12, 1)), L.Conv2D(1, 3, strides=2, name="i1"),
                              L.Conv2D(1, 2, name="i2")], name="inner")
    model = keras.Sequential([keras.Input((12, 12, 1)), inner, L.Conv2D(1, 3, name="o")])
    report = rf.receptive_fields(model)
    assert [f.name for f in report[1:]] == ["i1", "i2", "o"]
    # by hand: 3; 3 + 1 * 2 = 5; 5 + 2 * 2 = 9, jump 2
    assert [f.size for f in report[1:]] == [(3, 3), (5, 5), (9, 9)] and report[-1].jump == (2, 2)
    assert [f.output_size for f in report[1:]] == [(5, 5), (4, 4), (2, 2)]


def test_closed_form_and_backward_sizes_by_hand():
    # kernels 3, 2, 3 with strides 2, 2, 1: 1 + 2 + 1 * 2 + 2 * 4 = 13; backward: 1 -> 3 -> 2*3 + 0 = 6 -> 2*6 + 1 = 13
    assert rf.closed_form_size([3, 2, 3], [2, 2, 1]) == 13
    assert rf.backward_size([3, 2, 3], [2, 2, 1]) == 13
    assert rf.closed_form_size([3, 3], [1, 1], [1, 2]) == 1 + 2 + 4
    assert rf.backward_size([3, 3], [1, 1], [1, 2]) == 7
    assert rf.closed_form_size([], []) == 1 and rf.backward_size([], []) == 1


def small_linear_model():
    """One 3x3 convolution, two input and two output channels, known weights, no activation."""
    x = keras.Input((6, 6, 2))
    model = keras.Model(x, L.Conv2D(2, 3, name="c")(x))
    w = np.arange(1, 37, dtype="float32").reshape(3, 3, 2, 2) * np.where(np.arange(36) % 3 == 0, -1, 1).reshape(
        3, 3, 2, 2)
    model.get_layer("c").set_weights([w, np.array([0.5, -0.5], "float32")])
    return model, w


def test_gradient_map_of_a_linear_convolution_is_its_kernel():
    model, w = small_linear_model()
    g = rf.gradient_map(model, "c", (1, 2), channel=1)
    expected = np.zeros((6, 6))
    expected[1:4, 2:5] = np.abs(w[:, :, 0, 1]) + np.abs(w[:, :, 1, 1])  # d y / d x is the weight under it
    assert g.shape == (6, 6) and np.allclose(g, expected)
    assert np.allclose(rf.gradient_map(model, "c", (0, 0)), np.pad(np.abs(w[:, :, :, 0]).sum(-1), ((0, 3), (0, 3))))
    # a given input does not change a linear map's gradient
    x = np.random.default_rng(0).normal(size=(1, 6, 6, 2))
    assert np.allclose(rf.gradient_map(model, "c", (1, 2), channel=1, x=x), expected)


def test_effective_field_of_a_linear_convolution_is_its_kernel():
    model, w = small_linear_model()
    images = np.random.default_rng(1).normal(size=(3, 6, 6, 2))
    erf = rf.effective_field(model, images, "c", (2, 1), channels=np.array([1, 0, 1], np.uint8))  # like MNIST labels
    expected = np.zeros((6, 6))
    expected[2:5, 1:4] = (2 * np.abs(w[:, :, :, 1]).sum(-1) + np.abs(w[:, :, :, 0]).sum(-1)) / 3
    assert np.allclose(erf, expected)
    # default channel: the one with the larger mean output at that unit, here forced by the images' sign
    ones = np.ones((2, 6, 6, 2))
    means = [w[:, :, :, o].sum() + (0.5, -0.5)[o] for o in (0, 1)]
    best = int(np.argmax(means))
    expected[2:5, 1:4] = np.abs(w[:, :, :, best]).sum(-1)
    assert np.allclose(rf.effective_field(model, ones, "c", (2, 1)), expected)
    assert np.allclose(rf.effective_field(model, -ones, "c", (2, 1)),
                       rf.effective_field(model, -ones, "c", (2, 1), channels=[1 - best, 1 - best]))


def test_effective_field_takes_images_without_a_channel_axis():
    x = keras.Input((5, 5, 1))
    model = keras.Model(x, L.Conv2D(1, 2, use_bias=False, name="c")(x))
    w = np.array([[1.0, -2.0], [3.0, 4.0]], "float32").reshape(2, 2, 1, 1)
    model.get_layer("c").set_weights([w])
    erf = rf.effective_field(model, np.zeros((2, 5, 5)), "c", (3, 0))
    expected = np.zeros((5, 5))
    expected[3:5, 0:2] = np.abs(w[:, :, 0, 0])
    assert np.allclose(erf, expected)


def test_measured_and_predicted_spans_by_hand():
    g = np.zeros((6, 7))
    g[2, 3] = g[4, 1] = 1e-30  # tiny but non-zero
    assert rf.measured_span(g) == ((2, 4), (1, 3))
    f = LayerField("f", "Conv2D", Axis(5, 2, -2), Axis(3, 1, 1))
    assert rf.predicted_span(f, (0, 0), (6, 7)) == ((0, 2), (1, 3))  # rows -2..2 clipped at 0
    assert rf.predicted_span(f, (3, 5), (6, 7)) == ((4, 5), (6, 6))  # rows 4..8 and columns 6..8, clipped
    spans = rf.predicted_span(f, (1, 1), (9, 9))
    assert spans == ((0, 4), (2, 4)) and all(type(v) is int for pair in spans for v in pair)


def test_linear_positive_clone_is_float64_linear_and_positive():
    x = keras.Input((8, 8, 2))
    y = L.Conv2D(3, 3, activation="relu", name="conv")(x)
    y = L.BatchNormalization(name="bn")(y)
    y = L.ReLU(name="relu")(y)
    y = L.MaxPooling2D(2, strides=1, name="pool")(y)
    y = L.Dropout(0.5, name="drop")(y)
    y = L.SpatialDropout2D(0.5, name="sdrop")(y)
    y = L.DepthwiseConv2D(2, name="dw")(y)
    y = L.Dense(2, name="dense")(y)
    model = keras.Model(x, y)
    clone = rf.linear_positive_clone(model, seed=1)
    assert [layer.name for layer in clone.layers[1:]] == [layer.name for layer in model.layers[1:]]
    kinds = {layer.name: type(layer).__name__ for layer in clone.layers}
    assert kinds["pool"] == "AveragePooling2D" and kinds["relu"] == "Activation" and kinds["drop"] == "Activation"
    assert kinds["sdrop"] == "Activation"  # no dropout left, even when called with training=True
    assert clone.inputs[0].dtype == "float64"
    assert clone.get_layer("pool").pool_size == (2, 2) and clone.get_layer("pool").strides == (1, 1)
    assert clone.get_layer("conv").get_config()["activation"] == "linear"
    for layer in clone.layers[1:]:
        assert layer.dtype_policy.name == "float64" or layer.dtype == "float64", layer.name
    # linear: the clone's output scales with its input and adds up; nothing is rectified
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(1, 8, 8, 2)), rng.normal(size=(1, 8, 8, 2))
    out = lambda v: np.asarray(clone(v, training=False))  # noqa: E731
    assert out(a).dtype == np.float64
    assert np.allclose(out(a + 2 * b), out(a) + 2 * out(b)) and np.allclose(out(-a), -out(a))
    # positive kernels that average: every weight in [0.5, 1.5] / fan-in, not all equal; zero biases
    for name, fan_in in (("conv", 3 * 3 * 2), ("dw", 2 * 2), ("dense", 3)):
        kernel, bias = clone.get_layer(name).get_weights()
        assert (kernel * fan_in >= 0.5).all() and (kernel * fan_in <= 1.5).all(), name
        assert kernel.std() > 0 and not bias.any(), name
        assert abs(kernel.mean() * fan_in - 1) < 0.15, name  # on average each output averages its inputs
    bn = clone.get_layer("bn").get_weights()  # default batch norm: gamma 1, beta 0, mean 0, variance 1
    assert [np.asarray(v).tolist() for v in bn] == [[1.0] * 3, [0.0] * 3, [0.0] * 3, [1.0] * 3]
    other = rf.linear_positive_clone(model, seed=2)
    assert not np.allclose(other.get_layer("conv").get_weights()[0], clone.get_layer("conv").get_weights()[0])
    default = rf.linear_positive_clone(model)
    again = rf.linear_positive_clone(model, seed=0)
    assert np.array_equal(default.get_layer("conv").get_weights()[0], again.get_layer("conv").get_weights()[0])


def test_gradient_map_measures_in_the_models_input_dtype():
    x = keras.Input((5, 5, 1))
    clone = rf.linear_positive_clone(keras.Model(x, L.Conv2D(1, 3, name="c")(x)))
    g = rf.gradient_map(clone, "c", (1, 1), x=np.zeros((1, 5, 5, 1), "float32"))
    assert g.dtype == np.float64 and (g[1:4, 1:4] > 0).all() and g.sum() == g[1:4, 1:4].sum()


def test_effective_field_uses_inference_batch_norm_and_raw_pixel_images():
    """Moving statistics, not the batch's: with moving variance 4 and gamma 1 the gradient is the kernel over 2."""
    x = keras.Input((5, 5, 1))
    y = L.BatchNormalization(epsilon=0.0, name="bn")(L.Conv2D(1, 2, use_bias=False, name="c")(x))
    model = keras.Model(x, L.Dropout(0.9)(y))
    w = np.array([[1.0, -2.0], [3.0, 4.0]], "float32").reshape(2, 2, 1, 1)
    model.get_layer("c").set_weights([w])
    model.get_layer("bn").set_weights([np.ones(1), np.zeros(1), np.full(1, 7.0), np.full(1, 4.0)])
    images = np.random.default_rng(3).integers(0, 256, size=(4, 5, 5), dtype=np.uint8)  # raw 0-255 pixels
    erf = rf.effective_field(model, images, "bn", (1, 2), channels=[0] * 4)
    expected = np.zeros((5, 5))
    expected[1:3, 2:4] = np.abs(w[:, :, 0, 0]) / 2
    assert np.allclose(erf, expected)


def test_a_dense_layer_on_a_flattened_map_sees_the_whole_input():
    x = keras.Input((6, 6, 1))
    y = L.Conv2D(2, 3, name="c")(x)
    y = L.Lambda(lambda t: keras.ops.reshape(t, (-1, 32)), name="flatten_by_hand")(y)  # a pass-through layer
    model = keras.Model(x, L.Dense(3, name="head")(y))
    report = rf.by_name(rf.receptive_fields(model))
    assert not report["flatten_by_hand"].is_global  # the calculator cannot see what a Lambda does
    head = report["head"]
    assert (head.name, head.kind, head.is_global) == ("head", "Dense", True)
    assert (head.rows, head.cols) == (report["c"].rows, report["c"].cols)
    assert rf.report_rows(rf.receptive_fields(model))[-1] == ("head", "Dense", "-", "whole input", "-", "-", "-", "")


def test_layer_kinds_are_reported_for_cropping_dense_and_passthrough_layers():
    x = keras.Input((8, 8, 2))
    y = L.Cropping2D(1, name="crop")(x)
    y = L.Dense(3, name="pix")(y)
    y = L.BatchNormalization(name="bn")(y)
    rows = rf.report_rows(rf.receptive_fields(keras.Model(x, y)))
    assert [r[:3] for r in rows[1:]] == [("crop", "Cropping2D", "6x6"), ("pix", "Dense", "6x6"),
                                        ("bn", "BatchNormalization", "6x6")]
    assert [r[3:6] for r in rows[1:]] == [("1", "1", "1")] * 3
