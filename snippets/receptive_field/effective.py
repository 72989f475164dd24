"""Effective receptive field of our trained network: mean |gradient| of the centre unit over test digits."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.receptive_field import by_name, effective_field, predicted_span, receptive_fields
from cnn_glossary.figures.receptive_field import erf_figure

LAYER, N_DIGITS = "classifier_1x1", 200
model = results.for_page().load_model()
mnist = load_mnist()
images = mnist.x_test[:N_DIGITS].astype("float32") / 255.0
field = by_name(receptive_fields(model))[LAYER]
unit = (field.output_size[0] // 2, field.output_size[1] // 2)
erf = effective_field(model, images, LAYER, unit, channels=mnist.y_test[:N_DIGITS])  # the true digit's channel

(r0, r1), (c0, c1) = predicted_span(field, unit, images.shape[1:3])
inside = np.zeros_like(erf, dtype=bool)
inside[r0:r1 + 1, c0:c1 + 1] = True
# share of the gradient in the central square of half the field's side, and that square's share of the area
half = field.rows.size // 4
cr, cc = (r0 + r1) // 2, (c0 + c1) // 2
core = erf[cr - half:cr + half + 1, cc - half:cc + half + 1]
publish.value("n_digits", N_DIGITS)
publish.value("unit", list(unit))
publish.value("field_side", r1 - r0 + 1)
publish.value("outside_share", erf[~inside].sum() / erf.sum(), fmt=".1%")
publish.value("core_side", core.shape[0])
publish.value("core_share", core.sum() / erf[inside].sum(), fmt=".0%")
publish.value("core_area_share", core.size / inside.sum(), fmt=".0%")
publish.figure(
    "effective", erf_figure(erf, ((r0, r1), (c0, c1)), images[0]), format="png",
    alt="Three panels. Left: a handwritten test digit with a dashed square marking the centre unit's "
    "theoretical receptive field. Middle: the mean absolute gradient of that unit, dark in a blob near the "
    "centre and fading towards the square's edges. Right: a bar chart of the gradient along the centre row, "
    "peaked in the middle and near zero at the field's borders.",
    caption=f"Effective versus theoretical receptive field of the centre unit {tuple(unit)} of layer "
    f"{LAYER} in our trained network, averaged over the first {N_DIGITS} test digits (each digit's own "
    "class channel). Dashed: the theoretical field from the calculator.",
)
