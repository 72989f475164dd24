"""Figures for the Receptive Field, 1x1 Convolution and 3x3 Convolution pages.

Same look as :mod:`cnn_glossary.figures.style`: white card, Okabe-Ito colours, and meaning carried by line
style, markers, hatching and labels as well as colour.
"""

from __future__ import annotations

import numpy as np

from cnn_glossary.figures.style import INK, LINESTYLES, MUTED, PALETTE, plt  # noqa: F401 - importing figures sets the style
from matplotlib.patches import FancyArrowPatch, Rectangle  # noqa: E402

MARKERS = ["o", "s", "^", "D", "v", "P"]


def growth_figure(series: dict[str, list[int]]):
    """Receptive-field size against layer number, one line per network (log scale)."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for i, (label, sizes) in enumerate(series.items()):
        ax.plot(range(len(sizes)), sizes, color=PALETTE[i], linestyle=LINESTYLES[i], marker=MARKERS[i],
                ms=4, label=label)
        ax.annotate(str(sizes[-1]), (len(sizes) - 1, sizes[-1]), textcoords="offset points", xytext=(5, 0),
                    va="center", fontsize=8, color=INK)
    ax.set_yscale("log", base=2)
    ax.set_xlabel("layer (0 = input)")
    ax.set_ylabel("receptive-field size (pixels, log scale)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def erf_figure(erf: np.ndarray, theoretical: tuple[tuple[int, int], tuple[int, int]], digit: np.ndarray):
    """A digit with the unit's theoretical field, the mean |gradient| map, and its profile through the centre."""
    (r0, r1), (c0, c1) = theoretical
    fig, axes = plt.subplots(1, 3, figsize=(9.6, 3.3), gridspec_kw={"width_ratios": [1, 1, 1.3]})
    for ax, img, title, cmap in ((axes[0], digit, "a test digit", "gray_r"),
                                 (axes[1], erf / erf.max(), "mean |gradient| (effective field)", "magma_r")):
        ax.imshow(img, cmap=cmap, vmin=0)
        ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0 + 1, r1 - r0 + 1, fill=False, edgecolor=PALETTE[0],
                               lw=1.8, linestyle="--"))
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    centre_row = (r0 + r1) // 2
    profile = erf[centre_row] / erf.max()
    ax = axes[2]
    ax.bar(range(len(profile)), profile, color=PALETTE[2], edgecolor=INK, lw=0.4, hatch="//",
           label=f"|gradient| along row {centre_row}")
    ax.axvspan(c0 - 0.5, c1 + 0.5, facecolor="none", edgecolor=PALETTE[0], linestyle="--", lw=1.5,
               label="theoretical field")
    ax.set_xlabel("input column")
    ax.set_ylabel("relative |gradient|")
    ax.set_ylim(0, 1.35)
    ax.legend(fontsize=7, loc="upper center", ncols=1)
    fig.tight_layout()
    return fig


def stacked_fields_figure(maps: dict[str, np.ndarray]):
    """Gradient maps (non-zero pixels) of one output unit for several stacks, side by side."""
    fig, axes = plt.subplots(1, len(maps), figsize=(2.3 * len(maps), 2.6))
    for ax, (title, grad) in zip(np.atleast_1d(axes), maps.items()):
        n = grad.shape[0]
        ax.imshow(grad > 0, cmap="Blues", vmin=0, vmax=1.6)
        rows, cols = np.nonzero(grad > 0)
        ax.add_patch(Rectangle((cols.min() - 0.5, rows.min() - 0.5), np.ptp(cols) + 1, np.ptp(rows) + 1, fill=False,
                               edgecolor=INK, lw=1.6, hatch="//"))
        ax.set_xticks(np.arange(-0.5, n, 1), minor=True)
        ax.set_yticks(np.arange(-0.5, n, 1), minor=True)
        ax.grid(which="minor", color=MUTED, lw=0.3)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        ax.set_title(f"{title}\nfield {np.ptp(rows) + 1}x{np.ptp(cols) + 1}", fontsize=9)
    fig.tight_layout()
    return fig


def pointwise_figure(x: np.ndarray, w: np.ndarray, y: np.ndarray, pixel: tuple[int, int]):
    """A 1x1 convolution: channels_in maps in, channels_out maps out, one pixel's channel vector mixed."""
    cin, cout = w.shape
    fig = plt.figure(figsize=(8.2, 3.4))
    gs = fig.add_gridspec(max(cin, cout), 3, width_ratios=[1, 1.3, 1])
    r, c = pixel
    for i in range(cin):
        ax = fig.add_subplot(gs[i, 0])
        ax.imshow(x[:, :, i], cmap="Greys", vmin=x.min(), vmax=x.max())
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor=PALETTE[1], lw=2))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(f"in {i}", fontsize=8, rotation=0, labelpad=14)
    for j in range(cout):
        ax = fig.add_subplot(gs[j, 2])
        ax.imshow(y[:, :, j], cmap="Greys", vmin=y.min(), vmax=y.max())
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor=PALETTE[1], lw=2))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.yaxis.set_label_position("right")
        ax.set_ylabel(f"out {j}", fontsize=8, rotation=0, labelpad=16)
    ax = fig.add_subplot(gs[:, 1])
    ax.imshow(w, cmap="PuOr_r", vmin=-np.abs(w).max(), vmax=np.abs(w).max())  # rows: inputs, columns: outputs
    for i in range(cin):
        for j in range(cout):
            text = f"{w[i, j]:.1f}"
            ax.text(j, i, text[1:] if text in ("-0.0",) else text, ha="center", va="center", fontsize=8)
    ax.set_yticks(range(cin), [f"in {i}" for i in range(cin)], fontsize=8)
    ax.set_xticks(range(cout), [f"out {j}" for j in range(cout)], fontsize=8)
    rows, cols = w.shape
    ax.set_title(f"1x1 kernel = {rows}x{cols} weight matrix\n({rows} rows: input channels, {cols} columns: "
                 "output channels)", fontsize=9)
    fig.tight_layout()
    return fig


