"""The calculator's report for our MNIST network: field size, jump and start after every layer."""

import keras

from cnn_glossary import publish
from cnn_glossary.receptive_field import by_name, receptive_fields, report_rows
from cnn_glossary.mnist.train import build_model

report = receptive_fields(build_model(keras))
fields = by_name(report)
last = [f for f in report if not f.is_global][-1]  # the last layer with a spatial map
size = report[0].output_size[0]
# --8<-- [start:lesson]
# after global pooling a unit sees the union of the last layer's fields: from unit 0's first pixel
# to the last unit's last pixel, clipped to the image
first, _ = last.rows.span(0)
_, final = last.rows.span(last.output_size[0] - 1)
union = (int(max(first, 0)), int(min(final, size - 1)))
# --8<-- [end:lesson]
union_text = f"union: {union[0]}-{union[1]}"
shown = [row if not f.is_global else (*row[:3], union_text, *row[4:])
         for row, f in zip(report_rows(report), report) if f.kind not in ("BatchNormalization", "ReLU")]
publish.table("layers", [row[:7] for row in shown],
              headers=["layer", "type", "output", "field size", "jump", "start", "centre of unit 0"])
publish.value("final_size", fields["classifier_1x1"].rows.size)
publish.value("final_jump", fields["classifier_1x1"].rows.jump)
publish.value("final_start", int(fields["classifier_1x1"].rows.start))
publish.value("first_size", fields["conv1"].rows.size)
publish.value("input_size", size)
publish.value("last_spatial", last.name)
publish.value("union_first", union[0])
publish.value("union_last", union[1])
publish.value("union_verdict", "so here the union does cover the whole image" if union == (0, size - 1)
              else f"so pixels outside {union[0]}-{union[1]} never reach the output")
