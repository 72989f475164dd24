"""The MNIST page's snippets against independent checks of the committed model and data."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.conv import output_size

from .conftest import ROOT

SNIPPETS = ROOT / "snippets" / "mnist"


@pytest.fixture(scope="module")
def frozen():
    return results.load_result()


@pytest.fixture(scope="module")
def predictions(frozen):
    """A fresh evaluation of the committed model on the test set: the oracle for the page."""
    from cnn_glossary.mnist.data import load_mnist

    mnist = load_mnist()
    model = frozen.load_model()
    x = (mnist.x_test.astype("float32") / 255.0)[..., None]
    probs = np.asarray(model.predict(x, batch_size=1000, verbose=0))
    return mnist.y_test, probs


@pytest.fixture(scope="module")
def score():
    return publish.collect(SNIPPETS / "score.py")


def test_committed_result_is_fresh(frozen):
    assert not frozen.stale, frozen.stale_message


def test_score_matches_a_fresh_evaluation(frozen, predictions, score):
    y, probs = predictions
    published = score.values
    accuracy = float((probs.argmax(1) == y).mean())
    assert published["test_accuracy"]["value"] == pytest.approx(accuracy, abs=1e-4)
    picked = probs[np.arange(len(y)), y].clip(1e-7, 1.0)
    assert published["test_loss"]["value"] == pytest.approx(float(-np.log(picked).mean()), rel=1e-3)
    assert published["test_errors"]["value"] == int((probs.argmax(1) != y).sum())
    assert published["parameters"]["value"] == frozen.load_model().count_params()


def test_layer_table_shapes_follow_the_formula(score):
    table = score.tables["layers"]
    size = 28
    for name, kind, shape, _ in table["rows"]:
        if kind == "Conv2D":
            padding = "same" if name == "conv1" else 0
            kernel = 1 if "1x1" in name else 3
            size = output_size(size, kernel, padding)
        elif kind == "MaxPooling2D":
            size = output_size(size, 2, 0, stride=2)
        if kind in ("Conv2D", "MaxPooling2D"):
            assert shape.startswith(f"({size}, {size},"), (name, shape, size)


def test_confusion_matrix_matches_predictions(predictions):
    y, probs = predictions
    expected = np.zeros((10, 10), dtype=int)
    np.add.at(expected, (y, probs.argmax(1)), 1)
    values = publish.collect(SNIPPETS / "confusion.py").values
    off = expected.copy()
    np.fill_diagonal(off, 0)
    assert values["worst_count"]["value"] == off.max()
    assert off[values["worst_true"]["value"], values["worst_predicted"]["value"]] == off.max()


def test_gallery_and_curves(frozen):
    gallery = publish.collect(SNIPPETS / "mistakes.py")
    assert gallery.values["shown"]["value"] == min(24, len(frozen.data["misclassified"]["index"]))
    assert gallery.figures["gallery"].data.startswith(b"\x89PNG")
    curves = publish.collect(SNIPPETS / "curves.py").values
    # oracle: the committed model evaluated afresh on the validation split (the curve ends at the final weights)
    from cnn_glossary.mnist.data import load_mnist
    from cnn_glossary.mnist.train import split

    _, (x_val, y_val), _ = split(load_mnist())
    probs = np.asarray(frozen.load_model().predict(x_val, batch_size=1000, verbose=0))
    fresh = float((probs.argmax(1) == y_val).mean())
    assert curves["final_val_accuracy"]["value"] == pytest.approx(fresh, abs=1.5 / len(y_val))  # within one image
    assert len(frozen.data["history"]["loss"]) == frozen.data["epochs"]


def test_keras_example_parameter_count(score):
    values = score.values
    # The Keras example's own documentation states its total: 34,826 parameters.
    assert values["keras_example_parameters"]["value"] == 34826
