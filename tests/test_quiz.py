"""Check yourself: every question's answer against an oracle of its own.

Each topic page ends its lesson with three to five questions whose given numbers and answers come from
``snippets/<folder>/quiz.py``. Every test below reads the *given* numbers back from the snippet, recomputes the
answer without the package function that produced it (Keras layers and ``count_params``, ``tf.nn.conv2d``,
SciPy, the gradient of one unit, a plain loop or a closed form written here) and compares.
"""

from __future__ import annotations

import math
import os
import re

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from cnn_glossary import publish  # noqa: E402

from .conftest import ROOT  # noqa: E402


def quiz(folder: str) -> dict:
    """Run snippets/<folder>/quiz.py and return its published values by name."""
    c = publish.collect(ROOT / "snippets" / folder / "quiz.py")
    return {name: v["value"] for name, v in c.values.items()}


def out_shape(layer, input_shape) -> tuple:
    """The shape a Keras layer really returns for one zero input of ``input_shape`` (no batch axis)."""
    return tuple(np.asarray(layer(np.zeros((1, *input_shape), "float32"))).shape[1:])


def measured_field(kernels, strides, dilations=None) -> int:
    """Receptive field along one axis, measured: the rows of the input with a non-zero gradient of the centre unit
    of the last layer, in a stack of linear layers with positive weights (a 2x2 pool becomes an average pool of the
    same geometry, whose gradient reaches every pixel of its window)."""
    import keras
    import tensorflow as tf

    dilations = dilations or [1] * len(kernels)
    bound = 1 + sum(d * (k - 1) for k, d in zip(kernels, dilations)) * math.prod(strides)  # at least the field
    size = 3 * bound + 8  # room on both sides of the centre unit's field
    layers = []
    for k, s, d in zip(kernels, strides, dilations):
        if k == 2:
            layers.append(keras.layers.AveragePooling2D(2, strides=s))
        else:
            layers.append(keras.layers.Conv2D(1, k, strides=s, dilation_rate=d, use_bias=False,
                                              kernel_initializer="ones"))
    model = keras.Sequential([keras.Input((size, size, 1))] + layers)
    x = tf.Variable(np.random.default_rng(0).uniform(0.5, 1.5, (1, size, size, 1)).astype("float32"))
    with tf.GradientTape() as tape:
        y = model(x)
        centre = y[0, y.shape[1] // 2, y.shape[2] // 2, 0]
    grad = np.abs(np.asarray(tape.gradient(centre, x))[0, :, :, 0])
    rows = np.flatnonzero(grad.sum(axis=1) > 0)
    assert rows[0] > 0 and rows[-1] < size - 1, "the measured field touches the input's border: make it larger"
    return int(rows[-1] - rows[0] + 1)


# --- Convolution -------------------------------------------------------------------------------------------------


@pytest.mark.checks("convolution/quiz")
def test_convolution_quiz_against_keras_and_tf_conv2d():
    import keras
    import scipy.signal
    import tensorflow as tf

    v = quiz("convolution")
    i, k, s = v["q1_input"], v["q1_kernel"], v["q1_stride"]
    assert out_shape(keras.layers.Conv2D(1, k, strides=s, padding="valid"), (i, i, 1))[:2] == (v["q1_answer"],) * 2, \
        "convolution/quiz q1: the answer differs from Keras's Conv2D output size"
    i, k, s = v["q2_input"], v["q2_kernel"], v["q2_stride"]
    assert out_shape(keras.layers.Conv2D(1, k, strides=s, padding="same"), (i, i, 1))[:2] == (v["q2_answer"],) * 2, \
        "convolution/quiz q2: the answer differs from Keras's Conv2D output size"
    assert v["q2_answer"] != i, "question 2 is about 'same' not keeping the size: pick a stride that changes it"
    i, k, d = v["q3_input"], v["q3_kernel"], v["q3_dilation"]
    layer = keras.layers.Conv2D(1, k, dilation_rate=d)
    assert out_shape(layer, (i, i, 1))[:2] == (v["q3_answer"],) * 2, "convolution/quiz q3: differs from Keras"
    assert f"{int(np.prod(layer.kernel.shape))} weights" in v["q3_why"]
    window = np.array([v["q4_window_top"], v["q4_window_bottom"]], "float32")
    kernel = np.array([v["q4_kernel_top"], v["q4_kernel_bottom"]], "float32")
    y = tf.nn.conv2d(window[None, :, :, None], kernel[:, :, None, None], strides=1, padding="VALID")
    assert float(y[0, 0, 0, 0]) + v["q4_bias"] == v["q4_answer"]
    convolved = scipy.signal.convolve2d(window, kernel, mode="valid")[0, 0] + v["q4_bias"]
    assert convolved != v["q4_answer"], "question 4 must tell correlation and convolution apart"
    assert f"give {convolved:g}." in v["q4_why"]


# --- Filters ------------------------------------------------------------------------------------------------------

SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])  # the textbook kernel, typed here


