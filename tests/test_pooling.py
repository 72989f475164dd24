"""The Pooling page: pooled values against a plain loop and Keras's pooling layers, sizes against Keras shapes,
parameter counts against Keras ``count_params``, the shift measurements recomputed independently."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from cnn_glossary import publish
from cnn_glossary.pooling import pool2d

from .conftest import ROOT, published

keras = pytest.importorskip("keras")
L = keras.layers
SNIPPETS = ROOT / "snippets" / "pooling"


def loop_pool(x: np.ndarray, k: int, s: int, reduce) -> np.ndarray:
    """The oracle: visit every window with two plain loops."""
    n_r, n_c = (x.shape[0] - k) // s + 1, (x.shape[1] - k) // s + 1
    out = np.empty((n_r, n_c) + x.shape[2:])
    for r in range(n_r):
        for c in range(n_c):
            out[r, c] = reduce(x[r * s:r * s + k, c * s:c * s + k].reshape((k * k,) + x.shape[2:]), axis=0)
    return out


def values(c) -> dict:
    return {k: v["value"] for k, v in c.values.items()}


@pytest.fixture(scope="module")
def model():
    from cnn_glossary.mnist import results

    return results.load_result().load_model()


@pytest.mark.parametrize("shape,k,s", [((4, 4), 2, 2), ((7, 9, 3), 2, 2), ((13, 13, 2), 3, 2), ((6, 5), 3, 1)])
def test_pool2d_equals_a_plain_loop_and_keras(shape, k, s):
    x = np.random.default_rng(sum(shape) + k).normal(size=shape)
    for mode, reduce, layer in (("max", np.max, L.MaxPooling2D), ("average", np.mean, L.AveragePooling2D)):
        ours = pool2d(x, k, s, mode)
        assert np.allclose(ours, loop_pool(x, k, s, reduce))
        x4 = (x if x.ndim == 3 else x[..., None])[None].astype("float32")
        by_keras = np.asarray(layer(pool_size=k, strides=s)(x4))[0]
        assert np.allclose(ours.reshape(by_keras.shape), by_keras, atol=1e-6)


@pytest.mark.checks("pooling/worked")
@pytest.mark.guards("pooling.md", "2x2 pool of stride 2, an odd input and no padding, the last row and column are never read")
def test_worked_example_windows_and_sizes():
    c = publish.collect(SNIPPETS / "worked.py")
    rows = c.tables["windows"]["rows"]
    n = values(c)["input_size"]
    k = values(c)["pool_size"]
    # rebuild the input from the windows the table prints, and pool it with Keras
    x = np.zeros((n, n), "float32")
    for i, (_, cells, _, _) in enumerate(rows):
        r, col = divmod(i, n // k)
        x[r * k:(r + 1) * k, col * k:(col + 1) * k] = np.array([float(v) for v in cells.split(", ")]).reshape(k, k)
    mx = np.asarray(L.MaxPooling2D(k)(x[None, :, :, None]))[0, :, :, 0].ravel()
    av = np.asarray(L.AveragePooling2D(k)(x[None, :, :, None]))[0, :, :, 0].ravel()
    assert [r[2] for r in rows] == pytest.approx(mx.tolist())
    assert [r[3] for r in rows] == pytest.approx(av.tolist())
    for i, pool, stride, padding, out in c.tables["sizes"]["rows"]:
        shape = L.MaxPooling2D(pool, strides=stride, padding=padding).compute_output_shape((None, i, i, 1))
        assert (shape[1], shape[2]) == (out, out), (i, pool, stride, padding)
    # the page: a 5x5 input pooled 2x2 with stride 2 and valid padding never reads its last row
    n = values(c)["odd_input"]
    assert n % 2 == 1 and values(c)["stride"] == values(c)["pool_size"] == 2  # the sentence names a 2x2 pool, stride 2
    ramp = np.arange(n * n, dtype="float32").reshape(1, n, n, 1)
    read = np.asarray(L.MaxPooling2D(2)(ramp)).max()  # the largest value it keeps: the last cell it reads
    unread_rows = n - (int(read) // n + 1)
    assert unread_rows == values(c)["dropped"] == 1  # the page says "1 row and column"


@pytest.mark.checks("pooling/maps")
@pytest.mark.guards("pooling.md", "average pooling mixes them with the zeros of the background around them")
def test_real_map_pooled_like_keras_pool1(model):
    from cnn_glossary.kernels import test_digit

    c = published("pooling/maps")
    v = values(c)
    probe = keras.Model(model.input, [model.get_layer("conv1_relu").output, model.get_layer("pool1").output])
    conv1, pool1 = (np.asarray(a)[0] for a in probe(test_digit()[None, :, :, None]))
    ch = v["channel"]
    fmap = conv1[:, :, ch]
    assert np.allclose(loop_pool(fmap, 2, 2, np.max), pool1[:, :, ch], atol=1e-6)  # Keras's own pool1
    assert v["keras_difference"] < 1e-6
    assert v["mean_max_pooled"] == pytest.approx(loop_pool(fmap, 2, 2, np.max).mean(), abs=1e-6)
    assert v["mean_average_pooled"] == pytest.approx(loop_pool(fmap, 2, 2, np.mean).mean(), abs=1e-6)
    # the alt text: no cell of the average pool is stronger than the max pool's
    assert (loop_pool(fmap, 2, 2, np.mean) <= loop_pool(fmap, 2, 2, np.max) + 1e-7).all()
    # one colour convention across pages: a non-negative map is drawn dark on white, and the caption says so
    from cnn_glossary.figures.conv import SCALE_WORDS
    from cnn_glossary.figures.pooling import maps_figure

    drawn = maps_figure(fmap, fmap[::2, ::2], fmap[::2, ::2], ["a", "b", "c"])
    assert {ax.images[0].get_cmap().name for ax in drawn.axes} == {"gray_r"}
    assert SCALE_WORDS["gray_r"] in c.figures["maps"].caption and SCALE_WORDS["gray_r"] in c.figures["maps"].alt
    assert "black" not in c.figures["maps"].caption
    # the caption's channel responds on the strokes: its mean on strokes beats its mean on the background
    stroke = test_digit() > 0.5
    assert fmap[stroke].mean() > fmap[~stroke].mean()
    # "the zeros of the background": this channel's output for blank input is exactly zero (batch norm pushes
    # it below zero, ReLU cuts it), worked out from the layer's weights
    bn = model.get_layer("conv1_bn")
    gamma, beta, mean, var = (np.asarray(w, "float64")[ch] for w in bn.weights)
    assert gamma * (0 - mean) / np.sqrt(var + bn.epsilon) + beta < 0
    assert (fmap[~stroke] == 0).mean() > 0.5


@pytest.mark.checks("pooling/heads")
def test_parameter_counts_against_keras(model):
    v = values(publish.collect(SNIPPETS / "heads.py"))
    size, ch = 28, v["pool_channels"]
    pool = keras.Sequential([keras.Input((size, size, ch)), L.MaxPooling2D(2)])
    conv = keras.Sequential([keras.Input((size, size, ch)), L.Conv2D(ch, 2, strides=2)])
    assert pool.count_params() == 0 and pool.output_shape == conv.output_shape
    assert conv.count_params() == v["stride2_parameters"]
    hs, hc = v["head_size"], v["head_channels"]
    gap = keras.Sequential([keras.Input((hs, hs, hc)), L.Conv2D(10, 1), L.GlobalAveragePooling2D()])
    dense = keras.Sequential([keras.Input((hs, hs, hc)), L.Flatten(), L.Dense(10)])
    assert gap.count_params() == v["gap_head_parameters"] == model.get_layer("classifier_1x1").count_params()
    assert model.get_layer("gap").count_params() == 0
    assert dense.count_params() == v["dense_head_parameters"]
    assert v["head_ratio"] == pytest.approx(dense.count_params() / gap.count_params())
    assert v["head_share_of_model"] == pytest.approx(gap.count_params() / model.count_params())


def blank_background(model) -> dict:
    """Each layer's output for a blank image, per channel, worked out from the weights: a convolution without
    bias gives 0 on zeros and a weighted sum of the channel constants on a constant map; then batch norm, ReLU."""
    def bn_relu(name, z):
        bn = model.get_layer(f"{name}_bn")
        gamma, beta, mean, var = (np.asarray(w, "float64") for w in bn.weights)
        return np.maximum(gamma * (z - mean) / np.sqrt(var + bn.epsilon) + beta, 0.0)

    def conv(name, constant):
        return np.einsum("ijck,c->k", np.asarray(model.get_layer(name).kernel, "float64"), constant)

    c1 = bn_relu("conv1", np.zeros(model.get_layer("conv1").filters))
    c3 = bn_relu("conv3", conv("conv3", bn_relu("conv2", conv("conv2", c1))))
    return {"conv1_relu": c1, "pool1": c1, "pool2": c3}


def unchanged_on_strokes(b, a, blank, tol) -> float:
    """The oracle: among positions where either map leaves the blank-image value, the share that did not move."""
    moved, counted = 0, 0
    for channel in range(b.shape[-1]):
        bc, ac = b[..., channel].ravel(), a[..., channel].ravel()
        stroke = (np.abs(bc - blank[channel]) > tol) | (np.abs(ac - blank[channel]) > tol)
        counted += int(stroke.sum())
        moved += int((np.abs(bc - ac)[stroke] > tol).sum())
    return 1 - moved / counted


@pytest.mark.checks("pooling/shift")
@pytest.mark.guards("pooling.md", "one max pool buys little exact invariance")
@pytest.mark.guards("pooling.md", "Max pooling is equivariant to shifts by its stride: the output moves with")
@pytest.mark.guards("pooling.md", "barely invariant to smaller shifts")
@pytest.mark.guards("pooling.md", "Yet the network's answer almost never changes")
@pytest.mark.guards("pooling.md", "it is not exact invariance in one pooling")
@pytest.mark.guards("pooling.md", "which the shift pushes out of the image")
@pytest.mark.guards("pooling.md", "moves by one whole cell, so at the same positions only")
def test_shift_measurements_recomputed(model):
    from cnn_glossary.mnist.data import load_mnist

    c = published("pooling/shift")
    v = values(c)
    n, tol = v["n_digits"], v["tolerance"]
    x = load_mnist().x_test[:n].astype("float32")[..., None] / 255.0
    names = ["conv1_relu", "pool1", "pool2"]
    probe = keras.Model(model.input, [model.get_layer(m).output for m in names] + [model.output])
    before = [np.asarray(a) for a in probe.predict(x, batch_size=n, verbose=0)]
    # the blank-image background: Keras's output for zeros, constant over positions, equal to the weights' answer
    computed = blank_background(model)
    blank = {}
    for name, out in zip(names, probe.predict(np.zeros((1, 28, 28, 1), "float32"), verbose=0)):
        out = np.asarray(out)[0]
        assert np.ptp(out, axis=(0, 1)).max() == 0, name  # one constant per channel
        np.testing.assert_allclose(out[0, 0], computed[name], atol=1e-4, err_msg=name)
        blank[name] = out[0, 0]
    assert v["conv1_background_positive"] == int((computed["conv1_relu"] > tol).sum()) > 0
    assert v["conv1_channels"] == len(computed["conv1_relu"])
    rows = {r[0]: r for r in c.tables["unchanged"]["rows"]}
    for pixels in (1, 2):
        moved = np.pad(x, ((0, 0), (0, 0), (pixels, 0), (0, 0)))[:, :, :28]  # right by `pixels`, zeros enter
        after = [np.asarray(a) for a in probe.predict(moved, batch_size=n, verbose=0)]
        for j, name in enumerate(names):
            expected = unchanged_on_strokes(before[j], after[j], blank[name], tol)
            assert rows[pixels][1 + j] == pytest.approx(expected, abs=1e-9), (pixels, name)
        assert rows[pixels][4] == pytest.approx((before[3].argmax(1) == after[3].argmax(1)).mean())
        if pixels == 2:  # pool1's output moved by one cell, compared after moving it back
            b, a = before[1][:, :, :-1], after[1][:, :, 1:]
            assert v["pool1_moved_back"] == pytest.approx(unchanged_on_strokes(b, a, blank["pool1"], tol))
            inside = x[:, :, 26:, 0].max(axis=(1, 2)) == 0  # no ink in the two rightmost columns
            assert v["n_inside"] == int(inside.sum())
            exact = unchanged_on_strokes(b[inside], a[inside], blank["pool1"], tol)
            assert v["pool1_moved_back_inside_value"] == pytest.approx(exact)
            assert (v["pool1_moved_back_inside"] == "100.00%") == (exact == 1.0)
    # the page's sentences about these numbers
    gain = v["pool1_1"] - v["conv1_1"]
    assert 0 < gain <= 0.10 and "one max pool buys little exact invariance" in v["sentence_1"]
    assert v["pool2_1"] < v["pool1_1"] and "even less stays the same" in v["sentence_1"]
    assert v["pool1_1"] < 0.5  # "barely invariant", "not exact invariance in one pooling layer"
    for pixels in (1, 2):
        assert v[f"same_digit_{pixels}"] > 0.98  # "the predicted digit almost never changes"
    # equivariance: a shift by the stride moves pool1's map by one cell; at the same place little matches, moved
    # back everything does, apart from digits whose ink the shift pushes out of the image
    assert v["pool1_2"] < 0.5 and v["pool1_moved_back_inside_value"] > 0.9999
    assert v["pool1_moved_back"] < v["pool1_moved_back_inside_value"]


def _real_window_pool(x: np.ndarray, k: int, s: int, reduce) -> np.ndarray:
    """The oracle for "same" pooling: TensorFlow's output size ceil(i / s) and its padding split (the odd extra
    cell after), but each window reduced over the real input cells it covers only, padded cells left out."""
    out_shape = [-(-n // s) for n in x.shape[:2]]
    before = [max((o - 1) * s + k - n, 0) // 2 for o, n in zip(out_shape, x.shape[:2])]
    out = np.empty(tuple(out_shape) + x.shape[2:])
    for r in range(out_shape[0]):
        for c in range(out_shape[1]):
            r0, c0 = r * s - before[0], c * s - before[1]
            window = x[max(r0, 0):min(r0 + k, x.shape[0]), max(c0, 0):min(c0 + k, x.shape[1])]
            out[r, c] = reduce(window.reshape((-1,) + x.shape[2:]), axis=0)
    return out


@pytest.mark.guards("pooling.md", "padded cells are left out rather than read as zeros")
@pytest.mark.guards("pooling.md", "Keras and TensorFlow leave its padded cells out")
@pytest.mark.guards("pooling.md", "an average divides by the number of real values in its window")
@pytest.mark.parametrize("shape,k,s", [((5, 5, 2), 2, 2), ((7, 6, 1), 3, 2), ((6, 6, 3), 3, 1), ((28, 28, 1), 2, 2)])
def test_same_padding_pools_over_the_real_cells_only(shape, k, s):
    """TensorFlow's pooling ops and Keras's layers with "same" padding: the max and the mean of the real cells of
    each window. Negative inputs show that no zero takes part (a zero would win every border max)."""
    import tensorflow as tf

    x = -np.random.default_rng(sum(shape) + k).uniform(1, 2, size=shape)  # every value negative
    for reduce, tf_op, layer in ((np.max, tf.nn.max_pool2d, L.MaxPooling2D), (np.mean, tf.nn.avg_pool2d,
                                                                              L.AveragePooling2D)):
        expected = _real_window_pool(x, k, s, reduce)
        got_tf = tf_op(x[None].astype("float32"), ksize=k, strides=s, padding="SAME").numpy()[0]
        got_keras = np.asarray(layer(k, strides=s, padding="same")(x[None].astype("float32")))[0]
        assert np.allclose(got_tf, expected, atol=1e-6) and np.allclose(got_keras, expected, atol=1e-6)
        assert (got_keras < 0).all()  # no padded zero was read: every output is a real (negative) value
    # the zero-padded reading would differ: with k^2 in the denominator the bottom-right mean of a 5x5 input
    # (one real cell in a 2x2 window) would be a quarter of that cell
    if shape[:2] == (5, 5) and (k, s) == (2, 2):
        mean = np.asarray(L.AveragePooling2D(2, strides=2, padding="same")(x[None].astype("float32")))[0]
        assert np.allclose(mean[-1, -1], x[-1, -1], atol=1e-6) and not np.allclose(mean[-1, -1], x[-1, -1] / 4)


@pytest.mark.guards("pooling.md", "Our stride-2 variant is not the table's 2x2 convolution")
@pytest.mark.guards("pooling.md", "gives the 3x3 convolution before it a stride of 2, keeping our")
def test_the_trained_stride_2_variant_is_not_the_tables_2x2_convolution():
    """The ablation's stride-2 model: no 2x2 layer, no pooling layer, each convolution that fed a max pool now a
    3x3 of stride 2, and Keras counts the same parameters as our network (and as the page says)."""
    from cnn_glossary.mnist import ablations, train

    strided = ablations.build_variant(keras, ablations.BY_KEY["stride_2"])
    ours = train.build_model(keras)
    convs = {layer.name: layer for layer in strided.layers if type(layer).__name__ == "Conv2D"}
    assert not any(type(layer).__name__.endswith("Pooling2D") and "global" not in type(layer).__name__.lower()
                   for layer in strided.layers)
    assert all(tuple(layer.kernel_size) != (2, 2) for layer in convs.values())
    fed_a_pool = [ours.layers[i - 1].name.removesuffix("_relu") for i, layer in enumerate(ours.layers)
                  if type(layer).__name__ == "MaxPooling2D"]
    assert len(fed_a_pool) == 2
    for name in fed_a_pool:  # conv1_relu -> conv1 (batch norm and ReLU sit between the convolution and the pool)
        assert tuple(convs[name].kernel_size) == (3, 3) and tuple(convs[name].strides) == (2, 2), name
    assert strided.count_params() == ours.count_params()
    v = published("pooling/ablation").values
    learned = sum(int(np.prod(w.shape)) for w in ours.trainable_weights)  # the pages' "parameter": trained ones
    assert v["stride_parameters"]["value"] == learned
    assert v["stride_keras_parameters"]["value"] == ours.count_params()  # Keras adds batch norm's moving statistics
