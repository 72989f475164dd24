"""Epochs page: steps per epoch, EarlyStopping defaults, and the early-stopping demonstration."""

from __future__ import annotations

import re

import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from cnn_glossary import publish  # noqa: E402
from cnn_glossary.epochs import argmin1, epoch_batches, steps_per_epoch, stop_epoch  # noqa: E402

from .conftest import ROOT, published  # noqa: E402

SNIPPETS = ROOT / "snippets" / "epochs"


def batches_by_loop(n: int, batch_size: int) -> int:
    """Count the batches a plain slicing loop produces."""
    count, start = 0, 0
    while start < n:
        count += 1
        start += batch_size
    return count


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 100_000), st.integers(1, 5_000))
def test_steps_per_epoch_counts_batches(n, batch_size):
    assert steps_per_epoch(n, batch_size) == batches_by_loop(n, batch_size)
    assert steps_per_epoch(n, batch_size, drop_remainder=True) == n // batch_size


def test_steps_per_epoch_matches_tf_data():
    import tensorflow as tf

    for n, b in [(60_000, 128), (55_000, 128), (55_000, 32), (1_000, 32), (7, 7), (7, 8)]:
        ds = tf.data.Dataset.range(n).batch(b)
        assert steps_per_epoch(n, b) == int(ds.cardinality())
        assert steps_per_epoch(n, b, drop_remainder=True) == int(tf.data.Dataset.range(n).batch(b, True).cardinality())


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 500), st.integers(1, 64), st.booleans())
def test_epoch_batches_cover_the_training_set_once(n, batch_size, drop):
    import numpy as np

    batches = epoch_batches(n, batch_size, np.random.default_rng(n), drop_remainder=drop)
    seen = [int(i) for b in batches for i in b]
    kept = n - n % batch_size if drop else n
    assert len(seen) == len(set(seen)) == kept and set(seen) <= set(range(n))
    assert len(batches) == batches_by_loop(kept, batch_size)


@pytest.mark.checks("epochs/worked")
@pytest.mark.guards("epochs.md", "Every image is seen exactly once per epoch, in a new order each time")
def test_worked_snippet_against_tf_data():
    """The 10-image example: batch sizes and step counts as tf.data makes them; each epoch sees each image once."""
    import tensorflow as tf

    c = publish.collect(SNIPPETS / "worked.py")
    v = {k: d["value"] for k, d in c.values.items()}
    n, b = v["n"], v["b"]
    sizes = [int(x.shape[0]) for x in tf.data.Dataset.range(n).batch(b)]
    rows = c.tables["batches"]["rows"]
    orders = []
    for epoch in sorted({r[0] for r in rows}):
        mine = [r for r in rows if r[0] == epoch]
        assert [r[1] for r in mine] == list(range(1, len(sizes) + 1))
        assert [r[3] for r in mine] == sizes
        images = [int(i) for r in mine for i in r[2].split()]
        assert [len(r[2].split()) for r in mine] == sizes
        assert sorted(images) == list(range(n)), "every image exactly once per epoch"
        orders.append(images)
    assert len(orders) == 2 and orders[0] != orders[1], "the page says each epoch has a new order"
    assert v["steps"] == len(sizes) and v["last"] == sizes[-1] and v["full"] == sizes.count(b)
    assert v["updates"] == len(rows) and v["last_index"] == n - 1
    dropped = len(list(tf.data.Dataset.range(n).batch(b, drop_remainder=True)))
    assert v["dropped_steps"] == dropped and v["unseen"] == n - dropped * b


