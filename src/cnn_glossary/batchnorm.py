"""Batch normalisation: what it computes in training and at inference, and how it folds into a convolution.

Plain NumPy. The tests check these against Keras's own ``BatchNormalization`` and ``Conv2D`` layers.
"""

from __future__ import annotations

import numpy as np


def normalise(x: np.ndarray, gamma, beta, mean, variance, epsilon: float = 1e-3) -> np.ndarray:
    """``gamma * (x - mean) / sqrt(variance + epsilon) + beta``, per channel (the last axis)."""
    return gamma * (x - mean) / np.sqrt(variance + epsilon) + beta


def batch_statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (biased) variance per channel over the batch and every position: what training mode uses.

    Computed in double precision: NumPy sums single-precision values over these axes in single precision, which
    over a batch of 28x28 maps leaves the variance off by parts in ten thousand.
    """
    x = np.asarray(x, dtype=np.float64)
    axes = tuple(range(x.ndim - 1))
    return x.mean(axis=axes), x.var(axis=axes)


def training_output(x: np.ndarray, gamma, beta, epsilon: float = 1e-3) -> np.ndarray:
    """Batch normalisation in training mode: normalise with the batch's own statistics."""
    mean, variance = batch_statistics(x)
    return normalise(x, gamma, beta, mean, variance, epsilon)


def fold(kernel: np.ndarray, bias, gamma, beta, mean, variance, epsilon: float = 1e-3):
    """A convolution ``(kh, kw, c_in, c_out)`` followed by inference-mode BN, as one convolution.

    ``scale = gamma / sqrt(variance + epsilon)``; the folded kernel is ``kernel * scale`` (per output channel)
    and the folded bias ``beta + (bias - mean) * scale``. ``bias`` may be ``None`` (a convolution without one).
    """
    scale = gamma / np.sqrt(variance + epsilon)
    bias = np.zeros_like(mean) if bias is None else bias
    return kernel * scale, beta + (bias - mean) * scale
