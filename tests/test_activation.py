"""Activation page: autodiff derivatives vs closed forms, minima vs SciPy, Keras defaults, the collapse of
linear layers, and never-firing ReLU units vs a plain NumPy count."""

from __future__ import annotations

import inspect
import os

import numpy as np
import pytest
from scipy import optimize, special

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from cnn_glossary import activations as act  # noqa: E402
from cnn_glossary import publish  # noqa: E402

from .conftest import ROOT, published  # noqa: E402

SNIPPETS = ROOT / "snippets" / "activation"
X = np.linspace(-6, 6, 241) + 0.0123  # avoid the kink of ReLU-like functions at exactly 0


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def phi(x):  # standard normal CDF
    return 0.5 * (1 + special.erf(x / np.sqrt(2)))


LEAKY = inspect.signature(__import__("keras").layers.LeakyReLU).parameters["negative_slope"].default
CLOSED = {  # name prefix -> (f, f')
    "sigmoid": (sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x))),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "ReLU": (lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float)),
    "Leaky ReLU": (lambda x: np.where(x > 0, x, LEAKY * x), lambda x: np.where(x > 0, 1.0, LEAKY)),
    "ELU": (lambda x: np.where(x > 0, x, np.expm1(x)), lambda x: np.where(x > 0, 1.0, np.exp(x))),
    "GELU": (lambda x: x * phi(x), lambda x: phi(x) + x * np.exp(-x * x / 2) / np.sqrt(2 * np.pi)),
    "Swish": (lambda x: x * sigmoid(x), lambda x: sigmoid(x) * (1 + x * (1 - sigmoid(x)))),
}


def closed_form(name):
    (key,) = [k for k in CLOSED if name.startswith(k)]
    return CLOSED[key]


def test_seven_activations_are_drawn():
    names = list(act.activations())
    assert len(names) == 7
    for name in names:
        closed_form(name)


@pytest.mark.parametrize("name", list(CLOSED))
def test_autodiff_derivatives_match_closed_forms(name):
    fns = act.activations()
    (full,) = [n for n in fns if n.startswith(name)]
    y, dy = act.value_and_derivative(fns[full], X)
    f, df = closed_form(full)
    np.testing.assert_allclose(y, f(X), atol=1e-5)
    np.testing.assert_allclose(dy, df(X), atol=1e-5)


@pytest.mark.checks("activation/worked")
@pytest.mark.guards("activation.md", "through ten layers the slopes alone contribute a factor of at most")
@pytest.mark.guards("activation.md", "both are smooth and dip below zero")
@pytest.mark.guards("readme-map.md", "The sigmoid's slope never exceeds a quarter")
@pytest.mark.guards("activation.md", "Keras's own two defaults differ")
@pytest.mark.guards("activation.md", "Keras has two Leaky ReLU defaults")
def test_worked_numbers_against_scipy_and_closed_forms():
    c = publish.collect(SNIPPETS / "worked.py")
    v = {k: d["value"] for k, d in c.values.items()}
    # sigmoid' peaks at 0 with value 1/4
    res = optimize.minimize_scalar(lambda x: -sigmoid(x) * (1 - sigmoid(x)), bounds=(-5, 5), method="bounded")
    assert v["sigmoid_max_slope"] == pytest.approx(-res.fun, rel=1e-6) == pytest.approx(0.25)
    assert v["sigmoid_max_at"] == pytest.approx(res.x, abs=1e-3)
    assert v["ten_layers"] == pytest.approx((-res.fun) ** 10, rel=1e-6)
    assert v["ten_layers_inverse"] == pytest.approx(4.0**10, rel=1e-6)
    # the page: "the slopes alone contribute a factor of at most ..." -- no single sigmoid slope exceeds the max
    assert all(sigmoid(t) * (1 - sigmoid(t)) <= v["sigmoid_max_slope"] + 1e-12 for t in np.linspace(-20, 20, 4001))
    for name in ("GELU", "Swish"):
        f, _ = CLOSED[name]
        res = optimize.minimize_scalar(f, bounds=(-3, 0), method="bounded", options={"xatol": 1e-10})
        key = name.lower()
        assert v[f"{key}_min_at"] == pytest.approx(res.x, abs=1e-4)
        assert v[f"{key}_min"] == pytest.approx(res.fun, abs=1e-7)
        # the minimum's position to 1e-7 (Keras's float64 erf differs from SciPy's by ~1e-8 there): the root of the closed-form derivative, by SciPy's brentq
        root = optimize.brentq(CLOSED[name][1], -3.0, 0.0, xtol=1e-15, rtol=1e-15)
        assert v[f"{key}_min_at"] == pytest.approx(root, abs=1e-7)
        assert v[f"{key}_min"] == pytest.approx(f(root), abs=1e-8)
        # and as the page prints them (fmt .4f)
        assert format(v[f"{key}_min_at"], ".4f") == format(root, ".4f")
        assert format(v[f"{key}_min"], ".4f") == format(f(root), ".4f")
    # Keras's defaults, from the objects themselves rather than their signatures
    import keras

    assert v["leaky_layer_slope"] == pytest.approx(float(keras.layers.LeakyReLU().negative_slope))
    x = np.array([-1.0], dtype="float32")
    assert v["leaky_function_slope"] == pytest.approx(-float(keras.activations.leaky_relu(x)[0]))
    assert v["leaky_layer_slope"] != v["leaky_function_slope"]


