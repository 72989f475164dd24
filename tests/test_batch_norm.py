"""The Batch Normalization page: our formulas against Keras's own layers, the folded convolutions against the
model's conv + batch-norm outputs, the learned parameters read back independently."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from cnn_glossary import publish
from cnn_glossary.batchnorm import fold, normalise, training_output

from .conftest import ROOT, published

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")
L = keras.layers
SNIPPETS = ROOT / "snippets" / "batch_norm"


def values(c) -> dict:
    return {k: v["value"] for k, v in c.values.items()}


@pytest.fixture(scope="module")
def model():
    from cnn_glossary.mnist import results

    return results.load_result().load_model()


@pytest.fixture(scope="module")
def batch():
    from cnn_glossary.mnist.data import load_mnist

    return load_mnist().x_test[:64].astype("float32")[..., None] / 255.0


def test_formulas_against_a_keras_layer():
    rng = np.random.default_rng(2)
    x = rng.normal(1.5, 2.0, size=(8, 5, 5, 3)).astype("float32")
    w = [rng.uniform(0.5, 2, 3), rng.normal(size=3), rng.normal(size=3), rng.uniform(0.5, 2, 3)]
    layer = L.BatchNormalization(epsilon=1e-3)
    layer.build(x.shape)
    layer.set_weights([a.astype("float32") for a in w])
    assert np.allclose(normalise(x, *w), np.asarray(layer(x, training=False)), atol=1e-5)
    assert np.allclose(training_output(x, w[0], w[1]), np.asarray(layer(x, training=True)), atol=1e-4)


def test_fold_against_tf_conv2d_and_keras_batch_norm():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 9, 9, 3)).astype("float32")
    kernel = rng.normal(size=(3, 3, 3, 4)).astype("float32")
    bias = rng.normal(size=4).astype("float32")
    gamma, beta, mean = rng.uniform(0.5, 2, 4), rng.normal(size=4), rng.normal(size=4)
    variance = rng.uniform(0.5, 2, 4)
    bn = L.BatchNormalization(epsilon=1e-3)
    bn.build((None, 7, 7, 4))
    bn.set_weights([a.astype("float32") for a in (gamma, beta, mean, variance)])
    reference = np.asarray(bn(tf.nn.conv2d(x, kernel, 1, "VALID") + bias, training=False))
    k2, b2 = fold(kernel, bias, gamma, beta, mean, variance, 1e-3)
    folded = np.asarray(tf.nn.conv2d(x, k2.astype("float32"), 1, "VALID")) + b2
    assert np.allclose(folded, reference, atol=1e-4)


@pytest.mark.checks("batch_norm/modes")
@pytest.mark.guards("batch-norm.md", "the two modes differ by up to")
@pytest.mark.guards("batch-norm.md", "over the whole batch, all")
@pytest.mark.guards("batch-norm.md", "stored averages at inference; the outputs differ (measured above)")
@pytest.mark.guards("batch-norm.md", "That gap is in the batch statistics: ours are computed in double precision")
@pytest.mark.guards("batch-norm.md", "Keras's layer takes them from tf.nn.moments in single precision")
def test_training_and_inference_modes(model, batch):
    v = values(c := publish.collect(SNIPPETS / "modes.py"))
    bn = model.get_layer("conv1_bn")
    probe = keras.Model(model.input, [model.get_layer("conv1").output, bn.output, model.output])
    conv1, infer, p_infer = (np.asarray(a) for a in probe(batch, training=False))
    ch = v["channel"]
    gamma, beta, mean, var = (np.asarray(w)[ch] for w in bn.weights)
    assert (v["epsilon"], v["momentum"]) == pytest.approx((bn.epsilon, bn.get_config()["momentum"]))
    assert (v["gamma"], v["beta"], v["moving_mean"], v["moving_variance"]) == pytest.approx((gamma, beta, mean, var))
    column = conv1[..., ch].astype("float64")  # batch statistics by hand, in double precision
    assert v["batch_mean"] == pytest.approx(column.mean(), rel=1e-9, abs=1e-12)
    assert v["batch_variance"] == pytest.approx(((column - column.mean()) ** 2).mean(), rel=1e-9)
    # the page: "over the whole batch, all 64 digits at all 28 x 28 positions (50,176 values)"
    assert (v["batch"], v["map_height"], v["map_width"]) == conv1.shape[:3] == batch.shape[:3]
    assert v["n_statistic_values"] == column.size
    # the worked rows against Keras's layer itself
    rows = c.tables["worked"]["rows"]
    r, col = (int(t) for t in v["pixel"].strip("()").split(","))
    for i, raw, _, inference in rows:
        assert raw == pytest.approx(conv1[i, r, col, ch], abs=1e-6)
        assert inference == pytest.approx(infer[i, r, col, ch], abs=1e-5)
    # training mode also updates the moving averages: run it on a model of its own, not the shared fixture
    from cnn_glossary.mnist import results

    own = results.load_result().load_model()
    own_probe = keras.Model(own.input, [own.get_layer("conv1").output, own.get_layer("conv1_bn").output, own.output])
    _, train, p_train = (np.asarray(a) for a in own_probe(batch, training=True))
    for i, _, training, _ in rows:
        assert training == pytest.approx(train[i, r, col, ch], abs=1e-3)
    assert v["ours_vs_keras_inference"] < 1e-5 and v["ours_vs_keras_training"] < 2e-3
    # where the training-mode gap comes from: Keras's layer gets its batch statistics from tf.nn.moments
    # (single precision); with those, the formula reproduces Keras; with double-precision ones it does not
    import inspect

    from keras.src.backend.tensorflow import nn as tf_nn

    assert "tf.nn.moments" in inspect.getsource(tf_nn._compute_moments)
    flat = conv1.reshape(-1, conv1.shape[-1])
    mean64 = flat.astype("float64").mean(axis=0)
    var64 = ((flat.astype("float64") - mean64) ** 2).mean(axis=0)
    mean32, var32 = (np.asarray(a, "float64") for a in tf.nn.moments(tf.constant(conv1), axes=[0, 1, 2]))
    g, b = (np.asarray(w, "float64") for w in bn.weights[:2])
    by_keras_statistics = g * (conv1 - mean32) / np.sqrt(var32 + bn.epsilon) + b
    by_exact_statistics = g * (conv1 - mean64) / np.sqrt(var64 + bn.epsilon) + b
    gap_keras, gap_exact = (np.abs(o - train).max() for o in (by_keras_statistics, by_exact_statistics))
    assert v["keras_statistics_vs_keras_training"] == pytest.approx(gap_keras, rel=0.05, abs=1e-7)
    assert v["ours_vs_keras_training"] == pytest.approx(gap_exact, rel=1e-3)
    assert v["variance_relative_difference"] == pytest.approx(np.abs(var32 / var64 - 1).max(), rel=1e-3)
    assert gap_keras < 1e-5 and gap_exact > 20 * gap_keras  # the page: the statistics explain the gap
    assert v["mode_difference"] == pytest.approx(np.abs(train - infer).max(), rel=1e-3)
    assert v["probability_difference"] == pytest.approx(np.abs(p_train - p_infer).max(), rel=1e-3)
    assert v["predictions_changed"] == int((p_train.argmax(1) != p_infer.argmax(1)).sum())
    assert v["mode_difference"] > 0.1  # the page: the two modes give different outputs


@pytest.mark.checks("batch_norm/learned")
def test_learned_parameters_read_back(model):
    c = published("batch_norm/learned")
    v = values(c)
    bns = [layer for layer in model.layers if isinstance(layer, L.BatchNormalization)]
    assert v["n_layers"] == len(bns) == len(c.tables["ranges"]["rows"])
    gammas = np.concatenate([layer.gamma.numpy() for layer in bns])
    betas = np.concatenate([layer.beta.numpy() for layer in bns])
    assert v["n_channels"] == gammas.size
    assert (v["gamma_min"], v["gamma_max"]) == pytest.approx((gammas.min(), gammas.max()))
    assert v["negative_beta"] == pytest.approx((betas < 0).mean())
    assert v["bn_parameters"] == sum(layer.count_params() for layer in bns) == 4 * gammas.size
    assert v["bn_trainable"] == sum(int(np.prod(w.shape)) for layer in bns for w in layer.trainable_weights)
    for (name, n, g, *_), layer in zip(c.tables["ranges"]["rows"], bns):
        assert name == layer.name and n == layer.gamma.shape[0]
        assert g == f"{layer.gamma.numpy().min():.2f} to {layer.gamma.numpy().max():.2f}"


@pytest.mark.guards("batch-norm.md", "Keras does not fold it for you: predict still runs each batch-norm layer")
@pytest.mark.guards("readme-map.md", "where batch normalisation follows, as in our network, its shift")
@pytest.mark.guards("readme-map.md", "in our hidden layers, the sum without a bias, after batch normalisation")
@pytest.mark.guards("batch-norm.md", "Directly after a convolution, as each of ours is, it can be folded into")
@pytest.mark.guards("activation.md", "in our hidden layers, a bias-free sum, batch-normalised")
@pytest.mark.guards("glossary.md", "as in our network's hidden layers, the weighted sum without a bias")
@pytest.mark.guards("glossary.md", "ours leave them out where batch normalisation follows")
def test_keras_runs_batch_norm_at_inference_unfolded(batch):
    from cnn_glossary.mnist import results

    own = results.load_result().load_model()  # changed below: not the shared fixture
    bns = [layer for layer in own.layers if isinstance(layer, L.BatchNormalization)]
    assert len(bns) == 5
    convs = [layer for layer in own.layers if isinstance(layer, L.Conv2D)]
    for conv in convs[:-1]:  # every hidden convolution: no bias, and batch norm reads its output directly
        follower = own.layers[own.layers.index(conv) + 1]
        assert not conv.use_bias and isinstance(follower, L.BatchNormalization), conv.name
        assert follower.input is conv.output, conv.name
    assert convs[-1].use_bias and not any(isinstance(x, L.BatchNormalization)  # the classifier keeps its bias
                                          for x in own.layers[own.layers.index(convs[-1]):])
    assert {bn.name for bn in bns} == {f"{conv.name}_bn" for conv in convs[:-1]}
    before = own.predict(batch[:8], verbose=0)
    for layer in bns:  # the moving statistics are still read at every prediction, layer by layer
        mean = layer.moving_mean.numpy()
        layer.moving_mean.assign(mean + 1.0)
        assert np.abs(own.predict(batch[:8], verbose=0) - before).max() > 1e-3, layer.name
        layer.moving_mean.assign(mean)
    np.testing.assert_array_equal(own.predict(batch[:8], verbose=0), before)
    for layer in bns:  # and the convolutions' kernels are the trained ones, not folded
        conv = own.get_layer(layer.name.removesuffix("_bn"))
        gamma, _, _, var = (np.asarray(w) for w in layer.weights)
        assert not conv.use_bias
        assert not np.allclose(np.asarray(conv.kernel), np.asarray(conv.kernel) * gamma / np.sqrt(var + layer.epsilon))


@pytest.mark.checks("batch_norm/stages")
@pytest.mark.guards("batch-norm.md", "Normalised with the stored statistics, every channel's mean lies between")
@pytest.mark.guards("batch-norm.md", "γ and β then set each channel's own scale and offset, and so how")
@pytest.mark.guards("batch-norm.md", "after normalisation every box sits around zero with a similar height")
@pytest.mark.guards("batch-norm.md", "Normalising puts every channel on about the same scale")
def test_stages_against_keras_layer_outputs(model):
    from cnn_glossary.mnist import train
    from cnn_glossary.mnist.data import load_mnist

    c = published("batch_norm/stages")
    v = values(c)
    layer, n = v["layer"], v["n_digits"]
    _, (x_val, _), (x_test, _) = train.split(load_mnist())
    bn = model.get_layer(f"{layer}_bn")
    probe = keras.Model(model.input, [model.get_layer(f"{layer}{suffix}").output for suffix in ("", "_bn", "_relu")])
    conv, out, relu = (np.asarray(a, "float64") for a in probe(x_val[:n], training=False))
    gamma, beta = (np.asarray(w, "float64") for w in bn.weights[:2])
    assert v["channels"] == conv.shape[-1] == len(gamma) and v["n_values"] == conv[..., 0].size
    stats = {"raw": [], "normalised": []}
    for ch in range(conv.shape[-1]):  # channel by channel, from Keras's own outputs
        raw = conv[..., ch].ravel()
        normalised = (out[..., ch].ravel() - beta[ch]) / gamma[ch]  # undo gamma and beta of Keras's output
        for key, x in (("raw", raw), ("normalised", normalised)):
            m = x.sum() / x.size
            stats[key].append((m, np.sqrt(((x - m) ** 2).sum() / x.size)))
    for key, rows in stats.items():
        means, stds = np.array(rows).T
        assert v[f"{key}_mean_low"] == pytest.approx(means.min(), abs=1e-4)
        assert v[f"{key}_mean_high"] == pytest.approx(means.max(), abs=1e-4)
        assert v[f"{key}_std_low"] == pytest.approx(stds.min(), rel=1e-4)
        assert v[f"{key}_std_high"] == pytest.approx(stds.max(), rel=1e-4)
    zeroed = (relu == 0).reshape(-1, relu.shape[-1]).mean(axis=0)  # what Keras's ReLU layer actually zeroed
    assert (v["cut_low"], v["cut_high"]) == pytest.approx((zeroed.min(), zeroed.max()), abs=1e-4)
    assert v["keras_difference"] < 1e-4
    # the page and caption: raw channels sit at different places and scales; normalised, all on one scale
    # (mean near 0, spread near 1); gamma and beta spread them out again
    assert v["raw_mean_high"] - v["raw_mean_low"] > 1 and v["raw_std_high"] / v["raw_std_low"] > 1.5
    assert -0.3 < v["normalised_mean_low"] and v["normalised_mean_high"] < 0.3
    assert 0.8 < v["normalised_std_low"] and v["normalised_std_high"] < 1.3
    scaled_std = (out.reshape(-1, out.shape[-1])).std(axis=0)
    assert scaled_std.max() / scaled_std.min() > v["normalised_std_high"] / v["normalised_std_low"]
    assert 0 < v["cut_low"] < v["cut_high"] < 1
    assert "validation digits" in c.figures["stages"].caption


@pytest.mark.checks("batch_norm/fold")
@pytest.mark.guards("batch-norm.md", "then all it costs is a bias added to the convolution's output")
@pytest.mark.guards("batch-norm.md", "β already does the bias's job")
@pytest.mark.guards("batch-norm.md", "which is rounding error in single precision")
def test_folded_convolutions_equal_keras_conv_plus_bn(model, batch):
    c = publish.collect(SNIPPETS / "fold.py")
    v = values(c)
    rows = {r[0]: r for r in c.tables["folded"]["rows"]}
    names = {layer.name for layer in model.layers}
    convs = [layer for layer in model.layers if isinstance(layer, L.Conv2D) and f"{layer.name}_bn" in names]
    assert len(convs) == len(rows) == 5
    for conv in convs:
        bn = model.get_layer(f"{conv.name}_bn")
        probe = keras.Model(model.input, [conv.input, bn.output])
        conv_in, expected = (np.asarray(a) for a in probe(batch, training=False))
        gamma, beta, mean, var = (np.asarray(w, "float64") for w in bn.weights)
        scale = gamma / np.sqrt(var + bn.epsilon)  # the folding written out again, applied with tf.nn.conv2d
        kernel = (np.asarray(conv.kernel, "float64") * scale).astype("float32")
        out = np.asarray(tf.nn.conv2d(conv_in, kernel, conv.strides, conv.padding.upper())) + (beta - mean * scale)
        diff = np.abs(out - expected).max()
        assert diff < 1e-4
        row = rows[f"{conv.name} + {bn.name}"]
        assert row[4] < 1e-4 and row[3] == conv.count_params() + conv.filters
        # learned before folding, by hand: the kernel (and a bias, if any), then gamma and beta per channel; Keras's
        # count adds the moving mean and variance per channel
        k = int(np.prod(conv.kernel.shape)) + (conv.filters if conv.use_bias else 0)
        assert row[1] == k + 2 * conv.filters
        assert row[2] == conv.count_params() + bn.count_params() == row[1] + 2 * conv.filters
    assert v["worst_fold_difference"] < 1e-4  # the page: equal within floating-point error
    assert v["bias_difference_training"] < 1e-4 and v["bias_difference_folded"] < 1e-5
    assert model.get_layer(v["bias_layer"]).use_bias is False
