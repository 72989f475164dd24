"""The Epochs page's early-stopping figure."""

from __future__ import annotations

import numpy as np

from cnn_glossary.epochs import argmin1
from cnn_glossary.figures.style import INK, PALETTE, plt


def early_stopping_figure(history: dict, stops: dict[str, int]):
    """Left: training vs validation loss. Right: validation loss zoomed in, its minimum, and where
    early-stopping callbacks halt. ``stops`` maps a label (e.g. "patience=5 stops") to a 1-based epoch.
    """

    epochs = np.arange(1, len(history["loss"]) + 1)
    val = np.asarray(history["val_loss"])
    best = argmin1(val)
    fig, (ax, zoom) = plt.subplots(1, 2, figsize=(8.4, 3.4))
    ax.plot(epochs, history["loss"], color=PALETTE[0], linestyle="-", marker="o", ms=2.5, label="training loss")
    ax.plot(epochs, val, color=PALETTE[1], linestyle="--", marker="s", ms=2.5, label="validation loss")
    ax.set_ylim(0, max(val.max(), max(history["loss"])) * 1.05)
    ax.set_ylabel("loss")
    ax.set_title("training keeps improving", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    zoom.plot(epochs, val, color=PALETTE[1], linestyle="--", marker="s", ms=2.5, label="validation loss")
    zoom.set_ylim(val.min() - 0.3 * (val.max() - val.min()), val.max() + 0.05 * (val.max() - val.min()))
    zoom.set_title("validation loss, zoomed in", fontsize=10)
    for a in (ax, zoom):
        a.axvline(best, color=INK, linestyle=":", lw=1.2)
        a.set_xlabel("epoch")
        a.grid(alpha=0.3)
    zoom.annotate(f"lowest (epoch {best}),\nthen it turns upward", xy=(best, val[best - 1]),
                  xytext=(best + 5, val.min() - 0.16 * (val.max() - val.min())), fontsize=8, va="center",
                  arrowprops={"arrowstyle": "->", "color": INK})
    markers = ["v", "^", "D", "P"]
    for k, (label, epoch) in enumerate(stops.items()):
        zoom.plot([epoch], [val[epoch - 1]], linestyle="none", marker=markers[k % 4], ms=9,
                  markerfacecolor="white", markeredgecolor=PALETTE[2 + k], markeredgewidth=1.8,
                  label=f"{label} (epoch {epoch})")
    zoom.legend(fontsize=7.5, loc="upper right")
    fig.tight_layout()
    return fig
