"""The Pooling page: pooled values against a plain loop and Keras's pooling layers, sizes against Keras shapes,
parameter counts against Keras ``count_params``, the shift measurements recomputed independently."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from cnn_glossary import publish
from cnn_glossary.pooling import pool2d

from .conftest import ROOT

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
def test_real_map_pooled_like_keras_pool1(model):
    from cnn_glossary.kernels import test_digit

    c = publish.collect(SNIPPETS / "maps.py")
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


@pytest.mark.checks("pooling/shift")
@pytest.mark.guards("pooling.md", "One max pool buys little exact")
@pytest.mark.guards("pooling.md", "Pooling is equivariant to shifts by its stride, and only partly invariant")
@pytest.mark.guards("pooling.md", "on its own it makes the network only a little")
@pytest.mark.guards("pooling.md", "even less stays the same. Yet the network's answer almost never changes")
@pytest.mark.guards("pooling.md", "Only a little, and only exactly for particular shifts")
def test_shift_measurements_recomputed(model):
    from cnn_glossary.mnist.data import load_mnist

    c = publish.collect(SNIPPETS / "shift.py")
    v = values(c)
    n, tol = v["n_digits"], v["tolerance"]
    x = load_mnist().x_test[:n].astype("float32")[..., None] / 255.0
    names = ["conv1_relu", "pool1", "pool2"]
    probe = keras.Model(model.input, [model.get_layer(m).output for m in names] + [model.output])
    before = [np.asarray(a) for a in probe.predict(x, batch_size=n, verbose=0)]
    rows = {r[0]: r for r in c.tables["unchanged"]["rows"]}
    for pixels in (1, 2):
        moved = np.pad(x, ((0, 0), (0, 0), (pixels, 0), (0, 0)))[:, :, :28]  # right by `pixels`, zeros enter
        after = [np.asarray(a) for a in probe.predict(moved, batch_size=n, verbose=0)]
        for j, name in enumerate(names):
            b, a = before[j], after[j]
            active = (b != 0) | (a != 0)
            expected = (np.abs(b - a)[active] <= tol).sum() / active.sum()
            assert rows[pixels][1 + j] == pytest.approx(expected, abs=1e-9), (pixels, name)
        assert rows[pixels][4] == pytest.approx((before[3].argmax(1) == after[3].argmax(1)).mean())
        if pixels == 2:  # pool1's output moved by one cell, compared after moving it back
            b, a = before[1][:, :, :-1], after[1][:, :, 1:]
            active = (b != 0) | (a != 0)
            assert v["pool1_moved_back"] == pytest.approx((np.abs(b - a)[active] <= tol).mean())
    # the page's sentences about these numbers
    for pixels in (1, 2):
        assert abs(v[f"pool1_{pixels}"] - v[f"conv1_{pixels}"]) < 0.1  # "one max pool buys little exact invariance"
        assert v[f"pool2_{pixels}"] < v[f"pool1_{pixels}"]  # "deeper, even less stays exactly the same"
        assert v[f"same_digit_{pixels}"] > 0.98  # "the predicted digit almost never changes"
    assert v["pool1_moved_back"] > 0.99  # "a 2-pixel shift moves pool1's output by one cell"