def residual_curve_figure(widths: list[int], residuals: dict[str, list[float]], equal_width: list[int] | None = None,
                          floor: float = 1e-9):
    """Relative residual of the best fit of a 5x5 kernel by two linear 3x3 layers, against the middle width.

    Residuals below ``floor`` are drawn on the floor line (exact up to the solver's precision). ``equal_width``
    gives, per line, the middle width equal to the channel count; that point gets an open ring.
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    shown_floor = floor / 10
    for i, (label, values) in enumerate(residuals.items()):
        y = np.where(np.asarray(values) < floor, shown_floor, values)
        ax.plot(widths, y, color=PALETTE[i], linestyle=LINESTYLES[i], marker=MARKERS[i], label=label)
        if equal_width:
            j = widths.index(equal_width[i])
            ax.plot(widths[j], y[j], marker="o", ms=13, mfc="none", mec=INK, lw=0)
    ax.axhline(shown_floor, color=MUTED, lw=0.8)
    ax.text(widths[-1], shown_floor * 3, f"exact (residual below {floor:.0e})", ha="right", va="bottom", fontsize=8,
            color=INK)
    ax.plot([], [], marker="o", ms=10, mfc="none", mec=INK, lw=0, label="equal width (channels_mid = channels)")
    ax.set_yscale("log")
    ax.set_ylim(shown_floor / 5, 3)
    ax.set_xticks(widths)
    ax.set_xlabel("channels in the middle layer (channels_mid)")
    ax.set_ylabel("relative residual (log scale)")
    ax.grid(alpha=0.3, which="major")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2)
    fig.tight_layout()
    return fig


def erf_compare_figure(maps: dict[str, np.ndarray], theoretical: tuple[tuple[int, int], tuple[int, int]],
                       digit: np.ndarray, cmap: str = "magma_r"):
    """A digit with the unit's theoretical field, one mean |gradient| map per setting, and their profiles.

    Each map is scaled to its own maximum (dark = largest); the last panel draws each map's row through the
    field's centre, scaled the same way.
    """
    (r0, r1), (c0, c1) = theoretical
    n = len(maps)
    fig, axes = plt.subplots(1, n + 2, figsize=(2.6 * (n + 1) + 3.4, 3.3),
                             gridspec_kw={"width_ratios": [1] * (n + 1) + [1.4]})
    panels = [("a test digit", digit, "gray_r")] + [(title, m / m.max(), cmap) for title, m in maps.items()]
    for ax, (title, img, cm) in zip(axes, panels):
        ax.imshow(img, cmap=cm, vmin=0)
        ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0 + 1, r1 - r0 + 1, fill=False, edgecolor=PALETTE[0],
                               lw=1.8, linestyle="--"))
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    centre_row = (r0 + r1) // 2
    ax = axes[-1]
    for i, (title, m) in enumerate(maps.items()):
        ax.plot(range(c0, c1 + 1), m[centre_row, c0:c1 + 1] / m.max(), color=PALETTE[i + 1],
                linestyle=LINESTYLES[i], marker=MARKERS[i], ms=3, label=title)
    ax.set_xlabel(f"input column (row {centre_row})")
    ax.set_ylabel("|gradient| / its maximum")
    ax.set_ylim(0, 1.35)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper center")
    fig.tight_layout()
    return fig


def spread_figure(depths: list[int], theoretical: list[int], measured: list[float], exponent: float):
    """Theoretical field size and measured effective width against depth, log-log."""
    fig, ax = plt.subplots(figsize=(5.6, 3.4))
    ax.plot(depths, theoretical, color=PALETTE[0], linestyle=LINESTYLES[0], marker=MARKERS[0],
            label="theoretical field size (pixels)")
    ax.plot(depths, measured, color=PALETTE[1], linestyle=LINESTYLES[1], marker=MARKERS[1],
            label=f"effective width (std, pixels), slope {exponent:.2f}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xticks(depths, [str(d) for d in depths])
    ax.set_xlabel("number of stacked 3x3 layers (log scale)")
    ax.set_ylabel("pixels (log scale)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


__all__ = ["growth_figure", "erf_figure", "stacked_fields_figure", "pointwise_figure", "residual_curve_figure",
           "erf_compare_figure", "spread_figure",
           "FancyArrowPatch"]
