"""Receptive-field calculator: walk a Keras model and report, for every layer, each unit's field.

Along one axis a layer's units are described by three numbers (Araujo, Norris & Sim, 2019):

* ``size``  -- how many input pixels one unit can see (its receptive-field size, r),
* ``jump``  -- how far apart, in input pixels, two neighbouring units' fields are (effective stride, j),
* ``start`` -- the input pixel where unit 0's field starts (negative when padding reaches outside the input).

Unit ``u`` of the layer sees input pixels ``start + u * jump`` to ``start + u * jump + size - 1``, centred
at ``start + u * jump + (size - 1) / 2``. A layer with kernel ``k``, dilation ``d`` (span ``k_eff = d(k-1)+1``),
stride ``s`` and ``p`` zeros of padding before the input updates them as

    size  <- size + (k_eff - 1) * jump
    start <- start - p * jump
    jump  <- jump * s

which, read from the output back to the input, is the recurrence ``r_in = s * r_out + (k - s)``.
A dilated kernel's taps skip pixels, so its field can have holes; ``size`` is the field's span.
Every quantity is a pair (rows, columns), so non-square kernels and strides work.

Where branches merge (``Add``, ``Concatenate``, ...), a unit's field is the union of its fields along every
incoming path. If the paths disagree on ``jump`` or on where a unit is centred, the merged layer is flagged
``misaligned`` with a note: the union is then reported for unit 0, and other units' fields differ in size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Layers that do not move, widen or subsample anything: the field passes through unchanged.
PASSTHROUGH = {
    "BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization",
    "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "Activation", "Identity",
    "Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization",
    "Rescaling", "Normalization", "Lambda",
}
MERGES = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"}
CONVOLUTIONS = {"Conv2D", "DepthwiseConv2D", "SeparableConv2D"}
POOLINGS = {"MaxPooling2D", "AveragePooling2D"}
GLOBALS = {"GlobalAveragePooling2D", "GlobalMaxPooling2D", "Flatten"}


def _pair(v) -> tuple[int, int]:
    if isinstance(v, int):
        return (v, v)
    v = tuple(int(x) for x in v)
    return v if len(v) == 2 else (v[0], v[0])


@dataclass(frozen=True)
class Axis:
    """The field of a layer's units along one axis, in input pixels."""

    size: int
    jump: int
    start: float

    @property
    def centre(self) -> float:
        """Centre of unit 0's field."""
        return self.start + (self.size - 1) / 2

    def span(self, unit: int) -> tuple[float, float]:
        """First and last input pixel seen by unit ``unit`` (before clipping to the input)."""
        first = self.start + unit * self.jump
        return first, first + self.size - 1


@dataclass
class LayerField:
    """One layer's row in the calculator's report."""

    name: str
    kind: str
    rows: Axis
    cols: Axis
    output_size: tuple[int | None, int | None] = (None, None)
    is_global: bool = False
    misaligned: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def size(self) -> tuple[int, int]:
        return (self.rows.size, self.cols.size)

    @property
    def jump(self) -> tuple[int, int]:
        return (self.rows.jump, self.cols.jump)

    @property
    def start(self) -> tuple[float, float]:
        return (self.rows.start, self.cols.start)

    @property
    def centre(self) -> tuple[float, float]:
        return (self.rows.centre, self.cols.centre)

    def span(self, unit: tuple[int, int]) -> tuple[tuple[float, float], tuple[float, float]]:
        return self.rows.span(unit[0]), self.cols.span(unit[1])


