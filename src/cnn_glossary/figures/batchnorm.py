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


def stages_figure(stages: list[tuple[str, np.ndarray]], zeroed: tuple[str, np.ndarray]):
    """One panel per stage, one box per channel: ``stages`` is a list of (title, values of shape (n, channels));
    boxes span the middle half of a channel's values, whiskers the 5th to 95th percentile, a line marks the median.
    A last panel shows ``zeroed`` = (title, share per channel) as bars."""
    fig, axes = plt.subplots(len(stages) + 1, 1, figsize=(6.4, 1.9 * (len(stages) + 1)), sharex=True)
    channels = stages[0][1].shape[1]
    for k, (ax, (title, values)) in enumerate(zip(axes, stages)):
        ax.boxplot([values[:, c] for c in range(channels)], positions=range(channels), widths=0.6,
                   whis=(5, 95), showfliers=False, patch_artist=True,
                   boxprops={"facecolor": PALETTE[k % len(PALETTE)], "alpha": 0.75, "linewidth": 0.6},
                   medianprops={"color": INK, "linewidth": 1.0, "linestyle": "-"},
                   whiskerprops={"linewidth": 0.6, "linestyle": "-"}, capprops={"linewidth": 0.6})
        ax.axhline(0, color=MUTED, lw=0.8, linestyle="--")
        ax.set_title(title, fontsize=9, color=INK)
    title, share = zeroed
    ax = axes[-1]
    ax.bar(range(channels), share, width=0.6, color=PALETTE[len(stages) % len(PALETTE)], edgecolor=INK, lw=0.5)
    ax.axhline(0.5, color=MUTED, lw=0.8, linestyle="--")
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_title(title, fontsize=9, color=INK)
    ticks = list(range(0, channels, 4))
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.set_xlim(-0.7, channels - 0.3)
    ax.set_xlabel("channel", fontsize=8)
    for a in axes:
        a.tick_params(labelsize=7)
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
