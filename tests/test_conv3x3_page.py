"""The 3x3 Convolution page's worked example and its 'today's picture' numbers.

Oracles: two real Keras Conv2D layers and their input gradient; SciPy's correlate2d; Keras count_params; the
MobileNet paper's own table (Howard et al., 2017: 1x1 convolutions 94.86 % of 569 million multiply-adds);
the ConvNeXt layers' Keras configurations.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
from scipy.signal import correlate2d

from cnn_glossary import publish

from .conftest import ROOT, published

keras = pytest.importorskip("keras")
L = keras.layers
SNIPPETS = ROOT / "snippets" / "conv_3x3"


@pytest.mark.checks("conv_3x3/worked")
@pytest.mark.guards("conv-3x3.md", "input cells, but not equally")
def test_worked_example_against_keras_layers_and_their_gradient():
    import tensorflow as tf

    c = publish.collect(SNIPPETS / "worked.py")
    v = {k: c.values[k]["value"] for k in c.values}
    x = np.array(c.tables["input"]["rows"], dtype=float)
    hidden = np.array(c.tables["hidden"]["rows"], dtype=float)
    paths = np.array(c.tables["paths"]["rows"], dtype=float)
    assert np.array_equal(hidden, correlate2d(x, np.ones((3, 3)), mode="valid"))
    model = keras.Sequential([keras.Input((5, 5, 1)), L.Conv2D(1, 3, use_bias=False), L.Conv2D(1, 3, use_bias=False)])
    for layer in model.layers:
        layer.set_weights([np.ones((3, 3, 1, 1), "float32")])
    xt = tf.constant(x[None, :, :, None], dtype="float32")
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = model(xt)[0, 0, 0, 0]
    assert float(y) == v["output"] == v["weighted_sum"]
    grad = tape.gradient(y, xt).numpy()[0, :, :, 0]
    assert np.array_equal(grad, paths)  # with unit weights the gradient counts the paths
    assert v["cells_seen"] == int((grad > 0).sum()) == 25
    assert (v["centre_paths"], v["corner_paths"]) == (grad[2, 2], grad[0, 0])
    assert grad[2, 2] > grad[0, 0] > 0  # every cell counts, but not equally
    C = v["channels"]
    two = keras.Sequential([keras.Input((5, 5, C)), L.Conv2D(C, 3, use_bias=False), L.Conv2D(C, 3, use_bias=False)])
    one = keras.Sequential([keras.Input((5, 5, C)), L.Conv2D(C, 5, use_bias=False)])
    assert (v["two_3x3_parameters"], v["one_5x5_parameters"]) == (two.count_params(), one.count_params())
    assert v["two_3x3_parameters"] < v["one_5x5_parameters"]


@pytest.fixture(scope="module")
def today():
    return published("conv_3x3/today")  # the build's fresh cache entry, else a run (it builds five networks)


@pytest.mark.checks("conv_3x3/today")
@pytest.mark.guards("readme-map.md", "most multiply-adds go to 1x1 layers")
@pytest.mark.guards("conv-3x3.md", "replaces every standard 3x3 layer but the first by a")
def test_mobilenet_share_and_convnext_kernels(today):
    c = today
    v = {k: c.values[k]["value"] for k in c.values}
    # the published MobileNet table (Howard et al., 2017, Table 2)
    assert abs(v["share_1x1"] - 0.9486) < 0.001
    assert abs(v["total_mult_adds"] - 569) < 2
    # oracle from Keras's own parameter counts: a 1x1 layer has no bias in MobileNet, so its multiply-adds are
    # count_params() per output position
    model = keras.applications.MobileNet(weights=None, input_shape=(v["input_size"], v["input_size"], 3))
    one_by_one = sum(layer.count_params() * layer.output.shape[1] * layer.output.shape[2] for layer in model.layers
                     if type(layer).__name__ == "Conv2D" and layer.kernel_size == (1, 1) and layer.name != "conv_preds")
    assert np.isclose(one_by_one / (v["total_mult_adds"] * 1e6), v["share_1x1"], rtol=0.01)
    assert v["share_1x1"] > 0.5  # the page: "most of its compute"
    # the page names the share: the pointwise layers (the paper's "Conv 1x1" row, 13 of them: Table 1), the 1x1
    # classifier apart (the paper's "Fully Connected" row, 0.18 %); with it, the share of every 1x1 layer
    pointwise = [layer for layer in model.layers if type(layer).__name__ == "Conv2D" and layer.kernel_size == (1, 1)
                 and layer.name != "conv_preds"]
    assert v["n_pointwise"] == len(pointwise) == 13
    assert abs(v["share_all_1x1"] - (0.9486 + 0.0018)) < 0.001
    classifier = model.get_layer("conv_preds")
    classifier_mult_adds = classifier.get_weights()[0].size * classifier.output.shape[1] * classifier.output.shape[2]
    assert np.isclose((one_by_one + classifier_mult_adds) / (v["total_mult_adds"] * 1e6), v["share_all_1x1"],
                      rtol=0.01)
    assert v["share_all_1x1"] > v["share_1x1"]
    # the page: every standard 3x3 layer but the first became a depthwise 3x3 plus a 1x1
    standard_3x3 = [layer for layer in model.layers if type(layer).__name__ == "Conv2D" and layer.kernel_size == (3, 3)]
    assert len(standard_3x3) == 1 and standard_3x3[0] is next(l for l in model.layers if type(l).__name__ == "Conv2D")
    rows = c.tables["mobilenet"]["rows"]
    assert rows[0][0] == "1x1 standard"  # the largest share, listed first
    convnext = keras.applications.ConvNeXtTiny(weights=None, include_top=False)
    kernels = {tuple(layer.get_config()["kernel_size"]) for layer in convnext.layers
               if layer.get_config().get("groups", 1) > 1}  # depthwise: one group per channel
    assert kernels == {(7, 7)} and v["convnext_kernel"] == "7x7"
    assert v["convnext_depthwise"] == sum(1 for layer in convnext.layers if layer.get_config().get("groups", 1) > 1)


@pytest.mark.checks("conv_3x3/today")
@pytest.mark.guards("conv-3x3.md", "3x3 is still the most common kernel wider than one pixel in widely used designs")
@pytest.mark.guards("conv-3x3.md", "has more 5x5 than 3x3 depthwise layers")
@pytest.mark.guards("readme-map.md", "has more 5x5 than 3x3 depthwise layers")
@pytest.mark.guards("readme-map.md", "3x3 is still the most common kernel wider than one pixel in widely used designs")
@pytest.mark.guards("conv-3x3.md", "3x3 is the most common kernel wider than one pixel in")
@pytest.mark.guards("conv-3x3.md", "whose kernels wider than one pixel are all 3x3")
@pytest.mark.guards("readme-map.md", "whose kernels wider than one pixel are all 3x3")
def test_kernel_census_against_the_papers_tables(today):
    """Layer counts per kernel size read off the papers' architecture tables: ResNet-50 (He et al., 2016, Table 1:
    3 + 4 + 6 + 3 bottleneck blocks, one 3x3 each, after a 7x7 stem), MobileNetV2 (Sandler et al., 2018, Table 2:
    a 3x3 stem and 1 + 2 + 3 + 4 + 3 + 3 + 1 bottlenecks, each with a 3x3 depthwise layer), EfficientNet-B0 (Tan & Le, 2019,
    Table 1: a 3x3 stem, MBConv blocks with 3x3 kernels repeated 1, 2, 3 and 1 times and with 5x5 kernels 2, 3
    and 4 times), MobileNet (Howard et al., 2017, Table 1: one standard 3x3 and 13 depthwise 3x3 layers) and
    ConvNeXt-Tiny (Liu et al., 2022: 3 + 3 + 9 + 3 blocks, each a 7x7 depthwise layer; a 4x4 stem and three 2x2
    downsampling layers)."""
    rows = {row[0]: row for row in today.tables["census"]["rows"]}
    census = {name: dict(part.split(": ") for part in row[1].split(", ")) for name, row in rows.items()}
    census = {name: {size: int(n) for size, n in c.items()} for name, c in census.items()}
    assert census["ResNet-50"]["3x3"] == 3 + 4 + 6 + 3 and census["ResNet-50"]["7x7"] == 1
    assert census["MobileNetV2"]["3x3"] == 1 + (1 + 2 + 3 + 4 + 3 + 3 + 1)
    assert census["EfficientNet-B0"]["3x3"] == 1 + (1 + 2 + 3 + 1) and census["EfficientNet-B0"]["5x5"] == 2 + 3 + 4
    assert census["MobileNet"]["3x3"] == 1 + 13
    assert set(census["MobileNet"]) - {"1x1"} == {"3x3"}  # the pages: its kernels wider than one pixel are all 3x3
    assert census["ConvNeXt-Tiny"]["7x7"] == 3 + 3 + 9 + 3
    assert census["ConvNeXt-Tiny"].get("4x4") == 1 and census["ConvNeXt-Tiny"].get("2x2") == 3
    for name, c in census.items():  # the "most common wider than 1x1" column, by hand
        wider = {size: n for size, n in c.items() if size != "1x1"}
        assert rows[name][2] == max(wider, key=wider.get), name
    v = {k: today.values[k]["value"] for k in today.values}
    assert v["three_by_three_most_common"] == "ResNet-50, MobileNetV2 and MobileNet"
    assert (v["efficientnet_5x5"], v["efficientnet_3x3"]) == (9, 8)
    # "more 5x5 than 3x3 depthwise layers": of EfficientNet-B0's 3x3 layers, one (the stem) is not depthwise
    assert census["EfficientNet-B0"]["5x5"] > census["EfficientNet-B0"]["3x3"] - 1


@pytest.mark.checks("conv_3x3/today")
@pytest.mark.guards("conv-3x3.md", "pointwise (1x1) layers, which Keras builds as Dense layers applied at every pixel")
def test_census_counts_convnext_pointwise_layers_built_as_dense(today):
    """ConvNeXt-Tiny's pointwise layers, two per block (Liu et al., 2022: 3 + 3 + 9 + 3 blocks), are Keras Dense
    layers whose output is still a feature map; each one equals a 1x1 Conv2D given the same weights. The other four
    networks build every 1x1 layer as a Conv2D: none of their Dense layers outputs a feature map."""
    rows = {row[0]: row for row in today.tables["census"]["rows"]}
    shape = (224, 224, 3)
    builders = {"ResNet-50": keras.applications.ResNet50, "MobileNetV2": keras.applications.MobileNetV2,
                "EfficientNet-B0": keras.applications.EfficientNetB0, "MobileNet": keras.applications.MobileNet}
    for name, build in builders.items():
        model = build(weights=None, input_shape=shape)
        on_maps = [layer for layer in model.layers if type(layer).__name__ == "Dense" and len(layer.output.shape) == 4]
        assert rows[name][3] == len(on_maps) == 0, name
    convnext = keras.applications.ConvNeXtTiny(weights=None, include_top=False, input_shape=shape)
    dense = [layer for layer in convnext.layers if type(layer).__name__ == "Dense"]
    assert all(len(layer.output.shape) == 4 for layer in dense)
    assert rows["ConvNeXt-Tiny"][3] == today.values["convnext_pointwise"]["value"] == len(dense) == 2 * (3 + 3 + 9 + 3)
    layer = dense[0]
    x = np.random.default_rng(2).normal(size=(1, 5, 5, layer.kernel.shape[0])).astype("float32")
    conv = L.Conv2D(layer.kernel.shape[1], 1)
    conv.build(x.shape)
    conv.set_weights([np.asarray(layer.kernel)[None, None], np.asarray(layer.bias)])
    assert np.allclose(np.asarray(layer(x)), np.asarray(conv(x)), atol=1e-4)


def test_pointwise_dense_layers_counts_dense_layers_on_feature_maps():
    from cnn_glossary.counting import pointwise_dense_layers

    inner = keras.Sequential([keras.Input((8, 8, 4)), L.Dense(2)], name="nested")
    x = keras.Input((8, 8, 3))
    y = L.GlobalAveragePooling2D()(inner(L.Dense(4)(x)))  # two Dense layers on maps, one nested
    model = keras.Model(x, L.Dense(10)(y))  # and one on a vector, the classifier
    assert pointwise_dense_layers(model) == 2


def test_most_common_kernel_wider_than_1x1():
    from cnn_glossary.counting import most_common_wider_than_1x1

    assert most_common_wider_than_1x1({"1x1": 40, "3x3": 16, "7x7": 1}) == "3x3"
    assert most_common_wider_than_1x1({"1x1": 4, "3x3": 2, "5x5": 2}) == "3x3 and 5x5"
    with pytest.raises(ValueError):
        most_common_wider_than_1x1({"1x1": 3})
