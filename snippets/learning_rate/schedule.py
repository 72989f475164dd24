"""The learning-rate schedule of our MNIST training (linear warm-up, then cosine decay), evaluated step by step
from a schedule object built by the training code's own function."""

import math

import keras

from cnn_glossary import publish
from cnn_glossary.epochs import steps_per_epoch
from cnn_glossary.figures.schedules import schedule_figure
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.mnist.train import (BATCH_SIZE, EPOCHS, PEAK_LEARNING_RATE, VALIDATION_SIZE, WARMUP_FRACTION,
                                      one_cycle)
from cnn_glossary.optimisers import schedule_values

N_FIT = len(load_mnist().x_train) - VALIDATION_SIZE  # the training images our run fits on
# --8<-- [start:lesson]
per_epoch = steps_per_epoch(N_FIT, BATCH_SIZE)  # ceil(N / B) weight updates per epoch
total = EPOCHS * per_epoch  # every step of the run
schedule = one_cycle(keras, total)  # built as train.py builds the schedule it hands to SGD
rates = schedule_values(schedule, total)  # its learning rate at steps 0, 1, ..., total - 1
# --8<-- [end:lesson]
warmup = WARMUP_FRACTION * total
publish.value("every_step", [float(r) for r in rates])  # for the tests
publish.value("n_fit", N_FIT)
publish.value("batch_size", BATCH_SIZE)
publish.value("per_epoch", per_epoch)
publish.value("epochs", EPOCHS)
publish.value("total", total)
publish.value("warmup_steps", warmup, fmt="g")
publish.value("warmup_epochs", warmup / per_epoch, fmt=".2f")
publish.value("warmup_percent", WARMUP_FRACTION, fmt=".0%")
publish.value("warmup_fraction", WARMUP_FRACTION, fmt="g")
publish.value("start_share", rates[0] / PEAK_LEARNING_RATE, fmt=".2g")  # where the warm-up starts, as a share of the peak
publish.value("rise_share", 1 - rates[0] / PEAK_LEARNING_RATE, fmt=".2g")
publish.value("peak", PEAK_LEARNING_RATE, fmt="g")
publish.value("first", rates[0], fmt=".4g")
publish.value("last", rates[-1], fmt=".2e")
picked = [0, per_epoch, math.ceil(warmup / 2), math.ceil(warmup), (math.ceil(warmup) + total) // 2, total - per_epoch,
          total - 1]
publish.table("worked", [(s, s // per_epoch + 1, float(rates[s])) for s in sorted(set(picked))],
              headers=["step", "epoch", "learning rate"], fmts=[None, None, ".5f"])
publish.figure(
    "schedule", schedule_figure(rates, per_epoch, warmup),
    alt=f"A line chart of the learning rate over {total:,} steps: it climbs in a straight line from "
    f"{rates[0]:.3g} to {PEAK_LEARNING_RATE:g} over the first {WARMUP_FRACTION:.0%} of the steps, then falls "
    "along a smooth cosine curve to almost zero. Thin vertical lines mark the epochs.",
    caption=f"The learning rate of our MNIST run at each of its {total:,} steps ({EPOCHS} epochs of {per_epoch} "
    f"steps, thin lines), computed by calling the schedule object from the training script. The dotted line "
    f"marks the end of the warm-up.")
