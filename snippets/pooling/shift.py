"""How much of a pooled layer stays unchanged when the digit moves by one or two pixels, in our trained network."""

import keras
import numpy as np

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.pooling import invariance_sentence, shift_images, unchanged_fraction
from cnn_glossary.softmax import percent_text

N_DIGITS, TOLERANCE, SHIFTS = 500, 1e-6, (1, 2)
LAYERS = ("conv1_relu", "pool1", "pool2")  # conv1_relu is what pool1 reads
model = results.for_page().load_model()
probe = keras.Model(model.input, [model.get_layer(n).output for n in LAYERS] + [model.output])
x = load_mnist().x_test[:N_DIGITS].astype("float32")[..., None] / 255.0

# --8<-- [start:lesson]
before = probe.predict(x, batch_size=N_DIGITS, verbose=0)
# batch norm and ReLU turn a blank background into a constant per channel, often above zero: what each layer
# gives for a blank image. Only "stroke" positions, where a map differs from it, are counted below.
background = probe.predict(np.zeros_like(x[:1]), verbose=0)
rows = []
for pixels in SHIFTS:  # move every digit right, filling the left edge with zeros
    after = probe.predict(shift_images(x, 0, pixels), batch_size=N_DIGITS, verbose=0)
    # a stroke value is "unchanged" if it is within TOLERANCE at the same position
    fractions = [unchanged_fraction(b, a, TOLERANCE, blank)
                 for b, a, blank in zip(before[:-1], after[:-1], background[:-1])]
    same_digit = float((before[-1].argmax(1) == after[-1].argmax(1)).mean())
    rows.append((pixels, *fractions, same_digit))
# pool1 has stride 2: a 2-pixel shift should move its output by exactly one cell. Compare after moving back:
moved_back = unchanged_fraction(before[1][:, :, :-1], after[1][:, :, 1:], TOLERANCE, background[1][:, :, 1:])
# --8<-- [end:lesson]

# the same, for the digits with no ink in the two rightmost columns (which the 2-pixel shift pushes out)
inside = ~(x[:, :, -2:] > 0).any(axis=(1, 2, 3))
moved_back_inside = unchanged_fraction(before[1][inside][:, :, :-1], after[1][inside][:, :, 1:], TOLERANCE,
                                       background[1][:, :, 1:])

publish.table("unchanged", rows, headers=["shift (pixels)", *LAYERS, "predicted digit"], fmts=[None] + [".1%"] * 4)
for pixels, conv1, pool1, pool2, same in rows:
    publish.value(f"conv1_{pixels}", conv1, fmt=".0%")
    publish.value(f"pool1_{pixels}", pool1, fmt=".1%")
    publish.value(f"pool2_{pixels}", pool2, fmt=".0%")
    publish.value(f"same_digit_{pixels}", same, fmt=".1%")
publish.value("sentence_1", invariance_sentence(*rows[0][1:4], pixels=rows[0][0]))
publish.value("pool1_moved_back", moved_back, fmt=".2%")
publish.value("pool1_moved_back_inside", percent_text(moved_back_inside, 2))  # "100.00%" only if exactly all
publish.value("pool1_moved_back_inside_value", moved_back_inside)
publish.value("n_inside", int(inside.sum()), fmt=",")
publish.value("conv1_background_positive", int((background[0][0, 0, 0] > TOLERANCE).sum()))
publish.value("conv1_channels", int(background[0].shape[-1]))
publish.value("n_digits", N_DIGITS, fmt=",")
publish.value("tolerance", TOLERANCE, fmt=".0e")
