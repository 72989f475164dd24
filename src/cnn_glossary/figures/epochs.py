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


def _labels(ax) -> list[str]:
    return [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]


def early_stopping_alt(fig) -> str:
    """Alt text read back from the drawn figure: each panel's title, scale, axis range and lines."""
    left, right = fig.axes[:2]
    epochs = left.get_lines()[0].get_xdata()
    val = right.get_lines()[0].get_ydata()
    best = argmin1(val)

    def axis(ax):
        lo, hi = ax.get_ylim()
        return f"a {ax.get_yscale()} loss axis from {lo:.2f} to {hi:.2f}"

    left_lines, right_lines = _labels(left), _labels(right)
    markers = "; ".join(right_lines[1:])
    return (
        f"Two line charts over {len(epochs)} epochs. Left panel, '{left.get_title()}': "
        f"{' and '.join(left_lines)} on {axis(left)}; training loss ends at {left.get_lines()[0].get_ydata()[-1]:.2g}. "
        f"Right panel, '{right.get_title()}': {right_lines[0]} alone on {axis(right)}, lowest at epoch {best} "
        f"({val[best - 1]:.3f}) and {val[-1]:.3f} at the last epoch; a dotted vertical line marks epoch {best} "
        f"in both panels" + (f"; open markers show where the callbacks stop: {markers}." if markers else ".")
    )
