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
from cnn_glossary.mnist import results
from cnn_glossary.softmax import (calibration, cross_entropy, log_softmax, percent_text, probability_text, softmax,
                                  softmax_naive)

from .conftest import ROOT, published

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


@pytest.mark.guards("softmax.md", "a test gives them scores near 1,000 and gets the right probabilities, not nan")
def test_library_softmaxes_are_stable():
    z = np.array([[1000.0, 999.0, 990.0], [-1000.0, -1001.0, -1010.0]])
    shifted = np.exp(z - z.max(axis=1, keepdims=True))
    expected = shifted / shifted.sum(axis=1, keepdims=True)
    assert np.allclose(scipy_softmax(z, axis=1), expected, rtol=1e-12)
    by_keras = np.asarray(keras.ops.softmax(z.astype("float32"), axis=-1))
    assert np.isfinite(by_keras).all() and np.allclose(by_keras, expected, rtol=1e-6)
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(softmax_naive(z.astype("float32"))).any()  # while the naive form breaks


@pytest.mark.parametrize("p", [0.999998, 0.99951, 0.9999999, 1.0, 0.5, 0.0, 1e-7, 0.123456, 0.99949])
def test_percent_text_never_rounds_to_one_or_zero(p):
    for text, scale in ((percent_text(p), 100), (percent_text(p, 0), 100), (probability_text(p), 1)):
        shown = float(text.rstrip("%"))
        decimals = len(text.rstrip("%").partition(".")[2])
        assert abs(shown - scale * p) <= 0.5 * 10.0**-decimals * (1 + 1e-9), text  # correctly rounded
        assert (shown == scale) == (p == 1) and (shown == 0) == (p == 0), text


@pytest.mark.checks("softmax/probabilities")
@pytest.mark.guards("softmax.md", "The largest probability is the network's answer")
def test_two_digits_probabilities(frozen, model):
    from cnn_glossary.mnist.data import load_mnist

    v = values(published("softmax/probabilities"))
    mnist = load_mnist()
    for tag in ("right", "wrong"):
        i = v[f"{tag}_index"]
        p = np.asarray(model(mnist.x_test[i: i + 1].astype("float32")[..., None] / 255.0))[0]
        assert v[f"{tag}_true"] == mnist.y_test[i]
        assert v[f"{tag}_predicted"] == int(p.argmax())
        for key, value in ((f"{tag}_top", p.max()), (f"{tag}_true_probability", p[mnist.y_test[i]])):
            assert v[f"{key}_value"] == pytest.approx(value, abs=1e-6)
            shown = float(v[key].rstrip("%")) / 100  # the page's text: right to its last digit, and not 100 %
            decimals = len(v[key].rstrip("%").partition(".")[2])
            assert abs(shown - value) <= 0.5 * 10.0 ** -(decimals + 2) + 1e-6, key
            assert (shown == 1.0) == (value == 1.0), key
    assert v["right_true"] == v["right_predicted"] and v["wrong_true"] != v["wrong_predicted"]
    assert v["wrong_index"] in frozen.data["misclassified"]["index"]
    assert v["recorded_confidence"] == pytest.approx(v["wrong_top_value"], abs=1e-3)  # the frozen result agrees


@pytest.mark.slow  # runs the model over the test or validation digits (make quick skips it)
@pytest.mark.checks("softmax/loss")
@pytest.mark.guards("softmax.md", "The average hides a skew. The worst digit")
@pytest.mark.guards("softmax.md", "for ours, whose loss has no such term")
@pytest.mark.guards("softmax.md", "a coincidence with the share of confident digits above")
def test_hand_cross_entropy_equals_keras_test_loss(frozen, model):
    from cnn_glossary.mnist.data import load_mnist

    v = values(published("softmax/loss"))
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
    # "for ours, whose loss has no such term": the hand cross-entropy alone equals what evaluate reported (above)
    # "a coincidence with the share of confident digits above": the two print the same
    assert f"{v['source_geometric_mean']:.1%}" == f"{v['confident_share']:.1%}"


