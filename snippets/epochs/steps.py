"""Steps (gradient updates) per epoch: ceil(N / B), on MNIST's training set."""

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.epochs import argmin1, steps_per_epoch
from cnn_glossary.mnist.train import BATCH_SIZE, VALIDATION_SIZE

# --8<-- [start:lesson]
n_all = len(load_mnist().x_train)  # every training image
n_fit = n_all - VALIDATION_SIZE  # what our training fits on, after holding out validation images


def last_batch(n, b):  # the images left for the final, possibly smaller, batch
    return n - (steps_per_epoch(n, b) - 1) * b


our_steps = steps_per_epoch(n_fit, BATCH_SIZE)  # one epoch of our MNIST training
# --8<-- [end:lesson]


rows = [(b, steps_per_epoch(n_all, b), steps_per_epoch(n_fit, b), last_batch(n_fit, b))
        for b in (1, 32, 64, 100, 128, 256, 1000, n_fit)]
headers = ["batch size B", f"steps, N = {n_all:,}", f"steps, N = {n_fit:,}", f"last batch, N = {n_fit:,}"]
publish.table("steps", rows, headers=headers)
publish.value("n_all", n_all)
publish.value("n_fit", n_fit)
publish.value("n_validation", VALIDATION_SIZE)

# Our MNIST run: its batch size, its epochs, the updates they add up to, and its best validation epoch.
history = results.for_page().data["history"]
epochs = len(history["loss"])
publish.value("our_batch", BATCH_SIZE)
publish.value("our_steps", our_steps)
publish.value("our_last_batch", last_batch(n_fit, BATCH_SIZE))
publish.value("our_epochs", epochs)
publish.value("our_updates", epochs * steps_per_epoch(n_fit, BATCH_SIZE))
publish.value("our_best_val_epoch", argmin1(history["val_loss"]))
