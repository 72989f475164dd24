"""Drawing helpers shared by the snippets: one look for every figure on the site.

Figures are drawn so that they read on both the light and the dark page: a white card
with dark ink. Meaning is never carried by colour alone: highlighted cells also get a
thick outline, padding cells are hatched, and lines differ in style as well as colour.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from cnn_glossary.conv import ConvConfig  # noqa: E402

INK = "#1a1a2e"
MUTED = "#8a8fa3"
ACCENT = "#3f51b5"  # indigo, the site's primary colour
HIGHLIGHT = "#ffb300"  # amber
PAD_FILL = "#eceff1"
# Okabe-Ito, readable by people with colour-vision deficiencies
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2))]

plt.rcParams.update(
    {
        "figure.facecolor": "white",
        "axes.facecolor": "white",
        "savefig.facecolor": "white",
        "font.size": 10,
        "axes.edgecolor": INK,
        "axes.labelcolor": INK,
        "text.color": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "svg.fonttype": "none",  # text stays text: smaller files, sharp at any zoom
        "svg.hashsalt": "cnn-glossary",  # reproducible SVG ids
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE[:6], linestyle=LINESTYLES[:6]),
    }
)


def _fmt(v: float) -> str:
    if float(v).is_integer():
        return str(int(v))
    return f"{v:.1f}"


def draw_grid(ax, values: np.ndarray, *, pad: tuple[int, int] = (0, 0), highlight=None, shown=None,
              title: str = "", fontsize: float = 9, unvisited=None) -> None:
    """Draw a 2-D array as a grid of numbered cells.

    ``pad`` marks the outer ring of padding cells (hatched, grey). ``highlight`` is a set of
    (row, col) cells drawn amber with a thick outline. ``shown`` is a boolean mask of
    cells whose number is printed (others stay blank, e.g. outputs not computed yet).
    ``unvisited`` marks input cells that no kernel position ever reads (crossed out).
    """
    n_r, n_c = values.shape
    before, after = pad
    highlight = highlight or set()
    for r in range(n_r):
        for c in range(n_c):
            is_pad = r < before or c < before or r >= n_r - after or c >= n_c - after
            face = PAD_FILL if is_pad else "white"
            if (r, c) in highlight:
                face = HIGHLIGHT
            ax.add_patch(Rectangle((c, r), 1, 1, facecolor=face, edgecolor=MUTED, lw=0.8,
                                   hatch="///" if is_pad and (r, c) not in highlight else None))
            if unvisited is not None and unvisited[r, c] and not is_pad:
                ax.plot([c + 0.15, c + 0.85], [r + 0.15, r + 0.85], color="#c62828", lw=1.2)
            if shown is None or shown[r, c]:
                ax.text(c + 0.5, r + 0.5, _fmt(values[r, c]), ha="center", va="center",
                        fontsize=fontsize, color=MUTED if is_pad else INK)
    if highlight:
        rows = [r for r, _ in highlight]
        cols = [c for _, c in highlight]
        # outline each highlighted cell so the window reads without colour
        for r, c in highlight:
            ax.add_patch(Rectangle((c, r), 1, 1, fill=False, edgecolor=INK, lw=1.6))
        del rows, cols
    ax.set_xlim(-0.05, n_c + 0.05)
    ax.set_ylim(n_r + 0.05, -0.05)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=fontsize + 1, color=INK)


def kernel_cells(config: ConvConfig, out_r: int, out_c: int) -> set[tuple[int, int]]:
    """Padded-input cells read by the kernel for output cell (out_r, out_c)."""
    return {
        (out_r * config.stride + i * config.dilation, out_c * config.stride + j * config.dilation)
        for i in range(config.kernel_size)
        for j in range(config.kernel_size)
    }


def conv_step_figure(config: ConvConfig, x: np.ndarray, kernel: np.ndarray, out: np.ndarray,
                     step: int, *, unvisited=None, size: float = 2.6, highlight: bool = True):
    """One frame: padded input with the kernel window, the kernel, and the output so far.

    ``highlight=False``: no window and every output number drawn (the base that animations update)."""
    before, after = config.pads
    xp = np.pad(x, ((before, after), (before, after)))
    o = out.shape[0]
    r, c = divmod(step, o)
    shown = np.zeros(out.shape, dtype=bool)
    shown.flat[: step + 1 if highlight else out.size] = True
    n_in, k = xp.shape[0], kernel.shape[0]
    widths = [n_in, k, o]
    fig, axes = plt.subplots(1, 3, figsize=(0.42 * sum(widths) + 1.0, 0.42 * n_in + 0.9),
                             gridspec_kw={"width_ratios": widths})
    draw_grid(axes[0], xp, pad=(before, after), highlight=kernel_cells(config, r, c) if highlight else None,
              title=f"input {config.input_size}x{config.input_size}, padding {before}/{after}",
              unvisited=unvisited)
    draw_grid(axes[1], kernel, title=f"kernel {k}x{k}")
    draw_grid(axes[2], out, highlight={(r, c)} if highlight else None, shown=shown, title=f"output {o}x{o}")
    for ax, n in zip(axes[1:], (k, o)):  # same cell size in every panel, centred vertically
        top = (n_in - n) / 2
        ax.set_ylim(n + top + 0.05, -top - 0.05)
    fig.suptitle(
        f"stride {config.stride}, dilation {config.dilation}: output[{r}, {c}] = {_fmt(out[r, c])}",
        fontsize=10, color=INK,
    )
    fig.tight_layout()
    return fig


def figure_to_image(fig, dpi: int = 80):
    """Render a matplotlib figure to a Pillow image (for animation frames)."""
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    buf.seek(0)
    return Image.open(buf).convert("RGB")
