"""Drawing code for the Pooling page: the worked 2x2 pools, a real feature map pooled, and the home card."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from cnn_glossary.figures.style import HIGHLIGHT, INK, MUTED, PALETTE, draw_grid, plt


def worked_figure(x: np.ndarray, max_pooled: np.ndarray, average_pooled: np.ndarray, pool_size: int = 2):
    """The input with its windows outlined (each in its own colour and line style), then both pooled outputs."""
    n, o = x.shape[0], max_pooled.shape[0]
    fig, axes = plt.subplots(1, 3, figsize=(6.4, 2.4), gridspec_kw={"width_ratios": [n, o, o]})
    draw_grid(axes[0], x, title=f"input {n}x{n}")
    styles = ["-", "--", "-.", ":"]
    for k, (r, c) in enumerate((r, c) for r in range(o) for c in range(o)):
        axes[0].add_patch(Rectangle((c * pool_size + 0.08, r * pool_size + 0.08), pool_size - 0.16,
                                    pool_size - 0.16, fill=False, edgecolor=PALETTE[k % len(PALETTE)], lw=2.2,
                                    linestyle=styles[k % 4]))
    # the cell each max came from is highlighted on the input
    for r in range(o):
        for c in range(o):
            window = x[r * pool_size:(r + 1) * pool_size, c * pool_size:(c + 1) * pool_size]
            i, j = np.unravel_index(window.argmax(), window.shape)
            axes[0].add_patch(Rectangle((c * pool_size + j + 0.25, r * pool_size + i + 0.78), 0.5, 0.08,
                                        facecolor=INK, edgecolor=INK))
    for ax, out, title in ((axes[1], max_pooled, "max pool"), (axes[2], average_pooled, "average pool")):
        draw_grid(ax, out, title=title, shown=np.zeros(out.shape, dtype=bool))
        for (r, c), v in np.ndenumerate(out):  # exact values: an average can need two decimals
            ax.text(c + 0.5, r + 0.5, f"{v:g}", ha="center", va="center", fontsize=9, color=INK)
    fig.tight_layout()
    return fig


def maps_figure(feature_map: np.ndarray, max_pooled: np.ndarray, average_pooled: np.ndarray, titles: list[str],
                cmap: str = "gray_r"):
    """A real feature map and its two pooled versions, side by side on one colour scale.

    The default is the site's convention for non-negative maps (dark on white, as on the Filters and Feature-maps
    pages); caption words for it come from ``figures.conv.scale_words``.
    """
    fig, axes = plt.subplots(1, 3, figsize=(6.6, 2.5))
    top = float(feature_map.max()) or 1.0
    for ax, m, title in zip(axes, (feature_map, max_pooled, average_pooled), titles):
        ax.imshow(m, cmap=cmap, vmin=0, vmax=top, interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([]), ax.set_yticks([])
    fig.tight_layout()
    return fig


def card():
    """Home-page card: a 4x4 grid in four 2x2 windows, one cell kept from each, and the 2x2 result."""
    fig, ax = plt.subplots(figsize=(1.9, 1.2))
    ax.axis("off")
    kept = {(0, 1), (1, 2), (3, 0), (2, 3)}
    for r in range(4):
        for c in range(4):
            ax.add_patch(Rectangle((c, r), 1, 1, facecolor=HIGHLIGHT if (r, c) in kept else "white",
                                   edgecolor=MUTED, lw=0.6))
    for r in (0, 2):
        for c in (0, 2):
            ax.add_patch(Rectangle((c, r), 2, 2, fill=False, edgecolor=INK, lw=1.4))
    ax.annotate("", xy=(6.2, 2), xytext=(4.4, 2), arrowprops={"arrowstyle": "->", "color": INK})
    for r in range(2):
        for c in range(2):
            ax.add_patch(Rectangle((6.5 + c, 1 + r), 1, 1, facecolor=HIGHLIGHT, edgecolor=INK, lw=1.2))
    ax.set_xlim(-0.2, 9.2), ax.set_ylim(4.2, -0.2), ax.set_aspect("equal")
    return fig
