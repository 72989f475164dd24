"""Is 3x3 still the standard? Kernel sizes in five Keras architectures, and where MobileNet spends its compute."""

import keras

from cnn_glossary import publish
from cnn_glossary.counting import kernel_census, most_common_wider_than_1x1, pointwise_dense_layers

INPUT_SIZE = 224
mobilenet = keras.applications.MobileNet(weights=None, input_shape=(INPUT_SIZE, INPUT_SIZE, 3))  # no download
# --8<-- [start:lesson]
mult_adds = {}  # per kind of layer: kernel weights x output positions
for layer in mobilenet.layers:
    if type(layer).__name__ in ("Conv2D", "DepthwiseConv2D"):
        kh, kw = layer.kernel_size
        kind = ("classifier (1x1)" if layer.name == "conv_preds" else f"{kh}x{kw} depthwise"
                if type(layer).__name__ == "DepthwiseConv2D" else f"{kh}x{kw} standard")
        positions = layer.output.shape[1] * layer.output.shape[2]
        mult_adds[kind] = mult_adds.get(kind, 0) + layer.kernel.shape.num_elements() * positions
share_1x1 = mult_adds["1x1 standard"] / sum(mult_adds.values())  # the pointwise layers, classifier apart
# --8<-- [end:lesson]
n_pointwise = sum(1 for layer in mobilenet.layers if type(layer).__name__ == "Conv2D"
                  and tuple(layer.kernel_size) == (1, 1) and layer.name != "conv_preds")
share_all_1x1 = (mult_adds["1x1 standard"] + mult_adds["classifier (1x1)"]) / sum(mult_adds.values())
convnext = keras.applications.ConvNeXtTiny(weights=None, include_top=False, input_shape=(INPUT_SIZE, INPUT_SIZE, 3))
# --8<-- [start:census]
shape = (INPUT_SIZE, INPUT_SIZE, 3)
networks = {  # built without weights: only the layers are needed
    "ResNet-50": keras.applications.ResNet50(weights=None, input_shape=shape),
    "MobileNetV2": keras.applications.MobileNetV2(weights=None, input_shape=shape),
    "EfficientNet-B0": keras.applications.EfficientNetB0(weights=None, input_shape=shape),
    "MobileNet": mobilenet,
    "ConvNeXt-Tiny": convnext,
}
census = {name: kernel_census(model) for name, model in networks.items()}  # layers per kernel size
pointwise = {name: pointwise_dense_layers(model) for name, model in networks.items()}  # 1x1 layers built as Dense
# --8<-- [end:census]
depthwise = [layer.kernel_size for layer in convnext.layers if "depthwise" in layer.name]
total = sum(mult_adds.values())
publish.table("mobilenet", sorted(((k, v, v / total) for k, v in mult_adds.items()), key=lambda r: -r[1]),
              headers=["MobileNet layers", "multiply-adds", "share"], fmts=[None, ",", ".2%"])
publish.value("share_1x1", share_1x1, fmt=".1%")
publish.value("share_all_1x1", share_all_1x1, fmt=".1%")
publish.value("n_pointwise", n_pointwise)
publish.value("total_mult_adds", total / 1e6, fmt=".0f")
publish.value("input_size", INPUT_SIZE)
publish.value("convnext_depthwise", len(depthwise))
publish.value("convnext_kernel", "x".join(map(str, depthwise[0])) if len(set(depthwise)) == 1
              else "several sizes")
publish.table("census", [(name, ", ".join(f"{size}: {n}" for size, n in c.items()), most_common_wider_than_1x1(c),
                          pointwise[name]) for name, c in census.items()],
              headers=["network (Keras)", "convolution layers per kernel size", "most common wider than 1x1",
                       "1x1 layers built as Dense (not in the second column)"])
publish.value("convnext_pointwise", pointwise["ConvNeXt-Tiny"])
three = [name for name, c in census.items() if most_common_wider_than_1x1(c) == "3x3"]
publish.value("three_by_three_most_common", " and ".join([", ".join(three[:-1]), three[-1]]) if len(three) > 1
              else three[0])
publish.value("n_three_by_three_most_common", len(three))
publish.value("n_networks", len(census))
publish.value("efficientnet_3x3", census["EfficientNet-B0"].get("3x3", 0))
publish.value("efficientnet_5x5", census["EfficientNet-B0"].get("5x5", 0))
publish.value("resnet_3x3", census["ResNet-50"].get("3x3", 0))
