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

from .conftest import ROOT, published

SNIPPETS = ROOT / "snippets" / "convolution"


def scipy_oracle(config, x, kernel):
    """SciPy's correlate2d on the padded input, then stride by slicing; dilation by a zero-stuffed kernel."""
    before, after = config.pads
    k_eff = config.kernel_size + (config.kernel_size - 1) * (config.dilation - 1)
    dilated = np.zeros((k_eff, k_eff))
    dilated[:: config.dilation, :: config.dilation] = kernel
    full = correlate2d(np.pad(x, (before, after)), dilated, mode="valid")
    return full[:: config.stride, :: config.stride]


def stand_in_animation(name: str) -> bytes:
    """Two tiny frames, a different colour per row name: what the fixture below hands publish.figure in place of
    the drawn animation (publish reads the frames, to make the still poster)."""
    shade = sum(name.encode()) % 256
    frames = [Image.new("RGB", (4, 4), (shade, i * 200, 0)) for i in range(2)]
    buf = io.BytesIO()
    frames[0].save(buf, format="WEBP", save_all=True, append_images=frames[1:], lossless=True)
    return buf.getvalue()


@pytest.fixture(scope="module")
def animations():
    """The snippet's published numbers. Drawing 100 frames is slow, so frames are counted, not drawn,
    here; test_animation_frames draws one row for real."""
    import cnn_glossary.figures.conv as conv_figures

    real = conv_figures.conv_animation
    drawn = {}  # config name -> what the snippet asked the drawing function to animate

    def record(config, x, kernel, out):
        drawn[config.name] = (config, np.array(x), np.array(kernel), np.array(out))
        return stand_in_animation(config.name)

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
    anim = Image.open(io.BytesIO(conv_animation(config, x, EXAMPLE_KERNEL, out)))
    assert anim.format == "WEBP" and anim.n_frames == out.size == 4  # one frame per output cell
    assert anim.info["loop"] == 0


@pytest.mark.parametrize("name", ["no_padding_strides_odd", "same_padding_strides_odd"])
def test_each_frame_is_the_step_figure_pixel_for_pixel(name):
    """The animation draws its frames on one figure it updates; each must be exactly the figure of that step drawn
    on its own (conv_step_figure, whose numbers are the SciPy-checked output), and the WebP must hold them without
    loss beyond the shared 64-colour palette."""
    from cnn_glossary.figures.conv import animation_bytes, conv_frames
    from cnn_glossary.figures.style import conv_step_figure, figure_to_image

    config = by_name(name)
    x = example_input(config, 0)
    out = row_output(config, x)
    frames = conv_frames(config, x, EXAMPLE_KERNEL, out)
    unvisited = ~visited_inputs(config)
    for step, frame in enumerate(frames):
        alone = figure_to_image(conv_step_figure(config, x, EXAMPLE_KERNEL, out, step, unvisited=unvisited), dpi=68)
        assert np.array_equal(np.asarray(frame), np.asarray(alone)), f"frame {step} differs"
    palette = frames[0].quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    anim = Image.open(io.BytesIO(animation_bytes(frames)))
    for step, frame in enumerate(frames):
        anim.seek(step)
        expected = frame.quantize(palette=palette, dither=Image.Dither.NONE).convert("RGB")
        assert np.array_equal(np.asarray(anim.convert("RGB")), np.asarray(expected)), f"encoded frame {step} differs"


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
    assert animations.figures[config.name].data == stand_in_animation(config.name)


@pytest.mark.parametrize("seed", range(len(CONV_TABLE)))
@pytest.mark.checks("convolution/animations")
def test_poster_alt_describes_the_finished_output(animations, seed):
    """The poster (the last frame) shows the whole output; its alt text gives the sizes and, for small outputs,
    every output value, all from SciPy here rather than from the snippet."""
    config = CONV_TABLE[seed]
    x = example_input(config, seed)
    expected = scipy_oracle(config, x, EXAMPLE_KERNEL)
    o, k, i = expected.shape[0], config.kernel_size, config.input_size
    alt = animations.figures[config.name].poster_alt
    assert alt.startswith("The finished output of the animation: "), alt
    assert f"{k} by {k} kernel" in alt and f"{i} by {i} input" in alt, alt
    assert f"the {o} by {o} output is complete ({expected.size} cells)" in alt, alt
    if expected.size <= 9:
        assert alt.endswith("row by row " + ", ".join(f"{v:g}" for v in expected.ravel().round(4)) + "."), alt
    else:
        assert alt.endswith("cells)."), alt
    assert animations.figures[config.name].alt.startswith("Animation: "), "the animation keeps its own alt text"


