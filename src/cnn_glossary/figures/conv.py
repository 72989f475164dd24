"""Drawing code for the Convolution, Filters and Feature-maps pages (built on figures.py)."""

from __future__ import annotations

import io

import numpy as np

from matplotlib.patches import Rectangle

from cnn_glossary.conv import ConvConfig, visited_inputs
from cnn_glossary.figures.style import (HIGHLIGHT, INK, MUTED, _fmt, conv_step_figure, draw_grid, kernel_cells,
                                        plt)


def conv_animation(config: ConvConfig, x: np.ndarray, kernel: np.ndarray, out: np.ndarray,
                   dpi: int = 68) -> bytes:
    """An animated WebP with one frame per output cell: the window on the padded input, the kernel, the output
    so far (lossless, from the frames quantised to one palette of 64 colours)."""
    return animation_bytes(conv_frames(config, x, kernel, out, dpi), duration_ms=700, last_ms=2500)


def conv_frames(config: ConvConfig, x: np.ndarray, kernel: np.ndarray, out: np.ndarray, dpi: int = 68) -> list:
    """The frames of :func:`conv_animation` as Pillow images: frame ``step`` is, pixel for pixel,
    ``conv_step_figure(config, x, kernel, out, step)`` drawn at ``dpi``.

    The figure is laid out once; each frame then only recolours the window's cells, shows the next output
    number and changes the title, instead of building, laying out and PNG-encoding a new figure per frame.
    """
    from PIL import Image

    fig = conv_step_figure(config, x, kernel, out, 0, unvisited=~visited_inputs(config), highlight=False)
    ax_in, _, ax_out = fig.axes
    size_in = x.shape[1] + sum(config.pads)  # the padded input's width
    numbers = ax_out.texts[:]  # one per output cell, row by row, hidden until computed
    for t in numbers:
        t.set_visible(False)
    cells = {ax: list(ax.patches) for ax in (ax_in, ax_out)}  # one per cell, row by row, as draw_grid adds them
    plain = {id(p): (p.get_facecolor(), p.get_hatch()) for patches in cells.values() for p in patches}
    fig.set_dpi(dpi)
    frames, marked, outlines = [], [], []
    for step in range(out.size):
        r, c = divmod(step, out.shape[1])
        for patch in marked:  # the previous window back to plain
            face, hatch = plain[id(patch)]
            patch.set_facecolor(face)
            patch.set_hatch(hatch)
        for artist in outlines:
            artist.remove()
        window = {ax_in: kernel_cells(config, r, c), ax_out: {(r, c)}}  # outlined in the order draw_grid uses
        marked, outlines = [], []
        for ax, where in window.items():
            width = size_in if ax is ax_in else out.shape[1]
            for rr, cc in where:  # as draw_grid draws a highlighted cell: amber, no hatch, then a thick outline
                patch = cells[ax][rr * width + cc]
                patch.set_facecolor(HIGHLIGHT)
                patch.set_hatch(None)
                marked.append(patch)
            outlines += [ax.add_patch(Rectangle((cc, rr), 1, 1, fill=False, edgecolor=INK, lw=1.6))
                         for rr, cc in where]
        numbers[step].set_visible(True)
        fig._suptitle.set_text(_step_title(config, out, r, c))
        fig.canvas.draw()
        frames.append(Image.frombuffer("RGBA", fig.canvas.get_width_height(), fig.canvas.buffer_rgba())
                      .convert("RGB"))
    plt.close(fig)
    return frames


def _step_title(config: ConvConfig, out: np.ndarray, r: int, c: int) -> str:
    return f"stride {config.stride}, dilation {config.dilation}: output[{r}, {c}] = {_fmt(out[r, c])}"


def animation_bytes(frames, duration_ms: int = 700, last_ms: int = 2500, colors: int = 64) -> bytes:
    """Encode Pillow images as a looping animated WebP: lossless, on one palette of ``colors`` taken from the
    first frame (no dithering), so every number stays sharp; 40% of the bytes of the same frames as a GIF."""
    from PIL import Image

    if not frames:
        raise ValueError("an animation needs at least one frame")
    palette = frames[0].quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
    quantised = [f.quantize(palette=palette, dither=Image.Dither.NONE).convert("RGB") for f in frames]
    buf = io.BytesIO()
    quantised[0].save(buf, format="WEBP", save_all=True, append_images=quantised[1:], loop=0,
                      duration=[duration_ms] * (len(frames) - 1) + [last_ms], lossless=True, quality=100, method=4,
                      kmin=0, kmax=0)  # no key frames but the first: each frame stores only what changed
    return buf.getvalue()


