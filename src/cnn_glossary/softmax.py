"""Softmax and cross-entropy: a naive and a stable softmax, log-softmax, and the mean cross-entropy.

Plain NumPy; the tests check these against SciPy and against Keras's loss.
"""

from __future__ import annotations

import numpy as np


def softmax_naive(logits: np.ndarray) -> np.ndarray:
    """``exp(z) / sum(exp(z))`` as written: overflows once a logit passes about 709 (float64) or 88 (float32)."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(logits)
        return e / e.sum(axis=-1, keepdims=True)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """``z - logsumexp(z)``, computed with the largest logit subtracted first, so nothing overflows."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    """The stable softmax: ``exp(log_softmax(z))``."""
    return np.exp(log_softmax(logits))


def cross_entropy(log_probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean of ``-log p[true class]`` over the samples: the sparse categorical cross-entropy."""
    return float(-log_probabilities[np.arange(len(labels)), labels].mean())