@pytest.mark.parametrize("name, keras_name", [("Swish", "silu"), ("GELU", "gelu")])
def test_minimum_by_bisection_matches_brentq_on_the_closed_form_derivative(name, keras_name):
    import keras

    fn = getattr(keras.activations, keras_name)
    f, df = CLOSED[name]
    root = optimize.brentq(df, -3.0, 0.0, xtol=1e-15, rtol=1e-15)
    at, lowest = act.minimum(fn, -3.0, 0.0)
    assert at == pytest.approx(root, abs=1e-7)
    assert lowest == pytest.approx(f(root), abs=1e-8)


def test_minimum_by_bisection_rejects_a_bad_bracket():
    import keras

    with pytest.raises(ValueError):
        act.minimum(keras.activations.silu, 0.0, 3.0)


def test_compose_dense_and_conv_by_numpy_loops():
    rng = np.random.default_rng(1)
    w1, b1, w2, b2 = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 2)), rng.normal(size=2)
    x = rng.normal(size=(5, 3))
    w, b = act.compose_dense(w1, b1, w2, b2)
    np.testing.assert_allclose(x @ w + b, (x @ w1 + b1) @ w2 + b2, atol=1e-12)

    def conv_valid(x, k, bias):  # plain loop, Keras layout (h, w, c_in) * (kh, kw, c_in, c_out)
        kh, kw, _, co = k.shape
        out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1, co))
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                out[i, j] = np.einsum("abc,abco->o", x[i : i + kh, j : j + kw], k) + bias
        return out

    k1, c1 = rng.normal(size=(3, 3, 2, 3)), rng.normal(size=3)
    k2, c2 = rng.normal(size=(3, 2, 3, 4)), rng.normal(size=4)
    x = rng.normal(size=(9, 8, 2))
    k, kb = act.compose_conv(k1, c1, k2, c2)
    assert k.shape == (5, 4, 2, 4)
    np.testing.assert_allclose(conv_valid(x, k, kb), conv_valid(conv_valid(x, k1, c1), k2, c2), atol=1e-10)


@pytest.mark.checks("activation/collapse")
@pytest.mark.guards("activation.md", "(float32 rounding)")
@pytest.mark.guards("activation.md", "The ReLU has made the map nonlinear")
def test_collapse_snippet():
    c = publish.collect(SNIPPETS / "collapse.py")
    v = {k: d["value"] for k, d in c.values.items()}
    assert v["dense_max_diff"] < 1e-4
    assert v["conv_max_diff"] < 1e-4
    assert v["conv_kernel"] == "5x5"
    assert v["relu_max_diff"] > 100 * v["conv_max_diff"]
    assert v["conv_params_two"] == (3 * 3 * 3 + 1) * 4 + (3 * 3 * 4 + 1) * 2
    assert v["conv_params_one"] == 5 * 5 * 3 * 2 + 2


