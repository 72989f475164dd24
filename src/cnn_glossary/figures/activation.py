"""The Activation page's curves: each activation and its derivative."""

from __future__ import annotations

import numpy as np

from cnn_glossary.activations import activations, value_and_derivative
from cnn_glossary.figures.style import INK, PALETTE, plt


def activation_figure(x: np.ndarray):
    """One small panel per activation: the function (solid) and its derivative (dashed)."""

    fns = activations()
    fig, axes = plt.subplots(2, 4, figsize=(9.6, 4.6), sharex=True)
    for ax, (name, fn) in zip(axes.flat, fns.items()):
        y, dy = value_and_derivative(fn, x)
        ax.axhline(0, color=INK, lw=0.6)
        ax.axvline(0, color=INK, lw=0.6)
        ax.plot(x, y, color=PALETTE[0], linestyle="-", lw=2, label="f(x)")
        ax.plot(x, dy, color=PALETTE[1], linestyle="--", lw=1.6, label="f′(x)")
        ax.set_title(name, fontsize=10)
        ax.set_ylim(-1.3, 2.3)
        ax.grid(alpha=0.3)
    legend_ax = axes.flat[-1]
    legend_ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    legend_ax.legend(handles, ["activation f(x)", "derivative f′(x),\nby automatic\ndifferentiation"],
                     loc="center", fontsize=9, frameon=False)
    for ax in list(axes[1][:3]) + [axes[0][3]]:
        ax.set_xlabel("pre-activation x")
        ax.tick_params(labelbottom=True)
    fig.tight_layout()
    return fig
