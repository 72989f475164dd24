"""Learning Rate and Schedules page: our warm-up and cosine schedule against a formula written here; Keras's SGD,
momentum and Nesterov against hand-written NumPy updates; the learning-rate sweep against plain gradient
descent and the exact stability limit."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from cnn_glossary import publish  # noqa: E402

from .conftest import ROOT, published  # noqa: E402

SNIPPETS = ROOT / "snippets" / "learning_rate"


def one_cycle_by_hand(step: int, total: int, peak: float = 0.1, warmup_fraction: float = 0.25) -> float:
    """Linear warm-up from 5 % of the peak, then a half cosine down to zero (our one-cycle-style variant)."""
    warm = warmup_fraction * total
    if step < warm:
        return peak * (0.05 + 0.95 * step / warm)
    return peak * 0.5 * (1 + math.cos(math.pi * min((step - warm) / (total - warm), 1.0)))


@pytest.mark.checks("learning_rate/schedule")
@pytest.mark.guards("learning-rate.md", "ours climbs over the first quarter of the steps, then falls to nearly zero")
@pytest.mark.guards("learning-rate.md", "Ours is a one-cycle-style schedule: a linear warm-up, then a cosine decay")
def test_schedule_matches_the_formula_at_every_step():
    from cnn_glossary.mnist.data import load_mnist
    from cnn_glossary.mnist.train import BATCH_SIZE, EPOCHS, PEAK_LEARNING_RATE, WARMUP_FRACTION, split

    c = publish.collect(SNIPPETS / "schedule.py")
    v = {k: d["value"] for k, d in c.values.items()}
    (x_fit, _), _, _ = split(load_mnist())
    per_epoch = -(-len(x_fit) // BATCH_SIZE)  # ceiling division
    assert v["n_fit"] == len(x_fit) and v["per_epoch"] == per_epoch
    assert v["total"] == EPOCHS * per_epoch
    rates = np.asarray(v["every_step"])
    assert len(rates) == v["total"]
    expected = np.array([one_cycle_by_hand(t, v["total"], PEAK_LEARNING_RATE, WARMUP_FRACTION)
                         for t in range(v["total"])])
    np.testing.assert_allclose(rates, expected, rtol=2e-6, atol=1e-7)  # float32 against float64
    assert v["first"] == pytest.approx(0.05 * PEAK_LEARNING_RATE, rel=1e-6)
    assert v["start_share"] == pytest.approx(0.05, rel=1e-5) and v["rise_share"] == pytest.approx(0.95, rel=1e-5)
    assert v["warmup_fraction"] == WARMUP_FRACTION == 0.25
    assert max(rates) == pytest.approx(PEAK_LEARNING_RATE, rel=1e-5)
    assert rates[-1] < 1e-4 * PEAK_LEARNING_RATE  # the page: it ends near zero
    assert v["warmup_steps"] == WARMUP_FRACTION * v["total"]
    assert v["warmup_epochs"] == pytest.approx(v["warmup_steps"] / per_epoch)
    # the page's words: it climbs over the first quarter, in a straight line, then falls all the way, along a
    # cosine rather than Smith's straight line (a quarter of the way down, a line would be at 75 % of the peak)
    warm = int(np.ceil(v["warmup_steps"]))
    assert np.all(np.diff(rates[:warm]) > 0) and np.all(np.diff(rates[warm:]) <= 0)
    np.testing.assert_allclose(np.diff(rates[:warm]), np.diff(rates[:warm])[0], rtol=1e-3)  # linear
    quarter_down = warm + (v["total"] - warm) // 4
    assert rates[quarter_down] / PEAK_LEARNING_RATE == pytest.approx((1 + math.cos(math.pi / 4)) / 2, abs=2e-3)
    assert abs(rates[quarter_down] / PEAK_LEARNING_RATE - 0.75) > 0.09
    for step, epoch, rate in c.tables["worked"]["rows"]:
        assert epoch == step // per_epoch + 1
        assert rate == pytest.approx(one_cycle_by_hand(step, v["total"]), rel=2e-6, abs=1e-7)


def momentum_by_hand(lr, momentum, nesterov, start, steps, curvature):
    """Keras's SGD update written out: v <- m v - lr g; w <- w + v, or w <- w + m v - lr g with Nesterov."""
    w, v = np.asarray(start, dtype=np.float64), np.zeros(2)
    path = [w.copy()]
    for _ in range(steps):
        g = np.asarray(curvature) * w
        v = momentum * v - lr * g
        w = w + (momentum * v - lr * g if nesterov else v)
        path.append(w.copy())
    return np.stack(path)


