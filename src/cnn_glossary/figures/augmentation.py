"""Figures of the Data Augmentation page: real training digits as fed, mirrored digits, the short run."""

from __future__ import annotations

import numpy as np

from cnn_glossary.figures.style import INK, MUTED, PALETTE, plt


def gallery(originals, versions, titles, cmap: str = "gray_r"):
    """Row r: ``originals[r]`` then each image of ``versions[r]``, titled by ``titles[r][k]``."""
    rows, cols = len(originals), 1 + len(versions[0])
    fig, axes = plt.subplots(rows, cols, figsize=(1.25 * cols, 1.4 * rows), squeeze=False)
    for r in range(rows):
        for c in range(cols):
            ax = axes[r, c]
            image = originals[r] if c == 0 else versions[r][c - 1]
            ax.imshow(np.squeeze(image), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([]), ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_color(INK if c == 0 else MUTED)
                spine.set_linewidth(1.6 if c == 0 else 0.6)
            ax.set_title("original" if c == 0 else titles[r][c - 1], fontsize=6.5, color=INK)
    fig.tight_layout(pad=0.3, h_pad=0.6, w_pad=0.3)
    return fig


def pairs(panels, cmap: str = "gray_r"):
    """Pairs of images side by side: ``panels`` is a list of (left, right, left title, right title)."""
    fig, axes = plt.subplots(1, 2 * len(panels), figsize=(1.3 * 2 * len(panels), 1.6))
    for k, (left, right, left_title, right_title) in enumerate(panels):
        for j, (image, title) in enumerate(((left, left_title), (right, right_title))):
            ax = axes[2 * k + j]
            ax.imshow(np.squeeze(image), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([]), ax.set_yticks([])
            ax.set_title(title, fontsize=7, color=INK)
            for spine in ax.spines.values():
                spine.set_color(INK if j == 0 else PALETTE[1])
                spine.set_linestyle("-" if j == 0 else "--")
    fig.tight_layout(pad=0.3, w_pad=0.4)
    return fig


def card(digit, angle_degrees: float = 7.0, shift=(2.0, 1.5)):
    """Home-page card: a digit and a turned, shifted copy (an icon drawn with SciPy, not the training transform)."""
    from scipy.ndimage import rotate
    from scipy.ndimage import shift as move

    image = np.asarray(digit, dtype=float) / max(float(np.max(digit)), 1.0)
    moved = move(rotate(image, angle_degrees, reshape=False, order=1), (shift[1], shift[0]), order=1)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(1.9, 1.0))
    for ax, image in ((a1, image), (a2, np.clip(moved, 0, 1))):
        ax.imshow(np.squeeze(image), cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([]), ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color(MUTED)
    return fig
