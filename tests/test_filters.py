"""The Filters page's snippets against independent oracles: SciPy, Keras count_params, least squares."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import correlate2d

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.mnist.data import load_mnist
from cnn_glossary.kernels import DIGIT_INDEX, HAND_FILTERS, SOBEL_X, sobel_pairs

from .conftest import ROOT, published

keras = pytest.importorskip("keras")
SNIPPETS = ROOT / "snippets" / "filters"


def values(c):
    return {k: d["value"] for k, d in c.values.items()}


@pytest.fixture(scope="module")
def digit():
    return load_mnist().x_test[DIGIT_INDEX].astype("float64") / 255.0


@pytest.fixture(scope="module")
def model():
    return results.load_result().load_model()


@pytest.mark.checks("filters/hand_designed")
@pytest.mark.guards("filters.md", "so it overshoots on both sides of a stroke")
@pytest.mark.guards("filters.md", "with opposite signs where a stroke begins and ends")
def test_hand_filters_against_scipy(digit):
    c = publish.collect(SNIPPETS / "hand_designed.py")
    v = values(c)
    responses = np.array(v["responses"])
    assert v["digit_label"] == load_mnist().y_test[DIGIT_INDEX]
    for i, (name, kernel) in enumerate(HAND_FILTERS.items()):
        ref = correlate2d(np.pad(digit, 1), kernel, mode="valid")  # "same" padding by hand
        assert np.allclose(responses[:, :, i], ref, atol=1e-3), name
        key = name.replace(" ", "_").lower()
        assert v[f"{key}_min"] == pytest.approx(ref.min(), abs=1e-4)
        assert v[f"{key}_max"] == pytest.approx(ref.max(), abs=1e-4)
    assert np.allclose(responses[:, :, 0], digit, atol=1e-4)  # identity (published rounded to 4 decimals)
    # the page: sharpen overshoots the [0, 1] pixel range on both sides; Sobel x and y give both signs
    sharpen = correlate2d(np.pad(digit, 1), HAND_FILTERS["sharpen"], mode="valid")
    assert sharpen.min() < 0 and sharpen.max() > 1
    for name in ("Sobel x", "Sobel y"):
        ref = correlate2d(np.pad(digit, 1), HAND_FILTERS[name], mode="valid")
        assert ref.min() < 0 < ref.max(), name
    assert c.figures["hand_filters"].format == "png"
    # the caption names, for each colour scale, the panels drawn in it: signed responses (SciPy's, above) diverging
    from cnn_glossary.figures.conv import SCALE_WORDS

    caption = c.figures["hand_filters"].caption
    for name, kernel in HAND_FILTERS.items():
        signed = bool((correlate2d(np.pad(digit, 1), kernel, mode="valid") < -1e-9).any())
        words = SCALE_WORDS["PuOr_r" if signed else "gray_r"]
        part = next(p for p in caption.split("Colours: ")[1].rstrip(".").split("; ") if p.endswith(words))
        assert name in part.split(": ")[0].split(", "), (name, caption)


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
@pytest.mark.checks("filters/learned")
def test_learned_filters(model, digit):
    c = published("filters/learned")
    v = values(c)
    kernels = np.array(v["kernels"])
    layer = model.get_layer("conv1")
    assert kernels.shape == tuple(layer.kernel.shape) == (3, 3, 1, 16)
    assert np.allclose(kernels, layer.get_weights()[0])
    # the responses are what the model's own conv1 layer outputs, and what SciPy computes
    conv1 = np.asarray(keras.Model(model.input, layer.output)(digit[None, :, :, None].astype("float32")))[0]
    responses = np.array(v["responses"])
    assert np.allclose(responses, conv1, atol=1e-3)
    for f in range(16):
        assert np.allclose(responses[:, :, f], correlate2d(np.pad(digit, 1), kernels[:, :, 0, f], "valid"), atol=1e-3)
    # the "closest hand filter" column: recompute every cosine by a plain loop
    for f, total, name, cos, _ in c.tables["closest"]["rows"]:
        w = kernels[:, :, 0, f].ravel()
        cosines = {n: float(np.dot(w, h.ravel()) / np.sqrt(np.dot(w, w) * np.dot(h.ravel(), h.ravel())))
                   for n, h in HAND_FILTERS.items()}
        best = max(cosines, key=lambda n: abs(cosines[n]))
        assert name == best and cos == pytest.approx(cosines[best], abs=1e-6)
        assert total == pytest.approx(w.sum(), abs=1e-6)


def _window_entries(layer, height: int, width: int) -> int:
    """How many numbers the layer's windows read at all positions, padded cells included: TensorFlow's own patch
    extraction on a (height, width) input with the layer's kernel size, stride and padding."""
    import tensorflow as tf

    k, s = layer.kernel_size, layer.strides
    x = tf.zeros((1, height, width, layer.input.shape[-1]))
    patches = tf.image.extract_patches(x, sizes=[1, *k, 1], strides=[1, *s, 1], rates=[1, *layer.dilation_rate, 1],
                                       padding=layer.padding.upper())
    return int(np.prod(patches.shape[1:]))