@pytest.mark.checks("activation/collapse")
@pytest.mark.guards("activation.md", "The stack is still one linear map plus a constant, but near the border it is not a")
@pytest.mark.guards("activation.md", "away from the border, and is off by up to")
@pytest.mark.guards("activation.md", "holds for convolutions without padding")
@pytest.mark.guards("activation.md", "one convolution too, if the layers use")
def test_same_padding_stack_is_affine_but_one_convolution_only_away_from_the_border():
    """tf.nn.conv2d as the oracle: two 'same' 3x3 layers are affine, and the 5x5 kernel read off the 'valid' stack
    (its response to one-pixel impulses, not compose_conv) reproduces them inside but not on the outer ring."""
    import tensorflow as tf

    c = publish.collect(SNIPPETS / "collapse.py")
    v = {k: d["value"] for k, d in c.values.items()}
    assert v["same_inner_max_diff"] < 1e-4 < v["same_edge_max_diff"] / 100

    rng = np.random.default_rng(3)
    k1, b1 = tf.constant(rng.normal(size=(3, 3, 3, 4))), tf.constant(rng.normal(size=4))
    k2, b2 = tf.constant(rng.normal(size=(3, 3, 4, 2))), tf.constant(rng.normal(size=2))

    def stack(x, padding):
        h = tf.nn.conv2d(tf.constant(x), k1, 1, padding) + b1
        return (tf.nn.conv2d(h, k2, 1, padding) + b2).numpy()

    size = 5  # the composed field of two 3x3 layers
    offset = stack(np.zeros((1, size, size, 3)), "VALID")[0, 0, 0]
    kernel = np.zeros((size, size, 3, 2))
    for a in range(size):
        for b in range(size):
            for ch in range(3):
                impulse = np.zeros((1, size, size, 3))
                impulse[0, a, b, ch] = 1
                kernel[a, b, ch] = stack(impulse, "VALID")[0, 0, 0] - offset

    x, y = rng.normal(size=(2, 4, 12, 12, 3))
    valid = tf.nn.conv2d(tf.constant(x), tf.constant(kernel), 1, "VALID").numpy() + offset
    np.testing.assert_allclose(stack(x, "VALID"), valid, atol=1e-9)  # without padding: one convolution
    two = stack(x, "SAME")
    one = tf.nn.conv2d(tf.constant(x), tf.constant(kernel), 1, "SAME").numpy() + offset
    diff = np.abs(two - one)
    assert diff[:, 1:-1, 1:-1].max() < 1e-9  # one convolution away from the border
    ring = np.concatenate([diff[:, [0, -1]].ravel(), diff[:, :, [0, -1]].ravel()])
    assert ring.max() > 0.1  # but not on the outermost ring
    zero = stack(np.zeros_like(x), "SAME")
    np.testing.assert_allclose(stack(x + 2 * y, "SAME") - zero, (two - zero) + 2 * (stack(y, "SAME") - zero),
                               atol=1e-9)  # affine: linear after the constant is removed


