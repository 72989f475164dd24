"""Receptive field of the last feature layer of well-known architectures (built with weights=None)."""

import keras

from cnn_glossary import publish
from cnn_glossary.receptive_field import receptive_fields

INPUT_SIZE = 224
MODELS = {
    "VGG16": keras.applications.VGG16,
    "ResNet50": keras.applications.ResNet50,
    "MobileNetV2": keras.applications.MobileNetV2,
}
# --8<-- [start:lesson]
rows = []
for name, build in MODELS.items():
    model = build(weights=None, include_top=False, input_shape=(INPUT_SIZE, INPUT_SIZE, 3))
    report = receptive_fields(model)
    last = [f for f in report if not f.is_global][-1]
    misaligned = sum(f.misaligned for f in report)
    rows.append((name, last.name, last.rows.size, last.rows.jump, int(last.rows.start), misaligned))
# --8<-- [end:lesson]
for row in rows:
    publish.value(f"{row[0].lower()}_size", row[2])
publish.value("input_size", INPUT_SIZE)
resnet = next(r for r in rows if r[0] == "ResNet50")[2]
publish.value("resnet50_ratio", resnet / INPUT_SIZE, fmt=".1f")
publish.value("resnet50_padding", "for every unit, more than half of it along each axis lies outside the image"
              if resnet > 2 * INPUT_SIZE else "part of it lies outside the image" if resnet > INPUT_SIZE
              else "it can fit inside the image")
misaligned = sum(r[5] for r in rows)
publish.value("misaligned_words", "none of them has a misaligned merge" if misaligned == 0
              else f"{misaligned} of their merges are misaligned")
publish.table("architectures", rows, headers=["model", "last feature layer", "field size", "jump",
                                              "start of unit 0", "misaligned merges"])
