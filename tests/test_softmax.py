"""The Softmax and Cross-Entropy page: softmax against SciPy, probabilities against the model's own softmax layer,
the hand-computed cross-entropy against Keras's loss function and the frozen test loss."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.special import softmax as scipy_softmax

from cnn_glossary import publish
from cnn_glossary.softmax import cross_entropy, log_softmax, softmax, softmax_naive

from .conftest import ROOT

keras = pytest.importorskip("keras")
SNIPPETS = ROOT / "snippets" / "softmax"


def values(c) -> dict:
    return {k: v["value"] for k, v in c.values.items()}


@pytest.fixture(scope="module")
def frozen():
    from cnn_glossary.mnist import results

    return results.load_result()


@pytest.fixture(scope="module")
def model(frozen):
    return frozen.load_model()


def test_softmax_functions_against_scipy():
    rng = np.random.default_rng(1)
    z = rng.normal(scale=4, size=(20, 10))
    assert np.allclose(softmax(z), scipy_softmax(z, axis=1))
    assert np.allclose(log_softmax(z), z - logsumexp(z, axis=1, keepdims=True))
    assert np.allclose(softmax_naive(z), scipy_softmax(z, axis=1))
    big = z + 1000
    assert np.isnan(softmax_naive(big)).all()
    assert np.allclose(softmax(big), scipy_softmax(big, axis=1))
    labels = rng.integers(0, 10, 20)
    loop = -sum(np.log(scipy_softmax(z[i])[labels[i]]) for i in range(20)) / 20
    assert cross_entropy(log_softmax(z), labels) == pytest.approx(loop)


@pytest.mark.checks("softmax/worked")
@pytest.mark.guards("softmax.md", "results is nan. The stable form")
def test_worked_steps(model):
    from cnn_glossary.kernels import test_digit

    c = publish.collect(SNIPPETS / "worked.py")
    v = values(c)
    probs = np.asarray(model(test_digit()[None, :, :, None]))[0]  # the model's own softmax layer
    rows = c.tables["steps"]["rows"]
    logits = np.array([r[1] for r in rows])
    assert [r[2] for r in rows] == pytest.approx(np.exp(logits).tolist(), rel=1e-12)
    assert [r[3] for r in rows] == pytest.approx(probs.tolist(), abs=1e-6)
    assert [r[3] for r in rows] == pytest.approx(scipy_softmax(logits).tolist(), rel=1e-9)
    assert v["predicted"] == int(probs.argmax()) and v["top_probability"] == pytest.approx(probs.max(), abs=1e-6)
    assert v["exp_sum"] == pytest.approx(np.exp(logits).sum()) and v["probability_sum"] == pytest.approx(1.0)
    assert v["shift_difference"] < 1e-12 and v["stable_difference"] < 1e-12 and v["model_difference"] < 1e-5
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(logits + v["big"]) / np.exp(logits + v["big"]).sum()
    assert v["naive_nan"] == int(np.isnan(naive).sum()) == len(logits)  # the page: every entry is nan
    assert v["log_probability"] == pytest.approx(float(logits[v["predicted"]] - logsumexp(logits)), abs=1e-12)
    for dtype, name in ((np.float32, "overflow_float32"), (np.float64, "overflow_float64")):
        with np.errstate(over="ignore"):  # exp overflows just above the published threshold, not below
            assert np.isfinite(np.exp(dtype(v[name] - 0.05))) and np.isinf(np.exp(dtype(v[name] + 0.05)))


@pytest.mark.checks("softmax/probabilities")
def test_two_digits_probabilities(frozen, model):
    from cnn_glossary.mnist.data import load_mnist

    v = values(publish.collect(SNIPPETS / "probabilities.py"))
    mnist = load_mnist()
    for tag in ("right", "wrong"):
        i = v[f"{tag}_index"]
        p = np.asarray(model(mnist.x_test[i: i + 1].astype("float32")[..., None] / 255.0))[0]
        assert v[f"{tag}_true"] == mnist.y_test[i]
        assert v[f"{tag}_predicted"] == int(p.argmax())
        assert v[f"{tag}_top"] == pytest.approx(p.max(), abs=1e-6)
        assert v[f"{tag}_true_probability"] == pytest.approx(p[mnist.y_test[i]], abs=1e-6)
    assert v["right_true"] == v["right_predicted"] and v["wrong_true"] != v["wrong_predicted"]
    assert v["wrong_index"] in frozen.data["misclassified"]["index"]
    assert v["recorded_confidence"] == pytest.approx(v["wrong_top"], abs=1e-3)  # the frozen result agrees


@pytest.mark.checks("softmax/loss")
@pytest.mark.guards("softmax.md", "The average hides a skew. The worst digit")
def test_hand_cross_entropy_equals_keras_test_loss(frozen, model):
    from cnn_glossary.mnist.data import load_mnist

    v = values(publish.collect(SNIPPETS / "loss.py"))
    mnist = load_mnist()
    probs = model.predict(mnist.x_test.astype("float32")[..., None] / 255.0, batch_size=1000, verbose=0)
    by_keras = float(np.mean(keras.losses.sparse_categorical_crossentropy(mnist.y_test, probs)))
    assert v["hand_loss"] == pytest.approx(by_keras, rel=1e-4)  # Keras's own loss function
    assert v["hand_loss"] == pytest.approx(frozen.data["test_loss"], abs=1e-6)  # the frozen model.evaluate loss
    assert v["keras_loss"] == frozen.data["test_loss"]
    assert v["loss_difference"] < 1e-6  # the page: equal within float tolerance
    assert v["hand_accuracy"] == pytest.approx(frozen.data["test_accuracy"], abs=1e-6)
    p_true = probs[np.arange(len(probs)), mnist.y_test]
    assert v["geometric_mean"] == pytest.approx(np.exp(np.mean(np.log(p_true))), rel=1e-4)
    assert v["worst_index"] == int(p_true.argmin())
    assert v["worst_probability"] == pytest.approx(p_true.min(), rel=1e-3)
    assert v["worst_share"] == pytest.approx(np.log(p_true.min()) / np.log(p_true).sum(), rel=1e-3)
    assert v["confident_share"] == pytest.approx((p_true > v["confident_threshold"]).mean(), abs=2e-4)
    # the page: "the average hides a skew": one digit of the test set carries over 100 times its equal share of
    # the loss, while most digits give the truth a probability above the threshold
    assert v["worst_share"] > 100 / len(p_true) and v["confident_share"] > 0.5
    # the README's printout: its first number is a loss, so exp(-loss) is a typical probability of the truth
    assert v["source_geometric_mean"] == pytest.approx(np.exp(-v["source_loss"]))
    assert v["source_loss"] > 0.03 and v["source_accuracy"] > 0.99  # [loss, accuracy], not two accuracies