@pytest.mark.checks("epochs/steps")
def test_steps_snippet_against_the_data_and_a_loop():
    from cnn_glossary.mnist.data import load_mnist
    from cnn_glossary.mnist.train import split

    c = publish.collect(SNIPPETS / "steps.py")
    mnist = load_mnist()
    (x_fit, _), (x_val, _), _ = split(mnist)
    assert c.values["n_all"]["value"] == len(mnist.x_train)
    assert c.values["n_fit"]["value"] == len(x_fit) == len(mnist.x_train) - len(x_val)
    rows = c.tables["steps"]["rows"]
    assert len(rows) >= 5
    for b, steps_all, steps_fit, last in rows:
        assert steps_all == batches_by_loop(len(mnist.x_train), b)
        assert steps_fit == batches_by_loop(len(x_fit), b)
        assert last == len(x_fit) - b * (steps_fit - 1) and 0 < last <= b
    assert c.values["our_updates"]["value"] == c.values["our_epochs"]["value"] * c.values["our_steps"]["value"]
    from cnn_glossary.mnist import results

    frozen = results.load_result().data
    assert c.values["our_epochs"]["value"] == frozen["epochs"] == len(frozen["history"]["val_loss"])
    val = frozen["history"]["val_loss"]
    assert c.values["our_best_val_epoch"]["value"] == 1 + min(range(len(val)), key=val.__getitem__)


@pytest.mark.checks("epochs/defaults")
@pytest.mark.guards("epochs.md", "training stops at the first epoch that does not improve")
@pytest.mark.guards("epochs.md", "the model keeps the weights of the last epoch it trained")
def test_defaults_snippet_matches_a_real_callback():
    import keras

    c = publish.collect(SNIPPETS / "defaults.py")
    callback = keras.callbacks.EarlyStopping()
    assert c.values["monitor"]["value"] == repr(callback.monitor) == "'val_loss'"
    assert c.values["patience"]["value"] == repr(callback.patience)
    assert c.values["restore_best_weights"]["value"] == repr(callback.restore_best_weights)
    assert c.values["start_from_epoch"]["value"] == repr(callback.start_from_epoch)
    table = dict(c.tables["defaults"]["rows"])
    assert table["min_delta"] == c.values["min_delta"]["value"]
    assert float(eval(table["min_delta"])) == abs(callback.min_delta)
    assert keras.__version__ == c.values["keras_version"]["value"]
    # The Epochs page explains these values in words ("stops at the first epoch that does not improve", "keeps
    # the weights of the last epoch", "any decrease counts", "watching starts with the first epoch"). If Keras
    # changes a default, this fails: rewrite those sentences in docs/epochs.md.
    described = {"monitor": "'val_loss'", "patience": "0", "restore_best_weights": "False", "min_delta": "0",
                 "start_from_epoch": "0"}
    for name, shown in described.items():
        assert c.values[name]["value"] == shown, f"docs/epochs.md describes EarlyStopping {name}={shown}"


def test_stop_epoch_follows_keras_semantics():
    # patience 0: the first epoch that does not improve; patience 2: two non-improving epochs in a row
    losses = [1.0, 0.8, 0.9, 0.7, 0.75, 0.76, 0.5]
    assert stop_epoch(losses, 0) == 3
    assert stop_epoch(losses, 2) == 6
    assert stop_epoch(losses, 10) is None


def keras_callback_stop(val_loss, patience, min_delta):
    """Independent oracle: Keras's own EarlyStopping, fed a scripted val_loss epoch by epoch."""
    import keras

    class Scripted:  # the callback reads and sets only this attribute of its model
        stop_training = False

    callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, min_delta=min_delta)
    model = Scripted()
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, v in enumerate(val_loss):
        callback.on_epoch_end(epoch, {"val_loss": v})
        if model.stop_training:
            return epoch + 1
    return None


def test_stop_epoch_matches_keras_early_stopping_on_scripted_histories():
    rng = np.random.default_rng(16)
    # eighths are exact in binary, so ties and "improved by exactly min_delta" happen and compare exactly
    histories = [rng.integers(0, 12, size=rng.integers(1, 12)) / 8 for _ in range(150)]
    histories += [
        np.array([1.0, 0.875, 0.75, 0.625]),  # improves by exactly 1/8 each epoch
        np.array([1.0, 0.875, 0.875, 0.75]),  # a tie
        np.array([1.0, 1.25, 0.5, 0.625, 0.375]),
        # the first epoch sets the best value whatever it is, as in Keras: a NaN or infinite first loss
        np.array([np.nan, 0.5, 0.25, 0.375, 0.125]),
        np.array([np.inf, 1.0, 0.5, 0.75, 0.25]),
        np.array([1.0, np.nan, 0.5, 0.75, 0.875, 0.25]),
    ]
    stops = set()
    for losses in histories:
        for patience in (0, 1, 2, 3):
            for min_delta in (0.0, 0.125, 0.25, -0.125):
                want = keras_callback_stop(list(losses), patience, min_delta)
                got = stop_epoch(list(losses), patience=patience, min_delta=min_delta)
                assert got == want, (list(losses), patience, min_delta)
                stops.add(want)
    assert None in stops and len(stops) > 5  # the cases cover runs that stop early, late and never