@pytest.mark.slow  # the real animations: read from the build's cache when fresh, else drawn (about half a minute)
@pytest.mark.checks("convolution/animations")
def test_published_posters_are_the_animations_last_frames_pixel_for_pixel():
    from PIL import ImageSequence

    from .conftest import published

    collected = published("convolution/animations")
    for config in CONV_TABLE:
        fig = collected.figures[config.name]
        with Image.open(io.BytesIO(fig.data)) as anim:  # the oracle: Pillow's own frame iterator, to the end
            frames = [np.asarray(frame.convert("RGBA")) for frame in ImageSequence.Iterator(anim)]
        assert len(frames) == config.output_size ** 2 > 1, config.name  # one frame per output cell
        with Image.open(io.BytesIO(fig.poster)) as still:
            assert still.format == "WEBP" and getattr(still, "n_frames", 1) == 1, config.name
            poster = np.asarray(still.convert("RGBA"))
        assert poster.shape == frames[-1].shape, config.name
        assert np.array_equal(poster, frames[-1]), f"{config.name}: the poster is not the animation's last frame"
        assert not np.array_equal(poster, frames[0]), config.name


@pytest.mark.checks("convolution/multichannel")
def test_multichannel_against_loop():
    c = published("convolution/multichannel")
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


def rows_read_numpy(size: int, kernel_size: int, stride: int) -> np.ndarray:
    """A NumPy count: how often each input row is read by the windows of a valid (unpadded) convolution."""
    counts = np.zeros(size, dtype=int)
    for start in range(0, size - kernel_size + 1, stride):  # every window that fits
        counts[start:start + kernel_size] += 1
    return counts


def rows_read_by_gradient(size: int, kernel_size: int, stride: int) -> np.ndarray:
    """Which input rows TensorFlow's conv2d reads: those with a non-zero gradient of the summed output."""
    import tensorflow as tf

    x = tf.Variable(tf.ones((1, size, size, 1)))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.nn.conv2d(x, tf.ones((kernel_size, kernel_size, 1, 1)), stride, "VALID"))
    return np.abs(tape.gradient(y, x).numpy()[0, :, :, 0]).sum(axis=1) > 0


