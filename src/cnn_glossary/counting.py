"""Counting parameters and multiply-adds of convolution layers, by hand (checked against Keras).

A 2-D convolution with a ``kh x kw`` kernel, ``channels_in`` inputs and ``channels_out`` filters has
``kh * kw * channels_in * channels_out`` weights plus ``channels_out`` biases, and computes
``kh * kw * channels_in`` multiply-adds for each of its ``out_h * out_w * channels_out`` outputs.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnn_glossary.conv import output_size


@dataclass(frozen=True)
class ConvLayer:
    """One convolution in a counting plan (square input and kernel)."""

    name: str
    kernel_size: int
    channels_out: int
    stride: int = 1
    padding: str | int = "same"
    bias: bool = True


@dataclass(frozen=True)
class Count:
    name: str
    input_size: int
    channels_in: int
    output_size: int
    channels_out: int
    parameters: int
    mult_adds: int


def count_conv(layer: ConvLayer, input_size: int, channels_in: int) -> Count:
    k = layer.kernel_size
    out = output_size(input_size, k, layer.padding, layer.stride)
    weights = k * k * channels_in * layer.channels_out
    params = weights + (layer.channels_out if layer.bias else 0)
    macs = out * out * layer.channels_out * k * k * channels_in
    return Count(layer.name, input_size, channels_in, out, layer.channels_out, params, macs)


def count_chain(layers: list[ConvLayer], input_size: int, channels_in: int) -> list[Count]:
    """Counts for layers applied one after the other."""
    counts = []
    for layer in layers:
        c = count_conv(layer, input_size, channels_in)
        counts.append(c)
        input_size, channels_in = c.output_size, c.channels_out
    return counts


def total(counts: list[Count]) -> tuple[int, int]:
    return sum(c.parameters for c in counts), sum(c.mult_adds for c in counts)


# An Inception block is several chains side by side on the same input, concatenated along channels.
# Inception (3a) of GoogLeNet (Szegedy et al., 2014) on a 28x28x192 input:
INCEPTION_3A = {
    "1x1": [ConvLayer("1x1", 1, 64)],
    "3x3": [ConvLayer("3x3 reduce", 1, 96), ConvLayer("3x3", 3, 128)],
    "5x5": [ConvLayer("5x5 reduce", 1, 16), ConvLayer("5x5", 5, 32)],
    "pool": [ConvLayer("pool proj", 1, 32)],  # after a 3x3 max pooling, stride 1, which has no parameters
}
# The same block without the 1x1 reductions (the "naive" block): the pooling branch passes all its channels on.
INCEPTION_NAIVE = {
    "1x1": [ConvLayer("1x1", 1, 64)],
    "3x3": [ConvLayer("3x3", 3, 128)],
    "5x5": [ConvLayer("5x5", 5, 32)],
    "pool": [],
}


def count_block(branches: dict[str, list[ConvLayer]], input_size: int, channels_in: int) -> dict[str, list[Count]]:
    return {name: count_chain(layers, input_size, channels_in) for name, layers in branches.items()}


def block_output_channels(branches: dict[str, list[ConvLayer]], channels_in: int) -> int:
    """Channels of the concatenated output (a branch with no convolution passes its input through)."""
    return sum(layers[-1].channels_out if layers else channels_in for layers in branches.values())


def keras_chain(keras, layers: list[ConvLayer], input_size: int, channels_in: int):
    """The same chain as a Keras model (for checking the counts)."""
    x = inputs = keras.Input((input_size, input_size, channels_in))
    for layer in layers:
        x = keras.layers.Conv2D(layer.channels_out, layer.kernel_size, strides=layer.stride,
                                padding=layer.padding, use_bias=layer.bias)(x)
    return keras.Model(inputs, x)


def keras_block(keras, branches: dict[str, list[ConvLayer]], input_size: int, channels_in: int, pool=True):
    """An Inception-style block as a Keras model: branches side by side, concatenated."""
    inputs = keras.Input((input_size, input_size, channels_in))
    outs = []
    for name, layers in branches.items():
        x = inputs
        if name == "pool" and pool:
            x = keras.layers.MaxPooling2D(3, strides=1, padding="same")(x)
        for layer in layers:
            x = keras.layers.Conv2D(layer.channels_out, layer.kernel_size, strides=layer.stride,
                                    padding=layer.padding, use_bias=layer.bias)(x)
        outs.append(x)
    return keras.Model(inputs, keras.layers.Concatenate()(outs))


# --- Stacks of small kernels versus one large kernel ---------------------------------------------------------
#
# Two LINEAR 3x3 layers (stride 1, no bias) from ``channels_in`` through ``channels_mid`` to ``channels_out``
# channels compute one 5x5 cross-correlation. Its kernel, for each pair (input channel i, output channel o), is
# sum_m conv_full(a[:, :, i, m], b[:, :, m, o]). Which 5x5 kernels can such a pair express?


def _shift_tensor(k: int = 3):
    """S[p, q, u, v, x, y] = 1 where p = u + x and q = v + y (full convolution of two k x k kernels)."""
    import numpy as np

    n = 2 * k - 1
    s = np.zeros((n, n, k, k, k, k))
    for u in range(k):
        for v in range(k):
            for x in range(k):
                for y in range(k):
                    s[u + x, v + y, u, v, x, y] = 1
    return s


def composed_kernel(first, second):
    """The 5x5 kernel of a 3x3 layer ``second`` applied after a 3x3 layer ``first`` (Keras-shaped kernels).

    ``first`` is (3, 3, channels_in, channels_mid) and ``second`` (3, 3, channels_mid, channels_out); 2-D or 3-D
    arrays mean one input (and output) channel. Cross-correlating with ``a`` and then with ``b`` equals
    cross-correlating once with the full *convolution* of ``a`` and ``b``.
    """
    import numpy as np

    a, b = np.asarray(first, float), np.asarray(second, float)
    if a.ndim == 2:
        a = a[:, :, None, None]
    elif a.ndim == 3:
        a = a[:, :, None, :]
    if b.ndim == 2:
        b = b[:, :, None, None]
    elif b.ndim == 3:
        b = b[:, :, :, None]
    return np.einsum("pquvxy,uvim,xymo->pqio", _shift_tensor(a.shape[0]), a, b, optimize=True)


def fit_two_3x3(target, channels_mid: int, restarts: int = 6, iterations: int = 200, seed: int = 0):
    """Best two-layer linear 3x3 fit of a 5x5 ``target`` (5, 5, channels_in, channels_out) or (5, 5).

    Alternating least squares (with ``a`` fixed the composition is linear in ``b`` and vice versa) from several
    random starts. Returns (relative residual ||fit - target|| / ||target||, a, b).
    """
    import numpy as np

    t = np.asarray(target, float)
    if t.ndim == 2:
        t = t[:, :, None, None]
    _, _, cin, cout = t.shape
    s = _shift_tensor(3)
    rng = np.random.default_rng(seed)
    best = (np.inf, None, None)
    tv = t.ravel()
    for _ in range(restarts):
        a = rng.normal(size=(3, 3, cin, channels_mid))
        b = rng.normal(size=(3, 3, channels_mid, cout))
        res = np.inf
        for _ in range(iterations):
            # with a fixed: K[:, :, :, o] = D @ b[:, :, :, o] for every output channel o
            d = np.einsum("pquvxy,uvim->pqixym", s, a).reshape(25 * cin, 9 * channels_mid)
            b = np.linalg.lstsq(d, t.reshape(25 * cin, cout), rcond=None)[0].reshape(3, 3, channels_mid, cout)
            # with b fixed: K[:, :, i, :] = E @ a[:, :, i, :] for every input channel i
            e = np.einsum("pquvxy,xymo->pqouvm", s, b).reshape(25 * cout, 9 * channels_mid)
            rhs = t.transpose(0, 1, 3, 2).reshape(25 * cout, cin)
            sol = np.linalg.lstsq(e, rhs, rcond=None)[0]
            a = sol.reshape(3, 3, channels_mid, cin).transpose(0, 1, 3, 2)
            new = np.linalg.norm(e @ sol - rhs) / np.linalg.norm(tv)  # = ||composed_kernel(a, b) - target||
            if new < 1e-12 or res - new < 1e-6 * res:
                res = new
                break
            res = new
        if res < best[0]:
            best = (res, a, b)
        if best[0] < 1e-12:
            break
    return best


# --- Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray, 2016) ------------------------------------------

WINOGRAD_B = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]  # B^T
WINOGRAD_G = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
WINOGRAD_A = [[1, 1, 1, 0], [0, 1, -1, -1]]  # A^T


def winograd_2x2_3x3(tile, kernel):
    """A 2x2 output of a 3x3 cross-correlation over a 4x4 input tile, and how many multiplications it took.

    The kernel and tile are transformed (additions and multiplications by constants; a kernel's transform is
    computed once and reused for every tile), then multiplied element by element: 4 x 4 = 16 general
    multiplications instead of 2 x 2 x 9 = 36.
    """
    import numpy as np

    bt, g, at = np.array(WINOGRAD_B, float), np.array(WINOGRAD_G, float), np.array(WINOGRAD_A, float)
    u = g @ np.asarray(kernel, float) @ g.T  # 4x4
    v = bt @ np.asarray(tile, float) @ bt.T  # 4x4
    m = u * v
    return at @ m @ at.T, m.size


def direct_multiplications(output_size: int, kernel_size: int) -> int:
    return output_size * output_size * kernel_size * kernel_size


# --- Dense and pooling layers, and a whole Keras model layer by layer -------------------------------


def count_dense(units_in: int, units_out: int, bias: bool = True, positions: int = 1) -> tuple[int, int]:
    """(parameters, multiply-adds) of a dense layer; ``positions`` > 1 when it acts on every pixel of a map."""
    params = units_in * units_out + (units_out if bias else 0)
    return params, positions * units_in * units_out


def count_pool(output_size: int, channels: int, pool_size: int) -> tuple[int, int]:
    """(parameters, multiply-adds) of a pooling layer: nothing to learn and no products (a max compares,
    an average adds ``pool_size**2`` numbers and scales once); returned for a uniform table."""
    if output_size < 0 or channels < 1 or pool_size < 1:
        raise ValueError("need output_size >= 0, channels >= 1 and pool_size >= 1")
    return 0, 0


@dataclass(frozen=True)
class LayerCount:
    name: str
    kind: str
    output_shape: tuple
    parameters: int
    mult_adds: int


_NO_WEIGHTS = {
    "InputLayer", "ReLU", "Activation", "Add", "Concatenate", "Multiply", "Average", "Maximum", "Subtract",
    "ZeroPadding2D", "Cropping2D", "Flatten", "Reshape", "Dropout", "SpatialDropout2D", "Rescaling", "Softmax",
    "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "LeakyReLU",
}


def _prod(values) -> int:
    out = 1
    for v in values:
        out *= int(v)
    return out


def count_layer(layer) -> LayerCount:
    """Parameters (from the layer's configuration, not from its weights) and multiply-adds of one layer."""
    kind = type(layer).__name__
    inputs = layer.output if kind == "InputLayer" else layer.input
    in_shape = None if isinstance(inputs, (list, tuple)) else tuple(inputs.shape)  # merges take several
    out_shape = tuple(layer.output.shape)
    cfg = layer.get_config()
    if kind in ("Conv2D", "DepthwiseConv2D", "SeparableConv2D"):
        kh, kw = cfg["kernel_size"]
        c_in, (oh, ow, c_out) = in_shape[-1], out_shape[1:]
        if kind == "Conv2D":
            groups = cfg.get("groups", 1)
            weights = kh * kw * (c_in // groups) * c_out
            macs = oh * ow * c_out * kh * kw * (c_in // groups)
        elif kind == "DepthwiseConv2D":
            weights = kh * kw * c_in * cfg["depth_multiplier"]
            macs = oh * ow * c_out * kh * kw
        else:
            mid = c_in * cfg["depth_multiplier"]
            weights = kh * kw * mid + mid * c_out
            macs = oh * ow * (mid * kh * kw + mid * c_out)
        return LayerCount(layer.name, kind, out_shape, weights + (c_out if cfg["use_bias"] else 0), macs)
    if kind == "Dense":
        params, macs = count_dense(in_shape[-1], cfg["units"], cfg["use_bias"], _prod(in_shape[1:-1]))
        return LayerCount(layer.name, kind, out_shape, params, macs)
    if kind == "BatchNormalization":
        channels = in_shape[cfg["axis"] if isinstance(cfg["axis"], int) else cfg["axis"][0]]
        params = channels * (2 + int(cfg["center"]) + int(cfg["scale"]))  # + moving mean and variance
        return LayerCount(layer.name, kind, out_shape, params, 0)  # folded into the convolution at inference
    if kind in _NO_WEIGHTS:
        if layer.weights:
            raise ValueError(f"layer {layer.name} ({kind}) has weights but is listed as weightless")
        return LayerCount(layer.name, kind, out_shape, 0, 0)
    raise ValueError(f"layer {layer.name}: counting does not know {kind}; add it to count_layer")


def count_model(model) -> list[LayerCount]:
    """Every layer of a Keras model, in order; nested models are counted through their own layers."""
    counts = []
    for layer in model.layers:
        # only Sequential and functional models record each inner layer's input; a subclassed model (even one
        # named "Model") does not, so it is refused by count_layer with a message naming it
        if hasattr(layer, "layers") and type(layer).__name__ in ("Sequential", "Functional"):
            counts.extend(count_model(layer))
        else:
            counts.append(count_layer(layer))
    return counts


CONV_KINDS = ("Conv2D", "DepthwiseConv2D", "SeparableConv2D")


def kernel_census(model) -> dict[str, int]:
    """How many convolution layers of a Keras model have each spatial kernel size: ``{"3x3": 16, "1x1": 36}``.

    Walks nested models (ConvNeXt keeps its stem in one); counts ``Conv2D``, ``DepthwiseConv2D`` and
    ``SeparableConv2D`` layers (a separable layer counts once, by its depthwise kernel), most common first.
    """
    counts: dict[str, int] = {}

    def walk(layers):
        for layer in layers:
            if type(layer).__name__ in CONV_KINDS:
                kh, kw = layer.kernel_size
                counts[f"{kh}x{kw}"] = counts.get(f"{kh}x{kw}", 0) + 1
            elif hasattr(layer, "layers"):
                walk(layer.layers)

    walk(model.layers)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def pointwise_dense_layers(model) -> int:
    """How many ``Dense`` layers of a Keras model act on a feature map (an input of rank 4: batch, height, width,
    channels). Such a layer applies one weight matrix at every pixel, which is a 1x1 convolution; ConvNeXt builds
    its pointwise layers this way, so ``kernel_census`` does not see them. Walks nested models like it."""
    count = 0

    def walk(layers):
        nonlocal count
        for layer in layers:
            if type(layer).__name__ == "Dense":
                count += len(layer.input.shape) == 4
            elif hasattr(layer, "layers"):
                walk(layer.layers)

    walk(model.layers)
    return count


def most_common_wider_than_1x1(census: dict[str, int]) -> str:
    """The most frequent kernel size other than 1x1 (ties: all of them, joined by " and ")."""
    wider = {size: n for size, n in census.items() if size != "1x1"}
    if not wider:
        raise ValueError("no kernel wider than 1x1 in this census")
    top = max(wider.values())
    return " and ".join(sorted(size for size, n in wider.items() if n == top))
