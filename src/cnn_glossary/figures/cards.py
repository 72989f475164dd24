"""Home-page cards: one small drawing per topic."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from cnn_glossary.figures import batchnorm, pooling, softmax
from cnn_glossary.figures.augmentation import card as augmentation_card
from cnn_glossary.figures.schedules import card as schedule_card
from cnn_glossary.figures.style import HIGHLIGHT, INK, MUTED, PALETTE, draw_grid, plt


def thumbnails(digit, history: dict) -> dict:
    """Page -> a small matplotlib figure. ``digit``: a 28x28 MNIST image; ``history``: per-epoch losses."""

    def new():
        fig, ax = plt.subplots(figsize=(1.9, 1.2))
        ax.axis("off")
        return fig, ax

    def squares(ax, x0, y0, n, size=1.0, face="white", hatch=None):
        for i in range(n):
            for j in range(n):
                ax.add_patch(Rectangle((x0 + j * size, y0 + i * size), size, size, facecolor=face,
                                       edgecolor=MUTED, lw=0.6, hatch=hatch))

    out = {}
    fig, ax = new()  # convolution: a 3x3 window on a 5x5 input, one output cell
    squares(ax, 0, 0, 5)
    squares(ax, 1, 1, 3, face=HIGHLIGHT)
    ax.add_patch(Rectangle((1, 1), 3, 3, fill=False, edgecolor=INK, lw=1.5))
    ax.annotate("", xy=(7.2, 2.5), xytext=(5.4, 2.5), arrowprops={"arrowstyle": "->", "color": INK})
    squares(ax, 7.5, 1, 3)
    ax.add_patch(Rectangle((8.5, 2), 1, 1, facecolor=HIGHLIGHT, edgecolor=INK, lw=1.5))
    ax.set_xlim(-0.2, 10.7), ax.set_ylim(5.2, -0.2), ax.set_aspect("equal")
    out["convolution.md"] = fig

    fig, ax = new()  # filters: the Sobel x kernel
    draw_grid(ax, np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]), fontsize=8)
    ax.set_xlim(-1.4, 4.4)  # the same landscape shape as the other cards
    out["filters.md"] = fig

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(1.9, 1.0))  # feature maps: a digit and one filter's response
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)
    img = digit.astype(float) / 255
    padded = np.pad(img, 1)
    response = sum(sobel[i, j] * padded[i : i + 28, j : j + 28] for i in range(3) for j in range(3))
    a1.imshow(img, cmap="gray_r")
    a2.imshow(np.maximum(response, 0), cmap="gray_r")  # the site's convention: non-negative maps dark on white
    for a in (a1, a2):
        a.axis("off")
    out["feature-maps.md"] = fig

    fig, ax = new()  # epochs: training and validation loss per epoch
    epochs = np.arange(1, len(history["loss"]) + 1)
    ax.axis("on")
    ax.plot(epochs, history["loss"], color=PALETTE[0], linestyle="-", marker="o", ms=2)
    ax.plot(epochs, history["val_loss"], color=PALETTE[1], linestyle="--", marker="s", ms=2)
    ax.set_xticks([]), ax.set_yticks([])
    ax.set_xlabel("epoch", fontsize=7), ax.set_ylabel("loss", fontsize=7)
    out["epochs.md"] = fig

    fig, ax = new()  # 1x1 convolution: four channels mixed into two at one pixel
    for k in range(4):
        ax.add_patch(Rectangle((k * 0.35, k * 0.35), 3, 3, facecolor="white", edgecolor=PALETTE[k % 4], lw=1.2))
    for k in range(2):
        ax.add_patch(Rectangle((6 + k * 0.35, 0.5 + k * 0.35), 3, 3, facecolor="white", edgecolor=PALETTE[4 + k],
                               lw=1.2, linestyle="--"))
    ax.add_patch(Rectangle((2.05, 2.05), 0.5, 0.5, facecolor=HIGHLIGHT, edgecolor=INK))
    ax.annotate("", xy=(7.4, 2.3), xytext=(2.6, 2.3), arrowprops={"arrowstyle": "->", "color": INK})
    ax.set_xlim(-0.3, 10), ax.set_ylim(4.6, -0.5), ax.set_aspect("equal")
    out["conv-1x1.md"] = fig

    fig, ax = new()  # 3x3 convolution: two stacked 3x3 windows see a 5x5 patch
    squares(ax, 0, 0, 5, face="#eceff1")
    squares(ax, 1, 1, 3, face=HIGHLIGHT)
    ax.add_patch(Rectangle((0, 0), 5, 5, fill=False, edgecolor=INK, lw=1.5, linestyle="--"))
    ax.add_patch(Rectangle((2, 2), 1, 1, facecolor=INK))
    ax.text(5.6, 2.5, "3x3 + 3x3\n= 5x5 view", fontsize=7, va="center", color=INK)
    ax.set_xlim(-0.2, 10.5), ax.set_ylim(5.2, -0.2), ax.set_aspect("equal")
    out["conv-3x3.md"] = fig

    fig, ax = new()  # activation: ReLU and sigmoid
    x = np.linspace(-3, 3, 61)
    ax.axis("on")
    ax.axhline(0, color=MUTED, lw=0.6), ax.axvline(0, color=MUTED, lw=0.6)
    ax.plot(x, np.maximum(x, 0), color=PALETTE[0], linestyle="-", lw=1.6)
    ax.plot(x, 1 / (1 + np.exp(-x)), color=PALETTE[1], linestyle="--", lw=1.6)
    ax.set_xticks([]), ax.set_yticks([])
    out["activation.md"] = fig

    fig, ax = new()  # receptive field: nested fields 1, 3, 5, 7
    squares(ax, 0, 0, 7, size=1, face="white")
    for k, size in enumerate((7, 5, 3, 1)):
        off = (7 - size) / 2
        ax.add_patch(Rectangle((off, off), size, size, fill=size == 1, facecolor=INK, edgecolor=PALETTE[k],
                               lw=1.6, linestyle=["-", "--", "-.", ":"][k]))
    ax.set_xlim(-2.6, 9.6), ax.set_ylim(7.2, -0.2), ax.set_aspect("equal")
    out["receptive-field.md"] = fig

    out["pooling.md"] = pooling.card()
    out["batch-norm.md"] = batchnorm.card()
    out["softmax.md"] = softmax.card()
    out["augmentation.md"] = augmentation_card(digit)
    out["learning-rate.md"] = schedule_card()

    fig, ax = new()  # MNIST: a test digit
    ax.imshow(digit, cmap="gray_r")
    ax.set_xlim(-10, 37)
    out["mnist.md"] = fig
    return out
