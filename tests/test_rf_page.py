"""The Receptive Field page's worked example, growth sentence, effective-field statistics and depth exponent.

Oracles: a plain loop that collects, layer by layer, the input pixels one unit depends on (read from the Keras
layers' own configurations); the gradient of a positive linear clone; NumPy/SciPy re-runs of the effective-field
experiments with their own random kernels; plain loops for the map statistics.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from cnn_glossary import effective_field as ef
from cnn_glossary import publish
from cnn_glossary import receptive_field as rf

from .conftest import ROOT, published

keras = pytest.importorskip("keras")
SNIPPETS = ROOT / "snippets" / "receptive_field"


def pixels_seen(layers, unit=0):
    """Input pixels (one axis) that unit ``unit`` of the last layer depends on: a plain backward loop over
    (kernel, stride, dilation) with no padding."""
    positions = {unit}
    for k, s, d in reversed(layers):
        positions = {p * s + t * d for p in positions for t in range(k)}
    return positions


def values(c):
    return {k: v["value"] for k, v in c.values.items()}


@pytest.mark.checks("receptive_field/worked")
@pytest.mark.guards("receptive-field.md", "Dilation widens only its own layer; it leaves the jump alone")
def test_worked_example_against_a_plain_dependency_loop():
    c = publish.collect(SNIPPETS / "worked.py")
    v = values(c)
    table = c.tables["steps"]
    # the table has one row per quantity and one column per layer: turn it back into one record per layer
    by_quantity = {row[0]: row[1:] for row in table["rows"]}
    names = table["headers"][1:]
    rows = [dict(zip(by_quantity, column)) for column in zip(*by_quantity.values())]
    assert all(r["kernel"] == 3 for r in rows)  # the page speaks of three 3x3 layers
    layers = [(r["kernel"], r["stride"], r["dilation"]) for r in rows]
    for i, (name, r) in enumerate(zip(names, rows)):
        seen = pixels_seen(layers[:i + 1])
        size = max(seen) - min(seen) + 1
        jump = min(pixels_seen(layers[:i + 1], unit=1)) - min(seen)
        assert r["field size r"] == size == v[f"size_{i}"], name
        assert r["jump out"] == jump, name
        assert r["adds (k_eff - 1) x jump in"] == v[f"added_{i}"] == size - (rows[i - 1]["field size r"] if i else 1)
        assert r["jump in"] == (rows[i - 1]["jump out"] if i else 1) == v[f"jump_in_{i}"]
    # the page: dilation widens its own layer (k_eff = k + (k-1)(d-1)) and leaves the jump alone
    k, s, d = layers[-1]
    assert d > 1 and v["keff_2"] == rows[-1]["span k_eff"] == k + (k - 1) * (d - 1)
    assert rows[-1]["jump out"] == rows[-1]["jump in"]  # the dilated stride-1 layer keeps the jump
    assert v["final_jump"] == np.prod([s for _, s, _ in layers])


@pytest.mark.checks("receptive_field/growth")
@pytest.mark.guards("receptive-field.md", "Each pooling doubles the slope of the next stretch")
@pytest.mark.guards("receptive-field.md", "so the map keeps its full resolution")
def test_growth_sentences_follow_the_layers():
    from cnn_glossary.mnist.train import build_model

    c = published("receptive_field/growth")
    v = values(c)
    # oracle: the MNIST network's sliding layers read from Keras, fields by the plain loop
    sliding = []
    for layer in build_model(keras).layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            sliding.append((layer.name, layer.kernel_size[0], layer.strides[0], layer.dilation_rate[0]))
        elif kind == "MaxPooling2D":
            sliding.append((layer.name, layer.pool_size[0], layer.strides[0], 1))
    sizes, jumps, added = [1], [1], []
    for i, (name, k, s, d) in enumerate(sliding):
        seen = pixels_seen([x[1:] for x in sliding[:i + 1]])
        sizes.append(max(seen) - min(seen) + 1)
        if name.startswith("conv") and k == 3:
            added.append((name, sizes[-1] - sizes[-2], jumps[-1]))
        jumps.append(jumps[-1] * s)
    assert v["mnist_sizes"] == " → ".join(map(str, sizes))
    assert [tuple(r) for r in c.tables["mnist_increments"]["rows"]] == added
    # "piecewise linear, the slope doubling at each downsampling": each 3x3 convolution adds 2 x jump, and the
    # jump doubles across each pooling
    pools = [i for i, x in enumerate(sliding) if x[0].startswith("pool")]
    assert len(pools) >= 1 and all(sliding[i][2] == 2 for i in pools)
    assert all(a == 2 * j for _, a, j in added)
    assert len({j for *_, j in added}) == len(pools) + 1
    # the dilated stack reaches the stride-2 stack's size with the jump still 1
    assert v["dilated_final"] == v["stride2_final"] and v["dilated_final_jump"] == 1
    assert v["stride2_final_jump"] == 2 ** v["stack_depth"]


@pytest.mark.checks("receptive_field/mnist_layers")
@pytest.mark.guards("receptive-field.md", "With valid padding and a stride, that union")
def test_union_after_global_pooling_is_measured_and_can_miss_rows():
    from cnn_glossary.mnist.train import build_model

    c = publish.collect(SNIPPETS / "mnist_layers.py")
    v = values(c)
    model = build_model(keras)
    clone = rf.linear_positive_clone(model)
    grad = sum(rf.gradient_map(clone, v["last_spatial"], (i, j)) for i in range(3) for j in range(3))
    (r0, r1), (c0, c1) = rf.measured_span(grad)
    assert (v["union_first"], v["union_last"]) == (r0, r1) == (c0, c1)
    covers = (r0, r1) == (0, v["input_size"] - 1) and bool((grad > 0).all())
    assert ("does cover the whole image" in v["union_verdict"]) == covers
    # the page's warning: with valid padding and a stride the union can miss the last rows
    small = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(1, 3, strides=2, name="c")])
    g = sum(rf.gradient_map(rf.linear_positive_clone(small), "c", (i, j)) for i in range(3) for j in range(3))
    assert not g[7].any() and not g[:, 7].any()


def test_map_statistics_against_plain_loops():
    rng = np.random.default_rng(3)
    m = rng.uniform(size=(9, 11))
    total = sum(m[i, j] for i in range(9) for j in range(11))
    inner = sum(m[i, j] for i in range(3, 6) for j in range(4, 7))
    assert np.isclose(ef.core_share(m, 3), inner / total)
    assert np.isclose(ef.outside_share(m, ((2, 6), (1, 9))),
                      sum(m[i, j] for i in range(9) for j in range(11) if not (2 <= i <= 6 and 1 <= j <= 9)) / total)
    col = [sum(m[i, j] for i in range(9)) for j in range(11)]
    row = [sum(m[i, j] for j in range(11)) for i in range(9)]
    expected = (np.mean([x >= 0.8 * max(col) for x in col]) + np.mean([x >= 0.8 * max(row) for x in row])) / 2
    assert np.isclose(ef.plateau_share(m, 0.8), expected)
    xs = np.arange(11)
    p = np.array(col) / sum(col)
    mean = sum(p * xs)
    assert np.isclose(ef.spread(m), np.sqrt(sum(p * (xs - mean) ** 2)))
    assert np.isclose(ef.power_law_exponent([1, 2, 4, 8], [3, 3 * 2 ** 0.5, 6, 6 * 2 ** 0.5]), 0.5)


def test_gaussian_fit_residual_separates_a_gaussian_from_a_plateau():
    y, x = np.mgrid[:21, :21]
    gauss = 2 * np.exp(-((y - 10.3) ** 2 / (2 * 3.0 ** 2) + (x - 9.6) ** 2 / (2 * 4.0 ** 2))) + 0.1
    assert ef.gaussian_fit_residual(gauss) < 1e-4
    plateau = np.zeros((21, 21))
    plateau[4:17, 4:17] = 1
    assert ef.gaussian_fit_residual(plateau) > 0.3


@pytest.mark.slow  # runs the effective-field snippet again (seconds of TensorFlow); make test runs it
@pytest.mark.checks("receptive_field/effective")
@pytest.mark.guards("receptive-field.md", "of the field's area but carries")
@pytest.mark.guards("receptive-field.md", "the gradient is concentrated towards its centre")
def test_effective_field_sentence_follows_its_statistics():
    c = published("receptive_field/effective")
    v = values(c)
    for name in ("init", "trained"):
        assert v[f"{name}_outside_share"] < 1e-12  # "outside the theoretical field: 0"
        # the page: the central square carries more than its share of the area
        assert v[f"{name}_core_share"] > v["core_area_share"]
    flat = v["trained_plateau"] - v["init_plateau"]
    words = v["trained_vs_init"]
    if abs(flat) < 0.05:
        assert words.startswith("about as flat-topped")
    else:
        assert words.startswith("flatter-topped" if flat > 0 else "more peaked")
    assert ("further from" in words) == (v["trained_gauss_residual"] > v["init_gauss_residual"])
    assert v["plateau_words"] == f"{1 - v['level']:.0%}"  # "within 20% of the peak" is "at least 80% of it"
    rows = {r[0]: r for r in c.tables["stats"]["rows"]}
    assert rows["trained"][3] == v["trained_gauss_residual"] and rows["at initialisation"][1] == v["init_core_share"]


def test_centre_gradient_is_the_composed_kernel():
    from scipy.signal import convolve2d

    model = ef.linear_stack(keras, 3, 2, seed=1)
    kernels = [layer.get_weights()[0].astype(float) for layer in model.layers]
    # oracle: d y_0 / d x_i is the sum over paths of the full 2-D convolutions of the kernels along the path
    # (d/dx of a cross-correlation output is the kernel itself, and composing kernels is a full convolution);
    # walk back from the output, one map per channel of the current layer
    maps = [np.ones((1, 1)) if ch == 0 else np.zeros((1, 1)) for ch in range(2)]
    for w in reversed(kernels):  # w: (3, 3, c_in, c_out)
        maps = [sum(convolve2d(maps[o], w[:, :, i, o]) for o in range(2)) for i in range(2)]
    expected = sum(np.abs(m) for m in maps)
    assert np.allclose(ef.centre_gradient(model), expected, atol=1e-5)


@pytest.mark.slow  # the NumPy re-run convolves hundreds of kernels (about 10 s); make test runs it
@pytest.mark.checks("receptive_field/depth")
@pytest.mark.guards("receptive-field.md", "The effective field also grows more slowly than the theoretical one")
def test_effective_width_exponent_against_a_numpy_rerun():
    from scipy.signal import convolve2d

    c = published("receptive_field/depth")
    v = values(c)
    depths, channels = v["depths"], v["channels"]
    rng = np.random.default_rng(123)
    limit = np.sqrt(6 / (9 * channels * 2))  # Glorot uniform for a 3x3, channels -> channels kernel
    widths = []
    for depth in depths:
        acc = 0
        for _ in range(v["seeds"]):
            maps = [np.ones((1, 1)) if ch == 0 else np.zeros((1, 1)) for ch in range(channels)]
            for _ in range(depth):
                w = rng.uniform(-limit, limit, size=(3, 3, channels, channels))
                maps = [sum(convolve2d(maps[o], w[:, :, i, o]) for o in range(channels)) for i in range(channels)]
            acc = acc + sum(np.abs(m) for m in maps)
        prof = acc.sum(axis=0) / acc.sum()
        x = np.arange(len(prof))
        widths.append(np.sqrt((prof * (x - (prof * x).sum()) ** 2).sum()))
    slope = np.polyfit(np.log(depths), np.log(widths), 1)[0]
    assert abs(slope - v["exponent"]) < 0.1
    # the page: "closer to the square root of the depth", and the theoretical field grows like the depth
    assert abs(v["exponent"] - 0.5) < abs(v["exponent"] - 1)
    assert v["closer_to"] == "the square root of the depth"
    assert v["exponent"] < v["theoretical_exponent"]  # "grows more slowly than the theoretical one"
    # the theoretical field's fitted power, quoted next to it: a least-squares line through log(1 + 2 depth)
    fitted = np.polyfit(np.log(depths), np.log(1 + 2 * np.asarray(depths, dtype=float)), 1)[0]
    assert v["theoretical_exponent"] == pytest.approx(fitted, abs=0.005) and fitted < 1
    assert [r[1] for r in c.tables["depth"]["rows"]] == [1 + 2 * d for d in depths]


@pytest.mark.guards("receptive-field.md", "At inference, batch normalisation, activations and dropout pass the field")
@pytest.mark.guards("receptive-field.md", "batch statistics make each unit depend on every image in the batch")
def test_batch_norm_passes_the_field_at_inference_and_spreads_it_in_training():
    """One unit's gradient with respect to a batch of images: at inference, a 3x3 convolution followed by batch
    normalisation, ReLU and dropout reads only the unit's own 3x3 window of its own image; in training, batch
    normalisation's batch mean and variance make the unit depend on every image of the batch."""
    import keras
    import tensorflow as tf

    x = tf.constant(np.random.default_rng(4).uniform(0.1, 1.0, size=(3, 8, 8, 1)).astype("float32"))
    conv = keras.layers.Conv2D(2, 3, padding="same", use_bias=False, kernel_initializer="ones")
    bn = keras.layers.BatchNormalization(beta_initializer=keras.initializers.Constant(10.0))
    relu, drop = keras.layers.ReLU(), keras.layers.Dropout(0.5)
    bn(conv(x))  # build
    bn.moving_mean.assign([2.0, 3.0])
    bn.moving_variance.assign([4.0, 0.5])
    unit = (0, 3, 4, 1)  # image 0, row 3, column 4, channel 1

    def gradient(training):
        with tf.GradientTape() as tape:
            tape.watch(x)
            if training:  # batch normalisation with the batch's own mean and variance
                y = bn(conv(x), training=True)
            else:  # the stored averages; dropout off, as at inference
                y = drop(relu(bn(conv(x), training=False)), training=False)
            value = y[unit]
        return np.abs(tape.gradient(value, x).numpy()[..., 0])

    g = gradient(False)
    window = np.zeros_like(g, dtype=bool)
    window[0, 2:5, 3:6] = True
    assert (g[window] > 0).all() and (g[~window] == 0).all()  # the field: the unit's own 3x3 window
    g = gradient(True)
    for image in range(x.shape[0]):
        assert g[image].max() > 1e-6, image  # in training, every image of the batch moves the unit
    assert (g[1:] > 0).mean() > 0.5
