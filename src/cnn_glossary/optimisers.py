"""Learning rates, schedules and momentum, with Keras's own optimisers on tiny problems.

* :func:`schedule_values` evaluates a Keras learning-rate schedule (e.g. ``train.one_cycle``) at
  every step, the way the optimiser calls it (step 0 first).
* :func:`trajectory` runs a Keras optimiser on a ``keras.Variable`` over a 2-D elongated quadratic
  and records every point it visits.
* :func:`regression_losses` runs full-batch gradient descent (Keras ``SGD``) on a small
  least-squares problem, whose largest stable learning rate is known exactly: ``2 / L``, with
  ``L`` the largest eigenvalue of the loss's Hessian. :func:`verdict` words a loss curve.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

# The 2-D bowl f(x, y) = (CURVATURE_X x^2 + CURVATURE_Y y^2) / 2: twenty times steeper across than along.
CURVATURE_X, CURVATURE_Y = 1.0, 20.0
BOWL_START = (-4.0, 1.5)
BOWL_STEPS = 40
BOWL_LEARNING_RATE = 0.045

# The tiny regression: fit y = w x + b to REGRESSION_POINTS points by full-batch gradient descent.
REGRESSION_POINTS = 20
REGRESSION_STEPS = 60
REGRESSION_SEED = 0


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    return keras


def schedule_values(schedule, total_steps: int) -> np.ndarray:
    """The learning rate ``schedule`` gives at steps 0, 1, ..., total_steps - 1."""
    import tensorflow as tf

    return np.asarray(schedule(tf.range(total_steps)), dtype=np.float64)


def bowl(point) -> float:
    x, y = point
    return 0.5 * (CURVATURE_X * x * x + CURVATURE_Y * y * y)


def loss_parts(point) -> tuple[float, float]:
    """The bowl's loss at ``point`` split by direction: (along the valley floor, x; across the valley, y)."""
    x, y = point
    return 0.5 * CURVATURE_X * x * x, 0.5 * CURVATURE_Y * y * y


def shrink_factor(learning_rate: float, momentum: float, curvature: float, nesterov: bool) -> float:
    """How much one step of Keras's SGD shrinks the distance to the minimum along a direction of ``curvature``,
    in the long run: the spectral radius of the linear map (w, v) -> (w', v') that one step applies there."""
    step = learning_rate * curvature
    if nesterov:  # v' = m v - lr c w;  w' = w + m v' - lr c w
        update = [[1 - step * (1 + momentum), momentum * momentum], [-step, momentum]]
    else:  # v' = m v - lr c w;  w' = w + v'
        update = [[1 - step, momentum], [-step, momentum]]
    return float(np.max(np.abs(np.linalg.eigvals(np.array(update)))))


DIRECTIONS = {"across": ("across the valley", "zig-zag between the steep walls"),
              "along": ("along its floor", "swing past the minimum and back")}


def swing_sentence(momentum_point, nesterov_point, steps: int) -> str:
    """Which direction holds most of heavy-ball momentum's remaining loss, and what Nesterov momentum does to it,
    in words chosen from the two end points on the bowl."""
    heavy = dict(zip(("along", "across"), loss_parts(momentum_point)))
    ahead = dict(zip(("along", "across"), loss_parts(nesterov_point)))
    main = max(heavy, key=heavy.get)
    other = "along" if main == "across" else "across"
    where, swing = DIRECTIONS[main]
    share = heavy[main] / (heavy[main] + heavy[other])
    if ahead[main] <= heavy[main] / 10:
        verb = "damps that " + swing.split()[0]
    elif ahead[main] < heavy[main]:
        verb = "reduces that " + swing.split()[0] + " a little"
    else:
        verb = "does not reduce that " + swing.split()[0]
    side = "lower" if ahead[other] < heavy[other] else "no lower"
    return (f"After {steps} steps, {share:.0%} of momentum's remaining loss lies {where}, in its {swing} "
            f"({heavy[main]:.2g}, against {heavy[other]:.2g} {DIRECTIONS[other][0]}). Nesterov momentum looks "
            f"ahead before correcting, which {verb}: {DIRECTIONS[main][0]} it leaves {ahead[main]:.1g}, and "
            f"{DIRECTIONS[other][0]} it ends at {ahead[other]:.2g}, {side} than momentum's {heavy[other]:.2g}.")


def trajectory(optimizer, start=BOWL_START, steps: int = BOWL_STEPS) -> np.ndarray:
    """Points visited by ``optimizer`` (a Keras optimiser) on :func:`bowl`, start included: (steps + 1, 2)."""
    keras = _keras()
    import tensorflow as tf

    w = keras.Variable(np.asarray(start, dtype="float32"), name="w")
    curvature = tf.constant([CURVATURE_X, CURVATURE_Y], tf.float32)
    points = [np.asarray(w.numpy(), dtype=np.float64)]
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = 0.5 * tf.reduce_sum(curvature * tf.square(w.value))
        optimizer.apply_gradients([(tape.gradient(loss, w.value), w)])
        points.append(np.asarray(w.numpy(), dtype=np.float64))
    return np.stack(points)


def regression_data(n: int = REGRESSION_POINTS, seed: int = REGRESSION_SEED):
    """``n`` points (x, y) near the line y = 2x + 1, x spread over [0, 3]."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 3.0, n))
    return x, 2.0 * x + 1.0 + rng.normal(0.0, 0.3, n)


def stable_limit(x: np.ndarray) -> float:
    """The largest learning rate for which gradient descent on the mean squared error converges: 2 / L.

    The loss mean((w x + b - y)^2) has the constant Hessian (2 / n) [[sum x^2, sum x], [sum x, n]];
    L is its largest eigenvalue.
    """
    n = len(x)
    hessian = (2.0 / n) * np.array([[np.sum(x * x), np.sum(x)], [np.sum(x), n]])
    return 2.0 / float(np.max(np.linalg.eigvalsh(hessian)))


def best_loss(x: np.ndarray, y: np.ndarray) -> float:
    """The smallest mean squared error any line reaches (least squares)."""
    design = np.stack([x, np.ones_like(x)], axis=1)
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    return float(np.mean((design @ coef - y) ** 2))


def regression_losses(learning_rate: float, x: np.ndarray, y: np.ndarray, steps: int = REGRESSION_STEPS) -> list[float]:
    """Mean squared error before each of ``steps`` Keras SGD steps, and after the last (steps + 1 values)."""
    keras = _keras()
    import tensorflow as tf

    params = keras.Variable(np.zeros(2, dtype="float32"), name="w_b")  # slope w and intercept b, from 0
    optimizer = keras.optimizers.SGD(learning_rate)
    xs, ys = tf.constant(x, tf.float32), tf.constant(y, tf.float32)
    losses = []
    for _ in range(steps + 1):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(params.value[0] * xs + params.value[1] - ys))
        losses.append(float(loss))
        if len(losses) <= steps:
            optimizer.apply_gradients([(tape.gradient(loss, params.value), params)])
    return losses


CLOSE_ENOUGH = 0.01  # a run "converges" when it ends within 1 % of the best possible loss


def verdict(losses, floor: float) -> str:
    """Word a loss curve: 'diverges' (ends above where it began), 'converges' (ends within
    CLOSE_ENOUGH of ``floor``, the best possible loss) or 'crawls' (falls, but ends further above it)."""
    start, end = losses[0], losses[-1]
    if not np.isfinite(end) or end > start:
        return "diverges"
    if end <= floor * (1 + CLOSE_ENOUGH):
        return "converges"
    return "crawls"
