"""Parameter sharing: each conv layer of our network against a dense layer joining the same shapes."""

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.kernels import dense_parameters

model = results.for_page().load_model()
rows = []
for layer in model.layers:
    if type(layer).__name__ != "Conv2D":
        continue
    in_shape, out_shape = tuple(layer.input.shape[1:]), tuple(layer.output.shape[1:])
    conv = layer.count_params()  # from Keras
    dense = dense_parameters(in_shape, out_shape, bias=layer.use_bias)  # every input number to every output number
    rows.append((layer.name, str(in_shape), str(out_shape), conv, dense, dense / conv))
publish.table("sharing", rows, headers=["layer", "input", "output", "conv parameters", "dense parameters",
                                        "dense / conv"], fmts=[None, None, None, ",", ",", ",.0f"])
first = rows[0]
publish.value("conv1_input", first[1])
publish.value("conv1_output", first[2])
publish.value("conv1_parameters", first[3])
publish.value("conv1_dense_parameters", first[4])
publish.value("conv1_ratio", first[5], fmt=",.0f")
publish.value("total_conv", sum(r[3] for r in rows))
publish.value("total_dense", sum(r[4] for r in rows))
