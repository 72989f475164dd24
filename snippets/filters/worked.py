"""The smallest worked example of a filter: Sobel x on a 3x4 image with one vertical edge, every product shown."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.conv_table import tf_conv2d
from cnn_glossary.kernels import SOBEL_X

# --8<-- [start:lesson]
image = np.array([[0, 0, 0, 1],
                  [0, 0, 0, 1],
                  [0, 0, 0, 1]], dtype="float32")  # dark on the left, bright in the last column
kernel = SOBEL_X  # [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]: right column minus left column
output = tf_conv2d(image, kernel)  # one row of two positions: (1, 2)
# --8<-- [end:lesson]

term = lambda a, b: f"{a:g}·({b:g})" if b < 0 else f"{a:g}·{b:g}"  # noqa: E731
rows = []
for c in range(output.shape[1]):
    window = image[:, c:c + 3]
    products = " + ".join(term(a, b) for a, b in zip(window.ravel(), kernel.ravel()))
    rows.append((f"columns {c}-{c + 2}", products, float(output[0, c])))
publish.table("products", rows, headers=["window", "window × Sobel x, every product", "output"],
              fmts=[None, None, "g"])
publish.value("image", image)
publish.value("kernel", kernel)
publish.value("output", output)
publish.value("flat_output", float(output[0, 0]), fmt="g")
publish.value("edge_output", float(output[0, 1]), fmt="g")