@pytest.mark.checks("filters/sharing")
@pytest.mark.guards("filters.md", "have no biases: batch normalisation follows each of them")
@pytest.mark.guards("filters.md", "Windows alone bring that down to")
@pytest.mark.guards("filters.md", "keeps the count from growing with the image")
@pytest.mark.guards("convolution.md", "so their number does not grow with the image")
@pytest.mark.guards("glossary.md", "so that the number of weights does not grow with the image")
def test_parameter_sharing_against_keras(model):
    c = publish.collect(SNIPPETS / "sharing.py")
    rows = c.tables["sharing"]["rows"]
    conv_layers = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert [r[0] for r in rows] == [layer.name for layer in conv_layers]
    for (name, _, _, biases, conv, local, dense, windows, sharing), layer in zip(rows, conv_layers):
        # locally connected: one weight per window entry (TensorFlow's patches) and output channel, and one bias
        # per output number when the layer has biases
        h, w = layer.input.shape[1:3]
        n_out = int(np.prod(layer.output.shape[1:]))
        assert local == _window_entries(layer, h, w) * layer.filters + (n_out if layer.use_bias else 0), name
        assert conv <= local <= dense, name  # windows never add weights, sharing never adds weights
        assert windows == pytest.approx(dense / local) and sharing == pytest.approx(local / conv)
        # sharing: Keras's count is the same on a twice larger image, the locally connected count is not
        twice = keras.layers.Conv2D.from_config(layer.get_config())
        twice.build((None, 2 * h, 2 * w, layer.input.shape[-1]))
        assert twice.count_params() == conv, name
        assert _window_entries(layer, 2 * h, 2 * w) * layer.filters > local, name
        assert biases == (len(layer.get_weights()[1]) if len(layer.get_weights()) == 2 else 0), name
        k = layer.kernel_size[0]
        cin, cout = layer.input.shape[-1], layer.filters
        assert conv == k * k * cin * cout + (cout if layer.use_bias else 0)
        n_in = int(np.prod(layer.input.shape[1:]))
        n_out = int(np.prod(layer.output.shape[1:]))
        dense_layer = keras.layers.Dense(n_out, use_bias=layer.use_bias)
        dense_layer.build((None, n_in))
        assert dense == dense_layer.count_params(), name
        del dense_layer
    v = values(c)
    first = rows[0]
    assert v["conv1_local_parameters"] == first[5] and v["conv1_dense_parameters"] == first[6]
    assert v["conv1_ratio"] == pytest.approx(first[6] / first[4])
    assert v["conv1_positions"] == int(np.prod(conv_layers[0].output.shape[1:3]))
    if not conv_layers[0].use_bias:  # then sharing divides by exactly the number of positions
        assert v["conv1_sharing_factor"] == pytest.approx(v["conv1_positions"])
    assert v["conv1_locality_factor"] > 1 and v["conv1_sharing_factor"] > 1  # "bring that down", "divides by more"
    assert v["total_local"] == sum(r[5] for r in rows)
    assert v["total_conv"] == sum(r[4] for r in rows)
    assert v["total_dense"] == sum(r[6] for r in rows)
    assert v["conv1_parameters"] == conv_layers[0].count_params()
    # the page's sentence about biases, checked against every layer's weights (a bias is a second weight array)
    note = v["bias_note"]
    for layer in conv_layers:
        weights = layer.get_weights()
        if len(weights) == 2:
            n_out = int(np.prod(layer.output.shape[1:]))
            assert f"{layer.name} has {len(weights[1])} biases" in note and f"would have {n_out:,}" in note
        else:
            assert layer.name in note.split(" have no biases")[0], layer.name
    assert v["conv1_input"] == str(tuple(conv_layers[0].input.shape[1:]))
    assert v["conv1_output"] == str(tuple(conv_layers[0].output.shape[1:]))