@pytest.mark.checks("learning_rate/momentum")
@pytest.mark.guards("learning-rate.md", "but that is not where most of its loss is left")
@pytest.mark.guards("learning-rate.md", "Why Nesterov damps the zig-zag")
def test_trajectories_follow_the_hand_written_update_rules():
    from cnn_glossary.mnist.train import MOMENTUM

    c = publish.collect(SNIPPETS / "momentum.py")
    v = {k: d["value"] for k, d in c.values.items()}
    lr, steps, start = v["lr"], v["steps"], v["start"]
    curvature = (1.0, v["ratio"])
    oracles = [momentum_by_hand(lr, 0.0, False, start, steps, curvature),
               momentum_by_hand(lr, MOMENTUM, False, start, steps, curvature),
               momentum_by_hand(lr, MOMENTUM, True, start, steps, curvature)]
    assert v["names"] == ["plain SGD", f"momentum {MOMENTUM:g}", f"Nesterov {MOMENTUM:g}"]
    for points, oracle in zip(v["points"], oracles):
        np.testing.assert_allclose(points, oracle, atol=2e-5, rtol=1e-4)
    loss = [0.5 * (o[-1, 0] ** 2 + v["ratio"] * o[-1, 1] ** 2) for o in oracles]
    for key, value in zip(("sgd_loss", "momentum_loss", "nesterov_loss"), loss):
        assert v[key] == pytest.approx(value, rel=1e-3, abs=1e-9)
    for (name, first, second), oracle in zip(c.tables["first_steps"]["rows"], oracles):
        for cell, point in ((first, oracle[1]), (second, oracle[2])):
            assert [float(t) for t in cell.strip("()").split(",")] == pytest.approx(list(point), abs=6e-4), name
    assert (v["gradient_x"], v["gradient_y"]) == (start[0], v["ratio"] * start[1])
    order = [v["names"][i] for i in np.argsort(loss)]
    assert v["ranking"] == ", then ".join(order)
    assert v["start_loss"] == pytest.approx(0.5 * (start[0] ** 2 + v["ratio"] * start[1] ** 2))
    # the page's words: plain SGD has settled across the valley but is still far out along it; heavy-ball
    # momentum overshoots the minimum in x; Nesterov ends lowest
    sgd, heavy, nesterov = oracles
    assert abs(sgd[-1, 1]) < 1e-3 and abs(sgd[-1, 0]) > 0.1 * abs(start[0])
    assert np.any(np.sign(heavy[:, 0]) != np.sign(start[0]))
    assert order[0].startswith("Nesterov")
    # the page: our MNIST network is trained with Nesterov momentum of this size
    import inspect

    from cnn_glossary.mnist import train

    source = inspect.getsource(train.train)
    assert "nesterov=True" in source and "momentum=MOMENTUM" in source and v["momentum"] == MOMENTUM
    assert isinstance(MOMENTUM, float)  # the page: we keep it fixed (Smith's one cycle would vary it)

    # which swing is left: the bowl's loss split into the gentle direction (x) and the steep one (y)
    def parts(point):
        return {"along": 0.5 * point[0] ** 2, "across": 0.5 * v["ratio"] * point[1] ** 2}

    heavy_end, ahead_end = parts(heavy[-1]), parts(nesterov[-1])
    for key, end in (("momentum", heavy_end), ("nesterov", ahead_end)):
        for side in ("along", "across"):
            assert v[f"{key}_{side}"] == pytest.approx(end[side], rel=1e-3, abs=1e-12), (key, side)
    sentence = v["swing_sentence"]
    share = heavy_end["across"] / (heavy_end["across"] + heavy_end["along"])
    # the page: most of momentum's remaining loss is the zig-zag across the valley, and Nesterov damps it
    assert share > 0.5 and f"{share:.0%} of momentum's remaining loss lies across the valley" in sentence
    assert ahead_end["across"] < heavy_end["across"] / 10 and "damps that zig-zag" in sentence
    assert ahead_end["along"] < heavy_end["along"] and "lower than momentum's" in sentence
    # why: the long-run shrink per step, against the closed forms for complex eigenvalues
    mu = MOMENTUM
    for (name, along_step, along_shrink, across_step, across_shrink), nesterov_rule in zip(
            c.tables["shrink"]["rows"], (False, True)):
        for step, shrink in ((along_step, along_shrink), (across_step, across_shrink)):
            trace, det = ((1 + mu) * (1 - step), mu * (1 - step)) if nesterov_rule else (1 + mu - step, mu)
            assert trace**2 < 4 * det, name  # complex eigenvalues: the path oscillates, as the page says
            assert shrink == pytest.approx(math.sqrt(det), rel=1e-9), name
        assert (along_step, across_step) == pytest.approx((lr, lr * v["ratio"]))
    # the box's claim: Nesterov shrinks the steep direction far faster than momentum
    assert c.tables["shrink"]["rows"][1][4] < 0.5 * c.tables["shrink"]["rows"][0][4]


