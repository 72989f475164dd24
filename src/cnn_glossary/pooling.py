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


def unchanged_fraction(before: np.ndarray, after: np.ndarray, tolerance: float = 1e-6,
                       active_only: bool = True) -> float:
    """Fraction of values equal (within ``tolerance``) at the same position before and after a change.

    With ``active_only``, only positions where either array is non-zero count: positions that are zero in both
    (blank background) would stay "unchanged" under any shift and say nothing about the layer.
    """
    same = np.abs(before - after) <= tolerance
    if active_only:
        counted = (before != 0) | (after != 0)
        return float(same[counted].mean())
    return float(same.mean())