def least_squares_kernel(x, y):
    """Closed form: every 3x3 patch (plus a 1 for the bias) against its target, solved by lstsq."""
    patches = sliding_window_view(x[..., 0], (3, 3), axis=(1, 2)).reshape(-1, 9).astype("float64")
    a = np.hstack([patches, np.ones((len(patches), 1))])
    solution, *_ = np.linalg.lstsq(a, y.reshape(-1).astype("float64"), rcond=None)
    return solution[:9].reshape(3, 3), solution[9]


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
@pytest.mark.checks("filters/learn_sobel")
def test_learned_sobel_against_least_squares():
    c = published("filters/learn_sobel")
    v = values(c)
    n = v["n_digits"]
    for convolve, key in ((False, "learned"), (True, "learned_from_convolution")):
        x, y = sobel_pairs(n, convolve=convolve)
        closed, bias = least_squares_kernel(x, y)
        expected = SOBEL_X[::-1, ::-1] if convolve else SOBEL_X
        assert np.allclose(closed, expected, atol=1e-4) and abs(bias) < 1e-4  # the problem has this solution
        assert np.allclose(np.array(v[key]), closed, atol=0.05)  # and training found it
    learned = np.array(v["learned"])
    flipped = np.array(v["learned_from_convolution"])
    assert v["max_error"] == pytest.approx(np.abs(learned - SOBEL_X).max())
    assert v["max_error_flipped"] == pytest.approx(np.abs(flipped - SOBEL_X[::-1, ::-1]).max())
    assert v["max_error_unflipped"] == pytest.approx(np.abs(flipped - SOBEL_X).max())
    assert v["max_error_unflipped"] > 1.0 > 0.05 > v["max_error_flipped"]


@pytest.mark.slow  # a plain loop over 20,000 random directions (seconds); make test runs it
@pytest.mark.checks("filters/learned")
def test_resemblance_sentence_follows_the_chance_baseline(model):
    """The chance baseline recomputed with another generator and a plain loop over directions on the sphere."""
    c = published("filters/learned")
    v = values(c)
    rng = np.random.default_rng(12345)  # not the snippet's seed: an independent sample
    hand = [h.ravel() / np.linalg.norm(h) for h in HAND_FILTERS.values()]
    best = []
    for _ in range(20000):
        w = rng.normal(size=9)
        w /= np.linalg.norm(w)
        best.append(max(abs(float(w @ h)) for h in hand))
    assert v["chance_median"] == pytest.approx(np.median(best), abs=0.01)
    p90 = float(np.quantile(best, 0.9))
    assert v["chance_p90"] == pytest.approx(p90, abs=0.01)
    rows = c.tables["closest"]["rows"]
    for _, _, _, cos, share in rows:
        assert share == pytest.approx(float(np.mean(np.array(best) < abs(cos))), abs=0.015)
    above = sum(abs(r[3]) > v["chance_p90"] for r in rows)
    assert v["above_chance_p90"] == above
    sentence = v["resemblance"]
    assert "90%" in sentence and str(len(rows)) in sentence
    if 0 < above < len(rows):
        assert f"the other {len(rows) - above} do not" in sentence
    if above > 0:  # the count expected by chance: a binomial mean, kernels independently past the 90th percentile
        from scipy.stats import binom

        assert f"about {round(binom(len(rows), 0.1).mean())} of {len(rows)})" in sentence
    # and the figure's caption names the decimals the kernels are printed with
    assert "rounded to 2 decimals" in c.figures["learned_filters"].caption


