"""Conv arithmetic: argument checks, defaults, and "same" padding with dilation against TensorFlow.

Written to kill mutmut survivors in conv.py (see `make mutation`)."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_glossary.conv import cross_correlate2d, effective_kernel_size, output_size, padding_amounts


@pytest.mark.parametrize("k, d", [(0, 1), (3, 0), (0, 0)])
def test_effective_kernel_size_refuses_bad_arguments(k, d):
    with pytest.raises(ValueError, match="kernel_size and dilation must be at least 1"):
        effective_kernel_size(k, d)


def test_argument_errors_name_the_problem():
    with pytest.raises(ValueError, match="padding must be non-negative"):
        padding_amounts(5, 3, -1)
    with pytest.raises(ValueError, match=r"unknown padding 'middle'; use an int, 'valid', 'same' or 'full'"):
        padding_amounts(5, 3, "middle")
    with pytest.raises(ValueError, match="stride must be at least 1"):
        output_size(5, 3, 0, 0)
    with pytest.raises(ValueError, match=r"kernel \(effective size 5\) is larger than the padded input \(4\)"):
        output_size(2, 3, 1, 1, 2)
    with pytest.raises(ValueError, match="square inputs and kernels only"):
        cross_correlate2d(np.zeros((4, 5)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="square inputs and kernels only"):
        cross_correlate2d(np.zeros((4, 4)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="input has 2 channels, kernel expects 3"):
        cross_correlate2d(np.zeros((4, 4, 2)), np.zeros((2, 2, 3, 1)))


def test_defaults_are_no_padding_stride_1_dilation_1():
    assert output_size(7, 3) == 5
    assert padding_amounts(7, 3, "same") == (1, 1)
    assert padding_amounts(8, 4, "same") == (1, 2)
    x = np.arange(25.0).reshape(5, 5)
    k = np.ones((2, 2))
    out = cross_correlate2d(x, k)
    assert out.shape == (4, 4) and out[0, 0] == 0 + 1 + 5 + 6


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("size, k, stride, dilation", [(9, 3, 1, 2), (10, 2, 1, 3), (9, 3, 2, 1), (8, 3, 1, 1)])
def test_padding_with_dilation_matches_tensorflow(size, k, stride, dilation, padding):
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(size * 10 + k)
    x = rng.integers(-3, 4, (size, size, 2)).astype("float64")
    kernel = rng.integers(-2, 3, (k, k, 2, 3)).astype("float64")
    ours = cross_correlate2d(x, kernel, padding, stride, dilation)
    ref = tf.nn.conv2d(x[None], kernel, strides=stride, padding=padding.upper(), dilations=dilation)[0].numpy()
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref)


def test_two_dimensional_in_two_dimensional_out_and_channels_kept_otherwise():
    x2, k2 = np.ones((4, 4)), np.ones((2, 2))
    assert cross_correlate2d(x2, k2).shape == (3, 3)
    assert cross_correlate2d(np.ones((4, 4, 1)), k2).shape == (3, 3, 1)
    assert cross_correlate2d(x2, np.ones((2, 2, 1, 1))).shape == (3, 3, 1)
    out = cross_correlate2d(np.full((3, 3), 2, dtype="int8"), np.full((3, 3), 100, dtype="int8"))
    assert out.dtype == np.float64 and out[0, 0] == 1800  # no int8 overflow
