"""The 3x3 Convolution page: stacked fields by gradient, parameter counts by Keras, fit residuals, Winograd."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
from scipy.signal import correlate2d

from cnn_glossary import publish
from cnn_glossary.counting import composed_kernel, fit_two_3x3, winograd_2x2_3x3

from .conftest import ROOT, published

keras = pytest.importorskip("keras")
L = keras.layers


@pytest.mark.checks("conv_3x3/stacked")
def test_stacked_snippet_fields_and_parameters():
    c = published("conv_3x3/stacked")
    v = {k: c.values[k]["value"] for k in c.values}
    assert v["one_5x5_field"] == v["two_3x3_field"] == 5
    assert v["one_7x7_field"] == v["three_3x3_field"] == 7
    C = v["channels"]
    assert v["two_3x3_parameters"] == 2 * 9 * C * C and v["one_5x5_parameters"] == 25 * C * C
    assert v["three_3x3_parameters"] == 3 * 9 * C * C and v["one_7x7_parameters"] == 49 * C * C
    for name, kernels in {"one_5x5": [5], "two_3x3": [3, 3], "one_7x7": [7], "three_3x3": [3, 3, 3]}.items():
        model = keras.Sequential([keras.Input((56, 56, C))]
                                 + [L.Conv2D(C, k, padding="same", use_bias=False) for k in kernels])
        assert model.count_params() == v[f"{name}_parameters"]
    rows = {r[0]: r for r in c.tables["stacks"]["rows"]}
    assert rows["two 3x3"][3] == 2 * 56 * 56 * 9 * C * C  # multiply-adds: outputs x weights per output


@pytest.mark.guards("conv-3x3.md", 'Without activations and with "valid" padding, two 3x3 layers collapse into one')
def test_composition_of_two_keras_3x3_layers_is_one_5x5_correlation():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(3, 3, 2, 3)), rng.normal(size=(3, 3, 3, 2))
    x = rng.normal(size=(1, 12, 12, 2)).astype("float32")
    model = keras.Sequential([keras.Input((12, 12, 2)), L.Conv2D(3, 3, use_bias=False), L.Conv2D(2, 3, use_bias=False)])
    model.layers[0].set_weights([a.astype("float32")])
    model.layers[1].set_weights([b.astype("float32")])
    y = np.asarray(model(x))[0]
    k = composed_kernel(a, b)  # (5, 5, 2, 2)
    for o in range(2):
        expected = sum(correlate2d(x[0, :, :, i], k[:, :, i, o], mode="valid") for i in range(2))
        assert np.allclose(y[:, :, o], expected, atol=1e-4)


@pytest.mark.guards("conv-3x3.md", 'with "same" padding, only away from the border')
def test_same_padded_stack_is_the_5x5_layer_only_away_from_the_border():
    """With "same" padding the second layer reads the first layer's zero padding where one 5x5 layer would read
    real values: the stack equals the composed 5x5 "same" correlation (SciPy, two zeros per side) on every pixel
    but the outermost ring, and differs on that ring."""
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(3, 3, 2, 3)), rng.normal(size=(3, 3, 3, 2))
    x = rng.normal(size=(1, 12, 12, 2)).astype("float32")
    model = keras.Sequential([keras.Input((12, 12, 2)), L.Conv2D(3, 3, padding="same", use_bias=False),
                              L.Conv2D(2, 3, padding="same", use_bias=False)])
    model.layers[0].set_weights([a.astype("float32")])
    model.layers[1].set_weights([b.astype("float32")])
    y = np.asarray(model(x))[0]
    k = composed_kernel(a, b)  # checked against "valid" Keras layers in the test above
    for o in range(2):
        expected = sum(correlate2d(x[0, :, :, i], k[:, :, i, o], mode="same") for i in range(2))
        assert np.allclose(y[1:-1, 1:-1, o], expected[1:-1, 1:-1], atol=1e-4)
        ring = np.ones((12, 12), bool)
        ring[1:-1, 1:-1] = False
        assert np.abs(y[:, :, o] - expected)[ring].max() > 0.1  # the border differs


def test_single_channel_fit_is_inexact_then_exact():
    rng = np.random.default_rng(7)
    target = rng.normal(size=(5, 5))
    res1, a, b = fit_two_3x3(target, 1, restarts=4)
    assert res1 > 0.05  # a random 5x5 kernel is not the product of two 3x3 kernels
    # the fitted pair, run as two real Keras layers, reproduces its claimed residual
    x = rng.normal(size=(1, 9, 9, 1)).astype("float32")
    model = keras.Sequential([keras.Input((9, 9, 1)), L.Conv2D(1, 3, use_bias=False), L.Conv2D(1, 3, use_bias=False)])
    model.layers[0].set_weights([a.astype("float32")])
    model.layers[1].set_weights([b.astype("float32")])
    delta = np.zeros((1, 9, 9, 1), "float32")
    delta[0, 4, 4, 0] = 1
    # the response to a centred impulse is the composed kernel flipped
    k_keras = np.asarray(model(delta))[0, :, :, 0][::-1, ::-1]
    assert np.isclose(np.linalg.norm(k_keras - target) / np.linalg.norm(target), res1, rtol=1e-3)
    res2 = fit_two_3x3(target, 2, restarts=4)[0]
    assert res2 < 1e-8


def test_alternating_least_squares_is_as_good_as_an_independent_solver():
    from scipy.optimize import least_squares
    from scipy.signal import convolve2d

    rng = np.random.default_rng(11)
    target = rng.normal(size=(5, 5))

    def residual(p):  # one pair of 3x3 kernels, composed by SciPy's full 2-D convolution
        return (convolve2d(p[:9].reshape(3, 3), p[9:].reshape(3, 3)) - target).ravel()

    independent = min(np.linalg.norm(least_squares(residual, rng.normal(size=18)).fun) for _ in range(10))
    ours = fit_two_3x3(target, 1, restarts=6)[0] * np.linalg.norm(target)
    assert ours <= independent * (1 + 1e-3)
    assert independent > 0.05 * np.linalg.norm(target)


@pytest.mark.slow  # trains, or runs a model over the test set (make quick skips it)
@pytest.mark.checks("conv_3x3/fit")
@pytest.mark.guards("conv-3x3.md", "Only a wider middle layer makes the fit exact")
@pytest.mark.guards("conv-3x3.md", "Equal-width linear stacks cannot fit random 5x5 kernels")
@pytest.mark.guards("conv-3x3.md", "Each is the smallest width the counting argument allows")
@pytest.mark.guards("conv-3x3.md", "but not every 5x5 layer can be written that way")
@pytest.mark.guards("conv-3x3.md", "middle channels reproduce every kernel drawn")
@pytest.mark.guards("readme-map.md", "at equal width they compute a different set of functions")
@pytest.mark.guards("conv-3x3.md", "at equal width it uses fewer weights but cannot compute every function")
@pytest.mark.guards("conv-3x3.md", "At equal width they use fewer weights and cannot reach its whole set")
def test_fit_snippet_curve():
    c = published("conv_3x3/fit")  # the build's fresh cache entry, else a run (about 10 s of fitting)
    rows = c.tables["fit"]["rows"]
    for channels, weights, equal_width_residual, first_exact in rows:
        assert weights == 25 * channels * channels
        assert 2 * 9 * channels * channels < weights  # fewer weights at equal width
        assert equal_width_residual > 0.05  # equal width is never enough
        # counting argument: two 3x3 layers have 18 * channels * m weights, and mixing the m middle channels by any
        # invertible m x m matrix (undone in the second layer) leaves the 5x5 kernel unchanged, so the reachable
        # 5x5 kernels form a set of dimension at most 18 * channels * m - m^2; reaching all 25 * channels^2 of
        # them needs at least that many
        bound = next(m for m in range(1, 100) if 18 * channels * m - m * m >= 25 * channels * channels)
        assert first_exact is not None and first_exact >= bound
        assert first_exact == bound  # the page says the fit reaches exactness at the bound itself
    assert "residual" in c.figures
    # the alt text's range of width-1 residuals, recomputed from the same random kernels (same seed, same order)
    rng = np.random.default_rng(0)
    targets = {ch: [rng.normal(size=(5, 5, ch, ch)) for _ in range(2)] for ch in (1, 2, 3)}
    restarts = c.values["restarts"]["value"]
    assert f"the best of {restarts} random starts" in c.figures["residual"].caption
    start = [max(fit_two_3x3(t, 1, restarts=restarts, iterations=1500)[0] for t in ts) for ts in targets.values()]
    assert f"start between {min(start):.0%} and {max(start):.0%} at width 1" in c.figures["residual"].alt


@pytest.mark.checks("conv_3x3/winograd")
def test_winograd_snippet():
    c = publish.collect(ROOT / "snippets" / "conv_3x3" / "winograd.py")
    assert c.values["winograd_multiplications"]["value"] == (2 + 3 - 1) ** 2
    assert c.values["direct_multiplications"]["value"] == 2 * 2 * 3 * 3
    assert c.values["max_abs_difference"]["value"] < 1e-12
    rng = np.random.default_rng(5)
    for _ in range(5):
        tile, kernel = rng.normal(size=(4, 4)), rng.normal(size=(3, 3))
        assert np.allclose(winograd_2x2_3x3(tile, kernel)[0], correlate2d(tile, kernel, mode="valid"))
