"""Check yourself (Pooling page): the numbers each question gives, and its answer, computed."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.conv import output_size
from cnn_glossary.counting import ConvLayer, count_conv, count_dense, count_pool
from cnn_glossary.pooling import pool2d

# 1. Max and average pooling of a 4x4 map
X1 = np.array([[1, 3, 2, 0], [4, 2, 1, 1], [0, 1, 5, 6], [2, 2, 7, 3]], dtype=float)
max1, average1 = pool2d(X1, 2, 2, "max"), pool2d(X1, 2, 2, "average")
for i, row in enumerate(X1):
    publish.value(f"q1_row_{i}", row)
publish.value("q1_max", max1)
publish.value("q1_average", average1)
publish.value("q1_why", "Each 2x2 corner block gives one number: its largest value, or its mean.")

# 2. An odd input with a stride-2 pool
I2, K2, S2 = 7, 2, 2
valid2, same2 = output_size(I2, K2, "valid", S2), output_size(I2, K2, "same", S2)
publish.value("q2_input", I2)
publish.value("q2_valid", valid2)
publish.value("q2_same", same2)
unread2 = I2 - ((valid2 - 1) * S2 + K2)  # rows after the last window
last2 = "the last row and column are" if unread2 == 1 else f"the last {unread2} rows and columns are"
publish.value("q2_unread", unread2)
publish.value("q2_why", f"⌊({I2} − {K2}) / {S2}⌋ + 1 = {valid2}: {last2} never read. "
              f"“same” pads them in: ⌈{I2} / {S2}⌉ = {same2}.")

# 3. Pooling learns nothing and keeps the channels apart (the confusions: "pooling has weights", "it mixes channels")
SIZE3, CHANNELS3 = 14, 32
out3 = output_size(SIZE3, 2, "valid", 2)
params3, _ = count_pool(out3, CHANNELS3, 2)
publish.value("q3_size", SIZE3)
publish.value("q3_channels", CHANNELS3)
publish.value("q3_parameters", params3)
publish.value("q3_shape", [out3, out3, CHANNELS3])
publish.value("q3_why", "A max has nothing to learn, and each channel is pooled on its own, so the "
              f"{CHANNELS3} channels stay {CHANNELS3}.")

# 4. Two heads on the same maps
SIZE4, CHANNELS4, CLASSES4 = 7, 64, 10
dense4, _ = count_dense(SIZE4 * SIZE4 * CHANNELS4, CLASSES4)  # Flatten, then Dense
gap4 = count_conv(ConvLayer("1x1", 1, CLASSES4), SIZE4, CHANNELS4).parameters  # 1x1 conv, then global average
publish.value("q4_size", SIZE4)
publish.value("q4_channels", CHANNELS4)
publish.value("q4_classes", CLASSES4)
publish.value("q4_dense", dense4)
publish.value("q4_gap", gap4)
publish.value("q4_why", f"Flatten gives {SIZE4 * SIZE4 * CHANNELS4:,} numbers, each joined to {CLASSES4} outputs; "
              f"the 1x1 convolution needs {CHANNELS4} · {CLASSES4} weights and {CLASSES4} biases, and the global "
              f"average none: {dense4 / gap4:.0f} times fewer.")
