"""Learning curves of the frozen ablations: our full recipe against recipes with one change each."""

from __future__ import annotations

import numpy as np

from cnn_glossary.figures.style import PALETTE, plt
from cnn_glossary.mnist.train import VALIDATION_SIZE

LINESTYLES = ["-", "--", ":", "-."]


def curves(summaries: list, *, accuracy_floor: float | None = None):
    """Validation accuracy (left) and validation loss (right) per epoch: each recipe's mean over its seeds as a
    line, the lowest and highest seed as a band. ``summaries`` are ``ablations.Summary`` objects, the full
    recipe first. Returns the figure and the accuracy axis's lower limit."""
    fig, (acc_ax, loss_ax) = plt.subplots(1, 2, figsize=(8.4, 3.3))
    lows = []
    for k, s in enumerate(summaries):
        colour, style = PALETTE[k % len(PALETTE)], LINESTYLES[k % len(LINESTYLES)]
        for ax, metric in ((acc_ax, "val_accuracy"), (loss_ax, "val_loss")):
            runs = np.asarray(s.curves[metric], dtype=float)
            epochs = np.arange(1, runs.shape[1] + 1)
            ax.fill_between(epochs, runs.min(axis=0), runs.max(axis=0), color=colour, alpha=0.18, lw=0)
            ax.plot(epochs, runs.mean(axis=0), color=colour, linestyle=style, lw=1.8,
                    label=s.label + (f" ({s.rate:g})" if s.rate is not None else ""))
        lows.append(np.asarray(s.curves["val_accuracy"])[:, len(epochs) // 3:].min())
    floor = accuracy_floor if accuracy_floor is not None else max(0.0, np.floor(min(lows) * 100 - 0.5) / 100)
    acc_ax.set_ylim(floor, 1.0)
    acc_ax.set_ylabel("validation accuracy")
    acc_ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}" if floor < 0.9 else f"{v:.1%}"))
    loss_ax.set_yscale("log")
    loss_ax.set_ylabel("validation loss (log scale)")
    for ax in (acc_ax, loss_ax):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    handles, labels = acc_ax.get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, loc="lower center", ncol=1 if len(labels) > 2 else 2, frameon=False)
    rows = 1 if len(labels) <= 2 else len(labels)
    fig.tight_layout(rect=(0, 0.02 + 0.06 * rows, 1, 1))
    return fig, floor


def alt_and_caption(summaries: list, floor: float) -> tuple[str, str]:
    """Alt text and caption built from the same summaries the figure draws."""
    names = [s.label + (f" ({s.rate:g})" if s.rate is not None else "") for s in summaries]
    epochs = len(summaries[0].curves["val_accuracy"][0])
    seeds = len(summaries[0].seeds)
    clipped = min(min(run) for s in summaries for run in s.curves["val_accuracy"]) < floor
    alt = (f"Two line charts over {epochs} epochs. Left: validation accuracy from {floor:.0%} to 100%"
           + (" (the first epochs lie below the axis)" if clipped else "") + "; right: "
           f"validation loss on a log scale. One line per recipe ({'; '.join(names)}), each the mean of {seeds} "
           f"seeds with a shaded band from the lowest to the highest seed.")
    caption = (f"Validation accuracy and loss per epoch, mean of {seeds} seeds (band: lowest to highest seed), "
               f"for {', '.join(names[:-1])} and {names[-1]}. Every run trains our recipe for {epochs} epochs on the same training "
               f"split; the curves are measured on the {VALIDATION_SIZE:,} held-out validation images, never on "
               "the test set.")
    return alt, caption