@pytest.mark.guards("activation.md", "its weight gradients can mix signs even when every input is positive")
@pytest.mark.guards("activation.md", "each weight's gradient adds up error signal times input over every position")
def test_shared_convolution_weights_can_get_mixed_sign_gradients_from_positive_inputs():
    """A filter's weight gradient sums error signal times input over positions (a plain loop here), and
    tf.GradientTape through tf.nn.conv1d agrees: all-positive inputs, error signals of both signs, mixed signs."""
    import tensorflow as tf

    x = np.array([1.0, 2.0, 1.0])  # every input positive
    delta = np.array([1.0, -1.0])  # the error signals at the two 'valid' output positions
    by_hand = np.array([sum(delta[p] * x[p + j] for p in range(2)) for j in range(2)])
    w = tf.Variable(np.array([0.3, -0.2]).reshape(2, 1, 1))
    with tf.GradientTape() as tape:
        out = tf.nn.conv1d(tf.constant(x.reshape(1, 3, 1)), w, 1, "VALID")[0, :, 0]
        loss = tf.reduce_sum(out * tf.constant(delta))  # dL/d(out) = delta
    grad = tape.gradient(loss, w).numpy().ravel()
    np.testing.assert_allclose(grad, by_hand)
    assert (x > 0).all() and grad.min() < 0 < grad.max()


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
@pytest.mark.checks("activation/dead_units")
@pytest.mark.guards("activation.md", "why the first layer is quiet")
@pytest.mark.guards("activation.md", "In the first layer, part of the silence has a simple cause")
@pytest.mark.guards("activation.md", "ReLU units that never fire in our network")
@pytest.mark.guards("activation.md", "output zero for all")
@pytest.mark.guards("activation.md", "channels never fire")
@pytest.mark.guards("activation.md", "window sees only zero pixels in every test image")
def test_never_firing_counts_against_numpy():
    """The snippet's table, checked on the frozen model against a plain per-layer count."""
    import keras

    from cnn_glossary.mnist import results
    from cnn_glossary.mnist.data import load_mnist

    c = published("activation/dead_units")
    model = results.load_result().load_model()
    x = load_mnist().x_test.astype("float32")[..., None] / 255.0
    rows = c.tables["dead"]["rows"]
    relus = [layer for layer in model.layers if isinstance(layer, keras.layers.ReLU)]
    assert [r[0] for r in rows] == [layer.name for layer in relus]
    assert c.values["n_images"]["value"] == len(x) == 10_000
    for row, layer in zip(rows, relus[:2]):  # the two largest layers, recomputed independently
        probe = keras.Model(model.inputs[0], layer.output)
        out = np.concatenate([np.asarray(probe(x[i : i + 2000])) for i in range(0, len(x), 2000)])
        never = ~(out > 0).any(axis=0)
        assert row[2] == never.size and row[3] == never.sum()
        assert row[4] == pytest.approx(never.mean())
        assert row[6] == never.reshape(-1, never.shape[-1]).all(axis=0).sum()
    assert c.values["dead_units"]["value"] == sum(r[3] for r in rows)
    assert c.values["dead_units"]["value"] > 0  # the heading says our network has such units
    assert c.values["total_units"]["value"] == sum(r[2] for r in rows)
    # blank border: positions whose 3x3 window sees no ink in any test image
    ink = np.pad(x[..., 0].max(axis=0) > 0, 1)
    blank = sum(not ink[i : i + 3, j : j + 3].any() for i in range(28) for j in range(28))
    assert c.values["blank_positions"]["value"] == blank
    assert c.values["first_dead_on_blank"]["value"] <= min(blank * rows[0][5], rows[0][3])
    # the page says part of the first layer's silence sits on the blank border: keep that true
    assert c.values["first_dead_on_blank"]["value"] > 0


