"""Our training script's own augmentation on real training digits: the first step's augmented images, and the
next steps' draws applied to the same digits."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.augmentation import augmented, bilinear_weights, draws, first_batches, source_point
from cnn_glossary.figures.augmentation import gallery
from cnn_glossary.mnist.train import MAX_ROTATION_DEGREES, MAX_SHIFT_PIXELS, SEED

ROWS, STEPS = 4, 5  # the first four digits of the first batch; the draws of the first five steps
FED_TOLERANCE = 1e-5  # recomputed step-1 images against the batch the pipeline fed (graph and eager kernels differ)
SCIPY_TOLERANCE = 1e-4  # train.augment against SciPy's affine_transform, on a 0 to 1 pixel scale (tests)
# --8<-- [start:lesson]
originals, fed, labels = first_batches(1)  # step 1 of the training run, as fed
batch = originals[0]  # 128 training digits, shape (128, 28, 28, 1), pixels in [0, 1]
versions = [augmented(batch, step, SEED) for step in range(STEPS)]  # train.augment, same seed
drawn = [draws(len(batch), step, SEED) for step in range(STEPS)]  # its angles and shifts
# --8<-- [end:lesson]
if not np.allclose(versions[0], fed[0], atol=FED_TOLERANCE):  # graph and eager kernels round differently
    raise RuntimeError("examples.py: step 1 of the training stream differs from train.augment's output")

titles = [[f"{d[i]['angle_degrees']:+.1f}°, ({d[i]['shift_x']:+.1f}, {d[i]['shift_y']:+.1f})" for d in drawn]
          for i in range(ROWS)]
publish.figure(
    "gallery", gallery(batch[:ROWS], [[v[i] for v in versions] for i in range(ROWS)], titles),
    alt=f"A grid of {ROWS} rows of handwritten digits. Each row starts with a training digit as stored, "
    f"followed by {STEPS} copies of it, each slightly rotated and shifted by a different amount, "
    "all still clearly the same digit.",
    caption=f"The first {ROWS} digits of our training run's first batch (labels "
    f"{', '.join(str(int(v)) for v in labels[0][:ROWS])}). The second column is the first step's draws, matching what "
    f"the network was shown in that step to within {np.format_float_positional(FED_TOLERANCE)}; the others apply the draws of steps 2 to {STEPS} to the same digits. Titles: "
    f"rotation, then shift (x, y) in pixels, within ±{MAX_ROTATION_DEGREES:g}° and ±{MAX_SHIFT_PIXELS:g} pixels.")
publish.value("images", [[np.round(batch[i, ..., 0], 6).tolist()] +
                         [np.round(v[i, ..., 0], 6).tolist() for v in versions] for i in range(ROWS)])  # for tests
publish.value("labels", [int(v) for v in labels[0][:ROWS]])
publish.value("first_label", int(labels[0][0]))
publish.value("steps", STEPS)
publish.value("fed_tolerance", np.format_float_positional(FED_TOLERANCE))  # written out: 0.00001, not 1e-05
publish.value("scipy_tolerance", np.format_float_positional(SCIPY_TOLERANCE))
publish.value("max_rotation", MAX_ROTATION_DEGREES, fmt="g")
publish.value("max_shift", MAX_SHIFT_PIXELS, fmt="g")
publish.value("max_shift_percent", MAX_SHIFT_PIXELS / 28, fmt=".0%")
publish.value("batch_size", len(batch))
publish.value("centre", (batch.shape[1] - 1) / 2, fmt="g")  # the centre of rotation in train.augment
publish.value("last_index", batch.shape[1] - 1)

# Worked example: one output pixel of the first digit in step 1, read back from the original.
d = drawn[0][0]
out = versions[0][0, ..., 0]
rows, cols = np.nonzero((out > 0.25) & (out < 0.75))  # a pixel on the edge of a stroke: a real mix
k = int(np.argmin((rows - 14) ** 2 + (cols - 14) ** 2))
row, col = int(rows[k]), int(cols[k])
sx, sy = source_point(col, row, d["angle_degrees"], d["shift_x"], d["shift_y"])
mix = [(r, c, float(batch[0, r, c, 0]), w) for r, c, w in bilinear_weights(sx, sy)]
publish.table("mix", mix, headers=["row", "column", "pixel value", "weight"], fmts=[None, None, ".3f", ".3f"])
publish.value("angle", d["angle_degrees"], fmt="+.2f")
publish.value("shift_x", d["shift_x"], fmt="+.2f")
publish.value("shift_y", d["shift_y"], fmt="+.2f")
publish.value("out_row", row)
publish.value("out_col", col)
publish.value("source_x", sx, fmt=".2f")
publish.value("source_y", sy, fmt=".2f")
publish.value("mixed", sum(v * w for _, _, v, w in mix), fmt=".3f")
publish.value("out_value", float(out[row, col]), fmt=".3f")
