"""Hand-designed and learned kernels: applying them, comparing them, counting their parameters,
and learning the Sobel kernel back from (digit, Sobel-filtered digit) pairs."""

from __future__ import annotations

import math
import os

import numpy as np

DIGIT_INDEX = 1  # the test digit shown on the Filters and Feature-maps pages (a "2")

HAND_FILTERS: dict[str, np.ndarray] = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype="float32"),
    "box blur": np.full((3, 3), 1 / 9, dtype="float32"),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype="float32"),
    "Sobel x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype="float32"),
    "Sobel y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype="float32"),
    "Laplacian": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype="float32"),
}
SOBEL_X = HAND_FILTERS["Sobel x"]


def test_digit() -> np.ndarray:
    """The page's MNIST test digit, scaled to [0, 1] as the network sees it."""
    from cnn_glossary.mnist.data import load_mnist

    return load_mnist().x_test[DIGIT_INDEX].astype("float32") / 255.0


def apply_kernels(image: np.ndarray, kernels: np.ndarray) -> np.ndarray:
    """Cross-correlate one (H, W) image with kernels (k, k, n) by TensorFlow, "same" padding: (H, W, n)."""
    from cnn_glossary.conv_table import tf_conv2d

    return tf_conv2d(image[:, :, None], kernels[:, :, None, :], padding="same")


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.ravel(a).astype(float), np.ravel(b).astype(float)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def closest_hand_filter(kernel: np.ndarray) -> tuple[str, float]:
    """The hand-designed filter whose direction (as nine numbers) is nearest by absolute cosine similarity,
    and the signed cosine; a negative sign means the mirror image in brightness."""
    best = max(HAND_FILTERS, key=lambda name: abs(cosine(kernel, HAND_FILTERS[name])))
    return best, cosine(kernel, HAND_FILTERS[best])


def conv_parameters(kernel_size: int, channels_in: int, channels_out: int, bias: bool = True) -> int:
    return kernel_size * kernel_size * channels_in * channels_out + (channels_out if bias else 0)


def dense_parameters(in_shape: tuple[int, ...], out_shape: tuple[int, ...], bias: bool = True) -> int:
    """A dense layer joining every input number to every output number."""
    n_in, n_out = math.prod(in_shape), math.prod(out_shape)
    return n_in * n_out + (n_out if bias else 0)


def locally_connected_parameters(kernel_size: int, channels_in: int, out_shape: tuple[int, ...],
                                 bias: bool = True) -> int:
    """A locally connected layer: windows like a convolution's, but its own kernel at every output position
    (no sharing). ``out_shape`` is (height, width, channels_out); one bias per output number if ``bias``."""
    n_out = math.prod(out_shape)
    return kernel_size * kernel_size * channels_in * n_out + (n_out if bias else 0)


def sobel_pairs(n: int = 500, convolve: bool = False, seed: int = 0, noise: float = 0.2):
    """(digit, Sobel-x-filtered digit) pairs from the MNIST training set, "valid" size.

    ``convolve=False`` makes the targets by cross-correlation (what Conv2D computes);
    ``convolve=True`` by true convolution (scipy.signal.convolve2d), i.e. with the kernel turned.
    Seeded Gaussian ``noise`` is added to the digits (before filtering): neighbouring pixels of a
    clean digit are so alike that gradient descent pins down some kernel directions only slowly.
    """
    from scipy.signal import convolve2d, correlate2d

    from cnn_glossary.mnist.data import load_mnist

    idx = np.random.default_rng(seed).choice(60000, size=n, replace=False)
    rng = np.random.default_rng(seed + 1)
    x = load_mnist().x_train[idx].astype("float32") / 255.0
    x = (x + noise * rng.standard_normal(x.shape)).astype("float32")
    op = convolve2d if convolve else correlate2d
    y = np.stack([op(img, SOBEL_X, mode="valid") for img in x]).astype("float32")
    return x[..., None], y[..., None]


def learn_kernel(x: np.ndarray, y: np.ndarray, epochs: int = 30, seed: int = 0):
    """Train one linear 3x3 Conv2D (with bias) on the pairs; return (kernel (3, 3), bias, final loss)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(x.shape[1:]), keras.layers.Conv2D(1, 3, padding="valid")])
    steps = epochs * math.ceil(len(x) / 50)
    schedule = keras.optimizers.schedules.CosineDecay(0.05, decay_steps=steps)  # large steps first, then settle
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="mse")
    history = model.fit(x, y, batch_size=50, epochs=epochs, verbose=0)
    kernel, bias = model.layers[0].get_weights()
    return kernel[:, :, 0, 0], float(bias[0]), float(history.history["loss"][-1])


CHANCE_SAMPLES, CHANCE_SEED = 20_000, 0


def chance_best_cosines(n: int = CHANCE_SAMPLES, seed: int = CHANCE_SEED) -> np.ndarray:
    """The chance baseline for :func:`closest_hand_filter`: for ``n`` random 3x3 kernels (nine independent
    standard-normal weights, so every direction is equally likely), the best absolute cosine against the
    hand-designed filters."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((n, 9))
    hand = np.stack([HAND_FILTERS[name].ravel() for name in HAND_FILTERS]).astype(float)
    cos = (w @ hand.T) / (np.linalg.norm(w, axis=1, keepdims=True) * np.linalg.norm(hand, axis=1))
    return np.abs(cos).max(axis=1)


def count_words(n: int) -> str:
    """A count in words for a sentence start (0-20), digits above."""
    words = ("no zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
             "sixteen seventeen eighteen nineteen twenty").split()[1:]
    return words[n] if 0 <= n < len(words) else str(n)


def resemblance_sentence(similarities: list[float], chance: np.ndarray, quantile: float = 0.9) -> str:
    """The sentence the Filters page prints about learned kernels resembling hand-made ones, decided by the
    numbers: how many learned kernels beat the chance baseline's ``quantile``, and how many sit inside it."""
    threshold = float(np.quantile(chance, quantile))
    above = sum(abs(s) > threshold for s in similarities)
    n = len(similarities)
    pct = f"{quantile:.0%}"
    if above == 0:
        return (f"None of the {n} learned kernels resembles a hand-made filter more closely than {pct} of random "
                "kernels do: the matches in the table are at chance level.")
    by_chance = f" (random kernels in their place would give about {round(n * (1 - quantile))} of {n})"
    if above == n:
        return (f"All {n} learned kernels resemble a hand-made filter more closely than {pct} of random kernels "
                f"do{by_chance}.")
    return (f"{count_words(above).capitalize()} of the {n} learned kernels resemble a hand-made filter more "
            f"closely than {pct} of random kernels do; the other {n - above} do not{by_chance}.")
