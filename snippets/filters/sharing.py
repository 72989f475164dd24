"""Locality and parameter sharing: each conv layer of our network against a locally connected layer (windows, no
sharing) and a dense layer (no windows) joining the same shapes."""

import math

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.kernels import dense_parameters, locally_connected_parameters

model = results.for_page().load_model()
# --8<-- [start:lesson]
rows = []
for layer in model.layers:
    if type(layer).__name__ != "Conv2D":
        continue
    in_shape, out_shape = tuple(layer.input.shape[1:]), tuple(layer.output.shape[1:])
    conv = layer.count_params()  # from Keras
    k, channels_in = layer.kernel_size[0], in_shape[-1]
    local = locally_connected_parameters(k, channels_in, out_shape, bias=layer.use_bias)  # own kernel per position
    dense = dense_parameters(in_shape, out_shape, bias=layer.use_bias)  # every input number to every output number
    biases = layer.filters if layer.use_bias else 0  # the other two have one bias per output number instead
    rows.append((layer.name, str(in_shape), str(out_shape), biases, conv, local, dense,
                 dense / local, local / conv))  # what windows buy, then what sharing buys
# --8<-- [end:lesson]
publish.table("sharing", rows, headers=["layer", "input", "output", "biases (conv)", "conv parameters",
                                        "locally connected parameters", "dense parameters",
                                        "windows: dense / local", "sharing: local / conv"],
              fmts=[None, None, None, None, ",", ",", ",", ",.0f", ",.0f"])
# Which rows carry biases, in words: generated from the table, so the sentence follows the model.
without = [r[0] for r in rows if not r[3]]
parts = [f"{', '.join(without)} have no biases: batch normalisation follows each of them and adds its own shift"
         ] if without else []
for layer in (model.get_layer(r[0]) for r in rows if r[3]):
    dense_biases = math.prod(layer.output.shape[1:])  # one per output number
    parts.append(f"{layer.name} has {layer.filters} biases (one per output channel), and its locally connected "
                 f"and dense twins would have {dense_biases:,} (one per output number)")
publish.value("bias_note", "; ".join(parts) + ".")
first = rows[0]
publish.value("conv1_input", first[1])
publish.value("conv1_output", first[2])
publish.value("conv1_parameters", first[4])
publish.value("conv1_dense_parameters", first[6])
publish.value("conv1_ratio", first[6] / first[4], fmt=",.0f")
publish.value("conv1_local_parameters", first[5])
publish.value("conv1_locality_factor", first[7], fmt=",.0f")
publish.value("conv1_sharing_factor", first[8], fmt=",.0f")
conv1 = model.get_layer(first[0])
publish.value("conv1_positions", math.prod(conv1.output.shape[1:3]), fmt=",")
publish.value("total_conv", sum(r[4] for r in rows))
publish.value("total_local", sum(r[5] for r in rows))
publish.value("total_dense", sum(r[6] for r in rows))
