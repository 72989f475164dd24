"""Presets for the receptive-field calculator: the sliding-window layers of three networks, as JSON."""

import json

import keras

from cnn_glossary import publish
from cnn_glossary.mnist.train import build_model
from cnn_glossary.receptive_field import CONVOLUTIONS, POOLINGS, receptive_fields


# --8<-- [start:lesson]
def chain(model):
    """The layers that move or widen a field, in order; a ResNet's shortcut convolutions (``_0_conv``) are
    left out: each block's main path covers the shortcut's field, so the chain gives the same numbers."""
    layers = []
    for f in receptive_fields(model)[1:]:
        layer = model.get_layer(f.name)
        if f.kind in CONVOLUTIONS and not f.name.endswith("_0_conv"):
            k, s, d = layer.kernel_size[0], layer.strides[0], layer.dilation_rate[0]
            layers.append({"name": f.name, "kind": "conv", "kernel": k, "stride": s, "dilation": d,
                           "padding": layer.padding})
        elif f.kind in POOLINGS:
            layers.append({"name": f.name, "kind": "pool", "kernel": layer.pool_size[0],
                           "stride": layer.strides[0], "dilation": 1, "padding": layer.padding})
        elif f.kind == "ZeroPadding2D":
            layers.append({"name": f.name, "kind": "pad", "kernel": 1, "stride": 1, "dilation": 1,
                           "padding": layer.padding[0][0]})
    return layers


presets = {
    "Our MNIST network": (28, build_model(keras)),
    "VGG-16": (224, keras.applications.VGG16(weights=None, include_top=False, input_shape=(224, 224, 3))),
    "ResNet-50": (224, keras.applications.ResNet50(weights=None, include_top=False, input_shape=(224, 224, 3))),
}
data = {name: {"input_size": size, "layers": chain(model)} for name, (size, model) in presets.items()}
# --8<-- [end:lesson]
publish.value("presets", json.dumps({"presets": data, "start": "Our MNIST network"}, separators=(",", ":")))
