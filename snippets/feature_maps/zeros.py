"""The fraction of exactly-zero values in each layer's feature maps, over a subset of the test set."""

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.featuremaps import ZERO_SUBSET, conv_layers, shown_layer_name, zero_fractions

model = results.for_page().load_model()
# --8<-- [start:lesson]
images = load_mnist().x_test[:ZERO_SUBSET]
fractions = zero_fractions(model, images)  # per conv layer: the share of exactly-zero values in its maps
# --8<-- [end:lesson]
rows = [(layer.name, shown_layer_name(model, layer.name), f)
        for layer, f in zip(conv_layers(model), fractions)]
publish.table("zeros", rows, headers=["conv layer", "after", "zero fraction"], fmts=[None, None, ".1%"])
publish.value("subset", ZERO_SUBSET)
relu_rows = [r for r in rows if r[1].endswith("_relu")]
publish.value("min_zero", min(r[2] for r in relu_rows), fmt=".0%")
publish.value("max_zero", max(r[2] for r in relu_rows), fmt=".0%")