@pytest.mark.checks("filters/quiz")
def test_filters_quiz_against_keras_and_scipy():
    import keras
    import scipy.signal

    v = quiz("filters")
    layer = keras.layers.Conv2D(v["q1_filters"], v["q1_kernel"])
    out_shape(layer, (v["q1_image"], v["q1_image"], v["q1_channels_in"]))
    assert tuple(layer.kernel.shape) == tuple(v["q1_shape"])
    assert layer.count_params() == v["q1_answer"]
    bigger = keras.layers.Conv2D(v["q1_filters"], v["q1_kernel"])
    out_shape(bigger, (4 * v["q1_image"], 4 * v["q1_image"], v["q1_channels_in"]))
    assert bigger.count_params() == v["q1_answer"], "the answer says the image size does not enter"

    conv = keras.layers.Conv2D(v["q2_filters"], v["q2_kernel"])
    shape = out_shape(conv, (v["q2_image"], v["q2_image"], 1))
    dense = keras.layers.Dense(int(np.prod(shape)))
    out_shape(dense, (v["q2_image"] * v["q2_image"],))
    assert conv.count_params() == v["q2_conv"] and dense.count_params() == v["q2_dense"]

    window = np.tile(np.array(v["q3_row"]), (3, 1))
    assert scipy.signal.correlate2d(window, SOBEL_X, mode="valid")[0, 0] == v["q3_answer"] < 0
    assert scipy.signal.convolve2d(window, SOBEL_X, mode="valid")[0, 0] == v["q4_answer"] == -v["q3_answer"]


# --- Feature maps -------------------------------------------------------------------------------------------------


@pytest.mark.checks("feature_maps/quiz")
def test_feature_maps_quiz_against_keras_and_our_network():
    import keras

    from cnn_glossary.mnist.train import build_model

    v = quiz("feature_maps")
    layer = keras.layers.Conv2D(v["q1_filters"], v["q1_kernel"], padding="valid")  # the question: no padding
    shape = out_shape(layer, (v["q1_image"], v["q1_image"], v["q1_channels"]))
    assert shape == (v["q1_size"], v["q1_size"], v["q1_maps"])
    one_map = np.asarray(layer.kernel)[..., 0]  # everything that feeds map 0
    assert one_map.shape[2] == v["q2_slices"] and one_map.size == v["q2_weights"]

    got = np.asarray(keras.layers.ReLU()(np.array(v["q3_sums"], "float32") + v["q3_bias"]))
    np.testing.assert_allclose(got, v["q3_answer"])
    assert set(np.unique(got)) - {0.0, 1.0}, "question 3 shows real values, not only 0 and 1"

    conv2 = build_model(keras).get_layer("conv2")  # the layer question 4 describes
    assert conv2.input.shape[1] == v["q4_input"] and conv2.kernel_size[0] == v["q4_kernel"]
    assert conv2.filters == v["q4_filters"] and conv2.padding == "valid"
    assert tuple(conv2.output.shape[1:]) == (v["q4_size"], v["q4_size"], v["q4_filters"])
    assert v["q4_numbers"] == math.prod(conv2.output.shape[1:])


# --- Epochs -------------------------------------------------------------------------------------------------------


