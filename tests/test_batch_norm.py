"""The Batch Normalization page: our formulas against Keras's own layers, the folded convolutions against the
model's conv + batch-norm outputs, the learned parameters read back independently."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from cnn_glossary import publish
from cnn_glossary.batchnorm import fold, normalise, training_output

from .conftest import ROOT

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
@pytest.mark.guards("batch-norm.md", "stored averages at inference; the outputs differ (measured above)")
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
    assert v["batch_mean"] == pytest.approx(column.mean(), abs=1e-6)
    assert v["batch_variance"] == pytest.approx(((column - column.mean()) ** 2).mean(), rel=1e-4)
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
    assert v["mode_difference"] == pytest.approx(np.abs(train - infer).max(), rel=1e-3)
    assert v["probability_difference"] == pytest.approx(np.abs(p_train - p_infer).max(), rel=1e-3)
    assert v["predictions_changed"] == int((p_train.argmax(1) != p_infer.argmax(1)).sum())
    assert v["mode_difference"] > 0.1  # the page: the two modes give different outputs


@pytest.mark.checks("batch_norm/learned")
def test_learned_parameters_read_back(model):
    c = publish.collect(SNIPPETS / "learned.py")
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


@pytest.mark.checks("batch_norm/fold")
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
        assert row[3] < 1e-4 and row[2] == conv.count_params() + conv.filters
    assert v["worst_fold_difference"] < 1e-4  # the page: equal within floating-point error
    assert v["bias_difference_training"] < 1e-4 and v["bias_difference_folded"] < 1e-5
    assert model.get_layer(v["bias_layer"]).use_bias is False
