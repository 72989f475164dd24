"""What augmentation may not do to digits: mirrors and half turns, read by our trained network."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.augmentation import half_turn, mirrored, readings
from cnn_glossary.figures.augmentation import pairs
from cnn_glossary.mnist import results
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.mnist.train import split

_, (x_val, y_val), _ = split(load_mnist())  # validation digits only
model = results.for_page().load_model()
# --8<-- [start:lesson]
read_plain = readings(model, x_val)
read_mirror = readings(model, mirrored(x_val))  # a horizontal flip
read_turned = readings(model, half_turn(x_val))  # a 180-degree rotation
# --8<-- [end:lesson]
rows = []
for digit in range(10):
    mine = y_val == digit
    rows.append((digit, int(mine.sum()), float(np.mean(read_plain[mine] == digit)),
                 float(np.mean(read_mirror[mine] == digit)), float(np.mean(read_turned[mine] == digit))))
publish.table("readings", rows, headers=["digit", "validation images", "read correctly", "mirrored, still read as itself",
                                         "turned 180°, still read as itself"], fmts=[None, None, ".1%", ".1%", ".1%"])
for a, b in ((6, 9), (9, 6)):
    publish.value(f"turned_{a}_as_{b}", float(np.mean(read_turned[y_val == a] == b)), fmt=".0%")
for digit in (2, 5, 8):
    publish.value(f"mirror_{digit}_kept", float(np.mean(read_mirror[y_val == digit] == digit)), fmt=".0%")
publish.value("n_val", len(y_val))

first = {d: x_val[np.flatnonzero(y_val == d)[0]] for d in (2, 5, 6)}
publish.figure(
    "forbidden",
    pairs([(first[2], mirrored(first[2][None])[0], "a 2", "mirrored"),
           (first[5], mirrored(first[5][None])[0], "a 5", "mirrored"),
           (first[6], half_turn(first[6][None])[0], "a 6", "turned 180°")]),
    alt="Three pairs of digit images: a handwritten 2 and its mirror image, a 5 and its mirror image, which "
    "are not proper digits, and a 6 turned upside down, which looks like a 9.",
    caption="The first 2, 5 and 6 of our validation set, each next to what a mirror or a half turn would feed "
    "the network (dashed frame). The transformed images are no longer the digits their labels claim.")
