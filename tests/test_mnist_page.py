"""The MNIST page's snippets against independent checks of the committed model and data."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.conv import output_size

from .conftest import ROOT, published

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


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
@pytest.mark.checks("mnist/score")
def test_score_matches_a_fresh_evaluation(frozen, predictions, score):
    y, probs = predictions
    published = score.values
    accuracy = float((probs.argmax(1) == y).mean())
    assert published["test_accuracy"]["value"] == pytest.approx(accuracy, abs=1e-4)
    picked = probs[np.arange(len(y)), y].clip(1e-7, 1.0)
    assert published["test_loss"]["value"] == pytest.approx(float(-np.log(picked).mean()), rel=1e-3)
    assert published["test_errors"]["value"] == int((probs.argmax(1) != y).sum())
    assert published["parameters"]["value"] == frozen.load_model().count_params()


@pytest.mark.checks("mnist/score")
def test_layer_table_counts_learned_parameters_apart_from_keras_count(frozen, score):
    """Each layer's learned count, by hand from its kernel shape and channels (a bias if it has one; gamma and beta
    for batch norm), and Keras's count, which adds batch norm's moving mean and variance."""
    model = frozen.load_model()
    rows = score.tables["layers"]["rows"]
    assert [r[0] for r in rows] == [layer.name for layer in model.layers]
    for (name, kind, _, learned, keras_count), layer in zip(rows, model.layers):
        assert keras_count == layer.count_params(), name
        if kind == "Conv2D":
            expected = int(np.prod(layer.kernel.shape)) + (layer.filters if layer.use_bias else 0)
        elif kind == "BatchNormalization":
            expected = 2 * layer.gamma.shape[0]
            assert keras_count == 2 * learned, name  # plus the moving mean and variance, one each per channel
        else:
            expected = 0  # pooling, ReLU, global average and softmax hold no weights
        assert learned == expected, name
    assert sum(r[3] for r in rows) == score.values["trainable"]["value"]
    assert sum(r[4] for r in rows) == score.values["parameters"]["value"]


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
@pytest.mark.checks("mnist/score")
@pytest.mark.guards("mnist.md", "from 14x14 down to 3x3")
def test_layer_table_shapes_follow_the_formula(score):
    table = score.tables["layers"]
    size = 28
    after_first_pool, pooled = [], False
    for name, kind, shape, *_ in table["rows"]:
        if kind == "Conv2D":
            padding = "same" if name == "conv1" else 0
            kernel = 1 if "1x1" in name else 3
            size = output_size(size, kernel, padding)
        elif kind == "MaxPooling2D":
            size = output_size(size, 2, 0, stride=2)
        if kind in ("Conv2D", "MaxPooling2D"):
            assert shape.startswith(f"({size}, {size},"), (name, shape, size)
        if kind == "MaxPooling2D" and not pooled:
            after_first_pool.append(size)  # the first pooled map
        if kind == "Conv2D" and pooled:
            after_first_pool.append(size)
        pooled = pooled or kind == "MaxPooling2D"
    # the page: from the first pooling on, the maps go "from 14x14 down to 3x3"
    assert (after_first_pool[0], after_first_pool[-1]) == (14, 3), after_first_pool


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
@pytest.mark.checks("mnist/confusion")
def test_confusion_matrix_matches_predictions(predictions):
    y, probs = predictions
    expected = np.zeros((10, 10), dtype=int)
    np.add.at(expected, (y, probs.argmax(1)), 1)
    values = publish.collect(SNIPPETS / "confusion.py").values
    off = expected.copy()
    np.fill_diagonal(off, 0)
    assert values["worst_count"]["value"] == off.max()
    assert off[values["worst_true"]["value"], values["worst_predicted"]["value"]] == off.max()


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
@pytest.mark.checks("mnist/mistakes", "mnist/curves")
@pytest.mark.guards("mnist.md", "The validation accuracy also sits below the test accuracy")
def test_gallery_and_curves(frozen):
    gallery = published("mnist/mistakes")
    assert gallery.values["shown"]["value"] == min(24, len(frozen.data["misclassified"]["index"]))
    assert gallery.figures["gallery"].data.startswith(b"\x89PNG")
    curves = published("mnist/curves").values
    # oracle: the committed model evaluated afresh on the validation split (the curve ends at the final weights)
    from cnn_glossary.mnist.data import load_mnist
    from cnn_glossary.mnist.train import split

    _, (x_val, y_val), _ = split(load_mnist())
    probs = np.asarray(frozen.load_model().predict(x_val, batch_size=1000, verbose=0))
    fresh = float((probs.argmax(1) == y_val).mean())
    assert curves["final_val_accuracy"]["value"] == pytest.approx(fresh, abs=1.5 / len(y_val))  # within one image
    assert len(frozen.data["history"]["loss"]) == frozen.data["epochs"]
    # "the validation accuracy also sits below the test accuracy": the fresh validation accuracy against the test
    # accuracy recomputed from the frozen confusion matrix
    m = np.asarray(frozen.data["confusion_matrix"], dtype=float)
    assert fresh < np.trace(m) / m.sum()


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
@pytest.mark.checks("mnist/score")
def test_keras_example_parameter_count(score):
    values = score.values
    # The Keras example's own documentation states its total: 34,826 parameters, all trainable.
    assert values["keras_example_parameters"]["value"] == 34826
    assert values["keras_example_trainable"]["value"] == 34826


@pytest.mark.checks("mnist/score")
@pytest.mark.guards("mnist.md", "are batch normalisation's running means and variances")
@pytest.mark.guards("mnist.md", "parameters, of which")
@pytest.mark.guards("mnist.md", "are learned by gradient descent")
def test_trainable_parameters_by_hand(frozen, score):
    """Batch normalisation keeps 4 numbers per channel, of which 2 (moving mean, variance) are not trained."""
    layers = frozen.data["layers"]  # the layer list the training run recorded
    bn_channels = [layer["output_shape"][-1] for layer in layers if layer["type"] == "BatchNormalization"]
    assert all(layer["parameters"] == 4 * layer["output_shape"][-1]
               for layer in layers if layer["type"] == "BatchNormalization")
    non_trainable = 2 * sum(bn_channels)
    v = score.values
    assert v["non_trainable"]["value"] == non_trainable
    assert v["trainable"]["value"] == frozen.data["parameters"] - non_trainable
    assert v["trainable"]["value"] + v["non_trainable"]["value"] == v["parameters"]["value"]
    # Keras's own count is the total the page quotes, and the values it does not train are exactly the moving
    # means and variances
    model = frozen.load_model()
    assert model.count_params() == v["parameters"]["value"]
    assert {w.path.split("/")[-1] for w in model.non_trainable_weights} == {"moving_mean", "moving_variance"}


@pytest.mark.checks("mnist/score")
@pytest.mark.guards("mnist.md", "convolutions are followed by batch normalisation and a ReLU; the last one, classifier_1x1, is a")
@pytest.mark.guards("batch-norm.md", "every convolution except the final classifier is followed by batch normalisation and then ReLU")
@pytest.mark.guards("feature-maps.md", "has one map per digit class and no ReLU")
@pytest.mark.guards("batch-norm.md", "Why our convolutions before batch norm have no bias")
def test_which_convolutions_have_batch_norm_and_relu(frozen, score):
    """The page: 'n of its m convolutions are followed by batch normalisation and a ReLU; the last one, ...'."""
    import keras

    model = frozen.load_model()
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    consumers = {}  # the graph itself, not the layer order: which layer reads each layer's output
    for layer in model.layers[1:]:
        consumers.setdefault(layer.input._keras_history[0].name, []).append(layer)
    with_bn = []
    for conv in convs:
        (nxt,) = consumers[conv.name]
        if isinstance(nxt, keras.layers.BatchNormalization):
            (after,) = consumers[nxt.name]
            if isinstance(after, keras.layers.ReLU):
                with_bn.append(conv.name)
    plain = [c.name for c in convs if c.name not in with_bn]
    v = score.values
    assert v["n_convs"]["value"] == len(convs)
    assert v["n_conv_bn_relu"]["value"] == len(with_bn)
    # the page calls the plain one "the last one", a 1x1 convolution to ten channels
    assert plain == [convs[-1].name], "the MNIST page says only the last convolution lacks BN and ReLU"
    assert v["plain_convs"]["value"] == f"`{plain[0]}`"
    assert convs[-1].kernel_size == (1, 1) and convs[-1].filters == 10
    # the batch-norm page: the convolutions before batch norm have no bias (the classifier keeps its ten)
    assert all(not c.use_bias for c in convs if c.name in with_bn) and convs[-1].use_bias


@pytest.mark.checks("mnist/curves")
@pytest.mark.guards("mnist.md", "Training accuracy is above validation accuracy in")
@pytest.mark.guards("mnist.md", "training accuracy is above validation accuracy in")
@pytest.mark.guards("epochs.md", "training accuracy is above validation accuracy in")
def test_training_versus_validation_sentence(frozen):
    """The sentence under the curves is counted from the history by a plain loop; the alt text's claims hold."""
    history = frozen.data["history"]
    above = below = 0
    for t, v in zip(history["accuracy"], history["val_accuracy"]):
        above += t > v
        below += t < v
    c = published("mnist/curves")
    values = c.values
    assert values["n_above"]["value"] == above and values["n_below"]["value"] == below
    n = len(history["accuracy"])
    wording = values["train_vs_val"]["value"]
    assert (f"all {n} epochs" in wording) == (above == n)
    assert str(above) in wording or above == n
    assert ("below it" in wording) == (below > 0)
    # alt text: "both lower at the end than at the start"
    assert history["loss"][-1] < history["loss"][0] and history["val_loss"][-1] < history["val_loss"][0]
    alt = c.figures["curves"].alt
    assert "log scale" in alt and wording.lower() in alt
    # points below the zoomed accuracy panel are counted in the caption
    clipped = sum(a < 0.97 for a in history["accuracy"] + history["val_accuracy"])
    where = [e + 1 for e, pair in enumerate(zip(history["accuracy"], history["val_accuracy"])) if min(pair) < 0.97]
    said = f"{clipped} accuracy points, from epochs {', '.join(map(str, where))}, lie below 97%"
    assert (said in c.figures["curves"].caption) == (clipped > 0), c.figures["curves"].caption
    assert "score above" not in c.figures["curves"].caption  # the figure also appears on the Epochs page


