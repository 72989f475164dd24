"""Drawing code for the Batch Normalization page: the learned parameters per layer, and the home card."""

from __future__ import annotations

import numpy as np

from cnn_glossary.figures.style import INK, MUTED, PALETTE, plt

MARKERS = ["o", "s", "^", "D", "v", "P"]


def parameters_figure(per_layer: dict[str, dict[str, np.ndarray]], quantities: list[str]):
    """One panel per quantity (gamma, beta, ...): each BN layer's channel values as a strip of dots."""
    rows = (len(quantities) + 1) // 2
    fig, axes = plt.subplots(rows, 2, figsize=(6.4, 2.7 * rows))
    names = list(per_layer)
    for ax, q in zip(axes.ravel(), quantities):
        for k, name in enumerate(names):
            v = per_layer[name][q]
            jitter = np.linspace(-0.22, 0.22, len(v))
            ax.plot(k + jitter, v, linestyle="none", marker=MARKERS[k % len(MARKERS)], ms=3,
                    color=PALETTE[k % len(PALETTE)], alpha=0.85)
        if q == "gamma":
            ax.axhline(1, color=MUTED, lw=0.8, linestyle="--")
        ax.axhline(0, color=MUTED, lw=0.6)
        ax.set_xticks(range(len(names)), [n.removesuffix("_bn") for n in names], rotation=60, fontsize=7)
        ax.set_title(q.replace("_", " "), fontsize=9, color=INK)
        ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    return fig


def card():
    """Home-page card: a skewed spread of values, and the same values centred and scaled."""
    fig, ax = plt.subplots(figsize=(1.9, 1.2))
    ax.axis("off")
    raw = np.array([3.1, 3.6, 4.0, 4.2, 4.9, 5.8])
    z = (raw - raw.mean()) / raw.std()
    ax.plot(raw, np.full_like(raw, 1.0), "o", color=PALETTE[1], ms=4)
    ax.plot(z, np.zeros_like(z), "s", color=PALETTE[0], ms=4)
    ax.axvline(0, color=MUTED, lw=0.6, linestyle="--")
    ax.annotate("", xy=(0.9, 0.2), xytext=(3.4, 0.8), arrowprops={"arrowstyle": "->", "color": INK})
    ax.set_xlim(-2.5, 6.5), ax.set_ylim(-0.6, 1.6)
    return fig