@pytest.mark.checks("activation/unit")
@pytest.mark.guards("activation.md", "ReLU passes the positive $z$ and turns the negative one into 0")
@pytest.mark.guards("activation.md", "Sigmoid's outputs are both positive; tanh keeps the sign")
def test_unit_example_by_hand():
    """Two units: the pre-activations by a plain loop, each activation's output by its closed form."""
    import re

    c = publish.collect(SNIPPETS / "unit.py")
    v = {k: d["value"] for k, d in c.values.items()}
    minus = lambda t: float(t.replace("−", "-").strip("()"))  # noqa: E731
    x = [minus(t) for t in v["inputs"].split(", ")]
    zs = {}
    for unit in ("A", "B"):
        terms, total = v[f"sum_{unit}"].split(" = ")
        *products, bias = terms.split(" + ")
        z = minus(bias)
        for k, product in enumerate(products):
            w, xi = (minus(t) for t in product.split("·"))
            assert xi == x[k]
            z += w * xi
        assert z == pytest.approx(minus(total)) == pytest.approx(v[f"z_{unit}"])
        zs[unit] = z
    rows = c.tables["outputs"]["rows"]
    assert len(rows) == 7
    for name, out_a, out_b in rows:
        f, _ = closed_form(name)
        assert out_a == pytest.approx(float(f(np.array(zs["A"]))), abs=1e-6)
        assert out_b == pytest.approx(float(f(np.array(zs["B"]))), abs=1e-6)
    # the page's reading of the table: A is negative, B positive; ReLU zeroes A and passes B;
    # sigmoid outputs are both in (0, 1); tanh keeps each sign
    table = {r[0].split(" (")[0]: r[1:] for r in rows}
    assert zs["A"] < 0 < zs["B"]
    assert list(table["ReLU"]) == [0.0, pytest.approx(zs["B"])]
    assert all(0 < o < 1 for o in table["sigmoid"])
    assert np.sign(table["tanh"]).tolist() == [-1, 1]
    assert re.search(r"z = -0\.4", c.tables["outputs"]["headers"][1])


@pytest.mark.checks("activation/zero_centred")
@pytest.mark.guards("activation.md", "not for zero-centred outputs: ReLU's are never negative either")
@pytest.mark.guards("activation.md", "all of its weight gradients share one sign for a given example")
@pytest.mark.guards("activation.md", "Its outputs are all positive, and ReLU's are never negative")
@pytest.mark.guards("activation.md", "ReLU's outputs are never negative either, so this is a reason to prefer tanh")
def test_weight_gradient_signs_by_the_chain_rule():
    """dL/dw_i = (z - target) * input_i by hand; sigmoid inputs give one sign, ReLU inputs one sign or none
    (zero inputs), tanh inputs both signs."""
    rng = np.random.default_rng(5)
    a, w = sigmoid(rng.normal(size=6)), rng.normal(size=6)
    dz, dw = act.weight_gradient(a, w, 0.3, 1.0)
    assert dz == pytest.approx(a @ w + 0.3 - 1.0)
    np.testing.assert_allclose(dw, dz * a, rtol=1e-12)
    # ReLU's outputs are never negative either, so they give one-sign weight gradients too (a zero input, none)
    r = np.maximum(rng.normal(size=12), 0.0)
    _, dw_relu = act.weight_gradient(r, rng.normal(size=12), 0.3, 1.0)
    assert (r >= 0).all() and (r > 0).any() and (r == 0).any()
    assert len(set(np.sign(dw_relu[r > 0]))) == 1 and (dw_relu[r == 0] == 0).all()

    c = publish.collect(SNIPPETS / "zero_centred.py")
    v = {k: d["value"] for k, d in c.values.items()}
    n = v["n_weights"]
    for name in ("sigmoid", "relu", "tanh"):
        assert v[f"{name}_positive"] + v[f"{name}_negative"] + v[f"{name}_zero"] == n
        assert len(v[f"{name}_signs"].split()) == n
    assert v["sigmoid_zero"] == v["tanh_zero"] == 0
    inputs = [float(t.replace("−", "-")) for t in v["sigmoid_inputs"].split(", ")]
    assert all(0 < t < 1 for t in inputs)
    # the page: one sign for sigmoid inputs, both signs for tanh inputs
    assert n in (v["sigmoid_positive"], v["sigmoid_negative"])
    assert v["tanh_positive"] > 0 and v["tanh_negative"] > 0
    # ReLU: the inputs are never negative, so the weight gradients that are not zero share one sign
    relu_inputs = [float(t.replace("−", "-")) for t in v["relu_inputs"].split(", ")]
    assert all(t >= 0 for t in relu_inputs) and 0 < v["relu_zero"] < n
    assert 0 in (v["relu_positive"], v["relu_negative"])
    # ReLU of the same pre-activations: positive exactly where the sigmoid is above 1/2, and equal to the
    # pre-activation recovered from the sigmoid (both printed to two decimals, so within their rounding)
    sig = np.array(inputs)
    assert ((np.array(relu_inputs) > 0) == (sig > 0.5)).all()
    z = np.log(sig / (1 - sig))
    rounding = 0.005 + 0.005 / (sig * (1 - sig))  # the ReLU value's rounding plus the sigmoid's, carried through
    assert (np.abs(np.array(relu_inputs) - np.maximum(z, 0)) <= rounding + 1e-12).all()
    # each sign is the error signal's sign times the input's sign
    for name in ("sigmoid", "relu", "tanh"):
        xs = [float(t.replace("−", "-")) for t in v[f"{name}_inputs"].split(", ")]
        expected = ["+" if np.sign(v[f"{name}_dz"]) * np.sign(t) > 0 else "−" if np.sign(v[f"{name}_dz"]) * np.sign(t) < 0
                    else "0" for t in xs]
        assert v[f"{name}_signs"].split() == expected