@pytest.fixture(scope="module")
def early():
    return published("epochs/early_stopping")  # the build's fresh cache entry, else a run


def keras_stop(val_loss, patience):
    """Independent oracle: the 1-based epoch after which EarlyStopping(patience) halts."""
    best = math.inf
    since_best = 0
    for epoch, v in enumerate(val_loss, start=1):
        if v < best:
            best, since_best = v, 0
        else:
            since_best += 1
            if since_best >= max(patience, 1):
                return epoch
    return None


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
@pytest.mark.checks("epochs/early_stopping")
def test_early_stopping_runs_stop_where_the_curve_says(early):
    full = early.tables["runs"]["rows"][0]
    assert full[1] == early.values["epochs"]["value"]
    rows = {row[0]: row for row in early.tables["runs"]["rows"]}
    defaults = rows["EarlyStopping() defaults"]
    plain = rows["patience=5"]
    restored = rows["patience=5, restore_best_weights=True"]
    # the figure's history is not published as numbers; the stop epochs are, and must agree with each other
    assert defaults[1] == early.values["defaults_stop"]["value"]
    assert plain[1] == restored[1] == early.values["patience5_stop"]["value"]
    assert defaults[1] < plain[1] <= early.values["epochs"]["value"]
    # restoring the best weights gives the lowest validation loss seen before stopping
    assert restored[2] < plain[2]
    assert restored[2] == pytest.approx(min(restored[2], plain[2], defaults[2]))
    # the network overfits: validation loss ends above its minimum
    assert early.values["last_val_loss"]["value"] > early.values["best_val_loss"]["value"]
    assert early.values["last_train_loss"]["value"] < early.values["best_val_loss"]["value"] / 10
    assert early.figures["curves"].format == "svg" and b"epoch" in early.figures["curves"].data


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
@pytest.mark.checks("epochs/early_stopping")
@pytest.mark.guards("epochs.md", "the full run's lowest point: the early wiggles end them too soon")
@pytest.mark.guards("epochs.md", "Compare the accuracy column of the runs table")
def test_early_stopping_against_the_full_history(early):
    """Stop epochs and end weights of the callback runs, checked against the full run's history and a loop."""
    val = early.values["val_loss_history"]["value"]
    assert len(val) == early.values["epochs"]["value"]
    rows = {row[0]: row for row in early.tables["runs"]["rows"]}
    for name, patience in (("EarlyStopping() defaults", 0), ("patience=5", 5)):
        stop = keras_stop(val, patience)
        assert rows[name][1] == stop == stop_epoch(val, patience)
        # deterministic training: the run retraces the full history and ends with the stop epoch's weights
        assert rows[name][2] == pytest.approx(val[stop - 1], rel=1e-4)
    stop = rows["patience=5"][1]
    assert rows["patience=5, restore_best_weights=True"][2] == pytest.approx(min(val[:stop]), rel=1e-4)
    assert early.values["best_epoch"]["value"] == 1 + val.index(min(val))
    assert rows["no callback (all epochs)"][2] == pytest.approx(val[-1], rel=1e-4)
    # what the page says about this run: both callback runs stop before the overall minimum
    assert early.values["patience5_stop"]["value"] < early.values["best_epoch"]["value"]
    assert early.values["defaults_stop"]["value"] < early.values["best_epoch"]["value"]
    # the page's "the loss and the accuracy can disagree": in the runs table the lowest validation loss is not
    # the highest validation accuracy
    table = early.tables["runs"]
    loss_col, acc_col = table["headers"].index("validation loss"), table["headers"].index("validation accuracy")
    lowest_loss = min(table["rows"], key=lambda r: r[loss_col])
    assert lowest_loss[acc_col] < max(r[acc_col] for r in table["rows"]), table["rows"]