def test_weights_never_print_minus_zero():
    from cnn_glossary.figures.conv import weight_text

    assert weight_text(-0.004, 2) == "0.00" and weight_text(-0.04, 1) == "0.0" and weight_text(-0.05, 2) == "-0.05"
    assert weight_text(0.126, 2) == "0.13" and weight_text(-1.0, 0) == "-1"


@pytest.mark.checks("filters/dense_as_conv")
def test_dense_is_a_conv_whose_kernel_covers_the_input():
    c = publish.collect(SNIPPETS / "dense_as_conv.py")
    v = values(c)
    x, w, b = np.array(v["input"], dtype="float64"), np.array(v["weights"]), np.array(v["bias"])
    size, cin, units = v["size"], v["channels_in"], v["units"]
    assert tuple(v["kernel_shape"]) == (size, size, cin, units) and x.shape[1:3] == (size, size)
    # NumPy oracle: the dense layer is a matrix product on the flattened input
    dense = x.reshape(1, -1) @ w + b
    # a plain loop: the convolution at its one position, a sum over every row, column and channel
    conv = np.array([sum(x[0, i, j, ch] * w.reshape(size, size, cin, units)[i, j, ch, u]
                         for i in range(size) for j in range(size) for ch in range(cin)) + b[u]
                     for u in range(units)])
    assert np.allclose(dense[0], conv)
    assert np.allclose(np.array(v["y_conv"]).reshape(-1), conv, atol=1e-4)
    assert tuple(v["conv_output_shape"]) == (1, 1, units)
    assert v["max_abs_difference"] < 1e-5 and v["conv_parameters"] == v["dense_parameters"] == w.size + b.size


@pytest.mark.checks("filters/worked")
def test_worked_sobel_products():
    c = publish.collect(SNIPPETS / "worked.py")
    v = values(c)
    image, kernel = np.array(v["image"]), np.array(v["kernel"])
    expected = correlate2d(image, kernel, mode="valid")
    assert np.array_equal(np.array(v["output"]), expected)
    for (_, products, out), col in zip(c.tables["products"]["rows"], range(expected.shape[1])):
        terms = [t.replace("(", "").replace(")", "").split("·") for t in products.split(" + ")]
        assert [float(a) for a, _ in terms] == image[:, col:col + 3].ravel().tolist()
        assert [float(k) for _, k in terms] == kernel.ravel().tolist()
        assert sum(float(a) * float(k) for a, k in terms) == out == expected[0, col]
    assert v["flat_output"] == 0 and v["edge_output"] > 0  # flat region: zero; the edge: a response


def test_one_colour_convention_dark_on_white():
    """The Filters and Feature-maps pages say: non-negative images dark on white, signed ones purple/orange."""
    from cnn_glossary.figures.conv import SCALE_WORDS, image_scale

    cmap, lo, _ = image_scale(np.array([[0.0, 0.5], [1.0, 0.2]]))
    assert cmap == "gray_r" and lo == 0 and "white is 0" in SCALE_WORDS[cmap]
    cmap, lo, hi = image_scale(np.array([[-2.0, 0.5], [1.0, 0.2]]))
    assert cmap == "PuOr_r" and lo == -hi == -2.0
    import matplotlib

    low, high = matplotlib.colormaps["PuOr_r"](0.0), matplotlib.colormaps["PuOr_r"](1.0)
    assert low[2] > low[0] and high[0] > high[2]  # low end purple (more blue than red), high end orange
    assert "purple is negative" in SCALE_WORDS["PuOr_r"] and "orange positive" in SCALE_WORDS["PuOr_r"]
