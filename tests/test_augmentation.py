"""Data Augmentation page: the training script's own transform, checked against SciPy; mirrors and half turns;
the short run's validation accuracies, recounted from its predictions."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from .conftest import ROOT, published  # noqa: E402

SNIPPETS = ROOT / "snippets" / "augmentation"


@pytest.fixture(scope="module")
def examples():
    return published("augmentation/examples")


@pytest.fixture(scope="module")
def first_batch():
    """Step 1 of the training stream, rebuilt here from the training script alone: (plain, augmented)."""
    from cnn_glossary.mnist import train
    from cnn_glossary.mnist.data import load_mnist

    (x, y), _, _ = train.split(load_mnist())
    out = []
    for aug in (False, True):
        keras, tf = train.setup(train.SEED)
        images, _ = next(iter(train.training_batches(tf, x, y, 1, train.SEED, augmented=aug)))
        out.append(images.numpy())
    return out


def stateless_draws(n, batch_index, seed):
    """The uniform numbers train.augment draws: (3, n), rows angle, shift x, shift y (scaled to [-1, 1))."""
    import tensorflow as tf

    key = tf.constant([batch_index, seed], tf.int32)
    return tf.random.stateless_uniform([3, n], seed=key, minval=-1.0, maxval=1.0).numpy()


def scipy_augment(image, angle_degrees, shift_x, shift_y):
    """Independent oracle: rotate about the centre (13.5, 13.5), then shift, with SciPy's bilinear resampling.

    affine_transform maps each output (row, col) to the input point matrix @ (row, col) + offset.
    """
    from scipy.ndimage import affine_transform

    a = math.radians(angle_degrees)
    matrix = np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])
    centre = np.array([13.5, 13.5])
    offset = centre - matrix @ centre - np.array([shift_y, shift_x])
    return affine_transform(image.astype(np.float64), matrix, offset=offset, order=1, mode="grid-constant",
                            cval=0.0)


@pytest.mark.checks("augmentation/examples")
def test_gallery_images_are_train_augment_of_the_first_batch(examples, first_batch):
    import tensorflow as tf

    from cnn_glossary.mnist import train

    plain, fed = first_batch
    images = np.asarray(examples.values["images"]["value"])  # (rows, 1 + steps, 28, 28)
    steps = examples.values["steps"]["value"]
    assert images.shape == (len(images), 1 + steps, 28, 28) and len(images) >= 3
    np.testing.assert_allclose(images[:, 0], plain[: len(images), ..., 0], atol=1e-6)
    # column 2 is what the network was shown in step 1 of the training run
    fed_tolerance = float(examples.values["fed_tolerance"]["value"])  # the page and the caption quote it
    assert fed_tolerance <= 1e-4 and examples.values["fed_tolerance"]["value"] in examples.figures["gallery"].caption
    np.testing.assert_allclose(images[:, 1], fed[: len(images), ..., 0], atol=fed_tolerance)
    for step in range(steps):
        direct = train.augment(tf, tf.constant(plain), tf.constant(step, tf.int64), train.SEED).numpy()
        np.testing.assert_allclose(images[:, 1 + step], direct[: len(images), ..., 0], atol=fed_tolerance)
        assert not np.allclose(images[:, 1 + step], images[:, 0], atol=1e-3), "augmentation changed nothing"


@pytest.mark.checks("augmentation/examples")
def test_gallery_images_agree_with_scipy_rotation_and_shift(examples, first_batch):
    from cnn_glossary.mnist import train

    plain, _ = first_batch
    images = np.asarray(examples.values["images"]["value"])
    tolerance = float(examples.values["scipy_tolerance"]["value"])  # the page quotes it
    assert tolerance <= 1e-3  # a thousandth of the pixel scale at most, or the comparison says little
    for step in range(examples.values["steps"]["value"]):
        r = stateless_draws(len(plain), step, train.SEED)
        for i in range(len(images)):
            angle, sx, sy = r[0, i] * 7.0, r[1, i] * 2.8, r[2, i] * 2.8  # the training script's stated limits
            oracle = scipy_augment(plain[i, ..., 0], angle, sx, sy)
            np.testing.assert_allclose(images[i, 1 + step], oracle, atol=tolerance)
    assert examples.values["max_rotation"]["value"] == train.MAX_ROTATION_DEGREES == 7.0
    assert examples.values["max_shift"]["value"] == train.MAX_SHIFT_PIXELS == 2.8
    assert examples.values["centre"]["value"] == 13.5 and examples.values["last_index"]["value"] == 27


@pytest.mark.checks("augmentation/examples")
@pytest.mark.guards("augmentation.md", "pixels across and, drawn separately, up to 2.8 up or down")
def test_worked_pixel_is_the_bilinear_mix_of_four_input_pixels(examples, first_batch):
    from cnn_glossary.mnist import train

    plain, _ = first_batch
    v = {k: d["value"] for k, d in examples.values.items()}
    r = stateless_draws(len(plain), 0, train.SEED)
    assert v["angle"] == pytest.approx(r[0, 0] * 7.0, abs=1e-5)
    assert (v["shift_x"], v["shift_y"]) == pytest.approx((r[1, 0] * 2.8, r[2, 0] * 2.8), abs=1e-5)
    # "drawn separately": the two shifts come from two different rows of draws, and differ for the batch
    assert not np.allclose(r[1], r[2]) and np.abs(r[1:3]).max() <= 1
    # the source point, by an inverse rotation matrix written here
    a = math.radians(v["angle"])
    back = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]]) @ (
        np.array([v["out_col"], v["out_row"]]) - 13.5) + 13.5 - np.array([v["shift_x"], v["shift_y"]])
    assert (v["source_x"], v["source_y"]) == pytest.approx(tuple(back), abs=1e-9)
    rows = examples.tables["mix"]["rows"]
    assert sum(w for *_, w in rows) == pytest.approx(1.0)
    for row, col, pixel, weight in rows:
        assert pixel == pytest.approx(plain[0, row, col, 0])
        assert abs(row - v["source_y"]) < 1 and abs(col - v["source_x"]) < 1
        assert weight == pytest.approx((1 - abs(col - v["source_x"])) * (1 - abs(row - v["source_y"])))
    image = np.asarray(examples.values["images"]["value"])[0, 1]
    assert v["out_value"] == pytest.approx(image[v["out_row"], v["out_col"]], abs=1e-6)
    assert v["mixed"] == pytest.approx(v["out_value"], abs=1e-5)
    assert 0.25 < v["out_value"] < 0.75  # the page calls it a mix of stroke and background
    # "because the point fell on the edge of a stroke": among its four pixels, some ink and some background
    pixels = [pixel for _, _, pixel, _ in rows]
    assert max(pixels) > 0.5 and min(pixels) < 0.1


@pytest.fixture(scope="module")
def flips():
    return published("augmentation/flips")


@pytest.mark.checks("augmentation/flips")
@pytest.mark.guards("augmentation.md", "Our network never saw a mirrored or half-turned digit")
@pytest.mark.guards("augmentation.md", "a nearly symmetric digit, as 8s")
def test_mirror_and_half_turn_readings_recounted(flips):
    from cnn_glossary.mnist import results
    from cnn_glossary.mnist.data import load_mnist
    from cnn_glossary.mnist.train import split

    _, (x_val, y_val), _ = split(load_mnist())
    model = results.for_page().load_model()

    def read(images):
        return model.predict(images, batch_size=1000, verbose=0).argmax(axis=1)

    mirror = read(np.flip(x_val, axis=2))
    turned = read(np.rot90(x_val, k=2, axes=(1, 2)))
    plain = read(x_val)
    for digit, count, ok, kept_mirror, kept_turned in flips.tables["readings"]["rows"]:
        mine = y_val == digit
        assert count == mine.sum()
        assert ok == pytest.approx((plain[mine] == digit).mean())
        assert kept_mirror == pytest.approx((mirror[mine] == digit).mean())
        assert kept_turned == pytest.approx((turned[mine] == digit).mean())
    v = {k: d["value"] for k, d in flips.values.items()}
    assert v["turned_6_as_9"] == pytest.approx((turned[y_val == 6] == 9).mean())
    assert v["turned_9_as_6"] == pytest.approx((turned[y_val == 9] == 6).mean())
    # the page's words: a turned 6 is mostly read as a 9 (and back); mirrored 2s and 5s are almost never
    # read as themselves, while mirrored 0s, 1s and 8s mostly are
    assert v["turned_6_as_9"] > 0.5 and v["turned_9_as_6"] > 0.5
    assert v["mirror_2_kept"] < 0.1 and v["mirror_5_kept"] < 0.1
    for digit in (0, 1, 8):
        assert (mirror[y_val == digit] == digit).mean() > 0.9, digit
    assert v["mirror_8_kept"] > 0.5 + max(v["mirror_2_kept"], v["mirror_5_kept"])
    # "never saw a mirrored or half-turned digit": the training transform is a small turn and shift, no flip
    import inspect

    from cnn_glossary.mnist import train

    assert train.MAX_ROTATION_DEGREES < 90 and "flip" not in inspect.getsource(train.augment).lower()
    assert "flip" not in inspect.getsource(train.training_batches).lower()


@pytest.mark.guards("augmentation.md", "No altered copy is stored and an epoch has as many steps as")
@pytest.mark.guards("augmentation.md", "with fresh random amounts at every step")
@pytest.mark.guards("augmentation.md", "give an image a different variant each time it is used")
@pytest.mark.guards("augmentation.md", "no altered copy is stored and an epoch has as many steps as before")
def test_augmentation_happens_on_the_fly_with_fresh_draws_every_step():
    from cnn_glossary.mnist import train

    keras, tf = train.setup(train.SEED)
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(300, 28, 28, 1)).astype("float32")
    y = np.arange(300, dtype="int32")  # each label names its image
    epochs = 2
    plain = list(train.training_batches(tf, x, y, epochs, train.SEED, augmented=False))
    altered = list(train.training_batches(tf, x, y, epochs, train.SEED, augmented=True))
    per_epoch = -(-len(x) // train.BATCH_SIZE)
    assert len(plain) == len(altered) == epochs * per_epoch  # as many steps, no extra copies in the stream
    seen = {}
    for step, (images, labels) in enumerate(altered):
        for image, label in zip(images.numpy(), labels.numpy()):
            seen.setdefault(int(label), []).append((step, image))
    assert all(len(v) == epochs for v in seen.values())  # every image once per epoch, in altered form
    for label, ((s1, a), (s2, b)) in list(seen.items())[:50]:
        assert s1 < per_epoch <= s2 and not np.allclose(a, b, atol=1e-3), label  # a fresh variant each time
        assert not np.allclose(a, x[label], atol=1e-3)


def test_source_point_inverts_the_forward_map():
    from cnn_glossary.augmentation import source_point

    # forward (written here): shift the input point, then turn it about the centre; source_point undoes it
    rng = np.random.default_rng(0)
    for _ in range(20):
        angle, sx, sy, x, y = rng.uniform(-7, 7), *rng.uniform(-3, 3, 2), *rng.uniform(0, 27, 2)
        a = -math.radians(angle)  # the output is the input turned by -angle in (column, row) coordinates
        fx = 13.5 + math.cos(a) * (x + sx - 13.5) - math.sin(a) * (y + sy - 13.5)
        fy = 13.5 + math.sin(a) * (x + sx - 13.5) + math.cos(a) * (y + sy - 13.5)
        assert source_point(fx, fy, angle, sx, sy) == pytest.approx((x, y))


@pytest.mark.guards("augmentation.md", "Our network never saw a mirrored or half-turned digit")
def test_the_recipe_cannot_draw_a_mirrored_or_half_turned_digit():
    """Every transform train.augment can draw is a turn of at most MAX_ROTATION_DEGREES plus a shift: no mirror
    (the linear part keeps orientation, determinant > 0) and nowhere near a half turn (180 degrees).

    The uniform numbers augment draws lie in [-1, 1); here they are replaced by the extremes of that range and
    random values inside it, and the transforms augment hands to the image kernel are read back and decomposed.
    """
    import itertools
    import types

    import tensorflow as tf

    from cnn_glossary.mnist import train

    corners = np.array(list(itertools.product([-1.0, 0.0, 1.0 - 1e-7], repeat=3)), dtype="float32").T  # (3, 27)
    inside = np.random.default_rng(0).uniform(-1, 1, size=(3, 200)).astype("float32")
    r = np.concatenate([corners, inside], axis=1)
    captured = {}

    def stateless_uniform(shape, seed, minval, maxval):
        assert (float(minval), float(maxval)) == (-1.0, 1.0) and list(shape)[0] == 3  # the range the test assumes
        return tf.constant(r)

    def transform(images, transforms, output_shape, fill_value, interpolation, fill_mode):
        captured["t"] = transforms.numpy()
        return images

    spy = types.SimpleNamespace(**{name: getattr(tf, name) for name in ("shape", "stack", "cast", "constant", "int32",
                                                                          "cos", "sin", "zeros", "float32")})
    spy.random = types.SimpleNamespace(stateless_uniform=stateless_uniform)
    spy.raw_ops = types.SimpleNamespace(ImageProjectiveTransformV3=transform)
    images = tf.zeros([r.shape[1], 28, 28, 1])
    train.augment(spy, images, 0, train.SEED)
    t = captured["t"].astype("float64")
    assert t.shape == (r.shape[1], 8) and np.all(t[:, 6:] == 0)  # affine: no perspective part
    a, b, c, d = t[:, 0], t[:, 1], t[:, 3], t[:, 4]
    det = a * d - b * c
    assert np.all(det > 0.99)  # orientation kept: a mirror has a negative determinant
    angle = np.degrees(np.arctan2(c, a))
    assert np.abs(angle).max() <= train.MAX_ROTATION_DEGREES + 1e-3 < 90  # a half turn is 180 degrees
    assert np.abs(angle).max() > train.MAX_ROTATION_DEGREES - 0.01  # the extremes were reached
    # and the real generator keeps its draws inside [-1, 1)
    real = tf.random.stateless_uniform([3, 4096], seed=[7, train.SEED], minval=-1.0, maxval=1.0).numpy()
    assert real.min() >= -1 and real.max() < 1
    # the input pipeline changes images only through augment: with augment switched off it feeds the digits as they are
    x = np.random.default_rng(1).uniform(size=(10, 28, 28, 1)).astype("float32")
    y = np.arange(10, dtype="int32")
    plain = train.training_batches(tf, x, y, epochs=1, seed=train.SEED, augmented=False)
    for xb, yb in plain:
        np.testing.assert_array_equal(xb.numpy(), x[yb.numpy()])
