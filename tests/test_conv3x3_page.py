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

from .conftest import ROOT

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


@pytest.mark.checks("conv_3x3/today")
@pytest.mark.guards("conv-3x3.md", "MobileNet spends most of its compute in 1x1 layers")
@pytest.mark.guards("conv-3x3.md", "replaces every standard 3x3 layer but the first by a")
def test_mobilenet_share_and_convnext_kernels():
    c = publish.collect(SNIPPETS / "today.py")
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