@pytest.mark.checks("epochs/early_stopping")
def test_early_stopping_alt_text_describes_the_drawn_panels(early):
    """The alt text once promised a log-scale loss and an accuracy panel; it must match what is drawn."""
    alt = early.figures["curves"].alt
    val = early.values["val_loss_history"]["value"]
    svg = early.figures["curves"].data.decode()
    assert "linear loss axis" in alt and "log" not in alt
    assert "accuracy" not in alt.lower() and "accuracy" not in svg.lower()
    assert "zoomed" in alt and "zoomed" in svg
    assert f"lowest at epoch {1 + val.index(min(val))}" in alt
    for key in ("defaults_stop", "patience5_stop"):
        assert f"(epoch {early.values[key]['value']})" in alt


def test_early_stopping_alt_follows_a_changed_figure():
    """Drawn on a log axis, the same function says so: the alt text is read from the figure, not typed."""
    from cnn_glossary.figures.epochs import early_stopping_alt, early_stopping_figure

    history = {"loss": [1.0, 0.5, 0.2, 0.1], "val_loss": [1.1, 0.8, 0.9, 1.0]}
    fig = early_stopping_figure(history, {"stop": 3})
    assert "linear loss axis" in early_stopping_alt(fig) and "lowest at epoch 2" in early_stopping_alt(fig)
    fig.axes[0].set_yscale("log")
    assert "log loss axis" in early_stopping_alt(fig)
    assert "stop (epoch 3)" in early_stopping_alt(fig)


@pytest.mark.parametrize("n, batch_size", [(-1, 32), (100, 0), (-1, 0)])
def test_steps_per_epoch_refuses_bad_arguments(n, batch_size):
    with pytest.raises(ValueError, match=r"^need n >= 0 and batch_size >= 1$"):
        steps_per_epoch(n, batch_size)
    with pytest.raises(ValueError, match=r"^need n >= 0 and batch_size >= 1$"):
        epoch_batches(n, batch_size)
    with pytest.raises(ValueError, match=r"^need n >= 0 and batch_size >= 1$"):
        epoch_batches(n, batch_size, np.random.default_rng(0))  # refused before shuffling


def test_stop_epoch_defaults_are_keras_defaults():
    losses = [1.0, 0.9, 0.95, 0.8]
    assert stop_epoch(losses) == keras_callback_stop(losses, patience=0, min_delta=0.0) == 3


def test_argmin1_is_the_first_lowest_epoch_counted_from_one():
    for values in ([3.0, 1.0, 2.0], [1.0], [2.0, 1.0, 1.0, 0.5, 0.5], [0.25, 0.25]):
        first = next(i for i, v in enumerate(values) if v == min(values))  # a plain scan
        assert argmin1(values) == first + 1


def test_overfit_data_is_the_head_of_our_split_flattened():
    from cnn_glossary.epochs import OVERFIT_TRAIN, OVERFIT_VAL, overfit_data
    from cnn_glossary.mnist.data import load_mnist
    from cnn_glossary.mnist.train import SPLIT_SEED, VALIDATION_SIZE

    (x, y), (x_val, y_val) = overfit_data()
    mnist = load_mnist()
    # our split, written out: a seeded shuffle of the 60,000 training images; its first VALIDATION_SIZE validate
    order = np.random.default_rng(SPLIT_SEED).permutation(60_000)
    train, val = order[VALIDATION_SIZE:][:OVERFIT_TRAIN], order[:VALIDATION_SIZE][:OVERFIT_VAL]
    for got, labels, idx in ((x, y, train), (x_val, y_val, val)):
        assert got.shape == (len(idx), 28 * 28) and got.dtype == np.float32
        np.testing.assert_array_equal(got, mnist.x_train[idx].reshape(len(idx), -1) / np.float32(255))
        np.testing.assert_array_equal(labels, mnist.y_train[idx])


@pytest.fixture(scope="module")
def tiny_overfit():
    """Random images and labels: a dense network fits them and its validation loss soon turns upward."""
    rng = np.random.default_rng(0)
    x, x_val = rng.random((96, 24), dtype=np.float32), rng.random((64, 24), dtype=np.float32)
    y, y_val = rng.integers(0, 10, 96), rng.integers(0, 10, 64)
    return (x, y), (x_val, y_val)