@pytest.mark.checks("convolution/unread")
@pytest.mark.guards("convolution.md", "pixels lose their last row and column, while")
@pytest.mark.guards("convolution.md", "an even size loses its last row and column, an odd size is read in full")
@pytest.mark.guards("readme-map.md", "a 3x3 kernel with stride 2 skips them on even sizes and reads odd sizes in full")
def test_sizes_that_stride_two_leaves_unread_against_numpy_and_gradients():
    c = publish.collect(SNIPPETS / "unread.py")
    v = {k: d["value"] for k, d in c.values.items()}
    k, s = v["kernel_size"], v["stride"]
    assert (k, s) == (3, 2)
    for size, never in v["rows_never_read"]:
        counts = rows_read_numpy(size, k, s)
        assert never == int((counts == 0).sum()), size
        assert np.array_equal(counts > 0, rows_read_by_gradient(size, k, s)), size
    # the published word lists, from the NumPy count
    skipped = [size for size, _ in v["rows_never_read"] if (rows_read_numpy(size, k, s) == 0).any()]
    full = [size for size, _ in v["rows_never_read"] if (rows_read_numpy(size, k, s) > 0).all()]
    assert v["sizes_skipped"] == ", ".join(map(str, skipped[:-1])) + f" and {skipped[-1]}"
    assert v["sizes_read_in_full"] == ", ".join(map(str, full[:-1])) + f" and {full[-1]}"
    assert 5 in full and 7 in full and 4 in skipped  # the sizes the issue named
    # "an even size loses its last row and column, an odd size is read in full": for every size up to 60
    for size in range(k, 61):
        counts = rows_read_numpy(size, k, s)
        if size % 2 == 0:
            assert list(np.flatnonzero(counts == 0)) == [size - 1], size
        else:
            assert (counts > 0).all(), size
    assert v["rule"] == "an even size loses its last row and column, an odd size is read in full"
    # the third animation, which the page points to, has the same kernel and stride and one of these sizes
    example = by_name("no_padding_strides_odd")
    assert v["example_size"] == example.input_size and (example.kernel_size, example.stride) == (k, s)
    assert list(np.flatnonzero(rows_read_numpy(example.input_size, k, s) == 0)) == [example.input_size - 1]
    assert v["example_rows_never_read"] == 1 and example.input_size in skipped
    assert c.tables["sizes"]["rows"] == [
        [size, (size - k) // s + 1, int((rows_read_numpy(size, k, s) == 0).sum())] for size, _ in v["rows_never_read"]]


def test_animation_captions_say_what_the_rows_read():
    """A caption that says cells are never read belongs to a row whose windows skip input; 'every input cell is
    read' to a row that reads all of it (checked against the gradient of TensorFlow's conv2d)."""
    from cnn_glossary.conv_table import DESCRIPTIONS

    for config in CONV_TABLE:
        x = example_input(config, 0)
        before, after = config.pads
        k_eff = config.kernel_size + (config.kernel_size - 1) * (config.dilation - 1)
        if "never read" in DESCRIPTIONS[config.name] or "every input cell is read" in DESCRIPTIONS[config.name]:
            import tensorflow as tf

            xt = tf.Variable(np.pad(x, (before, after))[None, :, :, None])
            dilated = np.zeros((k_eff, k_eff), "float32")
            dilated[:: config.dilation, :: config.dilation] = 1
            with tf.GradientTape() as tape:
                y = tf.reduce_sum(tf.nn.conv2d(xt, dilated[:, :, None, None], config.stride, "VALID"))
            read = np.abs(tape.gradient(y, xt).numpy()[0, :, :, 0]) > 0
            real = read[before:before + config.input_size, before:before + config.input_size]
            assert real.all() == ("every input cell is read" in DESCRIPTIONS[config.name]), config.name


@pytest.mark.checks("convolution/im2col")
@pytest.mark.guards("convolution.md", "so it can be computed as one large matrix product")
@pytest.mark.guards("convolution.md", "Only after copying every window into a row does the layer become one matrix")
@pytest.mark.guards("convolution.md", "the layer's weights can be spread into one large, mostly-zero matrix")
@pytest.mark.guards("readme-map.md", "so it can be computed as one large matrix product")
def test_im2col_product_against_scipy_and_a_toeplitz_matrix():
    from numpy.lib.stride_tricks import sliding_window_view

    c = publish.collect(SNIPPETS / "im2col.py")
    v = {k: np.array(d["value"]) for k, d in c.values.items()}
    x, kernel, bias, product = v["input"], v["kernel"], v["bias"], v["product"]
    h, w, cin = x.shape
    k, cout = kernel.shape[0], kernel.shape[-1]
    o = h - k + 1
    # the reference: SciPy cross-correlation of each input channel with its kernel slice, summed, plus the bias
    ref = np.stack([sum(correlate2d(x[:, :, ch], kernel[:, :, ch, f], mode="valid") for ch in range(cin)) + bias[f]
                    for f in range(cout)], axis=-1)
    # im2col built independently: NumPy's sliding windows, each flattened in the kernel's (kh, kw, cin) order
    windows = sliding_window_view(x, (k, k), axis=(0, 1))  # (o, o, cin, k, k)
    patches = windows.transpose(0, 1, 3, 4, 2).reshape(o * o, k * k * cin)
    assert np.allclose(patches @ kernel.reshape(-1, cout) + bias, ref.reshape(o * o, cout))
    assert np.allclose(product, ref.reshape(o * o, cout))
    assert str(v["patches_shape"]) == f"{o * o}x{k * k * cin}" and str(v["weights_shape"]) == f"{k * k * cin}x{cout}"
    assert str(v["output_shape"]) == f"{o}x{o}x{cout}" and float(v["max_difference"]) < 1e-5
    # the same layer as one large, mostly-zero matrix times the flattened input (a Toeplitz-structured matrix)
    big = np.zeros((o * o * cout, h * w * cin))
    for r in range(o):
        for q in range(o):
            for f in range(cout):
                for i in range(k):
                    for j in range(k):
                        for ch in range(cin):
                            big[(r * o + q) * cout + f, ((r + i) * w + (q + j)) * cin + ch] = kernel[i, j, ch, f]
    assert np.allclose(big @ x.reshape(-1) + np.tile(bias, o * o), ref.reshape(-1))
    assert (big == 0).mean() > 0.5  # mostly zeros


@pytest.mark.guards("convolution.md", "Keras stores all of a layer's filters in one 4-D array")
@pytest.mark.guards("filters.md", "stores all of its filters in one 4-D array")
def test_keras_keeps_every_filter_in_one_kernel_array():
    """A Conv2D layer's weights are one array named kernel, (k, k, C_in, C_out), and a bias; output channel f is
    the input cross-correlated with the slice kernel[:, :, :, f], summed over the input channels, plus bias f."""
    import keras

    k, c_in, c_out = 3, 2, 4
    layer = keras.layers.Conv2D(c_out, k)
    x = np.random.default_rng(5).normal(size=(1, 6, 6, c_in)).astype("float32")
    y = np.asarray(layer(x))[0]
    assert [w.path.split("/")[-1] for w in layer.weights] == ["kernel", "bias"]
    kernel = np.asarray(layer.kernel)
    assert kernel.shape == (k, k, c_in, c_out)
    layer.bias.assign(np.arange(c_out, dtype="float32"))
    y = np.asarray(layer(x))[0]
    for f in range(c_out):
        expected = sum(correlate2d(x[0, :, :, ch], kernel[:, :, ch, f], mode="valid") for ch in range(c_in)) + f
        assert np.allclose(y[:, :, f], expected, atol=1e-4)


@pytest.mark.guards("convolution.md", "Keras and TensorFlow do this without turning the kernel round")
@pytest.mark.guards("convolution.md", "Keras and TensorFlow (measured under Going deeper)")
def test_keras_and_tensorflow_cross_correlate():
    """A Keras Conv2D layer and tf.nn.conv2d, given a kernel that is not symmetric, match SciPy's correlate2d and
    not its convolve2d; the page's pointer to that measurement points the right way (the block comes first, under
    Going deeper)."""
    page = (ROOT / "docs" / "convolution.md").read_text()
    measured = page.index('??? info "Cross-correlation, not convolution')
    assert page.index("## Going deeper") < measured < page.index("Keras and TensorFlow (measured under Going deeper")
    from cnn_glossary.conv_table import keras_conv2d, tf_conv2d

    x = np.random.default_rng(11).normal(size=(6, 6)).astype("float32")
    kernel = np.arange(9, dtype="float32").reshape(3, 3)
    keras_out, _, _ = keras_conv2d(x[:, :, None], kernel[:, :, None, None], np.zeros(1, "float32"))
    for out in (keras_out[:, :, 0], tf_conv2d(x, kernel)):
        assert np.allclose(out, correlate2d(x, kernel, mode="valid"), atol=1e-4)
        assert not np.allclose(out, convolve2d(x, kernel, mode="valid"), atol=1e-2)


@pytest.mark.checks("convolution/animations")
def test_captions_keep_the_descriptions_spelling(animations):
    """Each caption starts with its row's description, only the first letter raised ("TensorFlow" stays)."""
    from cnn_glossary.conv_table import DESCRIPTIONS

    for config in CONV_TABLE:
        d = DESCRIPTIONS[config.name]
        caption = animations.figures[config.name].caption
        assert caption.startswith(d[0].upper() + d[1:] + "."), caption
        assert f"output {config.output_size}x{config.output_size}" in caption
