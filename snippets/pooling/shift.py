"""How much of a pooled layer stays unchanged when the digit moves by one or two pixels, in our trained network."""

import keras
import numpy as np

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.pooling import shift_images, unchanged_fraction

N_DIGITS, TOLERANCE, SHIFTS = 500, 1e-6, (1, 2)
LAYERS = ("conv1_relu", "pool1", "pool2")  # conv1_relu is what pool1 reads
model = results.for_page().load_model()
probe = keras.Model(model.input, [model.get_layer(n).output for n in LAYERS] + [model.output])
x = load_mnist().x_test[:N_DIGITS].astype("float32")[..., None] / 255.0

# --8<-- [start:lesson]
before = probe.predict(x, batch_size=N_DIGITS, verbose=0)
rows = []
for pixels in SHIFTS:  # move every digit right, filling the left edge with zeros
    after = probe.predict(shift_images(x, 0, pixels), batch_size=N_DIGITS, verbose=0)
    # a value is "unchanged" if it is within TOLERANCE at the same position; positions that are
    # zero both before and after (blank background) are left out
    fractions = [unchanged_fraction(b, a, TOLERANCE) for b, a in zip(before[:-1], after[:-1])]
    same_digit = float((before[-1].argmax(1) == after[-1].argmax(1)).mean())
    rows.append((pixels, *fractions, same_digit))
# pool1 has stride 2: a 2-pixel shift moves its output by exactly one cell. Compare after moving back:
moved_back = unchanged_fraction(before[1][:, :, :-1], after[1][:, :, 1:], TOLERANCE)
# --8<-- [end:lesson]

publish.table("unchanged", rows, headers=["shift (pixels)", *LAYERS, "predicted digit"], fmts=[None] + [".1%"] * 4)
for pixels, conv1, pool1, pool2, same in rows:
    publish.value(f"conv1_{pixels}", conv1, fmt=".0%")
    publish.value(f"pool1_{pixels}", pool1, fmt=".0%")
    publish.value(f"pool2_{pixels}", pool2, fmt=".0%")
    publish.value(f"same_digit_{pixels}", same, fmt=".1%")
publish.value("pool1_moved_back", moved_back, fmt=".1%")
publish.value("n_digits", N_DIGITS, fmt=",")
publish.value("tolerance", TOLERANCE, fmt=".0e")
