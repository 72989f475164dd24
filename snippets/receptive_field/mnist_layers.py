"""The calculator's report for our MNIST network: field size, jump and start after every layer."""

import keras

from cnn_glossary import publish
from cnn_glossary.receptive_field import by_name, receptive_fields, report_rows
from cnn_glossary.mnist.train import build_model

report = receptive_fields(build_model(keras))
shown = [row for row, f in zip(report_rows(report), report) if f.kind not in ("BatchNormalization", "ReLU")]
publish.table("layers", [row[:7] for row in shown],
              headers=["layer", "type", "output", "field size", "jump", "start", "centre of unit 0"])
fields = by_name(report)
last = fields["classifier_1x1"]
publish.value("final_size", last.rows.size)
publish.value("final_jump", last.rows.jump)
publish.value("final_start", int(last.rows.start))
publish.value("first_size", fields["conv1"].rows.size)
publish.value("input_size", report[0].output_size[0])
