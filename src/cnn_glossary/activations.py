"""Activation functions: values and derivatives by automatic differentiation, minima,
the collapse of linear layers, and ReLU units that never fire in our trained network.

Every function comes from Keras (``keras.activations``); derivatives come from
``tf.GradientTape``, never from a hand-written formula (the tests hold the closed forms).
"""

from __future__ import annotations

import inspect
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402


def leaky_relu_defaults() -> dict[str, float]:
    """The default negative slopes of Keras's Leaky ReLU layer and function, read from their signatures."""
    import keras

    layer = inspect.signature(keras.layers.LeakyReLU).parameters["negative_slope"].default
    function = inspect.signature(keras.activations.leaky_relu).parameters["negative_slope"].default
    return {"layer": float(layer), "function": float(function)}


def activations() -> dict:
    """Name -> a function of a float32 tensor, for the seven activations on the page."""
    import keras

    slope = leaky_relu_defaults()["layer"]
    return {
        "sigmoid": keras.activations.sigmoid,
        "tanh": keras.activations.tanh,
        "ReLU": keras.activations.relu,
        f"Leaky ReLU (slope {slope:g})": keras.layers.LeakyReLU(),
        "ELU": keras.activations.elu,
        "GELU": keras.activations.gelu,
        "Swish / SiLU": keras.activations.silu,
    }


def value_and_derivative(fn, x) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and f'(x) elementwise, the derivative by tf.GradientTape."""
    import tensorflow as tf

    t = tf.constant(np.asarray(x, dtype="float64"))
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = fn(t)
    return np.asarray(y), np.asarray(tape.gradient(y, t))


def minimum(fn, lo: float, hi: float, tol: float = 1e-12) -> tuple[float, float]:
    """(x, f(x)) at the minimum of ``fn`` in [lo, hi], by bisection on the sign of the autodiff derivative.

    Assumes f' < 0 at ``lo`` and f' > 0 at ``hi`` (one minimum in between).
    """
    d = lambda x: value_and_derivative(fn, [x])[1][0]  # noqa: E731
    if not (d(lo) < 0 < d(hi)):
        raise ValueError("the derivative must change sign from - to + in [lo, hi]")
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if d(mid) < 0 else (lo, mid)
    x = 0.5 * (lo + hi)
    return x, float(value_and_derivative(fn, [x])[0][0])


# --- Without a nonlinearity, two layers are one --------------------------------------------------


def compose_dense(w1, b1, w2, b2):
    """Weights of the single dense layer equal to dense(w1, b1) followed by dense(w2, b2), both linear."""
    return w1 @ w2, b1 @ w2 + b2


def compose_conv(k1, b1, k2, b2):
    """Kernel and bias of the single 'valid', stride-1 convolution equal to conv(k1) then conv(k2).

    Kernels have Keras's shape (kh, kw, channels_in, channels_out); the result is
    (kh1 + kh2 - 1, kw1 + kw2 - 1, channels_in, channels_out2).
    """
    h1, w1, _, _ = k1.shape
    h2, w2, _, c_out = k2.shape
    k = np.zeros((h1 + h2 - 1, w1 + w2 - 1, k1.shape[2], c_out))
    for a in range(h2):
        for b in range(w2):
            k[a : a + h1, b : b + w1] += np.einsum("ijcm,mo->ijco", k1, k2[a, b])
    return k, b2 + np.einsum("abmo,m->o", k2, b1)


# --- ReLU units that never fire -------------------------------------------------------------------


def never_firing(model, x, batch_size: int = 1000) -> list[dict]:
    """For every ReLU layer of ``model``: the fraction of units (one channel at one position) and of
    channels (all positions of one channel) whose output is zero on every image of ``x``."""
    import keras

    relus = [layer for layer in model.layers if isinstance(layer, keras.layers.ReLU)]
    probe = keras.Model(model.inputs[0], [layer.output for layer in relus])
    peak = None
    for start in range(0, len(x), batch_size):
        outs = probe(x[start : start + batch_size], training=False)
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        batch_peak = [np.asarray(o).max(axis=0) for o in outs]
        peak = batch_peak if peak is None else [np.maximum(p, q) for p, q in zip(peak, batch_peak)]
    rows = []
    for layer, p in zip(relus, peak):
        rows.append({
            "layer": layer.name,
            "shape": tuple(p.shape),
            "units": int(p.size),
            "dead_units": int((p <= 0).sum()),
            "channels": int(p.shape[-1]),
            "dead_channels": int((p.reshape(-1, p.shape[-1]) <= 0).all(axis=0).sum()),
            "dead_mask": p <= 0,
        })
    return rows


def blank_patches(x, kernel_size: int = 3) -> np.ndarray:
    """(H, W) mask: positions where a 'same'-padded kernel sees only zero pixels in every image of ``x``."""
    peak = np.asarray(x).reshape(len(x), x.shape[1], x.shape[2], -1).max(axis=(0, 3)) > 0
    r = kernel_size // 2
    padded = np.pad(peak, r)
    seen = np.zeros_like(peak)
    for i in range(kernel_size):
        for j in range(kernel_size):
            seen |= padded[i : i + peak.shape[0], j : j + peak.shape[1]]
    return ~seen


# --- Why zero-centred outputs matter ------------------------------------------------------------


def weight_gradient(inputs, w, b: float, target: float) -> tuple[float, np.ndarray]:
    """(dL/dz, dL/dw) for one unit z = w . inputs + b with loss L = (z - target)^2 / 2, by tf.GradientTape.

    ``inputs`` are the previous layer's activations for one example. Since dL/dw_i = dL/dz * inputs_i,
    all-positive inputs (a sigmoid's outputs) give weight gradients that all share the sign of dL/dz.
    """
    import tensorflow as tf

    x = tf.constant(np.asarray(inputs, dtype="float64"))
    wt = tf.Variable(np.asarray(w, dtype="float64"))
    with tf.GradientTape(persistent=True) as tape:
        z = tf.reduce_sum(wt * x) + b
        tape.watch(z)
        loss = 0.5 * (z - target) ** 2
    dz = float(tape.gradient(loss, z))
    return dz, np.asarray(tape.gradient(loss, wt))
