"""Augmentation's effect on validation accuracy, from a short run labelled as such (never the test set)."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.augmentation import SHORT_EPOCHS, SHORT_SEED, effect_sentence, short_data, short_run
from cnn_glossary.figures.augmentation import training_loss
from cnn_glossary.mnist.train import BATCH_SIZE

# --8<-- [start:lesson]
data = short_data()  # the first 1,500 training images, and all 5,000 validation images
without = short_run(augment=False, data=data)  # our recipe, a few epochs, from one seed
with_aug = short_run(augment=True, data=data)  # the same, with train.augment in the stream
# --8<-- [end:lesson]
(x, y), (x_val, y_val) = data
n_val = len(y_val)
publish.value("n_train", len(x))
publish.value("n_val", n_val)
publish.value("epochs", SHORT_EPOCHS)
publish.value("seed", SHORT_SEED)
publish.value("steps", SHORT_EPOCHS * int(np.ceil(len(x) / BATCH_SIZE)))
publish.value("batch_size", BATCH_SIZE)
rows = []
for label, run in (("without augmentation", without), ("with augmentation", with_aug)):
    lagging = float(np.mean(np.asarray(run.val_predictions_lagging) == y_val))
    rows.append((label, run.history["loss"][-1], lagging, run.val_accuracy))
    key = "with" if run.augmented else "without"
    publish.value(f"{key}_predictions", run.val_predictions)  # for the tests
    publish.value(f"{key}_predictions_lagging", run.val_predictions_lagging)
    publish.value(f"{key}_accuracy", run.val_accuracy, fmt=".2%")
    publish.value(f"{key}_lagging", lagging, fmt=".1%")
    publish.value(f"{key}_final_loss", run.history["loss"][-1], fmt=".3f")
publish.table("runs", rows, headers=["run", "last epoch's training loss", "validation accuracy, moving statistics as trained",
                                     "validation accuracy, statistics re-estimated"], fmts=[None, ".3f", ".1%", ".2%"])
publish.value("sentence", effect_sentence(with_aug.val_accuracy, without.val_accuracy, n_val))
publish.value("loss_higher_with", with_aug.history["loss"][-1] > without.history["loss"][-1])
publish.value("loss_compare", "higher" if with_aug.history["loss"][-1] > without.history["loss"][-1] else "lower")
publish.figure(
    "loss", training_loss({"without augmentation": without.history, "with augmentation": with_aug.history}),
    alt=f"A line chart of training loss over {SHORT_EPOCHS} epochs on a log scale for two runs, without "
    "augmentation (solid) and with it (dashed).",
    caption=f"Training loss of the two short runs ({len(x):,} training images, {SHORT_EPOCHS} epochs, seed "
    f"{SHORT_SEED}), measured on the images as they were fed: the run with augmentation sees a new variant of "
    "every digit each epoch.")
