"""The Convolution page's snippets against independent oracles: a NumPy loop and SciPy."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import io

import numpy as np
import pytest
from PIL import Image
from scipy.signal import convolve2d, correlate2d

from cnn_glossary import publish
from cnn_glossary.conv import cross_correlate2d, visited_inputs
from cnn_glossary.conv_table import CONV_TABLE, EXAMPLE_KERNEL, by_name, example_input, row_output

from .conftest import ROOT

SNIPPETS = ROOT / "snippets" / "convolution"


def scipy_oracle(config, x, kernel):
    """SciPy's correlate2d on the padded input, then stride by slicing; dilation by a zero-stuffed kernel."""
    before, after = config.pads
    k_eff = config.kernel_size + (config.kernel_size - 1) * (config.dilation - 1)
    dilated = np.zeros((k_eff, k_eff))
    dilated[:: config.dilation, :: config.dilation] = kernel
    full = correlate2d(np.pad(x, (before, after)), dilated, mode="valid")
    return full[:: config.stride, :: config.stride]


@pytest.fixture(scope="module")
def animations():
    """The snippet's published numbers. Drawing 100 frames is slow, so frames are counted, not drawn,
    here; test_animation_frames draws one row for real."""
    import cnn_glossary.figures.conv as conv_figures

    real = conv_figures.conv_animation
    drawn = {}  # config name -> what the snippet asked the drawing function to animate

    def record(config, x, kernel, out):
        drawn[config.name] = (config, np.array(x), np.array(kernel), np.array(out))
        return f"animation of {config.name}".encode()

    conv_figures.conv_animation = record
    try:
        collected = publish.collect(SNIPPETS / "animations.py")
    finally:
        conv_figures.conv_animation = real
    collected.drawn = drawn
    return collected


def test_animation_frames():
    from cnn_glossary.figures.conv import conv_animation

    config = by_name("no_padding_strides_odd")
    x = example_input(config, 0)
    out = row_output(config, x)
    gif = Image.open(io.BytesIO(conv_animation(config, x, EXAMPLE_KERNEL, out)))
    assert gif.format == "GIF" and gif.n_frames == out.size == 4  # one frame per output cell


# Dumoulin & Visin (2016), "A guide to convolution arithmetic for deep learning": the animations' names and
# settings (input size, kernel size, zeros per side, stride, dilation) -> output size, read off the guide.
GUIDE = {
    "no_padding_no_strides": (4, 3, 0, 1, 1, 2),
    "arbitrary_padding_no_strides": (5, 4, 2, 1, 1, 6),
    "same_padding_no_strides": (5, 3, 1, 1, 1, 5),
    "full_padding_no_strides": (5, 3, 2, 1, 1, 7),
    "no_padding_strides": (5, 3, 0, 2, 1, 2),
    "padding_strides": (5, 3, 1, 2, 1, 3),
    "padding_strides_odd": (6, 3, 1, 2, 1, 3),
    "dilation": (7, 3, 0, 1, 2, 3),
}


def test_rows_named_after_the_guide_use_the_guides_sizes():
    named = [c for c in CONV_TABLE if c.name in GUIDE]
    assert len(named) >= 4
    for config in named:
        i, k, p, s, d, o = GUIDE[config.name]
        assert (config.input_size, config.kernel_size, config.stride, config.dilation) == (i, k, s, d), config.name
        assert config.pads == (p, p), config.name
        assert config.output_size == o, config.name


def test_table_covers_the_required_cases():
    names = {c.name for c in CONV_TABLE}
    assert len(names) == len(CONV_TABLE)
    kinds = {(str(c.padding), c.stride > 1, c.dilation > 1) for c in CONV_TABLE}
    assert ("0", False, False) in kinds and ("same", False, False) in kinds and ("full", False, False) in kinds
    assert any(c.stride > 1 for c in CONV_TABLE) and any(c.dilation == 2 for c in CONV_TABLE)
    # the odd row really leaves real input rows unvisited; its "same" twin does not
    odd, same = by_name("no_padding_strides_odd"), by_name("same_padding_strides_odd")
    assert not visited_inputs(odd).all() and visited_inputs(same).all()
    assert same.pads == (0, 1)