def batches(n: int, batch_size: int) -> list[range]:
    return [range(start, min(start + batch_size, n)) for start in range(0, n, batch_size)]


@pytest.mark.checks("epochs/quiz")
def test_epochs_quiz_against_a_loop_tf_data_and_a_real_callback():
    import keras
    import tensorflow as tf

    v = quiz("epochs")
    cut = batches(v["q1_n"], v["q1_batch"])
    assert len(cut) == v["q1_steps"] and len(cut[-1]) == v["q1_last"] < v["q1_batch"]
    dropped = int(tf.data.Dataset.range(v["q1_n"]).batch(v["q1_batch"], drop_remainder=True).cardinality())
    assert dropped == v["q2_steps"] and v["q1_n"] - dropped * v["q1_batch"] == v["q2_unseen"]
    assert v["q3_steps"] == math.ceil((v["q3_n"] - v["q3_held_out"]) / v["q3_batch"])

    # A real EarlyStopping with its defaults, fed the question's losses; the model's one weight records the epoch
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    callback = keras.callbacks.EarlyStopping()
    callback.set_model(model)
    model.stop_training = False  # what fit() sets before the first epoch
    callback.on_train_begin()
    stopped = None
    for epoch, loss in enumerate(v["q4_losses"]):
        model.set_weights([np.full((1, 1), epoch + 1.0)])  # "training" epoch + 1
        callback.on_epoch_end(epoch, {"val_loss": loss})
        if model.stop_training:
            stopped = epoch + 1
            break
    callback.on_train_end()
    assert stopped == v["q4_stop"] < len(v["q4_losses"])
    assert model.get_weights()[0][0, 0] == v["q4_stop"], "the weights that remain are the stop epoch's"
    assert v["q4_losses"][v["q4_stop"] - 1] == v["q4_kept_loss"]
    seen = v["q4_losses"][:stopped]
    assert seen.index(min(seen)) + 1 == v["q4_best"] != v["q4_stop"]
    assert min(v["q4_losses"]) < min(seen), "the question says lower losses would have followed"


# --- Activation ---------------------------------------------------------------------------------------------------


@pytest.mark.checks("activation/quiz")
def test_activation_quiz_against_closed_forms_and_keras_layers():
    import keras

    v = quiz("activation")
    z = float(np.dot(v["q1_weights"], v["q1_inputs"]) + v["q1_bias"])
    assert v["q1_z"] == pytest.approx(z)
    assert v["q1_relu"] == max(0.0, z)
    assert v["q1_sigmoid"] == pytest.approx(1 / (1 + math.exp(-z)), abs=1e-6)

    s = 1 / (1 + math.exp(-v["q2_z"]))
    assert v["q2_slope"] == pytest.approx(s * (1 - s), rel=1e-6)
    assert v["q2_product"] == pytest.approx((s * (1 - s)) ** v["q2_layers"], rel=1e-5)

    x = np.array([v["q3_z"]], "float32")
    assert v["q3_layer"] == pytest.approx(float(np.asarray(keras.layers.LeakyReLU()(x))[0]))
    assert v["q3_function"] == pytest.approx(float(np.asarray(keras.activations.leaky_relu(x))[0]))
    assert v["q3_layer"] != v["q3_function"]

    first, second = keras.layers.Dense(1), keras.layers.Dense(1)
    net = keras.Sequential([keras.Input((1,)), first, second])
    first.set_weights([np.array([[v["q4_w1"]]]), np.array([v["q4_b1"]])])
    second.set_weights([np.array([[v["q4_w2"]]]), np.array([v["q4_b2"]])])
    at = lambda m, x: float(np.asarray(m(np.array([[x]], "float32")))[0, 0])  # noqa: E731
    assert v["q4_b"] == pytest.approx(at(net, 0.0)) and v["q4_w"] == pytest.approx(at(net, 1.0) - at(net, 0.0))
    assert v["q5_linear"] == pytest.approx(at(net, v["q5_x"]))

    with_relu = keras.Sequential([keras.Input((1,)), first, keras.layers.ReLU(), second])
    assert v["q5_answer"] == pytest.approx(at(with_relu, v["q5_x"])) and v["q5_answer"] != v["q5_linear"]


