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


def _decimals_that_hold(p: float, scale: float, decimals: int) -> str:
    """``scale * p`` with at least ``decimals`` decimals, and as many more as it takes for a ``p`` below one not to
    read as one and a ``p`` above zero not to read as zero."""
    for d in range(decimals, 17):
        text = f"{scale * p:.{d}f}"
        if (p < 1 and float(text) >= scale) or (p > 0 and float(text) == 0):
            continue
        return text
    return repr(scale * p)


def percent_text(p: float, decimals: int = 1) -> str:
    """``p`` as a percentage that never reads 100 % unless it is exactly one: 0.999998 is "99.9998%"."""
    return _decimals_that_hold(p, 100, decimals) + "%"


def probability_text(p: float, decimals: int = 2) -> str:
    """``p`` as a decimal that never reads 1 unless it is exactly one: 0.999998 is "0.999998"."""
    return _decimals_that_hold(p, 1, decimals)


def calibration(confidence: np.ndarray, correct: np.ndarray, bins: int = 10):
    """Reliability of confidences: split [0, 1] into ``bins`` equal intervals (lo, hi], the first also taking 0.

    Returns (rows, ece): a row (lo, hi, count, accuracy, mean confidence) per interval that holds any example,
    and the expected calibration error, sum over intervals of count / N * |accuracy - mean confidence|.
    """
    confidence, correct = np.asarray(confidence, dtype=np.float64), np.asarray(correct, dtype=bool)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, bins - 1)
    rows, ece = [], 0.0
    for b in range(bins):
        mine = which == b
        if mine.any():
            accuracy, mean_confidence = float(correct[mine].mean()), float(confidence[mine].mean())
            rows.append((float(edges[b]), float(edges[b + 1]), int(mine.sum()), accuracy, mean_confidence))
            ece += mine.mean() * abs(accuracy - mean_confidence)
    return rows, float(ece)


def calibration_sentence(accuracy: float, mean_confidence: float, ece: float, n: int, split: str) -> str:
    """Say whether the network is over- or under-confident on average, and by how much, from the numbers."""
    gap = mean_confidence - accuracy
    if abs(gap) < 0.5 / n:
        lean = "exactly as confident, on average, as it is accurate"
    elif gap > 0:
        lean = f"slightly over-confident: on average it claims {100 * gap:.2f} percentage points more than it gets"
    else:
        lean = f"slightly under-confident: on average it claims {100 * -gap:.2f} percentage points less than it gets"
    if abs(gap) > 0.05:
        lean = lean.replace("slightly ", "")
    return (f"On the {n:,} {split} digits our network's mean confidence (its largest probability) is "
            f"{mean_confidence:.2%} and its accuracy {accuracy:.2%}, so it is {lean}. The expected calibration "
            f"error, the gap between accuracy and confidence averaged over the bins and weighted by their counts, "
            f"is {ece:.4f}.")
