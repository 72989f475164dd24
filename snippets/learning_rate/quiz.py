"""Check yourself (Learning Rate page): the numbers each question gives, and its answer, computed."""

import keras

from cnn_glossary import publish
from cnn_glossary.epochs import steps_per_epoch
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.mnist.train import (BATCH_SIZE, EPOCHS, PEAK_LEARNING_RATE, VALIDATION_SIZE, WARMUP_FRACTION,
                                      one_cycle)
from cnn_glossary.optimisers import CURVATURE_X, CURVATURE_Y, trajectory

per_epoch = steps_per_epoch(len(load_mnist().x_train) - VALIDATION_SIZE, BATCH_SIZE)
total = EPOCHS * per_epoch
schedule = one_cycle(keras, total)  # the object our training hands to SGD
rate = lambda step: float(schedule(step))  # noqa: E731
warmup = WARMUP_FRACTION * total

# 1. During the warm-up
STEP1 = 1_000
if not STEP1 < warmup:
    raise ValueError(f"quiz.py: question 1 says step {STEP1} is in the warm-up, which ends at step {warmup:g}")
publish.value("q1_step", STEP1)
publish.value("q1_answer", rate(STEP1), fmt=".4f")
publish.value("q1_why", f"Step {STEP1:,} is inside the warm-up, the first {WARMUP_FRACTION:.0%} of {total:,} steps "
              f"(up to step {warmup:,g}), where the rate "
              f"climbs in a straight line towards {PEAK_LEARNING_RATE:g}.")

# 2. At the start of an epoch (the confusion: "an epoch is the unit of a schedule")
EPOCH2 = 8
step2 = (EPOCH2 - 1) * per_epoch
if not step2 >= warmup:
    raise ValueError(f"quiz.py: question 2 says step {step2} is past the warm-up, which ends at step {warmup:g}")
publish.value("q2_epoch", EPOCH2)
publish.value("q2_step", step2)
publish.value("q2_answer", rate(step2), fmt=".4f")
publish.value("q2_why", f"Keras counts steps: epoch {EPOCH2} starts at step ({EPOCH2} − 1) · {per_epoch} = "
              f"{step2:,}, past the warm-up, on the falling half cosine.")

# 3. Two steps with and without momentum, along the floor of the page's bowl
START3, LR3, MOMENTUM3 = (2.0, 0.0), 0.1, 0.9
plain3 = trajectory(keras.optimizers.SGD(LR3), start=START3, steps=2)[-1, 0]
momentum3 = trajectory(keras.optimizers.SGD(LR3, momentum=MOMENTUM3), start=START3, steps=2)[-1, 0]
publish.value("q3_start", START3)
publish.value("q3_lr", LR3, fmt="g")
publish.value("q3_momentum", MOMENTUM3, fmt="g")
publish.value("q3_plain", plain3, fmt=".2f")
publish.value("q3_with_momentum", momentum3, fmt=".2f")
publish.value("q3_why", f"Along the floor the gradient is {CURVATURE_X:g} · x, so plain SGD multiplies x by "
              f"1 − {LR3:g} · {CURVATURE_X:g} = {1 - LR3 * CURVATURE_X:g} per step. With momentum the second step "
              f"also carries {MOMENTUM3:g} of the first.")

# 4. The largest stable rate on the bowl
CURVATURE4 = max(CURVATURE_X, CURVATURE_Y)  # the steepest direction
limit4 = 2 / CURVATURE4
publish.value("q4_curvature_x", CURVATURE_X, fmt="g")
publish.value("q4_curvature_y", CURVATURE_Y, fmt="g")
publish.value("q4_answer", limit4, fmt="g")
publish.value("q4_why", f"The steepest curvature, L = {CURVATURE4:g}, sets the limit 2 / L = {limit4:g}: at it the steep "
              f"direction flips sign forever, below it the swings die out. Just below it x would still lose "
              f"only about {limit4 * CURVATURE_X:.0%} of its value per step: barely stable across, slow along.")
