"""Parameter sharing: each conv layer of our network against a dense layer joining the same shapes."""

import math

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.kernels import dense_parameters

model = results.for_page().load_model()
# --8<-- [start:lesson]
rows = []
for layer in model.layers:
    if type(layer).__name__ != "Conv2D":
        continue
    in_shape, out_shape = tuple(layer.input.shape[1:]), tuple(layer.output.shape[1:])
    conv = layer.count_params()  # from Keras
    dense = dense_parameters(in_shape, out_shape, bias=layer.use_bias)  # every input number to every output number
    biases = layer.filters if layer.use_bias else 0  # a dense twin has one bias per output number instead
    rows.append((layer.name, str(in_shape), str(out_shape), biases, conv, dense, dense / conv))
# --8<-- [end:lesson]
publish.table("sharing", rows, headers=["layer", "input", "output", "biases (conv)", "conv parameters",
                                        "dense parameters", "dense / conv"],
              fmts=[None, None, None, None, ",", ",", ",.0f"])
# Which rows carry biases, in words: generated from the table, so the sentence follows the model.
without = [r[0] for r in rows if not r[3]]
parts = [f"{', '.join(without)} have no biases: batch normalisation follows each of them and adds its own shift"
         ] if without else []
for layer in (model.get_layer(r[0]) for r in rows if r[3]):
    dense_biases = math.prod(layer.output.shape[1:])  # one per output number
    parts.append(f"{layer.name} has {layer.filters} biases (one per output channel), and its dense twin would "
                 f"have {dense_biases:,} (one per output number)")
publish.value("bias_note", "; ".join(parts) + ".")
first = rows[0]
publish.value("conv1_input", first[1])
publish.value("conv1_output", first[2])
publish.value("conv1_parameters", first[4])
publish.value("conv1_dense_parameters", first[5])
publish.value("conv1_ratio", first[6], fmt=",.0f")
publish.value("total_conv", sum(r[4] for r in rows))
publish.value("total_dense", sum(r[5] for r in rows))
