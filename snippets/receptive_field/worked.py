"""A three-layer stack, one layer at a time: field size r and jump j along one axis."""

from cnn_glossary import publish
from cnn_glossary.receptive_field import Axis, step

# (name, kernel_size, stride, dilation)
STACK = [("conv A", 3, 1, 1), ("conv B", 3, 2, 1), ("conv C", 3, 1, 2)]
# --8<-- [start:lesson]
axis = Axis(size=1, jump=1, start=0)  # the input: each pixel sees itself
rows = []
for name, k, s, d in STACK:
    k_eff = k + (k - 1) * (d - 1)  # span of a dilated kernel
    added = (k_eff - 1) * axis.jump  # what this layer adds, in input pixels
    new = step(axis, kernel_size=k, stride=s, dilation=d, pad_before=0)
    rows.append((name, k, s, d, k_eff, axis.jump, added, new.size, new.jump))
    axis = new
# --8<-- [end:lesson]
LABELS = ["kernel", "stride", "dilation", "span k_eff", "jump in", "adds (k_eff - 1) x jump in", "field size r",
          "jump out"]  # one table row per quantity, one column per layer: narrow enough for a phone
publish.table("steps", [[label] + [row[i + 1] for row in rows] for i, label in enumerate(LABELS)],
              headers=["quantity"] + [row[0] for row in rows])
for i, row in enumerate(rows):
    publish.value(f"added_{i}", row[6])
    publish.value(f"size_{i}", row[7])
    publish.value(f"keff_{i}", row[4])
    publish.value(f"jump_in_{i}", row[5])
publish.value("final_size", axis.size)
publish.value("final_jump", axis.jump)