# --- Receptive field ------------------------------------------------------------------------------------------


def check_layer_words(words: str, kernels, strides, dilations):
    """The question's words name the same layers as the numbers the test measures."""
    parts = re.split(r",\s*(?![^()]*\))", words)  # commas outside parentheses
    assert len(parts) == len(kernels), words
    for part, k, s, d in zip(parts, kernels, strides, dilations):
        assert part.startswith(f"{k}x{k} {'pool' if k == 2 else 'conv'}"), (part, k)
        assert (f"stride {s}" in part) == (s > 1) and (f"dilation {d}" in part) == (d > 1), part


@pytest.mark.checks("receptive_field/quiz")
def test_receptive_field_quiz_against_the_gradient():
    v = quiz("receptive_field")
    for n in (1, 2, 3):
        kernels, strides, dilations = v[f"q{n}_kernels"], v[f"q{n}_strides"], v[f"q{n}_dilations"]
        check_layer_words(v[f"q{n}_layers"], kernels, strides, dilations)
        assert measured_field(kernels, strides, dilations) == v[f"q{n}_answer"], \
            f"receptive_field/quiz q{n}: the answer differs from the field measured by the gradient"
        assert v[f"q{n}_sum"].endswith(f"= {v[f'q{n}_answer']}")
    assert v["q1_answer"] > max(v["q1_kernels"][-1], 1), "question 1: the field is not the last kernel's size"
    assert measured_field([3, 3, 3], [1, 1, 1]) == v["q2_without_pool"] < v["q2_answer"]
    n = v["q4_answer"]
    assert measured_field([3] * n, [1] * n) == v["q4_field"] >= v["q4_width"]
    assert measured_field([3] * (n - 1), [1] * (n - 1)) < v["q4_width"]


# --- 1x1 convolution ----------------------------------------------------------------------------------------------


def keras_mult_adds(model) -> int:
    """Multiply-adds of every Conv2D in a Keras model, from the shapes Keras reports: each output number takes one
    product per kernel weight that feeds it."""
    total = 0
    for layer in model.layers:
        if type(layer).__name__ == "Conv2D":
            kh, kw, cin, cout = layer.kernel.shape
            total += math.prod(layer.output.shape[1:3]) * cout * kh * kw * cin
    return total


@pytest.mark.checks("conv_1x1/quiz")
def test_conv_1x1_quiz_against_keras_and_tf_conv2d():
    import keras
    import tensorflow as tf

    v = quiz("conv_1x1")
    layer = keras.layers.Conv2D(v["q1_out"], 1)
    out_shape(layer, (5, 5, v["q1_in"]))
    assert layer.count_params() == v["q1_answer"]
    shape = out_shape(keras.layers.Conv2D(v["q2_out"], 1), (v["q2_size"], v["q2_size"], v["q2_in"]))
    assert shape == tuple(v["q2_answer"]) and v["q2_out"] > v["q2_in"]

    pixel = np.array(v["q3_pixel"], "float32")[None, None, None, :]
    weights = np.array(v["q3_weights"], "float32")[None, None, :, None]
    y = float(tf.nn.conv2d(pixel, weights, strides=1, padding="VALID")[0, 0, 0, 0]) + v["q3_bias"]
    assert y == pytest.approx(v["q3_answer"])

    size, cin, cout, mid = v["q4_size"], v["q4_in"], v["q4_out"], v["q4_mid"]
    inputs = keras.Input((size, size, cin))
    direct = keras.Model(inputs, keras.layers.Conv2D(cout, 5, padding="same")(inputs))
    reduced = keras.Model(inputs, keras.layers.Conv2D(cout, 5, padding="same")(
        keras.layers.Conv2D(mid, 1)(inputs)))
    assert keras_mult_adds(direct) == v["q4_direct"] and keras_mult_adds(reduced) == v["q4_reduced"]
    assert v["q4_ratio"] == pytest.approx(v["q4_direct"] / v["q4_reduced"])