@pytest.mark.slow  # trains the network twice; make test runs it
def test_overfit_run_trains_the_network_the_page_describes(tiny_overfit):
    """The same network written out with plain Keras (two hidden ReLU layers of OVERFIT_UNITS, a softmax over ten
    digits, Adam at 1e-3, batches of OVERFIT_BATCH, shuffled, the same seed) gives the same history."""
    import keras
    import tensorflow as tf

    from cnn_glossary.epochs import OVERFIT_BATCH, OVERFIT_SEED, OVERFIT_UNITS, overfit_run

    run = overfit_run(tiny_overfit, epochs=3)
    (x, y), (x_val, y_val) = tiny_overfit
    keras.utils.set_random_seed(OVERFIT_SEED)
    tf.config.experimental.enable_op_determinism()
    model = keras.Sequential([keras.Input((24,)), keras.layers.Dense(OVERFIT_UNITS, activation="relu"),
                              keras.layers.Dense(OVERFIT_UNITS, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    hist = model.fit(x, y, batch_size=OVERFIT_BATCH, epochs=3, validation_data=(x_val, y_val), shuffle=True,
                     verbose=0).history
    assert sorted(run.history) == sorted(hist) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    for key, values in hist.items():
        assert run.history[key] == pytest.approx(values, rel=1e-6), key
    assert run.epochs_run == 3
    assert run.history["loss"][-1] < run.history["loss"][0]  # it learns the training set
    # the end weights are the last epoch's: evaluating them gives the last validation numbers
    assert run.final_val_loss == pytest.approx(hist["val_loss"][-1], rel=1e-5)
    assert run.final_val_accuracy == pytest.approx(hist["val_accuracy"][-1], rel=1e-5)


@pytest.mark.slow  # trains the network three times; make test runs it
def test_overfit_run_with_early_stopping_stops_where_keras_says(tiny_overfit):
    from cnn_glossary.epochs import overfit_run

    full = overfit_run(tiny_overfit, epochs=5)
    val = full.history["val_loss"]
    stop = keras_stop(val, 0)
    assert stop is not None and stop < 5, val  # random labels: validation loss turns upward
    run = overfit_run(tiny_overfit, epochs=5, early_stopping={})
    assert run.epochs_run == stop == len(run.history["val_loss"])
    assert run.history["val_loss"] == pytest.approx(val[:stop], rel=1e-6)  # the same seed retraces the run
    assert run.final_val_loss == pytest.approx(val[stop - 1], rel=1e-5)  # it ends with the last epoch's weights
    restored = overfit_run(tiny_overfit, epochs=5, early_stopping={"patience": 2, "restore_best_weights": True})
    assert restored.epochs_run == keras_stop(val, 2)
    assert restored.final_val_loss == pytest.approx(min(val[:restored.epochs_run]), rel=1e-5)
    assert restored.final_val_loss < val[restored.epochs_run - 1]  # the restored weights are not the last ones


def test_epoch_batches_in_order_without_a_generator_and_shuffled_with_one():
    # without a generator: the examples in order, the last batch holding the rest (kept by default)
    assert [b.tolist() for b in epoch_batches(7, 3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in epoch_batches(7, 3, drop_remainder=True)] == [[0, 1, 2], [3, 4, 5]]
    assert epoch_batches(0, 3) == []
    # with one: the generator's permutation of the examples, cut the same way
    order = np.random.default_rng(11).permutation(10)
    got = epoch_batches(10, 4, np.random.default_rng(11))
    assert [b.tolist() for b in got] == [order[:4].tolist(), order[4:8].tolist(), order[8:].tolist()]
    assert order.tolist() != sorted(order.tolist())


def test_after_best_words_follow_the_numbers():
    """Synthetic histories: the words say which of loss and accuracy worsen after the lowest validation loss."""
    from cnn_glossary.epochs import after_best, after_best_sentence

    base = {"loss": [1.0, 0.5, 0.2, 0.1], "val_loss": [1.2, 0.9, 1.0, 1.1]}
    same = after_best(dict(base, val_accuracy=[0.5, 0.80, 0.80, 0.8004]), n_val=1000)  # 800.4 rounds to 800
    assert same["best_epoch"] == 2 and same["loss_worse"] and not same["accuracy_worse"]
    assert same["accuracy_words"] == "validation accuracy is the same at both (80.0%)"
    assert same["loss_words"] == "validation loss rises from 0.900 to 1.100"
    assert same["train_words"] == "training loss falls from 5.0e-01 to 1.0e-01"
    assert after_best_sentence(same).endswith("the loss gets worse, the count of right answers does not.")
    worse = after_best(dict(base, val_accuracy=[0.5, 0.80, 0.79, 0.78]), n_val=1000)
    assert worse["accuracy_worse"] and worse["accuracy_words"] == "validation accuracy falls from 80.0% to 78.0%"
    assert after_best_sentence(worse).endswith("both get worse.")
    better = after_best(dict(base, val_accuracy=[0.5, 0.80, 0.81, 0.82]), n_val=1000)
    assert not better["accuracy_worse"] and "but validation accuracy rises from 80.0% to 82.0%" in \
        after_best_sentence(better)
    assert "both get worse" not in after_best_sentence(better)
    flat = after_best({"loss": [1.0, 0.5], "val_loss": [0.9, 0.8], "val_accuracy": [0.5, 0.6]}, n_val=10)
    assert not flat["loss_worse"] and flat["loss_words"] == "validation loss is the same at both (0.800)"


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
@pytest.mark.checks("epochs/early_stopping")
@pytest.mark.guards("epochs.md", "the loss gets worse, the count of right answers does not")
@pytest.mark.guards("epochs.md", "the loss can rise while the count of right answers does not fall, as in the run above")
@pytest.mark.guards("epochs.md", "epochs past the best one")
def test_what_gets_worse_after_the_best_epoch(early):
    """Read off the published curves with plain NumPy: after the lowest validation loss, the loss rises and the
    number of right answers on the validation images does not fall; the caption and the sentence say so."""
    v = {k: d["value"] for k, d in early.values.items()}
    loss, val_loss, val_acc = (np.array(v[k]) for k in ("train_loss_history", "val_loss_history",
                                                       "val_accuracy_history"))
    assert np.allclose(val_loss, v["val_loss_history"]) and len(val_acc) == len(val_loss) == v["epochs"]
    best = int(np.argmin(val_loss))
    right = np.rint(val_acc * v["n_val"]).astype(int)  # images right, per epoch
    assert val_loss[-1] > val_loss[best]  # the loss gets worse
    assert right[-1] == right[best]  # the count of right answers does not (the page's reading of this run)
    assert loss[-1] < loss[best]  # training loss keeps going down
    sentence = v["after_best"]
    assert sentence.startswith(f"From epoch {best + 1} to epoch {len(val_loss)}, validation loss rises from "
                               f"{val_loss[best]:.3f} to {val_loss[-1]:.3f}")
    assert f"validation accuracy is the same at both ({val_acc[best]:.1%})" in sentence
    caption = early.figures["curves"].caption
    assert f"lowest validation loss ({best + 1})" in caption
    assert f"training loss falls from {loss[best]:.1e} to {loss[-1]:.1e}" in caption
    assert f"validation loss rises from {val_loss[best]:.3f} to {val_loss[-1]:.3f}" in caption
    assert f"validation accuracy is the same at both ({val_acc[best]:.1%})" in caption
    assert f"From there to epoch {len(val_loss)}, " in caption
    assert "worse on new ones" not in caption
    # "the weights kept are those from max(p, 1) epochs past the best one", for the runs the callback stopped
    rows = {row[0]: row for row in early.tables["runs"]["rows"]}
    for name, patience in (("EarlyStopping() defaults", 0), ("patience=5", 5)):
        stop = rows[name][1]
        best_so_far = int(np.argmin(val_loss[:stop])) + 1
        assert stop - best_so_far == max(patience, 1)
        assert rows[name][2] == pytest.approx(val_loss[stop - 1], rel=1e-4)
