"""The effective receptive field: how the gradient of one unit spreads over its theoretical field.

Luo et al. (2016) measure, for one output unit, the gradient with respect to every input pixel, averaged over
inputs (and, at initialisation, over random weights). Inside the theoretical field the pixels do not count
equally. This module measures that map and describes it by plain statistics, so that a page's words can follow
the numbers:

* :func:`core_share` -- the share of the gradient mass inside a central square,
* :func:`plateau_share` -- the share of rows and columns whose profile is near the peak (flat top: large),
* :func:`gaussian_fit_residual` -- how far the map is from the best-fitting 2-D Gaussian surface,
* :func:`spread` -- the standard deviation of the map's column profile (its width, in pixels),
* :func:`spread_by_depth` and :func:`power_law_exponent` -- how that width grows with the depth of a stack of
  linear 3x3 layers at initialisation (about like the square root of the depth).
"""

from __future__ import annotations

import numpy as np


def crop(erf: np.ndarray, span: tuple[tuple[int, int], tuple[int, int]]) -> np.ndarray:
    """The part of ``erf`` inside ``span`` = ((first row, last row), (first column, last column))."""
    (r0, r1), (c0, c1) = span
    return np.asarray(erf, dtype=float)[r0:r1 + 1, c0:c1 + 1]


def outside_share(erf: np.ndarray, span: tuple[tuple[int, int], tuple[int, int]]) -> float:
    """Share of the map's total outside ``span`` (summed outside, not total minus inside, so 0 stays 0)."""
    (r0, r1), (c0, c1) = span
    outside = np.array(erf, dtype=float)
    outside[r0:r1 + 1, c0:c1 + 1] = 0
    return float(outside.sum() / np.sum(erf))


def core_share(field: np.ndarray, side: int) -> float:
    """Share of the map's total inside the central ``side`` x ``side`` square."""
    h, w = field.shape
    top, left = (h - side) // 2, (w - side) // 2
    return float(field[top:top + side, left:left + side].sum() / field.sum())


def plateau_share(field: np.ndarray, level: float = 0.8) -> float:
    """Share of the columns whose profile (the sum over rows) is at least ``level`` times the profile's peak,
    averaged with the same share for rows. Summing a whole row or column first averages out pixel noise;
    a flat-topped map scores high, a peaked one low."""
    f = np.asarray(field, dtype=float)
    shares = [(p >= level * p.max()).mean() for p in (f.sum(axis=0), f.sum(axis=1))]
    return float(np.mean(shares))


def _gaussian(yx, amplitude, cy, cx, sy, sx, offset):
    y, x = yx
    return amplitude * np.exp(-((y - cy) ** 2 / (2 * sy ** 2) + (x - cx) ** 2 / (2 * sx ** 2))) + offset


def gaussian_fit_residual(field: np.ndarray) -> float:
    """Relative residual of the best axis-aligned 2-D Gaussian (plus a constant) fitted to ``field``.

    ``||fit - field|| / ||field - mean(field)||``: 0 for an exact Gaussian, near 1 when a Gaussian explains
    nothing beyond the mean.
    """
    from scipy.optimize import curve_fit

    f = np.asarray(field, dtype=float)
    h, w = f.shape
    yx = np.mgrid[:h, :w].astype(float)
    p0 = [f.max() - f.min(), (h - 1) / 2, (w - 1) / 2, h / 4, w / 4, f.min()]
    params, _ = curve_fit(lambda yx, *p: _gaussian(yx, *p).ravel(), yx, f.ravel(), p0=p0, maxfev=20000)
    return float(np.linalg.norm(_gaussian(yx, *params) - f) / np.linalg.norm(f - f.mean()))


def spread(field: np.ndarray) -> float:
    """Standard deviation, in pixels, of the map's column profile (its sum over rows, normalised)."""
    profile = np.asarray(field, dtype=float).sum(axis=0)
    p = profile / profile.sum()
    x = np.arange(len(p))
    mean = (p * x).sum()
    return float(np.sqrt((p * (x - mean) ** 2).sum()))


def describe(erf: np.ndarray, span, core_side: int, level: float = 0.8) -> dict[str, float]:
    """The statistics a page quotes for one map, measured inside the theoretical field ``span``."""
    inside = crop(erf, span)
    return {"outside_share": outside_share(erf, span), "core_share": core_share(inside, core_side),
            "plateau": plateau_share(inside, level), "gauss_residual": gaussian_fit_residual(inside)}


def compare_words(trained: dict[str, float], init: dict[str, float], margin: float = 0.05) -> str:
    """How the trained map differs from the map at initialisation, in words that follow :func:`describe`."""
    flat = trained["plateau"] - init["plateau"]
    shape = ("about as flat-topped as" if abs(flat) < margin else "flatter-topped than" if flat > 0
             else "more peaked than")
    gauss = "further from" if trained["gauss_residual"] > init["gauss_residual"] else "closer to"
    return f"{shape} the map at initialisation, and {gauss} a Gaussian surface"


def linear_stack(keras, depth: int, channels: int, seed: int):
    """``depth`` linear 3x3 layers (valid padding, no bias, Keras's default initialiser) on a
    ``(2 depth + 1)``-pixel square input: exactly one output unit, whose field is the whole input."""
    keras.utils.set_random_seed(seed)
    n = 2 * depth + 1
    return keras.Sequential([keras.Input((n, n, channels))]
                            + [keras.layers.Conv2D(channels, 3, use_bias=False) for _ in range(depth)])


def centre_gradient(model, channel: int = 0) -> np.ndarray:
    """|d output[0, 0, channel] / d input|, summed over input channels. The stack is linear, so the
    gradient does not depend on the input; a zero input is used."""
    import tensorflow as tf

    x = tf.zeros((1, *model.inputs[0].shape[1:]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = model(x)[0, 0, 0, channel]
    return np.abs(tape.gradient(y, x).numpy()[0]).sum(axis=-1)


def spread_by_depth(keras, depths, channels: int = 8, seeds: int = 4) -> list[float]:
    """Width (:func:`spread`) of the mean |gradient| map of a linear 3x3 stack at initialisation, per depth."""
    return [spread(sum(centre_gradient(linear_stack(keras, d, channels, s)) for s in range(seeds)))
            for d in depths]


def power_law_exponent(xs, ys) -> float:
    """Slope of the least-squares line through (log x, log y): ``y`` grows like ``x`` to this power."""
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def field_at_initialisation(build, layer_name: str, unit: tuple[int, int], inputs_per_seed: int = 40,
                            seeds: int = 5, classes: int = 10):
    """Luo et al.'s setting: the mean |gradient| of one unit over random weights and random inputs.

    ``build(seed)`` returns a freshly initialised model; inputs are uniform in [0, 1) like scaled pixels,
    and each input picks a random output channel.
    """
    from cnn_glossary.receptive_field import effective_field

    rng = np.random.default_rng(0)
    total = None
    for seed in range(seeds):
        model = build(seed)
        shape = model.inputs[0].shape[1:]
        x = rng.uniform(size=(inputs_per_seed, *shape)).astype("float32")
        erf = effective_field(model, x, layer_name, unit, channels=rng.integers(0, classes, inputs_per_seed))
        total = erf if total is None else total + erf
    return total / seeds
