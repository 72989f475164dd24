"""The receptive-field calculator against the gradient of one unit with respect to the input.

Oracle: the architecture is cloned as a positive linear map in float64 (activations removed, max pooling
replaced by average pooling of the same geometry because a max-pooling gradient reaches only one pixel per
window, positive kernels); the input pixels with a non-zero gradient of one output unit then span exactly that
unit's receptive field away from the border, and lie inside the field clipped to the input at the border. A dilated
kernel, or one smaller than its stride, leaves holes inside the span; elsewhere the span is solid.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnn_glossary import publish
from cnn_glossary import receptive_field as rf

from .conftest import ROOT, published

keras = pytest.importorskip("keras")
L = keras.layers


def is_clipped(f, unit, input_size) -> bool:
    """True if ``unit``'s theoretical field reaches outside the input, so the calculator clips it."""
    return rf.predicted_span(f, unit, input_size) != tuple((int(a), int(b)) for a, b in f.span(unit))


def check_layers(model, names=None, units=None):
    """Compare calculator and gradient for the named layers (default: every spatial layer)."""
    report = rf.by_name(rf.receptive_fields(model))
    clone = rf.linear_positive_clone(model)
    input_size = tuple(model.inputs[0].shape[1:3])
    names = names or [n for n, f in report.items() if f.kind != "Input" and not f.is_global]
    # a dilated kernel's taps, or a kernel smaller than its stride (e.g. 1x1 with stride 2), leave holes in
    # the field; the calculator reports the field's span
    def leaves_holes(layer):
        kernel = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
        strides = getattr(layer, "strides", None)
        if tuple(getattr(layer, "dilation_rate", (1, 1))) != (1, 1):
            return True
        return bool(kernel and strides and any(k < s for k, s in zip(kernel, strides)))

    dilated = any(leaves_holes(layer) for layer in model.layers)
    checked = 0
    for name in names:
        f = report[name]
        for unit in units or [(f.output_size[0] // 2, f.output_size[1] // 2)]:
            grad = rf.gradient_map(clone, name, unit)
            assert grad.max() > 0, name
            measured, predicted = rf.measured_span(grad), rf.predicted_span(f, unit, input_size)
            clipped = is_clipped(f, unit, input_size)
            # At a border the theoretical field is clipped to the input; the unit may reach even less (the
            # clipped box can begin or end in a hole, or in padding of an intermediate layer that covers
            # input pixels no earlier unit reads): the clipped box is an upper bound there, exact elsewhere.
            if clipped:
                assert all(p0 <= m0 and m1 <= p1 for (m0, m1), (p0, p1) in zip(measured, predicted)), (name, unit)
            else:
                assert measured == predicted, (name, unit, f)
            if not dilated:  # the measured field is a solid rectangle: every pixel in it has a non-zero gradient
                (r0, r1), (c0, c1) = measured
                assert (grad[r0:r1 + 1, c0:c1 + 1] > 0).all(), name
            checked += 1
    return checked


@pytest.mark.guards("receptive-field.md", "with a non-zero gradient span exactly the field")
@pytest.mark.guards("receptive-field.md", "or a kernel smaller than its stride, leaves holes inside that span")
@pytest.mark.parametrize("layers, span, read", [
    ([dict(kernel_size=3, dilation_rate=2)], 5, [0, 2, 4]),  # a dilated 3x3 spans 5 pixels, reads every other one
    ([dict(kernel_size=1, strides=2), dict(kernel_size=3)], 5, [0, 2, 4]),  # 1x1 stride 2, then 3x3
    ([dict(kernel_size=3)], 3, [0, 1, 2]),  # an undilated kernel: the span is solid
])
def test_the_field_is_a_span_that_can_hold_holes(layers, span, read):
    """The calculator's field is the span; a centre unit's non-zero gradient fills it only without holes."""
    model = keras.Sequential([keras.Input((15, 15, 1))] + [L.Conv2D(1, **kw) for kw in layers])
    last = rf.receptive_fields(model)[-1]
    assert last.size == (span, span)
    unit = (last.output_size[0] // 2, last.output_size[1] // 2)
    grad = rf.gradient_map(rf.linear_positive_clone(model), model.layers[-1].name, unit)
    rows, cols = np.nonzero(grad)
    (r0, r1), (c0, c1) = rf.measured_span(grad)
    assert (r1 - r0 + 1, c1 - c0 + 1) == (span, span)  # away from the border, the span is exactly the field
    assert sorted(set(rows - r0)) == read and sorted(set(cols - c0)) == read


def test_closed_form_and_recurrence_agree_with_the_walk():
    kernels, strides, dilations = [3, 2, 3, 3, 2, 1, 3], [1, 2, 1, 1, 2, 1, 1], [1, 1, 2, 1, 1, 1, 1]
    model = keras.Sequential([keras.Input((64, 64, 1))] + [
        L.Conv2D(1, k, strides=s, dilation_rate=d) for k, s, d in zip(kernels, strides, dilations)])
    last = rf.receptive_fields(model)[-1]
    assert last.size == (rf.closed_form_size(kernels, strides, dilations),) * 2
    assert rf.backward_size(kernels, strides, dilations) == rf.closed_form_size(kernels, strides, dilations)
    assert last.jump == (int(np.prod(strides)),) * 2
    check_layers(model, units=[(0, 0), (2, 3)])


def measured_chain_sizes(kernels, strides, dilations):
    """Field size of every layer of a plain chain, measured: the gradient span of a middle unit of a
    one-column stack of (k, 1) convolutions, on an input long enough that nothing is clipped."""
    chain = [(k, s if d == 1 else 1, d) for k, s, d in zip(kernels, strides, dilations)]  # TF: no stride with dilation
    size, jump = 1, 1
    for k, s, d in chain:  # a generous bound on the field, to size the input (not the value under test)
        size, jump = size + d * k * jump, jump * s
    n = 3 * size + 8 * jump
    layers = [L.Conv2D(1, (k, 1), strides=(s, 1), dilation_rate=(d, 1), name=f"c{i}") for i, (k, s, d) in enumerate(chain)]
    model = keras.Sequential([keras.Input((n, 1, 1)), *layers])
    clone = rf.linear_positive_clone(model)
    out = []
    for i in range(len(chain)):
        rows = model.get_layer(f"c{i}").output.shape[1]
        (first, last), _ = rf.measured_span(rf.gradient_map(clone, f"c{i}", (rows // 2, 0)))
        assert 0 < first and last < n - 1
        out.append(last - first + 1)
    return chain, out


@settings(max_examples=8, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(1, 2)), min_size=1, max_size=4))
def test_closed_form_and_backward_recurrence_match_the_gradient(layers):
    chain, measured = measured_chain_sizes(*zip(*layers))
    kernels, strides, dilations = zip(*chain)
    assert rf.closed_form_size(kernels, strides, dilations) == measured[-1]
    assert rf.backward_size(kernels, strides, dilations) == measured[-1]


def test_mnist_model_every_layer():
    from cnn_glossary.mnist.train import build_model

    model = build_model(keras)
    assert check_layers(model) >= 15
    report = rf.by_name(rf.receptive_fields(model))
    assert report["conv1"].size == (3, 3)  # only the first layer's field equals its kernel size
    assert report["gap"].is_global


def test_non_square_sequential_with_depthwise_separable_and_average_pooling():
    model = keras.Sequential([
        keras.Input((40, 36, 2)),
        L.Conv2D(3, (3, 5), strides=(1, 2), padding="same"),
        L.BatchNormalization(),
        L.Activation("relu"),
        L.DepthwiseConv2D((5, 3), dilation_rate=(2, 1), padding="same"),
        L.Dropout(0.5),
        L.AveragePooling2D((2, 3), strides=(2, 1), padding="valid"),
        L.SeparableConv2D(4, (3, 3), strides=(2, 2), padding="same"),
        L.MaxPooling2D((3, 2), strides=(1, 2), padding="same"),
    ])
    report = rf.receptive_fields(model)
    assert report[1].size == (3, 5) and report[1].jump == (1, 2)
    assert report[-1].size[0] != report[-1].size[1]
    assert check_layers(model, units=None) >= 8


@pytest.mark.guards("receptive-field.md", "at the border they lie inside the field clipped to the image")
def test_odd_same_padding_start_is_measured_not_assumed():
    # kernel 3, stride 2, "same": 7 rows need 2 zeros (1 before), 8 columns need 1 (after only)
    model = keras.Sequential([keras.Input((7, 8, 1)), L.Conv2D(1, 3, strides=2, padding="same")])
    f = rf.receptive_fields(model)[-1]
    assert f.start == (-1, 0)
    # unit (0, 0) sits at the border: its field reaches row -1, so check_layers meets a clipped field there
    assert is_clipped(f, (0, 0), (7, 8))
    check_layers(model, units=[(0, 0), (1, 1), (3, 3)])
    model = keras.Sequential([keras.Input((8, 8, 1)), L.Conv2D(1, 4, strides=2, padding="same")])
    assert rf.receptive_fields(model)[-1].start == (-1, -1)
    check_layers(model, units=[(0, 0), (3, 3)])


def branching(aligned: bool):
    x = keras.Input((48, 48, 1))
    a = L.Conv2D(2, 3, padding="same")(x)
    a = L.Conv2D(2, 3, padding="same")(a)
    if aligned:
        b = L.Conv2D(2, 5, padding="same")(x)
    else:  # a path shifted by one pixel: "valid" 3x3 then zero padding on one side only
        b = L.Conv2D(2, 3, padding="valid")(x)
        b = L.ZeroPadding2D(((2, 0), (2, 0)))(b)
    m = L.Add(name="merge")([a, b])
    c = L.Concatenate(name="concat")([m, L.MaxPooling2D(3, strides=1, padding="same")(x)])
    y = L.Conv2D(2, 3, strides=2, padding="same", name="after")(c)
    return keras.Model(x, y)


def test_merge_of_aligned_branches_is_the_union():
    model = branching(aligned=True)
    report = rf.by_name(rf.receptive_fields(model))
    assert not report["merge"].misaligned and report["merge"].size == (5, 5)
    check_layers(model, ["merge", "concat", "after"], units=[(10, 12), (23, 5)])


def test_misaligned_merge_is_flagged_and_still_measured_right_for_unit_0_region():
    model = branching(aligned=False)
    report = rf.by_name(rf.receptive_fields(model))
    assert report["merge"].misaligned and report["merge"].notes
    assert "centre" in " ".join(report["merge"].notes)
    check_layers(model, ["merge", "after"], units=[(10, 12)])


def test_different_strides_at_a_merge_are_flagged():
    x = keras.Input((32, 32, 1))
    a = L.Conv2D(1, 2, strides=2)(x)  # 16x16, jump 2
    b = L.Conv2D(1, 1)(L.AveragePooling2D(2)(x))  # 16x16, jump 2, field 2
    c = L.Conv2D(1, 17)(x)  # 16x16, jump 1
    model = keras.Model(x, L.Add(name="sum")([a, b, c]))
    f = rf.by_name(rf.receptive_fields(model))["sum"]
    assert f.misaligned and "strides" in " ".join(f.notes)
    check_layers(model, ["sum"], units=[(0, 0)])  # unit 0: the union is exact


def seeing_units(model, name, units):
    """The units with a non-zero input gradient: a unit that reads only padding (of the input or of an
    intermediate map) sees no input pixel, and has no measurable field."""
    clone = rf.linear_positive_clone(model)
    return [u for u in units if rf.gradient_map(clone, name, u).max() > 0]


def test_merged_jump_is_the_larger_one():
    """After a merge of jump-2 and jump-1 paths, a later layer's unit 0 reaches as far as the jump-2 path says."""
    x = keras.Input((32, 32, 1))
    a = L.Conv2D(1, 2, strides=2)(x)  # 16x16: jump 2, unit 0 sees [0, 1]
    c = L.Conv2D(1, 1)(L.Cropping2D(((0, 16), (0, 16)))(x))  # 16x16: jump 1, unit 0 sees [0, 0]
    merged = L.Add(name="sum")([a, c])
    model = keras.Model(x, L.Conv2D(1, 3, name="after")(merged))
    report = rf.by_name(rf.receptive_fields(model))
    assert report["sum"].jump == (2, 2)
    # unit 0 of "after" reads merged units 0..2; the jump-2 path takes those to input pixel 5
    assert check_layers(model, ["sum", "after"], units=[(0, 0)]) == 2


def test_asymmetric_zero_padding_against_gradient():
    x = keras.Input((21, 19, 1))
    y = L.ZeroPadding2D(((3, 0), (1, 4)), name="pad")(x)
    y = L.Conv2D(1, 3, strides=2, name="conv")(y)
    y = L.ZeroPadding2D(((0, 2), (2, 1)), name="pad2")(y)
    y = L.Conv2D(1, 2, name="conv2")(y)
    model = keras.Model(x, y)
    report = rf.by_name(rf.receptive_fields(model))
    assert report["pad"].start == (-3, -1) and report["conv2"].start == (-3, -5)
    for name in ("conv", "conv2"):
        f = report[name]
        n_r, n_c = f.output_size
        units = [(r, c) for r in (0, 1, n_r // 2, n_r - 2, n_r - 1) for c in (0, 1, n_c // 2, n_c - 2, n_c - 1)]
        seen = seeing_units(model, name, units)
        assert len(seen) >= 9 and len(seen) < len(units), (name, seen)  # both kinds of unit occur
        assert (n_r // 2, n_c // 2) in seen
        check_layers(model, [name], units=seen)


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
def test_vgg16_selected_layers():
    model = keras.applications.VGG16(weights=None, include_top=False, input_shape=(64, 64, 3))
    assert check_layers(model, ["block1_conv2", "block2_pool", "block3_conv3", "block4_conv1"]) == 4


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
def test_resnet50_selected_layers():
    model = keras.applications.ResNet50(weights=None, include_top=False, input_shape=(64, 64, 3))
    report = rf.by_name(rf.receptive_fields(model))
    assert not any(f.misaligned for f in report.values())
    assert check_layers(model, ["conv1_conv", "pool1_pool", "conv2_block1_add", "conv2_block3_out",
                                "conv3_block1_1_conv", "conv3_block1_out"]) == 6


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
@pytest.mark.checks("receptive_field/architectures")
@pytest.mark.guards("receptive-field.md", "none of them has a misaligned merge")
@pytest.mark.guards("receptive-field.md", "for every unit, more than half of it along each axis lies outside the image")
def test_architecture_table_every_row_matches_gradient_measurement():
    """Each row's field size, jump and start of unit 0, measured by the gradient of two neighbouring units.

    The fields (212 to 491 pixels) do not fit in the snippet's 224-pixel input, so each model is rebuilt
    (weights=None) with as many rows as a whole unclipped field needs and 32 columns (the table reports
    rows). Input sides stay multiples of 32, so every padding, including MobileNetV2's asymmetric
    ZeroPadding2D, is the same as at 224.
    """
    import math

    c = published("receptive_field/architectures")
    rows = {r[0]: r for r in c.tables["architectures"]["rows"]}
    assert set(rows) == {"VGG16", "ResNet50", "MobileNetV2"}
    builders = {name: getattr(keras.applications, name) for name in rows}
    for name, (_, layer, size, jump, start, _) in rows.items():
        unit = math.ceil(-start / jump) + 1  # the first unit whose field starts inside the input, plus one
        height = 32 * math.ceil((start + (unit + 1) * jump + size + 32) / 32)
        model = builders[name](weights=None, include_top=False, input_shape=(height, 32, 3))
        clone = rf.linear_positive_clone(model)
        firsts = []
        for u in (unit, unit + 1):
            grad = rf.gradient_map(clone, layer, (u, 0))
            (first, last), _ = rf.measured_span(grad)
            assert 0 < first and last < height - 1, (name, u, first, last, height)  # not clipped
            assert last - first + 1 == size, (name, u, first, last)
            firsts.append(first)
        assert firsts[1] - firsts[0] == jump, (name, firsts)
    # "for every unit, more than half of it along each axis lies outside the image": a field of more than twice
    # the image's side can hold at most one side's worth of image pixels along each axis, wherever it sits
    side = c.values["input_size"]["value"]
    if "more than half of it along each axis lies outside" in c.values["resnet50_padding"]["value"]:
        assert rows["ResNet50"][2] > 2 * side, (rows["ResNet50"], side)
        assert firsts[0] - unit * jump == start, (name, firsts[0], unit)
    assert all(r[3] == 32 for r in rows.values())
    # the sentence under the table: no merge is flagged misaligned; the measurement above bears it out as far as
    # it can (neighbouring units of a misaligned merge would in general see fields of different sizes)
    assert c.values["misaligned_words"]["value"] == "none of them has a misaligned merge"
    assert all(r[5] == 0 for r in rows.values())


@pytest.mark.checks("receptive_field/growth")
def test_growth_snippet_matches_gradient_measurement():
    c = published("receptive_field/growth")
    v = {k: c.values[k]["value"] for k in c.values}
    n = v["stack_depth"]
    # measured by the gradient on the same stacks (3x3 kernels; one column suffices for the rows' size)
    for key, strides, dilations in (("stride1", [1] * n, [1] * n), ("stride2", [2] * n, [1] * n),
                                    ("dilated", [1] * n, [2 ** i for i in range(n)])):
        _, measured = measured_chain_sizes([3] * n, strides, dilations)
        assert v[f"{key}_sizes"] == [1, *measured], key
        assert v[f"{key}_final"] == measured[-1], key
    assert v["stride1_final"] == 1 + 2 * n
    assert "growth" in c.figures


@pytest.mark.checks("receptive_field/mnist_layers")
def test_mnist_table_snippet_matches_gradient_measurement():
    from cnn_glossary.mnist.train import build_model

    c = publish.collect(ROOT / "snippets" / "receptive_field" / "mnist_layers.py")
    model = build_model(keras)
    clone = rf.linear_positive_clone(model)
    checked = 0
    for name, kind, out, size, jump, start, _ in c.tables["layers"]["rows"]:
        if kind in ("Input",) or out == "-":  # global pooling: the union of the last fields (tests/test_rf_page.py)
            continue
        n = int(out.split("x")[0])
        unit = (n // 2, n // 2)
        (r0, r1), (c0, c1) = rf.measured_span(rf.gradient_map(clone, name, unit))
        # every centre field of this network lies inside the 28x28 input, so nothing is clipped
        assert r1 - r0 + 1 == int(size) == c1 - c0 + 1, name
        assert r0 == int(start) + unit[0] * int(jump), name
        if n > 1:  # the jump: the next unit's field starts `jump` pixels further on
            (q0, _), _ = rf.measured_span(rf.gradient_map(clone, name, (n // 2 + 1, n // 2)))
            assert q0 - r0 == int(jump), name
        checked += 1
    assert checked >= 7
    assert c.values["first_size"]["value"] == 3
    assert c.values["final_size"]["value"] == int(c.tables["layers"]["rows"][-3][3])


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
@pytest.mark.checks("receptive_field/effective")
def test_effective_field_matches_finite_differences_and_stays_inside_the_theoretical_field():
    from cnn_glossary.mnist import results
    from cnn_glossary.mnist.data import load_mnist

    model = results.load_result().load_model()
    mnist = load_mnist()
    images = mnist.x_test[:3].astype("float32") / 255.0
    labels = mnist.y_test[:3]
    layer, unit = "classifier_1x1", (1, 1)
    erf = rf.effective_field(model, images, layer, unit, channels=labels)
    # oracle: central finite differences of the same unit, one pixel at a time, in float64 arithmetic
    import tensorflow as tf

    sub = keras.Model(model.inputs, model.get_layer(layer).output)
    eps = 1e-2
    fd = np.zeros((28, 28))
    for img, label in zip(images, labels):
        batch = np.repeat(img[None], 2 * 784, axis=0)
        idx = np.arange(784)
        batch[idx, idx // 28, idx % 28] += eps
        batch[784 + idx, idx // 28, idx % 28] -= eps
        out = sub(tf.constant(batch[..., None]), training=False).numpy()[:, unit[0], unit[1], label].astype(float)
        fd += np.abs((out[:784] - out[784:]) / (2 * eps)).reshape(28, 28)
    fd /= len(images)
    # max pooling over tied values (flat background) has no unique derivative, so the two differ pixel by
    # pixel where ties occur; the maps must still agree as a whole
    assert np.corrcoef(erf.ravel(), fd.ravel())[0, 1] > 0.95
    assert abs(fd.sum() - erf.sum()) < 0.1 * erf.sum()
    f = rf.by_name(rf.receptive_fields(model))[layer]
    (r0, r1), (c0, c1) = rf.predicted_span(f, unit, (28, 28))
    outside = fd.copy()
    outside[r0:r1 + 1, c0:c1 + 1] = 0
    assert outside.max() < 1e-3 * fd.max()

    c = published("receptive_field/effective")
    assert c.values["trained_outside_share"]["value"] == 0
    # the effective field is concentrated: the central quarter of the area holds more than its share
    assert c.values["trained_core_share"]["value"] > c.values["core_area_share"]["value"]
    assert c.values["field_side"]["value"] == f.rows.size


layer_spec = st.tuples(
    st.sampled_from(["conv", "depthwise", "max", "avg", "pad"]),
    st.integers(1, 4), st.integers(1, 3),  # kernel rows, cols
    st.integers(1, 2), st.integers(1, 2),  # stride rows, cols
    st.integers(1, 2),  # dilation (convolutions only, and only with stride 1)
    st.sampled_from(["same", "valid"]),
)


@settings(max_examples=8, deadline=None)
@given(st.lists(layer_spec, min_size=1, max_size=4))
def test_random_stacks_against_gradient(specs):
    layers = []
    for kind, kr, kc, sr, sc, d, padding in specs:
        if d > 1:
            sr = sc = 1
        if kind == "conv":
            layers.append(L.Conv2D(2, (kr, kc), strides=(sr, sc), dilation_rate=d, padding=padding))
        elif kind == "depthwise":
            sc = sr  # TensorFlow's depthwise kernel supports equal row and column strides only
            layers.append(L.DepthwiseConv2D((kr, kc), strides=(sr, sc), dilation_rate=d, padding=padding))
        elif kind == "pad":  # asymmetric: rows (kr - 1 before, sr after), columns (kc - 1 before, d after)
            layers.append(L.ZeroPadding2D(((kr - 1, sr), (kc - 1, d))))
        elif kind == "max":
            layers.append(L.MaxPooling2D((kr, kc), strides=(sr, sc), padding=padding))
        else:
            layers.append(L.AveragePooling2D((kr, kc), strides=(sr, sc), padding=padding))
    try:
        model = keras.Sequential([keras.Input((33, 30, 2)), *layers])
    except Exception:  # noqa: BLE001 - a stack whose map shrinks below a kernel is not a model
        assume(False)
    assume(all(d > 0 for f in rf.receptive_fields(model) for d in f.output_size))
    last = rf.receptive_fields(model)[-1]
    n_r, n_c = last.output_size
    units = seeing_units(model, model.layers[-1].name, [(0, 0), (n_r // 2, n_c // 2), (n_r - 1, n_c - 1)])
    assume(units)
    check_layers(model, [model.layers[-1].name], units=units)


def test_nested_sequential_block_inside_a_functional_model():
    block = keras.Sequential([keras.Input((20, 20, 2)), L.Conv2D(2, 3, padding="same", name="inner_a"),
                              L.Conv2D(2, 3, strides=2, name="inner_b")], name="block")
    x = keras.Input((20, 20, 2))
    y = L.Conv2D(2, 3, name="outer")(block(x))
    model = keras.Model(x, y)
    report = rf.by_name(rf.receptive_fields(model))
    assert report["inner_b"].size == (5, 5) and report["outer"].size == (9, 9) and report["outer"].jump == (2, 2)
    check_layers(model, ["outer"], units=[(1, 2), (3, 3)])