@pytest.mark.checks("mnist/score")
@pytest.mark.guards("mnist.md", "a small one learns it in minutes on an ordinary computer")
def test_training_takes_minutes_on_a_small_cpu(frozen, score):
    """The page's 'in minutes on an ordinary computer': the recorded run, on the recorded CPU, took under an hour."""
    seconds = frozen.data["wall_seconds"]
    assert 60 <= seconds < 3600, seconds
    assert score.values["wall_minutes"]["value"] == pytest.approx(seconds / 60, abs=0.05)
    import re

    cores = re.search(r"\((\d+) cores?\)", frozen.data["cpu"])  # e.g. "AMD EPYC (2 cores)": a CPU, no GPU
    assert cores and int(cores.group(1)) <= 8, frozen.data["cpu"]


def test_the_training_scripts_claim_that_conv2_and_conv3_do_most_of_the_work():
    """train.py's Model section says the network does most of its work on the 14x14 to 10x10 maps (conv2, conv3):
    multiply-adds counted here from Keras's own shapes and kernels."""
    import keras

    from cnn_glossary.mnist import train

    model = train.build_model(keras)
    macs = {}
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            h, w, c_out = layer.output.shape[1:]
            kh, kw, c_in, _ = layer.kernel.shape
            macs[layer.name] = h * w * kh * kw * c_in * c_out
    assert "does most of its work on the 14x14 to 10x10 maps (conv2 and conv3)" in " ".join(
        line.lstrip("# ").strip() for line in (ROOT / "src" / "cnn_glossary" / "mnist" / "train.py").read_text().splitlines())
    assert (macs["conv2"] + macs["conv3"]) / sum(macs.values()) > 0.5, macs
@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
@pytest.mark.guards("readme-map.md", "returns the compiled loss first (the mean cross-entropy of the softmax outputs)")
def test_evaluate_returns_the_compiled_loss_then_its_one_metric(frozen):
    """The training script compiles one loss and one metric; compiled that way, evaluate returns the mean
    cross-entropy (computed here with NumPy) first and the accuracy second."""
    import ast
    import inspect

    from cnn_glossary.mnist import train
    from cnn_glossary.mnist.data import load_mnist

    (call,) = [n for n in ast.walk(ast.parse(inspect.getsource(train.train)))
               if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "compile"]
    kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg in ("loss", "metrics")}
    assert kwargs == {"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]}
    model = frozen.load_model()
    model.compile(**kwargs)
    data = load_mnist()
    x, y = data.x_test[:1000].astype("float32")[..., None] / 255.0, data.y_test[:1000]
    out = model.evaluate(x, y, batch_size=500, verbose=0)
    p = np.asarray(model.predict(x, batch_size=500, verbose=0), dtype="float64")
    assert out[0] == pytest.approx(-np.log(p[np.arange(len(y)), y]).mean(), rel=1e-4)
    assert out[1] == pytest.approx((p.argmax(1) == y).mean(), abs=1e-6)