def _tiny_relu_model(two_layers: bool = True):
    """A small conv net with set weights: channel 1 of the first layer can never fire on non-negative images
    (negative weights, negative bias); the others fire somewhere."""
    import keras

    inp = keras.Input((6, 6, 1))
    c1 = keras.layers.Conv2D(3, 3, padding="same", name="c1")
    h = keras.layers.ReLU(name="r1")(c1(inp))
    outputs = h
    if two_layers:
        c2 = keras.layers.Conv2D(2, 3, padding="valid", name="c2")
        outputs = keras.layers.ReLU(name="r2")(c2(h))
    model = keras.Model(inp, outputs)
    rng = np.random.default_rng(5)
    w1 = rng.normal(size=(3, 3, 1, 3)).astype("float32")
    w1[..., 1] = -np.abs(w1[..., 1])
    c1.set_weights([w1, np.array([0.1, -0.1, -0.5], "float32")])
    if two_layers:
        c2.set_weights([rng.normal(size=(3, 3, 3, 2)).astype("float32"), np.array([-0.2, -3.0], "float32")])
    return model


@pytest.mark.parametrize("two_layers, batch_size", [(True, 4), (True, 1000), (False, 3)])
def test_never_firing_against_each_layer_run_on_all_images_at_once(two_layers, batch_size):
    import keras

    model = _tiny_relu_model(two_layers)
    x = np.random.default_rng(6).random((10, 6, 6, 1)).astype("float32")
    x[:, :2, :2] = 0  # a blank corner
    rows = act.never_firing(model, x, batch_size=batch_size)
    relus = [layer for layer in model.layers if isinstance(layer, keras.layers.ReLU)]
    assert [r["layer"] for r in rows] == [layer.name for layer in relus]
    for row, layer in zip(rows, relus):
        out = np.asarray(keras.Model(model.inputs[0], layer.output)(x))  # every image in one call
        never = np.all(out <= 0, axis=0)  # a plain reading: the unit is zero on every image
        assert row["shape"] == never.shape and row["units"] == never.size
        assert row["channels"] == never.shape[-1]
        np.testing.assert_array_equal(row["dead_mask"], never)
        assert row["dead_units"] == sum(bool(v) for v in never.ravel())
        assert row["dead_channels"] == sum(bool(never[..., ch].all()) for ch in range(never.shape[-1]))
    assert rows[0]["dead_channels"] >= 1 and rows[0]["dead_units"] < rows[0]["units"]  # both cases occur