@pytest.mark.parametrize("config", CONV_TABLE, ids=lambda c: c.name)
def test_tensorflow_matches_numpy_loop_and_scipy(config):
    x = example_input(config, 0)
    ours = row_output(config, x)
    assert ours.shape == (config.output_size, config.output_size)
    assert np.allclose(ours, cross_correlate2d(x, EXAMPLE_KERNEL, config.padding, config.stride, config.dilation))
    assert np.allclose(ours, scipy_oracle(config, x, EXAMPLE_KERNEL))


@pytest.mark.parametrize("seed", range(len(CONV_TABLE)))
@pytest.mark.checks("convolution/animations")
def test_published_frames_numbers(animations, seed):
    config = CONV_TABLE[seed]
    x = np.array(animations.values[f"{config.name}_input"]["value"])
    out = np.array(animations.values[f"{config.name}_output"]["value"])
    assert np.array_equal(x, example_input(config, seed))
    assert np.allclose(out, scipy_oracle(config, x, EXAMPLE_KERNEL))
    assert animations.values[f"{config.name}_output_size"]["value"] == scipy_oracle(config, x, EXAMPLE_KERNEL).shape[0]
    # the figure animates exactly these numbers: the same setting, input, kernel and SciPy-checked output
    drawn_config, drawn_x, drawn_kernel, drawn_out = animations.drawn[config.name]
    assert drawn_config == config
    assert np.array_equal(drawn_x, x) and np.array_equal(drawn_kernel, EXAMPLE_KERNEL)
    assert np.allclose(drawn_out, scipy_oracle(config, x, EXAMPLE_KERNEL))
    assert animations.figures[config.name].data == f"animation of {config.name}".encode()


@pytest.mark.checks("convolution/multichannel")
def test_multichannel_against_loop():
    c = publish.collect(SNIPPETS / "multichannel.py")
    v = {k: np.array(d["value"]) for k, d in c.values.items()}
    assert tuple(v["kernel_shape"]) == (3, 3, 2, 3)
    x, kernel, out = v["input"], v["kernel"], v["output"]
    bias = np.zeros(3)
    bias[0] = v["cell_bias"]
    # plain loop over every output cell, filter, channel and tap
    ref = np.zeros((2, 2, 3))
    for r in range(2):
        for q in range(2):
            for f in range(3):
                for ch in range(2):
                    for i in range(3):
                        for j in range(3):
                            ref[r, q, f] += x[r + i, q + j, ch] * kernel[i, j, ch, f]
    assert np.allclose(out[:, :, 0], ref[:, :, 0] + v["cell_bias"])
    # the other channels differ from the loop only by a constant: their bias
    for f in (1, 2):
        d = out[:, :, f] - ref[:, :, f]
        assert np.allclose(d, d.flat[0])
    per_channel = [correlate2d(x[:, :, ch], kernel[:, :, ch, 0], mode="valid")[0, 0] for ch in range(2)]
    assert v["cell_channel_0"] == per_channel[0] and v["cell_channel_1"] == per_channel[1]
    assert v["cell_total"] == per_channel[0] + per_channel[1] + v["cell_bias"] == out[0, 0, 0]
    assert v["parameters"] == 3 * 3 * 2 * 3 + 3


@pytest.mark.checks("convolution/flip")
def test_flip_against_scipy():
    c = publish.collect(SNIPPETS / "flip.py")
    v = {k: np.array(d["value"]) for k, d in c.values.items()}
    x = v["input"]
    assert np.allclose(v["layer_output"], correlate2d(x, EXAMPLE_KERNEL, mode="valid"))
    assert np.allclose(v["layer_output"], convolve2d(x, EXAMPLE_KERNEL[::-1, ::-1], mode="valid"))
    assert np.allclose(v["true_convolution"], convolve2d(x, EXAMPLE_KERNEL, mode="valid"))
    assert v["max_difference_flipped"] == 0
    assert v["max_difference_same_kernel"] == np.abs(
        correlate2d(x, EXAMPLE_KERNEL, mode="valid") - convolve2d(x, EXAMPLE_KERNEL, mode="valid")).max() > 0