def same_padding_before(input_size: int | None, kernel_size: int, stride: int, dilation: int = 1) -> int:
    """Zeros TensorFlow's ``"same"`` puts before the input (the odd extra one goes after)."""
    k_eff = dilation * (kernel_size - 1) + 1
    if input_size is None:  # unknown size: assume it divides by the stride
        total = max(k_eff - stride, 0)
    else:
        out = -(-input_size // stride)
        total = max((out - 1) * stride + k_eff - input_size, 0)
    return total // 2


def step(axis: Axis, kernel_size: int, stride: int, dilation: int, pad_before: int) -> Axis:
    """Apply one sliding-window layer along one axis."""
    k_eff = dilation * (kernel_size - 1) + 1
    return Axis(axis.size + (k_eff - 1) * axis.jump, axis.jump * stride, axis.start - pad_before * axis.jump)


def merge(axes: list[Axis]) -> tuple[Axis, list[str]]:
    """Union of unit 0's fields over several paths; notes say where the paths disagree."""
    notes = []
    jumps = {a.jump for a in axes}
    centres = {a.centre for a in axes}
    if len(jumps) > 1:
        notes.append(f"incoming paths have different effective strides {sorted(jumps)}: "
                     "the union is given for unit 0; other units' fields differ")
    if len(centres) > 1:
        notes.append(f"incoming paths centre a unit at different input positions {sorted(centres)}")
    first = min(a.start for a in axes)
    last = max(a.start + a.size - 1 for a in axes)
    size = last - first + 1
    return Axis(int(size) if float(size).is_integer() else size, max(jumps), first), notes


def _spatial(shape) -> tuple[int | None, int | None]:
    return (shape[1], shape[2]) if len(shape) == 4 else (None, None)


def _apply(layer, fields: list[LayerField], input_shapes: list) -> LayerField:
    """The field of ``layer``'s output, given the fields of its inputs."""
    kind = type(layer).__name__
    name = layer.name
    if getattr(layer, "data_format", "channels_last") == "channels_first":
        raise ValueError(f"layer {name}: channels_first is not supported")
    if kind in MERGES:
        rows, notes_r = merge([f.rows for f in fields])
        cols, notes_c = merge([f.cols for f in fields])
        notes = [f"rows: {n}" for n in notes_r] + [f"cols: {n}" for n in notes_c]
        return LayerField(name, kind, rows, cols, misaligned=bool(notes), notes=notes,
                          is_global=any(f.is_global for f in fields))
    if len(fields) != 1:
        raise ValueError(f"layer {name} ({kind}) has {len(fields)} inputs; only merge layers may have several")
    f = fields[0]
    size_in = _spatial(input_shapes[0])
    if f.is_global:
        return LayerField(name, kind, f.rows, f.cols, is_global=True)
    if kind in CONVOLUTIONS or kind in POOLINGS:
        if kind in CONVOLUTIONS:
            kernel, strides, dilation = _pair(layer.kernel_size), _pair(layer.strides), _pair(layer.dilation_rate)
        else:
            kernel, strides, dilation = _pair(layer.pool_size), _pair(layer.strides), (1, 1)
        axes = []
        for a, (axis, k, s, d, n) in enumerate(zip((f.rows, f.cols), kernel, strides, dilation, size_in)):
            pad = same_padding_before(n, k, s, d) if layer.padding == "same" else 0
            if layer.padding not in ("same", "valid"):
                raise ValueError(f"layer {name}: padding {layer.padding!r} is not supported")
            axes.append(step(axis, k, s, d, pad))
        return LayerField(name, kind, *axes)
    if kind == "ZeroPadding2D":
        (top, _), (left, _) = layer.padding
        return LayerField(name, kind, step(f.rows, 1, 1, 1, top), step(f.cols, 1, 1, 1, left))
    if kind == "Cropping2D":
        (top, _), (left, _) = layer.cropping
        return LayerField(name, kind, step(f.rows, 1, 1, 1, -top), step(f.cols, 1, 1, 1, -left))
    if kind in GLOBALS:
        return LayerField(name, kind, f.rows, f.cols, is_global=True,
                          notes=["the spatial part ends here: every unit sees every position of the previous layer"])
    if kind == "Dense" and len(input_shapes[0]) == 4:  # a dense layer on a feature map acts per pixel
        return LayerField(name, kind, f.rows, f.cols, notes=["per-pixel dense layer (a 1x1 convolution)"])
    if kind == "Dense":
        return LayerField(name, kind, f.rows, f.cols, is_global=True)
    if kind in PASSTHROUGH:
        return LayerField(name, kind, f.rows, f.cols)
    raise ValueError(f"layer {name}: the receptive-field calculator does not know {kind}; "
                     "add it to PASSTHROUGH if it acts on each position separately")


def _as_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def receptive_fields(model) -> list[LayerField]:
    """Walk ``model`` (functional or sequential, possibly nested) and report every layer's field.

    The first row is the input (size 1, jump 1, start 0). Layers are reported in the model's order.
    """
    import keras

    report: list[LayerField] = []
    inputs = _as_list(model.inputs)
    if len(inputs) != 1:
        raise ValueError("models with one image input only")
    start = LayerField(inputs[0].name if hasattr(inputs[0], "name") else "input", "Input",
                       Axis(1, 1, 0), Axis(1, 1, 0), _spatial(inputs[0].shape))
    report.append(start)
    _walk(model, {id(inputs[0]): start}, report, keras)
    return report


def _walk(model, by_tensor: dict, report: list, keras) -> None:
    if isinstance(model, keras.Sequential):
        current = by_tensor[id(_as_list(model.inputs)[0])]
        shape = _as_list(model.inputs)[0].shape
        for layer in model.layers:
            current = _through(layer, [current], [shape], report, keras)
            shape = layer.output.shape
        by_tensor[id(_as_list(model.outputs)[0])] = current
        return
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        ins = _as_list(layer.input)
        fields = [by_tensor[id(t)] for t in ins]
        by_tensor[id(layer.output)] = _through(layer, fields, [t.shape for t in ins], report, keras)


def _through(layer, fields, shapes, report, keras) -> LayerField:
    if isinstance(layer, keras.Model):  # a nested model: walk its layers, then carry on
        by_tensor = {id(_as_list(layer.inputs)[0]): fields[0]}
        _walk(layer, by_tensor, report, keras)
        return by_tensor[id(_as_list(layer.outputs)[0])]
    out = _apply(layer, fields, shapes)
    out.output_size = _spatial(layer.output.shape)
    report.append(out)
    return out


def by_name(report: list[LayerField]) -> dict[str, LayerField]:
    return {f.name: f for f in report}


def closed_form_size(kernel_sizes, strides, dilations=None) -> int:
    """``r = 1 + sum_l (k_eff_l - 1) * prod_{i<l} s_i`` for a plain chain of layers."""
    dilations = dilations or [1] * len(kernel_sizes)
    r, jump = 1, 1
    for k, s, d in zip(kernel_sizes, strides, dilations):
        r += (d * (k - 1)) * jump
        jump *= s
    return r


def backward_size(kernel_sizes, strides, dilations=None) -> int:
    """The same size from the output back to the input: ``r_in = s * r_out + (k_eff - s)``, from ``r_out = 1``."""
    dilations = dilations or [1] * len(kernel_sizes)
    r = 1
    for k, s, d in reversed(list(zip(kernel_sizes, strides, dilations))):
        r = s * r + (d * (k - 1) + 1 - s)
    return r


def report_rows(report: list[LayerField]) -> list[tuple]:
    """Rows for a table: layer, type, output size, field size, jump, start, centre, flag."""
    rows = []
    for f in report:
        if f.is_global:
            rows.append((f.name, f.kind, "-", "whole input", "-", "-", "-", ""))
            continue
        size = f"{f.rows.size}" if f.rows.size == f.cols.size else f"{f.rows.size}x{f.cols.size}"
        jump = f"{f.rows.jump}" if f.rows.jump == f.cols.jump else f"{f.rows.jump}x{f.cols.jump}"
        start = _num(f.rows.start) if f.rows.start == f.cols.start else f"({_num(f.rows.start)}, {_num(f.cols.start)})"
        centre = _num(f.rows.centre) if f.rows.centre == f.cols.centre else \
            f"({_num(f.rows.centre)}, {_num(f.cols.centre)})"
        out = "x".join(str(n) for n in f.output_size) if f.output_size[0] is not None else "?"
        rows.append((f.name, f.kind, out, size, jump, start, centre, "misaligned" if f.misaligned else ""))
    return rows


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


# --- Measuring a field: the gradient of one unit with respect to the input -----------------------------
#
# The calculator above is checked against this measurement. To make every pixel in the field show up, the
# architecture is cloned with (1) activations replaced by the identity, (2) max pooling replaced by average
# pooling of the same geometry (a max-pooling gradient goes to one pixel per window only, which would hide
# the rest of the window), (3) positive kernels (each averaging its window), zero biases and default batch
# norm, and (4) float64, so that small contributions at the edge of a deep network's field do not underflow.
# The clone is a positive linear map, so no contribution can cancel: the pixels with a non-zero gradient
# are exactly the unit's receptive field, clipped to the input.

ACTIVATIONS = {"ReLU", "LeakyReLU", "PReLU", "ELU", "Activation"}


def linear_positive_clone(model, seed: int = 0):
    """A float64 copy of ``model``'s architecture that is linear with positive weights (see above)."""
    import keras
    import numpy as np

    def clone_layer(layer):
        kind = type(layer).__name__
        config = layer.get_config()
        config["dtype"] = "float64"
        if kind in ACTIVATIONS:
            return keras.layers.Activation("linear", name=layer.name, dtype="float64")
        if kind == "MaxPooling2D":
            return keras.layers.AveragePooling2D(pool_size=layer.pool_size, strides=layer.strides,
                                                 padding=layer.padding, name=layer.name, dtype="float64")
        if kind in ("Dropout", "SpatialDropout2D"):
            return keras.layers.Activation("linear", name=layer.name, dtype="float64")
        if "activation" in config:
            config["activation"] = "linear"
        return type(layer).from_config(config)

    shape = _as_list(model.inputs)[0].shape[1:]
    inputs = keras.Input(shape, dtype="float64")
    clone = keras.models.clone_model(model, input_tensors=inputs, clone_function=clone_layer)
    rng = np.random.default_rng(seed)
    for layer in clone.layers:
        kind = type(layer).__name__
        weights = layer.get_weights()
        if not weights or kind == "BatchNormalization":
            continue
        new = []
        for w in weights:
            if w.ndim >= 2:  # a kernel: positive, each output averages its inputs
                fan_in = np.prod(w.shape[:-1]) if kind != "DepthwiseConv2D" else np.prod(w.shape[:2])
                w = rng.uniform(0.5, 1.5, size=w.shape) / fan_in
            else:  # a bias
                w = np.zeros_like(w)
            new.append(w)
        layer.set_weights(new)
    return clone


def gradient_map(model, layer_name: str, unit: tuple[int, int], channel: int = 0, x=None):
    """|d output[unit, channel] / d input|, summed over input channels, as a 2-D array."""
    import keras
    import numpy as np
    import tensorflow as tf

    sub = keras.Model(model.inputs, model.get_layer(layer_name).output)
    shape = _as_list(model.inputs)[0].shape[1:]
    if x is None:
        x = np.zeros((1, *shape))
    x = tf.convert_to_tensor(x, dtype=sub.inputs[0].dtype)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = sub(x, training=False)
        picked = y[:, unit[0], unit[1], channel]
    g = tape.gradient(picked, x).numpy()
    return np.abs(g).sum(axis=(0, -1))


def measured_span(grad) -> tuple[tuple[int, int], tuple[int, int]]:
    """First and last row and column with a non-zero gradient."""
    import numpy as np

    rows = np.flatnonzero(grad.any(axis=1))
    cols = np.flatnonzero(grad.any(axis=0))
    return (int(rows[0]), int(rows[-1])), (int(cols[0]), int(cols[-1]))


def predicted_span(f: LayerField, unit: tuple[int, int], input_size: tuple[int, int]):
    """The calculator's field of ``unit``, clipped to the input."""
    out = []
    for (first, last), n in zip(f.span(unit), input_size):
        out.append((int(max(first, 0)), int(min(last, n - 1))))
    return tuple(out)


def effective_field(model, images, layer_name: str, unit: tuple[int, int], channels=None):
    """Mean |gradient| of one unit of a *trained* model with respect to the input, over ``images``.

    Unlike :func:`gradient_map` this keeps the real weights, activations and max pooling, so it shows the
    *effective* receptive field (Luo et al., 2016): where, inside the theoretical field, the unit actually
    looks. ``images`` is (N, H, W) or (N, H, W, C) in the model's input scale; ``channels`` picks the output
    channel per image (default: the channel with the largest mean activation at that unit).
    """
    import keras
    import numpy as np
    import tensorflow as tf

    sub = keras.Model(model.inputs, model.get_layer(layer_name).output)
    x = np.asarray(images, dtype="float32")
    if x.ndim == 3:
        x = x[..., None]
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = sub(x, training=False)[:, unit[0], unit[1], :]
        if channels is None:
            channels = np.full(len(images), int(tf.argmax(tf.reduce_mean(y, axis=0))))
        picked = tf.gather(y, np.asarray(channels, dtype="int64")[:, None], axis=1, batch_dims=1)
        total = tf.reduce_sum(picked)
    g = tape.gradient(total, x).numpy()
    return np.abs(g).sum(axis=-1).mean(axis=0)