@pytest.mark.parametrize("kernel_size", [1, 3, 5])
def test_blank_patches_by_a_loop_over_windows(kernel_size):
    rng = np.random.default_rng(kernel_size)
    x = (rng.random((4, 9, 8, 2)) > 0.93).astype("float32")  # sparse ink over two channels
    x[:, :, :3] = 0  # and a blank left margin, wider than any window's half
    blank = act.blank_patches(x, kernel_size)
    r = kernel_size // 2
    ink = x.max(axis=(0, 3)) > 0
    want = np.zeros((9, 8), bool)
    for i in range(9):
        for j in range(8):
            window = ink[max(0, i - r): i + r + 1, max(0, j - r): j + r + 1]
            want[i, j] = not window.any()
    np.testing.assert_array_equal(blank, want)
    assert want.any() and not want.all()
    if kernel_size == 3:  # the default window is our network's first kernel, 3x3
        np.testing.assert_array_equal(act.blank_patches(x), want)
    # images without a channel axis read the same
    np.testing.assert_array_equal(act.blank_patches(x[..., :1].max(axis=3), kernel_size),
                                  act.blank_patches(x[..., :1], kernel_size))


def test_weight_gradient_in_float64_whatever_the_inputs_type():
    """Integer lists and float32 arrays are computed in float64: the chain rule holds to 1e-12."""
    for inputs, w in (([1, 0, 2], [3, -1, 2]), (np.float32([0.1, 0.7, 0.3]), np.float32([0.3, -0.2, 0.9]))):
        a, wv = np.asarray(inputs, dtype="float64"), np.asarray(w, dtype="float64")
        dz, dw = act.weight_gradient(inputs, w, 0.25, -1.0)
        assert dz == pytest.approx(a @ wv + 0.25 + 1.0, rel=1e-12)
        np.testing.assert_allclose(dw, dz * a, rtol=1e-12)


def test_never_firing_reads_every_image_in_inference_mode():
    """A unit only the first image wakes is alive; batch norm uses its moving statistics, not the batch's."""
    import keras

    inp = keras.Input((4, 4, 1))
    conv = keras.layers.Conv2D(1, 1, use_bias=False, name="c")
    norm = keras.layers.BatchNormalization(name="bn")
    model = keras.Model(inp, keras.layers.ReLU(name="r")(norm(conv(inp))))
    conv.set_weights([np.ones((1, 1, 1, 1), "float32")])
    # moving mean 0.5, variance 1: in inference a pixel fires when it is above 0.5; with the batch's own
    # statistics (training mode) the brightest pixels of a batch would fire instead
    norm.set_weights([np.ones(1, "float32"), np.zeros(1, "float32"), np.full(1, 0.5, "float32"),
                      np.ones(1, "float32")])
    x = np.zeros((5, 4, 4, 1), "float32")
    x[0, 0, 0] = 1.0  # only the first image has a bright pixel, top left
    x[1:, 3, 3] = 0.4  # the others are dim everywhere, bottom right
    (row,) = act.never_firing(model, x, batch_size=2)
    alive = ~row["dead_mask"][..., 0]
    assert alive[0, 0] and alive.sum() == 1  # the first image counts; the dim pixels never pass 0.5


@pytest.mark.guards("activation.md", "softmax, which ends our MNIST network, reads all ten scores")
def test_relu_acts_on_each_unit_alone_and_our_softmax_reads_all_ten_scores():
    """Change one input: an element-wise activation changes one output, softmax changes all of them. Our trained
    network ends with a softmax over ten scores."""
    import keras

    from cnn_glossary.mnist import results

    model = results.load_result().load_model()
    last = model.layers[-1]
    assert type(last).__name__ == "Softmax" and tuple(last.output.shape[1:]) == (10,)
    z = np.random.default_rng(2).normal(size=(1, 10)).astype("float32")
    bumped = z.copy()
    bumped[0, 3] += 1.0
    for f in (keras.activations.relu, keras.activations.sigmoid, keras.activations.tanh):
        changed = np.flatnonzero(np.asarray(f(bumped)) != np.asarray(f(z)))
        assert changed.tolist() in ([3], []), f.__name__  # only the unit whose input moved
    changed = np.flatnonzero(np.abs(np.asarray(last(bumped)) - np.asarray(last(z))) > 1e-7)
    assert changed.size == 10  # every probability moved
