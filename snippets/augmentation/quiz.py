"""Check yourself (Data Augmentation page): the numbers each question gives, and its answer, computed."""

import math

from cnn_glossary import publish
from cnn_glossary.augmentation import bilinear_weights, source_point
from cnn_glossary.epochs import steps_per_epoch
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.mnist.train import BATCH_SIZE, MAX_ROTATION_DEGREES, VALIDATION_SIZE

CENTRE = (28 - 1) / 2  # train.augment turns a 28x28 digit about its centre pixel position

# 1. Augmentation adds no images (the confusion: "augmentation makes the data set bigger")
N1 = len(load_mnist().x_train) - VALIDATION_SIZE  # MNIST's training images, minus our validation images
steps1 = steps_per_epoch(N1, BATCH_SIZE)
publish.value("q1_n", N1)
publish.value("q1_batch", BATCH_SIZE)
publish.value("q1_answer", steps1)
publish.value("q1_why", f"⌈{N1:,} / {BATCH_SIZE}⌉ = {steps1}, with or without augmentation: each step alters its "
              "batch on the fly, and nothing is added to the data set.")

# 2. One bilinear read between four pixels
X2, Y2 = 3.25, 7.5  # column, row
PIXELS2 = {(7, 3): 0.0, (7, 4): 1.0, (8, 3): 0.0, (8, 4): 0.6}  # (row, column): value
value2 = sum(w * PIXELS2[(r, c)] for r, c, w in bilinear_weights(X2, Y2))
publish.value("q2_x", X2, fmt="g")
publish.value("q2_y", Y2, fmt="g")
for (r, c), v in PIXELS2.items():
    publish.value(f"q2_pixel_{r}_{c}", v, fmt="g")
publish.value("q2_answer", value2, fmt="g")
publish.value("q2_why", "Weights by closeness: " + ", ".join(f"{w:g} for row {r}, column {c}"
                                                             for r, c, w in bilinear_weights(X2, Y2))
              + f"; the weighted sum is {value2:g}.")

# 3. Which way a shift reads
SHIFT_X3, SHIFT_Y3, OUT_X3, OUT_Y3 = 2, -1, 10, 10
x3, y3 = source_point(OUT_X3, OUT_Y3, 0.0, SHIFT_X3, SHIFT_Y3, centre=CENTRE)
publish.value("q3_shift_x", SHIFT_X3)
publish.value("q3_shift_y", SHIFT_Y3)
publish.value("q3_out_x", OUT_X3)
publish.value("q3_out_y", OUT_Y3)
publish.value("q3_x", x3, fmt="g")
publish.value("q3_y", y3, fmt="g")
publish.value("q3_why", f"The shift moves the digit {SHIFT_X3} right and {-SHIFT_Y3} up, so each output pixel reads "
              f"the original {SHIFT_X3} to its left and {-SHIFT_Y3} below: column {OUT_X3} − {SHIFT_X3}, "
              f"row {OUT_Y3} − ({SHIFT_Y3}).")

# 4. How far our largest turn moves a corner
ANGLE4 = MAX_ROTATION_DEGREES
x4, y4 = source_point(0.0, 0.0, ANGLE4, 0.0, 0.0, centre=CENTRE)
moved4 = math.hypot(x4, y4)  # from the corner pixel (0, 0) to where it reads
radius4 = math.hypot(CENTRE, CENTRE)
publish.value("q4_angle", ANGLE4, fmt="g")
publish.value("q4_answer", moved4, fmt=".2f")
publish.value("q4_why", f"The corner lies {radius4:.2f} pixels from the centre ({CENTRE:g}, {CENTRE:g}); a "
              f"{ANGLE4:g}° turn, our largest, moves it along a chord of 2 · {radius4:.2f} · sin({ANGLE4 / 2:g}°) "
              f"= {moved4:.2f} pixels, while pixels near the centre barely move.")