# --- 3x3 convolution ----------------------------------------------------------------------------------------------


def keras_weights(kernel_sizes, channels) -> int:
    import keras

    inputs = keras.Input((16, 16, channels))
    x = inputs
    for k in kernel_sizes:
        x = keras.layers.Conv2D(channels, k, use_bias=False)(x)
    return keras.Model(inputs, x).count_params()


@pytest.mark.checks("conv_3x3/quiz")
def test_conv_3x3_quiz_against_keras_the_gradient_and_a_jacobian():
    import scipy.signal

    v = quiz("conv_3x3")
    c = v["q1_channels"]
    assert keras_weights([3, 3], c) == v["q1_two"] and keras_weights([5], c) == v["q1_one"]
    assert v["q1_ratio"] == pytest.approx(v["q1_two"] / v["q1_one"])

    n = v["q2_answer"]
    assert measured_field([3] * n, [1] * n) >= v["q2_field"] > measured_field([3] * (n - 1), [1] * (n - 1))
    assert measured_field([3, 3], [v["q3_stride"], 1]) == v["q3_answer"]

    assert keras_weights([3, 3], 1) == v["q4_two"] and keras_weights([5], 1) == v["q4_one"]
    # Two linear 3x3 layers compose to the full convolution of their kernels, a bilinear map of the 18 weights.
    # Its Jacobian's rank at a random point is the dimension of the family of 5x5 kernels the pair can reach.
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    columns = []
    for which in range(18):
        e = np.zeros(9)
        e[which % 9] = 1
        e = e.reshape(3, 3)
        columns.append((scipy.signal.convolve2d(e, b) if which < 9 else scipy.signal.convolve2d(a, e)).ravel())
    assert np.linalg.matrix_rank(np.stack(columns, axis=1)) == v["q4_reachable"] < v["q4_one"]


# --- Pooling ------------------------------------------------------------------------------------------------------


@pytest.mark.checks("pooling/quiz")
def test_pooling_quiz_against_keras():
    import keras

    v = quiz("pooling")
    x = np.array([v[f"q1_row_{i}"] for i in range(4)], "float32")[None, :, :, None]
    np.testing.assert_allclose(np.asarray(keras.layers.MaxPooling2D(2)(x))[0, :, :, 0], v["q1_max"])
    np.testing.assert_allclose(np.asarray(keras.layers.AveragePooling2D(2)(x))[0, :, :, 0], v["q1_average"])

    i = v["q2_input"]
    assert out_shape(keras.layers.MaxPooling2D(2, padding="valid"), (i, i, 1))[0] == v["q2_valid"]
    assert out_shape(keras.layers.MaxPooling2D(2, padding="same"), (i, i, 1))[0] == v["q2_same"]
    read = {r for start in range(0, i - 1, 2) for r in (start, start + 1)}  # rows a valid 2x2, stride-2 pool reads
    assert i - len(read) == v["q2_unread"] >= 1

    pool = keras.layers.MaxPooling2D(2)
    assert out_shape(pool, (v["q3_size"], v["q3_size"], v["q3_channels"])) == tuple(v["q3_shape"])
    assert pool.count_params() == v["q3_parameters"] == 0

    size, channels, classes = v["q4_size"], v["q4_channels"], v["q4_classes"]
    inputs = keras.Input((size, size, channels))
    flat = keras.Model(inputs, keras.layers.Dense(classes)(keras.layers.Flatten()(inputs)))
    gap = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(keras.layers.Conv2D(classes, 1)(inputs)))
    assert flat.count_params() == v["q4_dense"] and gap.count_params() == v["q4_gap"]


# --- Batch normalisation ------------------------------------------------------------------------------------------


