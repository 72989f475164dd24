"""Convolution arithmetic, and plain NumPy references for what a conv layer computes.

Vocabulary used throughout the project: ``input_size, kernel_size, padding, stride,
dilation, channels_in, channels_out``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PaddingLike = int | str  # an int (zeros added on each side), or "valid", "same", "full"


def effective_kernel_size(kernel_size: int, dilation: int = 1) -> int:
    """Span of a dilated kernel: ``k + (k - 1)(d - 1)``."""
    if kernel_size < 1 or dilation < 1:
        raise ValueError("kernel_size and dilation must be at least 1")
    return kernel_size + (kernel_size - 1) * (dilation - 1)


def padding_amounts(
    input_size: int, kernel_size: int, padding: PaddingLike, stride: int = 1, dilation: int = 1
) -> tuple[int, int]:
    """Zeros added ``(before, after)`` along one axis.

    ``"same"`` follows TensorFlow: the total is whatever makes the output ``ceil(i / s)``,
    and an odd total puts the extra zero after (bottom/right).
    """
    k_eff = effective_kernel_size(kernel_size, dilation)
    if isinstance(padding, int):
        if padding < 0:
            raise ValueError("padding must be non-negative")
        return padding, padding
    if padding == "valid":
        return 0, 0
    if padding == "full":
        return k_eff - 1, k_eff - 1
    if padding == "same":
        out = math.ceil(input_size / stride)
        total = max((out - 1) * stride + k_eff - input_size, 0)
        return total // 2, total - total // 2
    raise ValueError(f"unknown padding {padding!r}; use an int, 'valid', 'same' or 'full'")


def output_size(
    input_size: int, kernel_size: int, padding: PaddingLike = 0, stride: int = 1, dilation: int = 1
) -> int:
    """``floor((i + p_before + p_after - k_eff) / s) + 1``: output length along one axis."""
    if stride < 1:
        raise ValueError("stride must be at least 1")
    before, after = padding_amounts(input_size, kernel_size, padding, stride, dilation)
    span = input_size + before + after - effective_kernel_size(kernel_size, dilation)
    if span < 0:
        raise ValueError(
            f"kernel (effective size {effective_kernel_size(kernel_size, dilation)}) is larger "
            f"than the padded input ({input_size + before + after})"
        )
    return span // stride + 1


@dataclass(frozen=True)
class ConvConfig:
    """One 2-D convolution setting (square input and kernel), named for figures and tests."""

    name: str
    input_size: int
    kernel_size: int
    padding: PaddingLike = 0
    stride: int = 1
    dilation: int = 1

    @property
    def output_size(self) -> int:
        return output_size(self.input_size, self.kernel_size, self.padding, self.stride, self.dilation)

    @property
    def pads(self) -> tuple[int, int]:
        return padding_amounts(self.input_size, self.kernel_size, self.padding, self.stride, self.dilation)


def pad2d(x: np.ndarray, before: int, after: int) -> np.ndarray:
    """Zero-pad the two spatial axes of ``x`` (H, W, ...) by ``before``/``after``."""
    widths = [(before, after), (before, after)] + [(0, 0)] * (x.ndim - 2)
    return np.pad(x, widths)


def cross_correlate2d(
    x: np.ndarray, kernel: np.ndarray, padding: PaddingLike = 0, stride: int = 1, dilation: int = 1,
    bias: np.ndarray | float = 0.0,
) -> np.ndarray:
    """What a conv layer computes, as a plain loop (the reference implementation).

    ``x`` is ``(H, W, channels_in)`` or ``(H, W)``; ``kernel`` is Keras-shaped
    ``(kh, kw, channels_in, channels_out)`` or ``(kh, kw)``. No kernel flip.
    """
    squeeze = x.ndim == 2 and kernel.ndim == 2
    if x.ndim == 2:
        x = x[:, :, None]
    if kernel.ndim == 2:
        kernel = kernel[:, :, None, None]
    kh, kw, cin, cout = kernel.shape
    if kh != kw or x.shape[0] != x.shape[1]:
        raise ValueError("square inputs and kernels only")
    if x.shape[2] != cin:
        raise ValueError(f"input has {x.shape[2]} channels, kernel expects {cin}")
    before, after = padding_amounts(x.shape[0], kh, padding, stride, dilation)
    xp = pad2d(x.astype(np.float64), before, after)
    o = output_size(x.shape[0], kh, padding, stride, dilation)
    out = np.zeros((o, o, cout))
    for r in range(o):
        for c in range(o):
            for i in range(kh):
                for j in range(kw):
                    pixel = xp[r * stride + i * dilation, c * stride + j * dilation]  # (cin,)
                    out[r, c] += pixel @ kernel[i, j]
    out += bias
    return out[:, :, 0] if squeeze else out


def visited_inputs(config: ConvConfig) -> np.ndarray:
    """Boolean mask over the (padded) input: which positions any kernel tap ever touches."""
    before, after = config.pads
    size = config.input_size + before + after
    mask = np.zeros((size, size), dtype=bool)
    o = config.output_size
    for r in range(o):
        for c in range(o):
            for i in range(config.kernel_size):
                for j in range(config.kernel_size):
                    mask[r * config.stride + i * config.dilation, c * config.stride + j * config.dilation] = True
    return mask


def im2col(x: np.ndarray, kernel_size: int, stride: int = 1) -> np.ndarray:
    """Copy every window of ``x`` (H, W, channels_in), no padding, into one row of a matrix.

    Row ``r * o + c`` holds the window of output position ``(r, c)``, flattened in the order of a
    Keras kernel ``(kh, kw, channels_in)``, so ``im2col(x, k) @ kernel.reshape(-1, channels_out)``
    is the layer's output, one row per position: the whole convolution as one matrix product.
    """
    if x.ndim == 2:
        x = x[:, :, None]
    o = output_size(x.shape[0], kernel_size, 0, stride)
    o_w = output_size(x.shape[1], kernel_size, 0, stride)
    rows = [x[r * stride: r * stride + kernel_size, c * stride: c * stride + kernel_size].reshape(-1)
            for r in range(o) for c in range(o_w)]
    return np.stack(rows)