def frozen_accuracy() -> float:
    """The published test accuracy, recomputed from the frozen result's confusion matrix (trace over total)."""
    m = np.asarray(results.for_page().data["confusion_matrix"], dtype=float)
    return float(np.trace(m) / m.sum())


def ece_by_hand(confidence, correct, bins):
    """The oracle: a plain loop over the examples, bins (k/bins, (k+1)/bins], the first also taking 0."""
    sums = [[0, 0.0, 0.0] for _ in range(bins)]  # count, right answers, summed confidence
    for c, ok in zip(confidence, correct):
        k = 0
        while k < bins - 1 and c > (k + 1) / bins:
            k += 1
        sums[k][0] += 1
        sums[k][1] += int(ok)
        sums[k][2] += float(c)
    ece = sum(abs(right - conf) for _, right, conf in sums) / len(confidence)  # |sum right - sum conf| / N per bin
    return sums, ece


def test_calibration_against_a_loop():
    rng = np.random.default_rng(3)
    confidence = rng.uniform(0.1, 1.0, 400)
    correct = rng.uniform(size=400) < confidence ** 2  # an over-confident toy
    rows, ece = calibration(confidence, correct, bins=10)
    sums, expected = ece_by_hand(confidence, correct, 10)
    assert ece == pytest.approx(expected, rel=1e-12)
    assert [r[2] for r in rows] == [n for n, _, _ in sums if n]


@pytest.mark.slow  # runs the model over the test or validation digits (make quick skips it)
@pytest.mark.checks("softmax/calibration")
@pytest.mark.guards("softmax.md", "Most digits sit in the top bin")
@pytest.mark.guards("softmax.md", "a low probability does flag a doubtful answer")
@pytest.mark.guards("softmax.md", "With so few digits per bin, the lower bars are rough")
@pytest.mark.guards("softmax.md", "Ours come close on validation digits")
def test_calibration_on_validation_digits(model):
    from cnn_glossary.mnist import train
    from cnn_glossary.mnist.data import load_mnist

    c = published("softmax/calibration")
    v = values(c)
    (x_fit, _), (x_val, y_val), (x_test, _) = train.split(load_mnist())
    assert v["n_val"] == len(y_val) == train.VALIDATION_SIZE != len(x_test)  # validation, not test
    p = model.predict(x_val, batch_size=500, verbose=0)
    confidence, correct = p.max(axis=1), p.argmax(axis=1) == y_val
    sums, ece = ece_by_hand(confidence, correct, v["bins"])
    assert v["ece"] == pytest.approx(ece, abs=1e-6)
    occupied = [(k, n, right, conf) for k, (n, right, conf) in enumerate(sums) if n]
    assert len(v["rows"]) == len(c.tables["bin_table"]["rows"]) == len(occupied)
    for (lo, hi, n, acc, conf), (k, n2, right, conf_sum) in zip(v["rows"], occupied):
        assert (lo, hi) == pytest.approx((k / v["bins"], (k + 1) / v["bins"]))
        assert n == n2 and acc == pytest.approx(right / n2) and conf == pytest.approx(conf_sum / n2, abs=1e-6)
    accuracy, mean_confidence = correct.mean(), confidence.mean()
    assert v["accuracy"] == pytest.approx(accuracy) and v["mean_confidence"] == pytest.approx(mean_confidence, 1e-5)
    # the generated sentence leans the way the numbers do
    lean = "over-confident" if mean_confidence > accuracy else "under-confident"
    assert lean in v["sentence"] and f"{v['ece']:.4f}" in v["sentence"] and "validation digits" in v["sentence"]
    # the page's words
    top = occupied[-1]
    assert top[0] == v["bins"] - 1 and v["top_share"] == pytest.approx(top[1] / len(y_val)) and v["top_share"] > 0.5
    below = [o for o in occupied if o[0] < v["bins"] - 1]
    below_n, below_errors = sum(o[1] for o in below), sum(o[1] - o[2] for o in below)
    assert v["below_count"] == below_n and v["below_errors"] == below_errors == round(below_errors)
    assert v["errors"] == int((~correct).sum())
    top_error_rate = (top[1] - top[2]) / top[1]
    assert below_errors / below_n > 10 * top_error_rate  # "a low probability does flag a doubtful answer"
    assert max(o[1] for o in below) < 100  # "so few digits per bin"
    assert v["ece"] < 0.01  # "ours come close"
    # the gap's noise: the standard error of the mean of (confidence - right), by SciPy
    from scipy.stats import binom, sem

    gap = mean_confidence - accuracy
    se = sem(confidence.astype("float64") - correct)
    assert v["gap_se"] == pytest.approx(se, rel=1e-3)
    assert f"uncertain by about {100 * se:.2f} percentage points" in v["noise"]
    assert f"{abs(gap) / se:.1f} times its own noise" in v["noise"]
    # "that gap" is the mean gap (confidence minus accuracy), not the expected calibration error: the text says so
    assert f"The mean gap of {100 * abs(gap):.2f} percentage points (not the expected calibration error)" in v["noise"]
    assert f"{100 * abs(gap):.2f} percentage points" in v["sentence"]
    # validation against test: binomial standard deviations of two independent accuracies
    test_acc, n_test = frozen_accuracy(), len(x_test)
    sd = np.sqrt(binom(len(y_val), accuracy).var() / len(y_val) ** 2 + binom(n_test, test_acc).var() / n_test ** 2)
    z = (test_acc - accuracy) / sd
    text = v["val_vs_test"]
    assert f"{abs(z):.1f} standard errors" in text and f"{test_acc:.2%} on the {n_test:,} test digits" in text
    assert ("more than sampling noise alone usually gives" in text) == (abs(z) > 2)
    if abs(z) > 2:  # a suggestion, not a proof; with a higher test score, two explanations it cannot tell apart
        assert "suggests, without proving it" in text
        assert ("the test digits may be a little easier" in text and "slightly optimistic" in text) == (z > 0)
        assert ("the validation digits are a little easier" in text) == (z < 0)
    assert "so for this network" not in text
    assert f"{v['bins']} equal bins" in c.figures["reliability"].caption