@pytest.mark.checks("batch_norm/quiz")
def test_batch_norm_quiz_against_keras_layers():
    import keras

    v = quiz("batch_norm")
    batch = np.array(v["q1_batch"], "float32")[:, None]
    bn = keras.layers.BatchNormalization(epsilon=1e-3, momentum=0.99)
    bn.build((None, 1))
    bn.gamma.assign([v["q1_gamma"]])
    bn.beta.assign([v["q1_beta"]])
    trained = np.asarray(bn(batch, training=True))[:, 0]
    np.testing.assert_allclose(v["q1_answer"], trained, atol=5e-4,
                               err_msg="batch_norm/quiz q1: differs from Keras's BatchNormalization(training=True)")
    assert v["q1_mean"] == pytest.approx(trained.mean(), abs=1e-5) == pytest.approx(v["q1_beta"], abs=1e-5)

    bn.moving_mean.assign([v["q2_moving_mean"]])
    bn.moving_variance.assign([v["q2_moving_variance"]])
    x = np.array([[v["q2_x"]]], "float32")
    assert v["q2_inference"] == pytest.approx(float(np.asarray(bn(x, training=False))[0, 0]), abs=1e-5)
    assert v["q2_training"] == pytest.approx(trained[list(v["q1_batch"]).index(v["q2_x"])], abs=1e-5)

    # Conv (one weight, no bias) then batch norm at inference, against the folded convolution on random inputs
    conv = keras.layers.Conv2D(1, 1, use_bias=False)
    norm = keras.layers.BatchNormalization(epsilon=1e-3)
    model = keras.Sequential([keras.Input((4, 4, 1)), conv, norm])
    conv.set_weights([np.full((1, 1, 1, 1), v["q3_weight"])])
    norm.set_weights([np.array([v["q1_gamma"]]), np.array([v["q1_beta"]]), np.array([v["q3_mean"]]),
                      np.array([v["q3_variance"]])])
    u = np.random.default_rng(0).normal(size=(2, 4, 4, 1)).astype("float32")
    np.testing.assert_allclose(np.asarray(model(u, training=False)), v["q3_kernel"] * u + v["q3_bias"], atol=1e-5)

    follower = keras.layers.BatchNormalization(momentum=v["q4_momentum"])
    follower.build((None, 1))
    steady = np.array([[v["q4_batch_mean"] - 1], [v["q4_batch_mean"] + 1]], "float32")  # mean q4_batch_mean
    for _ in range(v["q4_steps"]):
        follower(steady, training=True)
    assert float(np.asarray(follower.moving_mean)[0]) == pytest.approx(v["q4_answer"], abs=5e-3)


# --- Softmax ------------------------------------------------------------------------------------------------------


def numpy_softmax(z) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


@pytest.mark.checks("softmax/quiz")
def test_softmax_quiz_against_numpy_and_keras():
    import keras

    v = quiz("softmax")
    np.testing.assert_allclose(v["q1_answer"], numpy_softmax(v["q1_scores"]), atol=5e-4)
    np.testing.assert_allclose(v["q2_answer"], numpy_softmax(v["q2_scores"]), atol=5e-4)
    np.testing.assert_allclose(v["q2_answer"], v["q1_answer"])
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(np.array(v["q2_scores"], "float32"))
        naive = e / e.sum()
    assert np.isnan(naive).all() and v["q2_naive"] == ", ".join(["nan"] * len(naive))

    p = np.array(v["q3_probabilities"], "float32")
    rows = np.stack([p, 1 - p], axis=1)  # each example: its true class (0) and everything else
    keras_loss = float(np.mean(keras.losses.sparse_categorical_crossentropy(np.zeros(len(p)), rows)))
    assert v["q3_answer"] == pytest.approx(keras_loss, abs=1e-4)
    assert v["q3_share"] == pytest.approx(-math.log(min(p)) / -sum(math.log(q) for q in p), abs=1e-4)

    assert v["q4_geometric"] == pytest.approx(math.exp(-v["q4_loss"]))
    assert v["q4_loss"] < 1 < 1 / v["q4_accuracy"], "the loss is the small first number, the accuracy below 1"

    scaled = numpy_softmax(v["q5_scores"])
    np.testing.assert_allclose(v["q5_answer"], scaled, atol=5e-4)
    assert scaled.argmax() == np.argmax(v["q1_scores"]) and scaled.max() > max(v["q1_answer"])


