"""Where today's efficient CNNs spend their compute: MobileNet's 1x1 share, ConvNeXt's 7x7 depthwise kernels."""

import keras

from cnn_glossary import publish

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
share_1x1 = mult_adds["1x1 standard"] / sum(mult_adds.values())
# --8<-- [end:lesson]
convnext = keras.applications.ConvNeXtTiny(weights=None, include_top=False, input_shape=(INPUT_SIZE, INPUT_SIZE, 3))
depthwise = [layer.kernel_size for layer in convnext.layers if "depthwise" in layer.name]
total = sum(mult_adds.values())
publish.table("mobilenet", sorted(((k, v, v / total) for k, v in mult_adds.items()), key=lambda r: -r[1]),
              headers=["MobileNet layers", "multiply-adds", "share"], fmts=[None, ",", ".2%"])
publish.value("share_1x1", share_1x1, fmt=".1%")
publish.value("total_mult_adds", total / 1e6, fmt=".0f")
publish.value("input_size", INPUT_SIZE)
publish.value("convnext_depthwise", len(depthwise))
publish.value("convnext_kernel", "x".join(map(str, depthwise[0])) if len(set(depthwise)) == 1
              else "several sizes")
