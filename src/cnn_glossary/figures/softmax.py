"""Drawing code for the Softmax and Cross-Entropy page: a digit next to its ten probabilities, and the home card."""

from __future__ import annotations

import numpy as np

from cnn_glossary.figures.style import HIGHLIGHT, INK, MUTED, PALETTE, plt
from cnn_glossary.softmax import probability_text


def probabilities_figure(panels: list[dict]):
    """One row per digit: the image, then a bar per class. ``panels``: dicts with image, probabilities, true,
    predicted, title. The true class's bar is hatched; the predicted class's bar is amber with a dark outline."""
    fig, axes = plt.subplots(len(panels), 2, figsize=(6.4, 2.1 * len(panels)),
                             gridspec_kw={"width_ratios": [1, 3.4]})
    axes = np.atleast_2d(axes)
    for (ax_img, ax_bar), p in zip(axes, panels):
        ax_img.imshow(p["image"], cmap="gray_r")
        ax_img.set_xticks([]), ax_img.set_yticks([])
        ax_img.set_title(p["title"], fontsize=8)
        probs = p["probabilities"]
        for k, v in enumerate(probs):
            predicted, true = k == p["predicted"], k == p["true"]
            ax_bar.bar(k, v, color=HIGHLIGHT if predicted else PALETTE[0], edgecolor=INK if predicted else "none",
                       hatch="///" if true else None, lw=1.2)
            if v >= 0.01:
                ax_bar.text(k, v + 0.02, probability_text(v), ha="center", fontsize=7, color=INK)
        ax_bar.set_xticks(range(len(probs)))
        ax_bar.set_ylim(0, 1.12)
        ax_bar.set_ylabel("probability", fontsize=8)
        ax_bar.tick_params(labelsize=7)
        ax_bar.spines[["top", "right"]].set_visible(False)
    axes[-1][1].set_xlabel("digit", fontsize=8)
    fig.tight_layout()
    return fig


def reliability_figure(rows, bins: int):
    """Reliability diagram: per confidence bin, the accuracy as a bar against the diagonal of perfect calibration,
    each bar labelled with its count; below, the counts on a log scale. ``rows``: (lo, hi, count, accuracy,
    mean confidence) per occupied bin."""
    fig, (ax, ax_n) = plt.subplots(2, 1, figsize=(6.4, 4.6), sharex=True, gridspec_kw={"height_ratios": [3, 1.2]})
    width = 1.0 / bins
    ax.plot([0, 1], [0, 1], color=MUTED, lw=1, linestyle="--", label="perfectly calibrated")
    for k, (lo, hi, count, accuracy, confidence) in enumerate(rows):
        ax.bar(lo, accuracy, width=width, align="edge", color=PALETTE[0], edgecolor=INK, lw=0.6,
               label="accuracy in the bin" if k == 0 else None)
        ax.plot([lo + 0.15 * width, hi - 0.15 * width], [confidence, confidence], color=HIGHLIGHT, lw=2.2, ls="-",
                label="mean confidence in the bin" if k == 0 else None)
        ax.text(lo + width / 2, max(accuracy, confidence) + 0.02, f"{count:,}", ha="center", fontsize=7, color=INK)
        ax_n.bar(lo, count, width=width, align="edge", color=MUTED, edgecolor=INK, lw=0.6)
    ax.set_xlim(0, 1), ax.set_ylim(0, 1.1)
    ax.set_ylabel("accuracy", fontsize=8)
    ax.legend(fontsize=7, loc="upper left")
    ax_n.set_yscale("log")
    ax_n.set_ylabel("digits", fontsize=8)
    ax_n.set_xlabel("confidence (the largest softmax probability)", fontsize=8)
    ax_n.set_xticks(np.linspace(0, 1, bins + 1))
    for a in (ax, ax_n):
        a.tick_params(labelsize=7)
        a.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def card():
    """Home-page card: a few logits turned into probabilities that sum to one."""
    fig, ax = plt.subplots(figsize=(1.9, 1.2))
    logits = np.array([1.0, 3.0, 0.2, 2.0])
    p = np.exp(logits - logits.max())
    p /= p.sum()
    ax.bar(np.arange(4) - 0.2, logits / logits.max(), width=0.35, color=MUTED, label="scores")
    ax.bar(np.arange(4) + 0.2, p, width=0.35, color=PALETTE[0], hatch="///", label="softmax")
    ax.set_xticks([]), ax.set_yticks([])
    ax.spines[["top", "right"]].set_visible(False)
    return fig