# --- Augmentation -------------------------------------------------------------------------------------------------


@pytest.mark.checks("augmentation/quiz")
def test_augmentation_quiz_against_the_split_and_scipy():
    import scipy.ndimage

    from cnn_glossary.mnist.data import load_mnist
    from cnn_glossary.mnist.train import split

    v = quiz("augmentation")
    (x_fit, _), _, _ = split(load_mnist())
    assert v["q1_n"] == len(x_fit)
    assert v["q1_answer"] == math.ceil(len(x_fit) / v["q1_batch"])

    image = np.zeros((28, 28))
    for name, value in v.items():
        if name.startswith("q2_pixel_"):
            row, col = map(int, name.removeprefix("q2_pixel_").split("_"))
            image[row, col] = value
    read = scipy.ndimage.map_coordinates(image, [[v["q2_y"]], [v["q2_x"]]], order=1)[0]
    assert v["q2_answer"] == pytest.approx(read)

    # Shift an image holding one bright pixel at the answer's position; it must land on the question's pixel
    dot = np.zeros((28, 28))
    dot[int(v["q3_y"]), int(v["q3_x"])] = 1
    moved = scipy.ndimage.shift(dot, (v["q3_shift_y"], v["q3_shift_x"]), order=1)
    assert np.unravel_index(moved.argmax(), moved.shape) == (v["q3_out_y"], v["q3_out_x"])

    radius = math.hypot(13.5, 13.5)  # corner pixel (0, 0) to the centre of a 28x28 image
    assert v["q4_answer"] == pytest.approx(2 * radius * math.sin(math.radians(v["q4_angle"]) / 2), abs=5e-3)


# --- Learning rate ------------------------------------------------------------------------------------------------


def one_cycle_by_hand(step: int, total: int, peak: float = 0.1, warm_share: float = 0.25) -> float:
    """Our schedule, written out from the page's formula."""
    warm = warm_share * total
    if step < warm:
        return peak * (0.05 + 0.95 * step / warm)
    return peak / 2 * (1 + math.cos(math.pi * (step - warm) / (total - warm)))


@pytest.mark.checks("learning_rate/quiz")
def test_learning_rate_quiz_against_hand_formulas():
    from cnn_glossary.mnist.data import load_mnist
    from cnn_glossary.mnist.train import BATCH_SIZE, EPOCHS, split

    v = quiz("learning_rate")
    (x_fit, _), _, _ = split(load_mnist())
    per_epoch = math.ceil(len(x_fit) / BATCH_SIZE)
    total = EPOCHS * per_epoch
    assert v["q1_step"] < 0.25 * total <= v["q2_step"]
    assert v["q1_answer"] == pytest.approx(one_cycle_by_hand(v["q1_step"], total), rel=1e-5)
    assert v["q2_step"] == (v["q2_epoch"] - 1) * per_epoch
    assert v["q2_answer"] == pytest.approx(one_cycle_by_hand(v["q2_step"], total), rel=1e-5)

    # Two steps along the bowl's floor, f = c x² / 2, by the update rules on the page
    c, lr, mu = v["q4_curvature_x"], v["q3_lr"], v["q3_momentum"]
    x, x_momentum, velocity = v["q3_start"][0], v["q3_start"][0], 0.0
    for _ in range(2):
        x -= lr * c * x
        velocity = mu * velocity - lr * c * x_momentum
        x_momentum += velocity
    assert v["q3_plain"] == pytest.approx(x, abs=1e-5) and v["q3_with_momentum"] == pytest.approx(x_momentum, abs=1e-5)

    hessian = np.diag([v["q4_curvature_x"], v["q4_curvature_y"]])
    assert v["q4_answer"] == pytest.approx(2 / np.linalg.eigvalsh(hessian).max())

    def distance_after(rate: float, steps: int = 500) -> float:
        point = np.array([1.0, 1.0])
        for _ in range(steps):
            point = point - rate * hessian @ point
        return float(np.linalg.norm(point))

    assert distance_after(0.99 * v["q4_answer"]) < 1 < distance_after(1.01 * v["q4_answer"])