@pytest.mark.checks("convolution/multichannel")
def test_multichannel_figure_shows_every_input_in_every_output_row():
    from cnn_glossary.figures.conv import multichannel_alt, multichannel_figure

    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, size=(5, 5, 3)).astype("float32")
    kernel = rng.integers(-1, 2, size=(2, 2, 3, 4)).astype("float32")
    bias = np.arange(4.0)
    out = cross_correlate2d(x, kernel, bias=bias)
    fig = multichannel_figure(x, kernel, bias, out)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 4 * (2 * 3 + 1)
    for f in range(4):
        row = titles[f * 7:(f + 1) * 7]
        # every output row holds all three input channels, each with this output's own slice
        assert all(any(t.endswith(f"input channel {c}") for t in row) for c in range(3))
        assert all(any(f"[:, :, {c}, {f}]" in t for t in row) for c in range(3))
        assert f"output {f}" in row[-1]
    alt = multichannel_alt(x, kernel, out)
    assert "4 rows" in alt and "all 3 input channels" in alt and "2 by 2 kernel slice" in alt and "4 by 4" in alt


@pytest.mark.guards("convolution.md", "the stride of 2 stops the window one row short of the bottom")
@pytest.mark.guards("convolution.md", "input never reach the output")
def test_stride_two_leaves_the_last_row_and_column_unread():
    """A plain loop over the window positions of the page's stride-2 example: which input rows are ever read."""
    config = by_name("no_padding_strides_odd")
    i, k, s = config.input_size, config.kernel_size, config.stride
    assert s == 2 and config.padding in (0, "valid") and config.dilation == 1
    read = set()
    start = 0
    while start + k <= i:  # every window that fits, without padding
        read.update(range(start, start + k))
        start += s
    assert sorted(set(range(i)) - read) == [i - 1]  # exactly the last row (and, by symmetry, column) is unread


@pytest.mark.guards("convolution.md", "an input of even size loses its last row and column, while an odd size")
@pytest.mark.guards("convolution.md", "stride 2 on an even input: the last row and column are never read")
@pytest.mark.guards("convolution.md", "so every input cell is read")
def test_stride_two_without_padding_reads_odd_sizes_in_full():
    """The box and two captions: a 3x3 kernel at stride 2. Which input rows reach the output is read from a real
    Keras layer: the gradient of the output's sum with respect to the input is zero exactly on unread rows.
    Without padding an even size loses its last row and column; with "same" padding every cell is read."""
    import tensorflow as tf

    def read_cells(padding: str, size: int) -> np.ndarray:
        layer = tf.keras.layers.Conv2D(1, 3, strides=2, padding=padding, kernel_initializer="ones", use_bias=False)
        x = tf.Variable(np.random.default_rng(size).random((1, size, size, 1)), dtype=tf.float32)
        with tf.GradientTape() as tape:
            total = tf.reduce_sum(layer(x))
        return np.asarray(tape.gradient(total, x))[0, :, :, 0] != 0

    for size in range(5, 31):
        read = read_cells("valid", size)
        rows_read = read.any(axis=1)
        if size % 2:
            assert rows_read.all(), size
        else:
            assert rows_read[:-1].all() and not rows_read[-1], size
            assert not read[:, -1].any(), size
        assert read_cells("same", size).all(), size


@pytest.mark.guards("readme-map.md", "a Keras layer never flips the kernel")
@pytest.mark.parametrize("kernel_size", [2, 3, 5])
def test_keras_conv2d_does_not_flip_the_kernel(kernel_size):
    """A real Keras Conv2D against SciPy: it matches correlate2d (no flip), not convolve2d, for asymmetric kernels."""
    import keras

    rng = np.random.default_rng(kernel_size)
    x = rng.normal(size=(8, 8)).astype("float32")
    k = rng.normal(size=(kernel_size, kernel_size)).astype("float32")
    layer = keras.layers.Conv2D(1, kernel_size, use_bias=False)
    layer.build((1, 8, 8, 1))
    layer.set_weights([k[:, :, None, None]])
    out = np.asarray(layer(x[None, :, :, None]))[0, :, :, 0]
    assert np.allclose(out, correlate2d(x, k, mode="valid"), atol=1e-4)
    assert not np.allclose(out, convolve2d(x, k, mode="valid"), atol=1e-2)