def multichannel_figure(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, out: np.ndarray):
    """One row per output channel; every row repeats *all* input channels, each beside its own kernel slice,
    so no input channel looks paired with one output."""
    cin, cout = kernel.shape[2], kernel.shape[3]
    n, k, o = x.shape[0], kernel.shape[0], out.shape[0]
    fig, axes = plt.subplots(cout, 2 * cin + 1, figsize=(1.6 * (2 * cin + 1) + 1.2, 1.9 * cout),
                             gridspec_kw={"width_ratios": [n, k] * cin + [o + 1]}, squeeze=False)
    for f in range(cout):
        row = axes[f]
        for c in range(cin):
            draw_grid(row[2 * c], x[:, :, c], title=("" if c == 0 else "+ ") + f"input channel {c}")
            draw_grid(row[2 * c + 1], kernel[:, :, c, f], title=f"⋆ slice [:, :, {c}, {f}]")
        draw_grid(row[-1], out[:, :, f], title=f"= output {f}\n(sum + bias {bias[f]:g})")
        for ax, size in zip(row, [n, k] * cin + [o]):  # same cell size in every panel, centred vertically
            top = (n - size) / 2
            ax.set_ylim(size + top + 0.05, -top - 0.05)
    fig.suptitle(f"kernel shape {tuple(kernel.shape)}: every output channel reads all {cin} input channels, "
                 f"each through its own {k}x{k} slice", fontsize=10, color=INK)
    fig.tight_layout()
    return fig


def multichannel_alt(x: np.ndarray, kernel: np.ndarray, out: np.ndarray) -> str:
    """Alt text for :func:`multichannel_figure`, from the same arrays."""
    cin, cout, k, n, o = kernel.shape[2], kernel.shape[3], kernel.shape[0], x.shape[0], out.shape[0]
    return (f"{cout} rows, one per output channel. Every row shows all {cin} input channels ({n} by {n} grids "
            f"of numbers), each followed by its own {k} by {k} kernel slice for that output, then the bias and the "
            f"{o} by {o} output channel: the sum of the {cin} cross-correlations plus the bias.")


def weight_text(v: float, decimals: int) -> str:
    """A weight rounded to ``decimals`` places, never "-0.0" (a rounded zero carries no sign)."""
    text = f"{v:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def draw_numbers(ax, values: np.ndarray, decimals: int | None, fontsize: float = 9, title: str = "") -> None:
    """A grid of numbered cells; with ``decimals``, every number is printed with exactly that many places."""
    if decimals is None:
        draw_grid(ax, values, title=title, fontsize=fontsize)
        return
    draw_grid(ax, values, shown=np.zeros(values.shape, dtype=bool), title=title, fontsize=fontsize)
    for r in range(values.shape[0]):
        for c in range(values.shape[1]):
            ax.text(c + 0.5, r + 0.5, weight_text(values[r, c], decimals), ha="center", va="center",
                    fontsize=fontsize, color=INK)


def grids_figure(panels: list[tuple[np.ndarray, str]], suptitle: str = "", size: float = 0.42,
                 decimals: int | None = None):
    """Several numbered grids side by side, each with a title (numbers to ``decimals`` places, if given)."""
    widths = [p[0].shape[1] for p in panels]
    height = max(p[0].shape[0] for p in panels)
    fig, axes = plt.subplots(1, len(panels), figsize=(size * sum(widths) + 0.8 * len(panels), size * height + 1.1),
                             gridspec_kw={"width_ratios": widths})
    for ax, (values, title) in zip(np.atleast_1d(axes), panels):
        draw_numbers(ax, values, decimals, title=title)
        top = (height - values.shape[0]) / 2
        ax.set_ylim(values.shape[0] + top + 0.05, -top - 0.05)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10, color=INK)
    fig.tight_layout()
    return fig