def gradient_descent_by_hand(lr, x, y, steps):
    """Mean squared error of w x + b before each step and after the last, from w = b = 0."""
    w = b = 0.0
    losses = []
    for _ in range(steps + 1):
        residual = w * x + b - y
        losses.append(float(np.mean(residual**2)))
        w, b = w - lr * 2 * np.mean(residual * x), b - lr * 2 * np.mean(residual)
    return losses


@pytest.mark.checks("learning_rate/rates")
def test_learning_rate_sweep_against_plain_gradient_descent_and_the_stability_limit():
    from cnn_glossary.optimisers import regression_data

    c = published("learning_rate/rates")
    v = {k: d["value"] for k, d in c.values.items()}
    x, y = regression_data()
    assert len(x) == v["points"]
    # the stability limit 2 / L, with L the larger eigenvalue of the 2x2 Hessian, in closed form
    n = len(x)
    a, b, d = 2 * np.sum(x * x) / n, 2 * np.sum(x) / n, 2.0
    largest = (a + d) / 2 + math.sqrt(((a - d) / 2) ** 2 + b * b)
    assert v["limit"] == pytest.approx(2 / largest, rel=1e-9)
    slope, intercept = np.polyfit(x, y, 1)
    floor = float(np.mean((slope * x + intercept - y) ** 2))
    assert v["floor"] == pytest.approx(floor, rel=1e-9)
    for (name, lr, share, start, end, word), curve in zip(c.tables["rates"]["rows"], v["curves"]):
        oracle = gradient_descent_by_hand(lr, x, y, v["steps"])
        assert share == pytest.approx(lr / v["limit"])
        np.testing.assert_allclose(curve[:30], oracle[:30], rtol=2e-4)  # float32 against float64
        assert start == curve[0] and end == curve[-1]
        if lr > v["limit"]:  # the theory: above the limit the error grows every step
            assert word == "diverges" and oracle[-1] > 1e3 * oracle[0]
        elif oracle[-1] <= 1.01 * floor:
            assert word == "converges"
        else:
            assert word == "crawls" and oracle[-1] < oracle[0]
    assert [row[-1] for row in c.tables["rates"]["rows"]] == ["crawls", "converges", "diverges"]  # as the page says


def test_verdict_words():
    from cnn_glossary.optimisers import verdict

    assert verdict([1.0, 2.0, 4.0], 0.1) == "diverges"
    assert verdict([1.0, 0.5, 0.3], 0.1) == "crawls"
    assert verdict([1.0, 0.2, 0.1005], 0.1) == "converges"
    assert verdict([1.0, float("nan")], 0.1) == "diverges"


@pytest.mark.guards("learning-rate.md", "which the optimiser calls with its iteration count at every step")
@pytest.mark.guards("learning-rate.md", "it is called once at the start of each epoch with the epoch index")
def test_keras_calls_a_schedule_object_per_step_and_the_callback_per_epoch():
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import inspect

    import keras
    import tensorflow as tf

    from cnn_glossary.mnist import train
    from cnn_glossary.mnist.train import one_cycle

    # what train.py hands to SGD is a schedule object, and it uses no per-epoch callback
    assert isinstance(one_cycle(keras, 40), keras.optimizers.schedules.LearningRateSchedule)
    assert "LearningRateScheduler" not in inspect.getsource(train)

    total = 40
    optimizer = keras.optimizers.SGD(one_cycle(keras, total))
    w = keras.Variable(np.ones(2, dtype="float32"))
    for step in range(7):  # each update moves w by exactly the rate at the optimiser's current iteration
        before = w.numpy().copy()
        optimizer.apply_gradients([(tf.ones(2), w)])
        assert before - w.numpy() == pytest.approx([one_cycle_by_hand(step, total)] * 2, rel=1e-5)

    # inside fit, the iteration count runs on across epochs (3 epochs of 2 batches: 6 steps, not 2)
    keras.utils.set_random_seed(0)
    x, y = np.ones((8, 1), "float32"), np.zeros((8, 1), "float32")

    def tiny(learning_rate):
        model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse")
        return model

    model = tiny(one_cycle(keras, total))
    model.fit(x, y, batch_size=4, epochs=3, verbose=0)
    assert int(model.optimizer.iterations) == 6
    assert float(model.optimizer.learning_rate) == pytest.approx(one_cycle_by_hand(6, total), rel=1e-5)

    # the LearningRateScheduler callback: one call per epoch, with the epoch index
    calls = []

    def per_epoch(epoch, rate):
        calls.append(epoch)
        return 0.01

    tiny(0.01).fit(x, y, batch_size=4, epochs=3, verbose=0,
                   callbacks=[keras.callbacks.LearningRateScheduler(per_epoch)])
    assert calls == [0, 1, 2]
