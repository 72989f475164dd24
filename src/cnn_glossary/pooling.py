"""Pooling: max and average over windows, global average pooling, and how pooled values react to a shift.

Plain NumPy, no Keras: the pages use these for the worked example and the measurements, and the tests check
them against Keras's own pooling layers and a plain loop.
"""

from __future__ import annotations

import numpy as np

from cnn_glossary.conv import output_size


def pool2d(x: np.ndarray, pool_size: int = 2, stride: int | None = None, mode: str = "max") -> np.ndarray:
    """Pool a ``(H, W)`` or ``(H, W, C)`` array over ``pool_size`` windows, valid padding.

    The output size follows the convolution arithmetic: ``floor((i - k) / s) + 1`` per axis.
    """
    stride = stride or pool_size
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average', not {mode!r}")
    squeeze = x.ndim == 2
    x = x[..., None] if squeeze else x
    out_h = output_size(x.shape[0], pool_size, "valid", stride)
    out_w = output_size(x.shape[1], pool_size, "valid", stride)
    windows = np.stack([x[i: i + stride * out_h: stride, j: j + stride * out_w: stride]
                        for i in range(pool_size) for j in range(pool_size)])
    out = windows.max(axis=0) if mode == "max" else windows.mean(axis=0)
    return out[..., 0] if squeeze else out


def global_average(x: np.ndarray) -> np.ndarray:
    """Global average pooling of ``(..., H, W, C)``: one mean per channel."""
    return x.mean(axis=(-3, -2))


def shift_images(images: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Move ``(N, H, W[, C])`` images by ``dy`` rows and ``dx`` columns, filling with zeros (no wrap-around)."""
    out = np.zeros_like(images)
    h, w = images.shape[1:3]
    src_r = slice(max(-dy, 0), h - max(dy, 0))
    dst_r = slice(max(dy, 0), h - max(-dy, 0))
    src_c = slice(max(-dx, 0), w - max(dx, 0))
    dst_c = slice(max(dx, 0), w - max(-dx, 0))
    out[:, dst_r, dst_c] = images[:, src_r, src_c]
    return out


def stroke_positions(before: np.ndarray, after: np.ndarray, background: np.ndarray,
                     tolerance: float = 1e-6) -> np.ndarray:
    """Where the map before or after a change differs from ``background`` by more than ``tolerance``.

    ``background`` is the layer's output for a blank image (broadcastable to ``before``). After batch
    normalisation and ReLU a blank background is not zero but a constant per channel, often positive; such
    positions would stay "unchanged" under any shift and say nothing about the strokes.
    """
    return (np.abs(before - background) > tolerance) | (np.abs(after - background) > tolerance)


def unchanged_fraction(before: np.ndarray, after: np.ndarray, tolerance: float = 1e-6,
                       background: np.ndarray | None = None) -> float:
    """Fraction of values equal (within ``tolerance``) at the same position before and after a change.

    With ``background`` (the layer's output for a blank image), only stroke positions count: those where
    either map differs from the background (:func:`stroke_positions`).
    """
    same = np.abs(before - after) <= tolerance
    if background is None:
        return float(same.mean())
    return float(same[stroke_positions(before, after, background, tolerance)].mean())


def invariance_sentence(conv1: float, pool1: float, pool2: float, pixels: int = 1) -> str:
    """Word the shift measurement: how much more of pool1 than of the conv1 map it reads stays unchanged (as
    shares of stroke positions), and whether pool2, deeper, keeps more or less."""
    gain = pool1 - conv1
    if gain > 0.10:
        verdict = "one max pool buys a good deal of exact invariance"
    elif gain > 0:
        verdict = "one max pool buys little exact invariance"
    else:
        verdict = "one max pool buys no exact invariance"
    deeper = "even less stays" if pool2 < pool1 else "more stays"
    return (f"After a {pixels}-pixel shift, {pool1:.1%} of `pool1`'s stroke values are unchanged, against "
            f"{conv1:.1%} of the `conv1` values it reads: {verdict}. Deeper, at `pool2`, {deeper} the same: "
            f"{pool2:.1%}.")