def image_row_figure(images: list[np.ndarray], titles: list[str], kernels: list[np.ndarray] | None = None,
                     ncols: int | None = None, cell: float = 1.25, decimals: int = 2):
    """Images in a grid (PNG-friendly); with ``kernels``, each image sits under its kernel's numbers, printed
    with ``decimals`` places (whole-number kernels as whole numbers).

    Colours follow :func:`image_scale`: non-negative images dark on white, signed ones on a diverging scale;
    :func:`scale_words` gives a caption the words for the scales really used.
    """
    n = len(images)
    ncols = ncols or n
    nrows_blocks = -(-n // ncols)
    per_block = 2 if kernels is not None else 1
    fig, axes = plt.subplots(nrows_blocks * per_block, ncols,
                             figsize=(cell * ncols, cell * nrows_blocks * per_block + 0.35 * nrows_blocks),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, (img, title) in enumerate(zip(images, titles)):
        b, c = divmod(i, ncols)
        if kernels is not None:
            whole = not np.abs(kernels[i] % 1).max()
            draw_numbers(axes[b * 2, c], kernels[i], 0 if whole else decimals, fontsize=8 if whole else 6)
            ax = axes[b * 2 + 1, c]
        else:
            ax = axes[b, c]
        cmap, lo, hi = image_scale(img)
        ax.imshow(img, cmap=cmap, vmin=lo, vmax=hi)
        ax.set_title(title, fontsize=8, color=INK)
    fig.tight_layout()
    return fig


def feature_map_figure(maps: np.ndarray, title: str, ncols: int = 8, cell: float = 0.95):
    """All channels of one layer's output (H, W, C) as small images, each on its own scale (:func:`image_scale`)."""
    h, w, c = maps.shape
    nrows = -(-c // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(cell * ncols, cell * nrows + 0.45), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= c:
            ax.axis("off")
            continue
        cmap, lo, hi = image_scale(maps[:, :, k])  # signed maps (the classifier's) on a diverging scale
        ax.imshow(maps[:, :, k], cmap=cmap, vmin=lo, vmax=hi)
        ax.set_title(f"{k}", fontsize=7, color=INK, pad=2)
        for spine in ax.spines.values():
            spine.set_edgecolor(MUTED)
            spine.set_linewidth(0.5)
    fig.suptitle(title, fontsize=9, color=INK)
    fig.tight_layout(pad=0.3)
    return fig


# Colour maps used for images on the Convolution, Filters and Feature-maps pages, and the words a caption
# uses for each. One convention throughout: non-negative images (digits, maps after ReLU) are dark on white.
SCALE_WORDS = {
    "gray_r": "white is 0 and darker is larger",
    "PuOr_r": "purple is negative, white zero, orange positive",
}


def image_scale(img: np.ndarray) -> tuple[str, float, float]:
    """The colour map and limits for one image: dark-on-white for non-negative, diverging for signed."""
    lim = float(np.abs(img).max()) or 1.0
    if float(img.min()) < 0:
        return "PuOr_r", -lim, lim
    return "gray_r", 0.0, lim


def scale_words(fig) -> str:
    """Caption words for the colour maps a drawn figure really uses (read from its images)."""
    used = sorted({im.get_cmap().name for ax in fig.axes for im in ax.images})
    unknown = [name for name in used if name not in SCALE_WORDS]
    if unknown:
        raise ValueError(f"no caption words for colour map(s) {unknown}; add them to SCALE_WORDS in "
                         "cnn_glossary/figures/conv.py")
    return "; ".join(SCALE_WORDS[name] for name in used)


def shift_figure(digit: np.ndarray, moved: np.ndarray, map_a: np.ndarray, map_b: np.ndarray,
                 moves: str, f: int, cell: float = 1.9):
    """Digit and one map, then the shifted digit and the same map: a grid every 7 pixels shows the move."""
    fig, axes = plt.subplots(2, 2, figsize=(2 * cell + 0.4, 2 * cell + 0.6))
    panels = [(digit, "digit"), (map_a, f"map of filter {f}"),
              (moved, f"moved {moves}"), (map_b, f"map of filter {f}")]
    for ax, (img, title) in zip(axes.flat, panels):
        cmap, lo, hi = image_scale(img)
        ax.imshow(img, cmap=cmap, vmin=lo, vmax=hi)
        for t in range(0, img.shape[0] + 1, 7):
            ax.axhline(t - 0.5, color=MUTED, lw=0.4)
            ax.axvline(t - 0.5, color=MUTED, lw=0.4)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, fontsize=8, color=INK)
    fig.tight_layout()
    return fig
