"""Figures of the Learning Rate and Schedules page."""

from __future__ import annotations

import numpy as np

from cnn_glossary.figures.style import INK, MUTED, PALETTE, plt

STYLES = ["-", "--", "-.", ":"]
MARKERS = ["o", "s", "^", "D"]


def schedule_figure(values, steps_per_epoch: int, warmup_steps: float):
    """Learning rate against step, with epoch boundaries on a second axis on top."""
    steps = np.arange(len(values))
    fig, ax = plt.subplots(figsize=(6.4, 2.8))
    ax.plot(steps, values, color=PALETTE[0], lw=1.8)
    ax.axvline(warmup_steps, color=INK, linestyle=":", lw=1)
    ax.annotate(f"peak at step {warmup_steps:g}", xy=(warmup_steps, max(values)),
                xytext=(warmup_steps + 0.06 * len(values), 0.93 * max(values)), fontsize=8,
                arrowprops={"arrowstyle": "->", "color": INK})
    for boundary in range(0, len(values) + 1, steps_per_epoch):
        ax.axvline(boundary, color=MUTED, lw=0.4, alpha=0.6)
    ax.set_xlabel("step (one weight update per batch)")
    ax.set_ylabel("learning rate")
    ax.set_xlim(0, len(values))
    ax.set_ylim(0, max(values) * 1.08)
    top = ax.secondary_xaxis("top", functions=(lambda s: s / steps_per_epoch, lambda e: e * steps_per_epoch))
    top.set_xlabel("epoch", fontsize=9)
    fig.tight_layout()
    return fig


def trajectories_figure(paths: dict, curvature: tuple[float, float]):
    """Paths of several optimisers over the contours of the bowl (a x^2 + b y^2) / 2."""
    a, b = curvature
    everything = np.concatenate(list(paths.values()))
    x_max = max(abs(everything[:, 0]).max(), 1.0) * 1.1
    y_max = max(abs(everything[:, 1]).max(), 0.5) * 1.15
    gx, gy = np.meshgrid(np.linspace(-x_max, x_max, 200), np.linspace(-y_max, y_max, 120))
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    ax.contour(gx, gy, 0.5 * (a * gx**2 + b * gy**2), levels=12, colors=MUTED, linewidths=0.5)
    for k, (label, path) in enumerate(paths.items()):
        ax.plot(path[:, 0], path[:, 1], color=PALETTE[k], linestyle=STYLES[k], marker=MARKERS[k], ms=2.5,
                lw=1.3, label=label)
    start = next(iter(paths.values()))[0]
    ax.plot([start[0]], [start[1]], "o", color=INK, ms=6)
    ax.plot([0], [0], "*", color=INK, ms=10)
    ax.annotate("start", xy=tuple(start), xytext=(start[0] + 0.2, start[1] + 0.12 * y_max), fontsize=8)
    ax.annotate("minimum", xy=(0, 0), xytext=(0.15, -0.25 * y_max), fontsize=8)
    ax.set_xlim(-x_max, x_max), ax.set_ylim(-y_max, y_max)
    ax.set_xlabel("x (gentle direction)"), ax.set_ylabel("y (steep direction)")
    ax.legend(fontsize=7.5, loc="lower right")
    fig.tight_layout()
    return fig


def losses_figure(curves: dict, floor: float, ceiling: float):
    """Loss per step for several learning rates, log scale; values above ``ceiling`` are clipped to it."""
    fig, ax = plt.subplots(figsize=(6.4, 2.9))
    for k, (label, losses) in enumerate(curves.items()):
        losses = np.minimum(np.asarray(losses, dtype=float), ceiling)
        ax.plot(np.arange(len(losses)), losses, color=PALETTE[k], linestyle=STYLES[k], marker=MARKERS[k],
                ms=2.2, markevery=5, lw=1.4, label=label)
    ax.axhline(floor, color=INK, linestyle=":", lw=1)
    ax.annotate("best possible loss", xy=(0, floor), xytext=(1, floor * 1.6), fontsize=8)
    ax.set_yscale("log")
    ax.set_ylim(floor * 0.5, ceiling * 1.5)
    ax.set_xlabel("step"), ax.set_ylabel("mean squared error")
    ax.legend(fontsize=7.5, loc="upper right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def card(steps: int = 200):
    """Home-page card: the shape of our one-cycle schedule (an icon from the training constants; the page plots
    the training script's schedule object itself)."""
    from cnn_glossary.mnist.train import PEAK_LEARNING_RATE, WARMUP_FRACTION

    t = np.arange(steps)
    warm = WARMUP_FRACTION * steps
    values = np.where(t < warm, PEAK_LEARNING_RATE * (0.05 + 0.95 * t / warm),
                      PEAK_LEARNING_RATE * 0.5 * (1 + np.cos(np.pi * np.clip((t - warm) / (steps - warm), 0, 1))))
    fig, ax = plt.subplots(figsize=(1.9, 1.2))
    ax.plot(np.arange(len(values)), values, color=PALETTE[0], lw=1.6)
    ax.set_xticks([]), ax.set_yticks([])
    ax.set_xlabel("step", fontsize=7), ax.set_ylabel("learning rate", fontsize=7)
    return fig
