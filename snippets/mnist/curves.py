"""Learning curves of the frozen MNIST run: loss and accuracy per epoch, and how the two accuracies compare."""

import matplotlib.pyplot as plt

from cnn_glossary import publish
from cnn_glossary.figures.style import PALETTE
from cnn_glossary.mnist import results
from cnn_glossary.mnist.train import VALIDATION_SIZE

ACC_FLOOR = 0.97  # the accuracy panel is zoomed in: it starts here

# --8<-- [start:lesson]
history = results.for_page().data["history"]  # what model.fit() returned, one number per epoch
train_acc, val_acc = history["accuracy"], history["val_accuracy"]
above = sum(t > v for t, v in zip(train_acc, val_acc))  # epochs where training accuracy is higher
below = sum(t < v for t, v in zip(train_acc, val_acc))
# --8<-- [end:lesson]

n = len(train_acc)
epochs = range(1, n + 1)
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(8, 3.2))
for ax, key in ((ax_loss, "loss"), (ax_acc, "accuracy")):
    ax.plot(epochs, history[key], color=PALETTE[0], linestyle="-", marker="o", ms=3, label="training (augmented)")
    ax.plot(epochs, history[f"val_{key}"], color=PALETTE[1], linestyle="--", marker="s", ms=3, label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel(key)
    ax.grid(alpha=0.3)
ax_loss.set_yscale("log")
ax_acc.set_ylim(ACC_FLOOR, 1.0)
ax_acc.legend(loc="lower right")
fig.tight_layout()


def count(k):
    return f"{k} of the {n} epochs" if k != n else f"all {n} epochs"


def under(values):
    return sum(v < ACC_FLOOR for v in values)


clipped = under(train_acc) + under(val_acc)
clipped_epochs = [e for e in epochs if min(train_acc[e - 1], val_acc[e - 1]) < ACC_FLOOR]
wording = f"Training accuracy is above validation accuracy in {count(above)}"
wording += f", below it in {count(below)}" if below else ""
publish.value("train_vs_val", wording)
publish.value("n_above", above)
publish.value("n_below", below)
publish.value("final_train_accuracy", train_acc[-1], fmt=".2%")
publish.value("final_val_accuracy", val_acc[-1], fmt=".2%")
publish.value("final_gap_pp", 100 * (train_acc[-1] - val_acc[-1]), fmt=".2f")
publish.value("best_val_epoch", max(epochs, key=lambda e: val_acc[e - 1]))
off_chart = (f" {clipped} accuracy points, from epochs {', '.join(map(str, clipped_epochs))}, lie below "
             f"{ACC_FLOOR:.0%} and fall off the zoomed panel." if clipped else "")
publish.figure(
    "curves", fig,
    alt=f"Two line charts over {n} epochs. Left: training and validation loss on a log scale, both lower at the "
    f"end than at the start. Right: training and validation accuracy on an axis from {ACC_FLOOR:.0%} to 100 %; "
    f"{wording.lower()}.{off_chart}",
    caption=f"Learning curves of the training run that produced our published MNIST network ({n} epochs): solid line with "
    f"circles for the training set (augmented), dashed line with squares for the {VALIDATION_SIZE:,} held-out "
    f"validation images.{off_chart}",
)
