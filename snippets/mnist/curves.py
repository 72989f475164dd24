"""Learning curves of the frozen MNIST run: loss and accuracy per epoch."""

import matplotlib.pyplot as plt

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.figures.style import PALETTE
from cnn_glossary.mnist.train import VALIDATION_SIZE

history = results.for_page().data["history"]
epochs = range(1, len(history["loss"]) + 1)
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(8, 3.2))
for ax, key, label in ((ax_loss, "loss", "loss"), (ax_acc, "accuracy", "accuracy")):
    ax.plot(epochs, history[key], color=PALETTE[0], linestyle="-", marker="o", ms=3, label="training (augmented)")
    ax.plot(epochs, history[f"val_{key}"], color=PALETTE[1], linestyle="--", marker="s", ms=3, label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel(label)
    ax.grid(alpha=0.3)
ax_loss.set_yscale("log")
ax_acc.set_ylim(0.97, 1.0)
ax_acc.legend(loc="lower right")
fig.tight_layout()
publish.value("final_val_accuracy", history["val_accuracy"][-1], fmt=".2%")
publish.value("best_val_epoch", 1 + max(epochs, key=lambda e: history["val_accuracy"][e - 1]) - 1)
publish.figure(
    "curves", fig,
    alt="Two line charts over the training epochs. Left: training and validation loss, on a log scale, "
    "both falling. Right: training and validation accuracy, both rising towards 1.",
    caption="Learning curves of the run that produced the score above: solid line with circles for the "
    f"training set (augmented), dashed line with squares for the {VALIDATION_SIZE:,} held-out validation images.",
)
