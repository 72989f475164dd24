"""Data for the kernel playground: the page's test digit, the hand-designed kernels, and the colour scales."""

import json

import matplotlib
import numpy as np

from cnn_glossary import publish
from cnn_glossary.kernels import DIGIT_INDEX, HAND_FILTERS
from cnn_glossary.mnist.data import load_mnist

# --8<-- [start:lesson]
mnist = load_mnist()
digit = mnist.x_test[DIGIT_INDEX]  # 28x28 bytes; the widget divides by 255, as kernels.test_digit() does
kernels = {name: k.tolist() for name, k in HAND_FILTERS.items()}
# The Filters page's convention: signed results on PuOr_r from -max|r| to +max|r|, others gray_r from 0 to max.
scales = {name: (matplotlib.colormaps[name](np.arange(256))[:, :3] * 255).round().astype(int).tolist()
          for name in ("PuOr_r", "gray_r")}
# --8<-- [end:lesson]
data = {"digit": digit.astype(int).tolist(), "digit_index": DIGIT_INDEX, "label": int(mnist.y_test[DIGIT_INDEX]),
        "kernels": kernels, "scales": scales, "start": "Sobel x"}
publish.value("data", json.dumps(data, separators=(",", ":")))