@pytest.mark.guards("softmax.md", "returns the loss first, the one given to compile (here the")
@pytest.mark.guards("softmax.md", "then the metrics in the order compile lists")
@pytest.mark.guards("softmax.md", "the compiled loss comes first, then the metrics")
def test_evaluate_returns_the_compiled_loss_then_the_metrics_in_order(frozen, model):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 4)).astype("float32"), rng.integers(0, 3, 32)
    tiny = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, kernel_regularizer=keras.regularizers.L2(0.5)),
                             keras.layers.Softmax()])
    tiny.compile(loss="sparse_categorical_crossentropy",
                 metrics=[keras.metrics.SparseTopKCategoricalAccuracy(k=2), "accuracy"])
    loss, top2, accuracy = tiny.evaluate(x, y, batch_size=32, verbose=0)
    p = np.asarray(tiny(x), "float64")
    cross_entropy_by_hand = -np.mean(np.log(p[np.arange(32), y]))
    penalty = 0.5 * np.sum(np.asarray(tiny.layers[0].kernel, "float64") ** 2)
    assert loss == pytest.approx(cross_entropy_by_hand + penalty, rel=1e-5)  # the loss includes regularisation
    # then the metrics, in compile's order
    in_top2 = np.mean([y[i] in np.argsort(p[i])[-2:] for i in range(32)])
    assert (top2, accuracy) == pytest.approx((in_top2, np.mean(p.argmax(axis=1) == y)))
    assert top2 != accuracy  # the two metrics differ here, so the order is really tested
    # our model: cross-entropy as the loss, accuracy the one metric, no regularisation losses
    assert not model.losses
    import inspect

    from cnn_glossary.mnist import train

    source = inspect.getsource(train.train)
    assert 'loss="sparse_categorical_crossentropy"' in source and 'metrics=["accuracy"]' in source
